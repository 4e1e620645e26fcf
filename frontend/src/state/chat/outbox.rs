//! Messages written but not yet acknowledged by the server, kept in localStorage per user so a
//! reload or a lost connection never loses one: each is resent with the same `client_msg_id`
//! until acknowledged, and the server's idempotency makes a resend never a duplicate.

use leptos::prelude::*;
use protocol::media::{Attachment, Location};
use protocol::{ConversationId, MessageId, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Chat, now_ms};

/// One unacknowledged message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The idempotency key the server stores with the message.
    pub client_msg_id: Uuid,
    /// Where it goes.
    pub conversation_id: ConversationId,
    /// Its text.
    pub body: String,
    /// The message it answers.
    pub reply_to: Option<MessageId>,
    /// Members it mentions (absent in entries saved before mentions existed).
    #[serde(default)]
    pub mentions: Vec<UserId>,
    /// Uploaded files it carries, whole, so the pending bubble can show them (absent in
    /// entries saved before attachments existed).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// A position it shares.
    #[serde(default)]
    pub location: Option<Location>,
    /// When it was written (milliseconds since the epoch), to show a time while pending.
    pub written_at: f64,
    /// Why the server refused it, when it did: then it waits for the user to retry or discard.
    pub failed: Option<String>,
}

fn key(user: UserId) -> String {
    format!("confab.outbox.{user}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The saved outbox of `user` (empty when none or unreadable).
pub fn load(user: UserId) -> Vec<OutboxEntry> {
    storage()
        .and_then(|s| s.get_item(&key(user)).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Saves `user`'s outbox (removes the key when empty, so signed-out browsers keep nothing).
pub fn save(user: UserId, entries: &[OutboxEntry]) {
    let Some(storage) = storage() else { return };
    // Storage may be full or disabled: the outbox then lives only as long as the page.
    let _ = if entries.is_empty() {
        storage.remove_item(&key(user))
    } else {
        match serde_json::to_string(entries) {
            Ok(json) => storage.set_item(&key(user), &json),
            Err(_) => Ok(()),
        }
    };
}

/// A random (version 4) UUID from the browser's cryptographic generator.
pub fn new_client_msg_id() -> Uuid {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Without WebCrypto (very old browsers) Math.random still makes collisions vanishingly rare
        // for one sender, which is the scope of the server's uniqueness.
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

impl Chat {
    /// Queues a message for sending and returns it (the gateway sends it when connected).
    pub fn queue(
        &self,
        conversation_id: ConversationId,
        body: String,
        reply_to: Option<MessageId>,
        mentions: Vec<UserId>,
        attachments: Vec<Attachment>,
        location: Option<Location>,
    ) -> OutboxEntry {
        self.ensure_outbox();
        let entry = OutboxEntry {
            client_msg_id: new_client_msg_id(),
            conversation_id,
            body,
            reply_to,
            mentions,
            attachments,
            location,
            written_at: now_ms(),
            failed: None,
        };
        self.outbox.update(|o| o.push(entry.clone()));
        self.save_outbox();
        entry
    }

    /// The server refused a message for good: it stays, marked, for the user to retry or discard.
    pub fn on_refused(&self, client_msg_id: Uuid, reason: String) {
        self.outbox.update(|o| {
            for entry in o.iter_mut().filter(|e| e.client_msg_id == client_msg_id) {
                entry.failed = Some(reason.clone());
            }
        });
        self.save_outbox();
    }

    /// Clears a refusal so the entry is sent again; returns it.
    pub fn retry(&self, client_msg_id: Uuid) -> Option<OutboxEntry> {
        let mut found = None;
        self.outbox.update(|o| {
            if let Some(entry) = o.iter_mut().find(|e| e.client_msg_id == client_msg_id) {
                entry.failed = None;
                found = Some(entry.clone());
            }
        });
        self.save_outbox();
        found
    }

    /// Drops an entry without sending it (or once the server stored it).
    pub fn drop_from_outbox(&self, client_msg_id: Uuid) {
        let present = self.outbox.with_untracked(|o| o.iter().any(|e| e.client_msg_id == client_msg_id));
        if present {
            self.outbox.update(|o| o.retain(|e| e.client_msg_id != client_msg_id));
            self.save_outbox();
        }
    }

    /// Loads the signed-in user's saved outbox once, keeping anything queued before it loaded.
    pub(super) fn ensure_outbox(&self) {
        let Some(me) = self.me() else { return };
        if self.owner.get_untracked() == Some(me) {
            return;
        }
        let mut saved = load(me);
        for entry in self.outbox.get_untracked() {
            if !saved.iter().any(|e| e.client_msg_id == entry.client_msg_id) {
                saved.push(entry);
            }
        }
        self.owner.set(Some(me));
        self.outbox.set(saved);
        self.save_outbox();
    }

    fn save_outbox(&self) {
        if let Some(me) = self.owner.get_untracked().or_else(|| self.me()) {
            self.outbox.with_untracked(|o| save(me, o));
        }
    }
}
