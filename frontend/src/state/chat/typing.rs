//! Typing indicators: a `typing` frame shows its sender as typing for five seconds, renewed by
//! the next frame (clients send one every few seconds while typing), and ended early by the
//! sender's message. Expiry is a timer here, so a lost connection never leaves one stuck.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::{ConversationId, UserId};

use super::{Chat, now_ms};

/// How long a typing indicator lasts without a new `typing` frame, in milliseconds.
const TYPING_MS: f64 = 5_000.0;

impl Chat {
    /// Shows `user` as typing in `id` (never the user themselves) and schedules the expiry.
    pub(super) fn on_typing(&self, id: ConversationId, user: UserId) {
        if Some(user) == self.me() {
            return;
        }
        let until = now_ms() + TYPING_MS;
        self.typing.update(|t| {
            t.entry(id).or_default().insert(user, until);
        });
        let chat = *self;
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(TYPING_MS as u32 + 100).await;
            let now = now_ms();
            chat.typing.update(|t| {
                for users in t.values_mut() {
                    users.retain(|_, until| *until > now);
                }
                t.retain(|_, users| !users.is_empty());
            });
        });
    }

    /// Stops showing `user` as typing (their message arrived).
    pub fn stop_typing(&self, id: ConversationId, user: UserId) {
        self.typing.update(|t| {
            if let Some(users) = t.get_mut(&id) {
                users.remove(&user);
            }
        });
    }
}
