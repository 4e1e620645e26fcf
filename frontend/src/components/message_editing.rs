//! Which message of the open conversation is being edited: one at a time, opened by its "Edit"
//! button, by ↑ in an empty composer (the last own message) or by E on a focused message, and
//! closed by Save, Cancel or Esc (in the edit box or in the composer). Shared by the history and
//! the composer, which are siblings, so it lives in a context the conversation provides.

use leptos::prelude::*;
use protocol::MessageId;
use wasm_bindgen::JsCast;

/// The composer's text box (composer.rs), which gets the focus back when an edit closes.
const COMPOSER: &str = "textarea[data-testid=\"composer\"]";
/// The open edit box (message_bubble.rs); there is at most one.
const EDIT_BOX: &str = ".edit-form textarea";

/// The message whose edit box is open in the conversation on screen, if any.
#[derive(Clone, Copy)]
pub struct MessageEditing {
    open: RwSignal<Option<MessageId>>,
}

impl MessageEditing {
    /// Gives the conversation being drawn its own editing state (none open).
    pub fn provide() {
        provide_context(Self { open: RwSignal::new(None) });
    }

    /// Opens the edit box of `message` (closing any other) and puts the focus in it.
    pub fn open(self, message: MessageId) {
        if self.open.try_set(Some(message)).is_none() {
            request_animation_frame(focus_edit_box);
        }
    }

    /// Closes the open edit box, if any; whether there was one.
    pub fn cancel(self) -> bool {
        let was_open = self.open.try_get_untracked().flatten().is_some();
        if was_open {
            let _ = self.open.try_set(None);
            request_animation_frame(focus_composer_if_lost);
        }
        was_open
    }
}

/// One message's view of [`MessageEditing`], used by its bubble like a `RwSignal<bool>`.
/// Outside a conversation (no context), the message keeps its own switch.
#[derive(Clone, Copy)]
pub struct EditSwitch {
    editing: MessageEditing,
    message: MessageId,
}

impl EditSwitch {
    /// The switch of `message`.
    pub fn new(message: MessageId) -> Self {
        let editing = use_context::<MessageEditing>().unwrap_or_else(|| MessageEditing { open: RwSignal::new(None) });
        Self { editing, message }
    }

    /// Whether this message's edit box is open (tracked).
    pub fn get(&self) -> bool {
        self.editing.open.try_with(|open| *open == Some(self.message)).unwrap_or(false)
    }

    /// Opens this message's edit box, or closes it if it is the open one. Closing hands the
    /// focus to the composer, as the edit box that had it is gone.
    pub fn set(&self, on: bool) {
        if on {
            self.editing.open(self.message);
        } else if self.editing.open.try_get_untracked().flatten() == Some(self.message) {
            self.editing.cancel();
        }
    }
}

/// The composer's text box, if one is drawn.
pub fn composer() -> Option<web_sys::HtmlTextAreaElement> {
    document().query_selector(COMPOSER).ok().flatten()?.dyn_into().ok()
}

/// Puts the focus in the open edit box, the caret after its text.
fn focus_edit_box() {
    let Some(field) = document().query_selector(EDIT_BOX).ok().flatten() else { return };
    let Ok(field) = field.dyn_into::<web_sys::HtmlTextAreaElement>() else { return };
    let _ = field.focus();
    let end = field.value().encode_utf16().count() as u32;
    let _ = field.set_selection_range(end, end);
}

/// Gives the focus to the composer when nothing has it (the closed edit box had it); focus the
/// person put elsewhere meanwhile stays there.
fn focus_composer_if_lost() {
    let document = document();
    let lost = match document.active_element() {
        None => true,
        Some(active) => document.body().is_some_and(|body| active.is_same_node(Some(&body))),
    };
    if lost && let Some(field) = composer() {
        let _ = field.focus();
    }
}
