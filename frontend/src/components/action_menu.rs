//! The keyboard and touch side of a message's action menu on phones (message_bubble.rs): whether
//! the phone layout is in use, where the arrow keys move the focus (the ARIA menu pattern), and
//! the long press on a bubble that opens the menu, as in the chat apps people already know.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The phone layout's media query: main.css switches at the same width.
const PHONE_QUERY: &str = "(max-width: 699px)";
/// How long a finger rests on a bubble before its menu opens: as for who reacted (reactions.rs).
const LONG_PRESS_MS: u32 = 500;
/// How far (CSS px) a finger may drift while pressing; more is a scroll, not a press.
const PRESS_SLOP_PX: f64 = 10.0;

/// Whether the viewport has the phone layout, where actions hide behind "…".
pub fn phone_layout() -> bool {
    window().match_media(PHONE_QUERY).ok().flatten().is_some_and(|query| query.matches())
}

/// The item a menu key moves to among `count` items, from the focused one (`current`); `None`
/// for keys the menu leaves alone. Up and Down wrap around, as the ARIA menu pattern suggests.
pub fn next_item(key: &str, current: Option<usize>, count: usize) -> Option<usize> {
    if count == 0 {
        return None;
    }
    let last = count - 1;
    match key {
        "ArrowDown" => Some(current.map_or(0, |i| if i >= last { 0 } else { i + 1 })),
        "ArrowUp" => Some(current.map_or(last, |i| if i == 0 { last } else { i - 1 })),
        "Home" => Some(0),
        "End" => Some(last),
        _ => None,
    }
}

/// Moves the focus inside `menu` for `key`; returns whether the key was a menu key.
pub fn move_focus(menu: &web_sys::Element, key: &str) -> bool {
    let Ok(nodes) = menu.query_selector_all("button") else { return false };
    let items: Vec<web_sys::HtmlElement> =
        (0..nodes.length()).filter_map(|i| nodes.item(i)?.dyn_into::<web_sys::HtmlElement>().ok()).collect();
    let focused = document().active_element();
    let current =
        items.iter().position(|item| focused.as_ref().is_some_and(|f| f == item.unchecked_ref::<web_sys::Element>()));
    match next_item(key, current, items.len()) {
        Some(next) => {
            let _ = items[next].focus();
            true
        }
        None => false,
    }
}

/// Focuses the first item of `menu` (once it is shown).
pub fn focus_first(menu: &web_sys::Element) {
    if let Some(first) =
        menu.query_selector("button").ok().flatten().and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = first.focus();
    }
}

/// A press on a bubble that opens its menu once it has lasted [`LONG_PRESS_MS`], unless it
/// ended or drifted into a scroll first. Only in the phone layout: elsewhere the actions show on
/// hover and focus.
#[derive(Clone, Copy, Debug)]
pub struct LongPress {
    /// The press under way: its pointer and where it went down.
    press: StoredValue<Option<(i32, f64, f64)>>,
}

impl LongPress {
    /// No press yet.
    pub fn new() -> Self {
        Self { press: StoredValue::new(None) }
    }

    /// A pointer went down: `open` runs if it is still down, in place, after the delay.
    pub fn down(&self, ev: &web_sys::PointerEvent, open: impl Fn() + 'static) {
        if !ev.is_primary() || ev.button() > 0 || !phone_layout() {
            return;
        }
        let pointer = ev.pointer_id();
        self.press.set_value(Some((pointer, f64::from(ev.client_x()), f64::from(ev.client_y()))));
        let press = self.press;
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(LONG_PRESS_MS).await;
            // The bubble may have gone meanwhile (the message re-rendered).
            if press.try_get_value().flatten().is_some_and(|(id, ..)| id == pointer) {
                let _ = press.try_set_value(None);
                open();
            }
        });
    }

    /// A pointer moved: far enough, the press is a scroll.
    pub fn moved(&self, ev: &web_sys::PointerEvent) {
        if let Some((id, x, y)) = self.press.get_value()
            && id == ev.pointer_id()
            && (f64::from(ev.client_x()) - x).hypot(f64::from(ev.client_y()) - y) > PRESS_SLOP_PX
        {
            self.press.set_value(None);
        }
    }

    /// The press ended (lifted, cancelled or left the bubble) before the delay.
    pub fn ended(&self) {
        self.press.set_value(None);
    }
}

impl Default for LongPress {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::next_item;

    #[test]
    fn arrows_wrap_around_and_home_end_jump() {
        assert_eq!(next_item("ArrowDown", None, 4), Some(0));
        assert_eq!(next_item("ArrowDown", Some(1), 4), Some(2));
        assert_eq!(next_item("ArrowDown", Some(3), 4), Some(0));
        assert_eq!(next_item("ArrowUp", Some(0), 4), Some(3));
        assert_eq!(next_item("ArrowUp", None, 4), Some(3));
        assert_eq!(next_item("Home", Some(2), 4), Some(0));
        assert_eq!(next_item("End", Some(0), 4), Some(3));
    }

    #[test]
    fn other_keys_and_empty_menus_are_left_alone() {
        assert_eq!(next_item("Enter", Some(1), 4), None);
        assert_eq!(next_item("ArrowDown", None, 0), None);
    }
}
