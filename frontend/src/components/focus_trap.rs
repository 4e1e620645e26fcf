//! Focus in a modal dialog: Tab and Shift+Tab wrap around the dialog's controls, and the focus
//! goes back to where it was once the dialog closes. A native `showModal` dialog makes the page
//! inert but still lets Tab leave for the browser's own toolbar; a `<div role="dialog">` keeps
//! neither the focus in nor a memory of where it came from.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// What Tab stops at in a dialog.
const TABBABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type=\"hidden\"]), \
                        select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";

/// On Tab in `dialog`: from its last control to its first (Shift+Tab: from the first, or the
/// dialog itself, to the last), so the focus never leaves it.
pub fn keep_focus_inside(dialog: &Element, ev: &leptos::ev::KeyboardEvent) {
    if ev.key() != "Tab" {
        return;
    }
    let Ok(found) = dialog.query_selector_all(TABBABLE) else { return };
    let controls: Vec<HtmlElement> = (0..found.length())
        .filter_map(|i| found.item(i)?.dyn_into::<HtmlElement>().ok())
        .filter(|el| el.offset_width() > 0 || el.offset_height() > 0)
        .collect();
    let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
        // Nothing to go to: the focus stays where it is.
        ev.prevent_default();
        return;
    };
    let active = document().active_element();
    let is = |el: &HtmlElement| active.as_ref().is_some_and(|a| a.is_same_node(Some(el)));
    let outside = !active.as_ref().is_some_and(|a| dialog.contains(Some(a)) && !a.is_same_node(Some(dialog)));
    let wrap_to = match ev.shift_key() {
        true if is(first) || outside => last,
        false if is(last) || outside => first,
        _ => return,
    };
    ev.prevent_default();
    let _ = wrap_to.focus();
}

/// Where the focus was before a dialog took it, to give it back when the dialog closes.
#[derive(Clone, Copy)]
pub struct FocusReturn(StoredValue<Option<HtmlElement>, LocalStorage>);

impl FocusReturn {
    /// Remembers the element that has the focus now.
    pub fn remember() -> Self {
        let this = Self::none();
        this.remember_now();
        this
    }

    /// Remembers nothing yet (see [`FocusReturn::remember_now`]).
    pub fn none() -> Self {
        Self(StoredValue::new_local(None))
    }

    /// Remembers (again) the element that has the focus now.
    pub fn remember_now(self) {
        let active = document().active_element().and_then(|a| a.dyn_into::<HtmlElement>().ok());
        let _ = self.0.try_set_value(active);
    }

    /// Gives the focus back to the remembered element, if it is still on the page.
    pub fn give_back(self) {
        if let Some(Some(el)) = self.0.try_update_value(Option::take)
            && el.is_connected()
        {
            let _ = el.focus();
        }
    }

    /// Forgets the element: the focus is going somewhere new (another page).
    pub fn forget(self) {
        let _ = self.0.try_set_value(None);
    }
}
