//! Browser notifications for messages the user is not looking at: asked for from a button (never
//! on load), shown only while the page is hidden or another conversation is open, and in a
//! muted conversation only for mentions.

use leptos::prelude::*;
use protocol::ConversationId;
use protocol::conversations::Message;
use wasm_bindgen::JsCast;
use web_sys::{Notification, NotificationOptions, NotificationPermission};

use super::{Chat, now_ms, reducer};
use crate::locale::td_string;
use crate::media::summary::preview;

impl Chat {
    /// Notifies of a live message from someone else, unless its conversation is on screen
    /// and the user is looking at the page.
    pub(super) fn notify(&self, id: ConversationId, message: &Message) {
        let open_and_seen = self.open.get_untracked() == Some(id) && page_visible();
        let muted = self.summary(id).is_some_and(|s| !reducer::deserves_notice(&s, message, self.me(), now_ms()));
        if open_and_seen || muted {
            return;
        }
        let title = self.summary(id).map(|s| Self::title_of(&s)).unwrap_or_default();
        let sender = self.name_of(message.sender_id);
        let language = self.language();
        let body = td_string!(language, chat.preview_sender, sender, text = preview(message, language));
        show(&title, &body.to_string(), id);
    }
}

/// Whether the browser can notify at all.
pub fn supported() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &"Notification".into()).unwrap_or(false)
}

/// Whether the user has allowed notifications.
pub fn granted() -> bool {
    supported() && Notification::permission() == NotificationPermission::Granted
}

/// Whether asking makes sense: supported and neither granted nor refused yet.
pub fn can_ask() -> bool {
    supported() && Notification::permission() == NotificationPermission::Default
}

/// Asks for permission (must run in a click handler); `done` learns whether it was granted.
pub fn ask(done: impl FnOnce(bool) + 'static) {
    let callback = wasm_bindgen::closure::Closure::once_into_js(move |answer: wasm_bindgen::JsValue| {
        done(answer.as_string().as_deref() == Some("granted"));
    });
    let _ = Notification::request_permission_with_permission_callback(callback.unchecked_ref());
}

/// Whether the page is visible and focused, i.e. the user sees what is on screen.
pub fn page_visible() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| !d.hidden() && d.has_focus().unwrap_or(true))
}

/// Shows a notification (silently nothing without permission). Notifications of one
/// conversation share a tag, so a burst replaces itself instead of piling up.
pub fn show(title: &str, body: &str, conversation: ConversationId) {
    if !granted() {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(body);
    options.set_tag(&conversation.to_string());
    let _ = Notification::new_with_options(title, &options);
}
