//! Messages written but not yet acknowledged by the server, kept in localStorage per user so a
//! reload or a lost connection never loses one: each is resent with the same `client_msg_id`
//! until acknowledged, and the server's idempotency makes a resend never a duplicate.

use protocol::{ConversationId, MessageId, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
