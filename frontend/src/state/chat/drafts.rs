//! Messages begun and not sent, one per conversation, kept in localStorage under the signed-in
//! user and the conversation, so switching conversation or reloading never loses them; the
//! conversation list shows them in place of the last message. Text only: attachments are
//! uploads in flight and stay with the conversation's tray. Removed when sent, and all of a
//! user's when they sign out (a shared browser keeps nothing of theirs).

use std::collections::HashMap;

use leptos::prelude::*;
use protocol::{ConversationId, UserId};

use super::Chat;

/// What every draft key of `user` begins with.
fn prefix(user: UserId) -> String {
    format!("confab.draft.{user}.")
}

/// The localStorage key of `user`'s draft in `conversation`.
pub fn key(user: UserId, conversation: ConversationId) -> String {
    format!("{}{conversation}", prefix(user))
}

/// The conversation a localStorage `key` holds a draft of, if it is one of `user`'s.
pub fn conversation_of(key: &str, user: UserId) -> Option<ConversationId> {
    key.strip_prefix(&prefix(user))?.parse::<uuid::Uuid>().ok().map(ConversationId)
}

/// Whether `text` is worth keeping: whitespace alone is no draft.
pub fn worth_keeping(text: &str) -> bool {
    !text.trim().is_empty()
}

/// What the conversation list shows after "Draft:": the text on one line.
pub fn list_text(draft: &str) -> String {
    draft.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// Every draft of `user` saved in this browser.
fn load_all(user: UserId) -> HashMap<ConversationId, String> {
    let Some(storage) = storage() else { return HashMap::new() };
    let keys: Vec<String> = (0..storage.length().unwrap_or(0)).filter_map(|i| storage.key(i).ok().flatten()).collect();
    keys.into_iter()
        .filter_map(|key| {
            let conversation = conversation_of(&key, user)?;
            let text = storage.get_item(&key).ok().flatten()?;
            Some((conversation, text))
        })
        .collect()
}

impl Chat {
    /// The draft of conversation `id` (empty when none): what its composer starts with.
    pub fn draft(&self, id: ConversationId) -> String {
        self.load_drafts();
        self.drafts.with_untracked(|d| d.get(&id).cloned()).unwrap_or_default()
    }

    /// Keeps `text` as the draft of conversation `id`, or removes the draft when there is
    /// nothing worth keeping (after a send, or the text was erased).
    pub fn keep_draft(&self, id: ConversationId, text: &str) {
        let Some(me) = self.me() else { return };
        self.load_drafts();
        let keep = worth_keeping(text);
        let unchanged = self.drafts.with_untracked(|d| match d.get(&id) {
            Some(saved) => keep && saved == text,
            None => !keep,
        });
        if unchanged {
            return;
        }
        // Storage may be full or disabled: the draft then lives as long as the page.
        if let Some(storage) = storage() {
            let _ = if keep { storage.set_item(&key(me, id), text) } else { storage.remove_item(&key(me, id)) };
        }
        self.drafts.update(|d| {
            if keep {
                d.insert(id, text.to_owned());
            } else {
                d.remove(&id);
            }
        });
    }

    /// Loads the signed-in user's saved drafts, once per sign-in.
    pub(super) fn load_drafts(&self) {
        let Some(me) = self.me() else { return };
        if self.drafts_owner.get_value() == Some(me) {
            return;
        }
        self.drafts_owner.set_value(Some(me));
        self.drafts.set(load_all(me));
    }

    /// Removes every draft of the user who signed out, from memory and from the browser.
    pub(super) fn forget_drafts(&self) {
        if let (Some(user), Some(storage)) = (self.drafts_owner.get_value(), storage()) {
            for id in load_all(user).into_keys() {
                let _ = storage.remove_item(&key(user, id));
            }
        }
        self.drafts_owner.set_value(None);
        self.drafts.set(HashMap::new());
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    const ALICE: UserId = UserId(Uuid::from_u128(1));
    const BOB: UserId = UserId(Uuid::from_u128(2));
    const ROOM: ConversationId = ConversationId(Uuid::from_u128(10));

    #[test]
    fn a_draft_key_names_its_user_and_conversation_and_reads_back() {
        let key = key(ALICE, ROOM);
        assert_eq!(key, format!("confab.draft.{ALICE}.{ROOM}"));
        assert_eq!(conversation_of(&key, ALICE), Some(ROOM));
        // Another user's drafts, and other keys, are not this user's.
        assert_eq!(conversation_of(&key, BOB), None);
        assert_eq!(conversation_of(&format!("confab.outbox.{ALICE}"), ALICE), None);
        assert_eq!(conversation_of(&format!("confab.draft.{ALICE}.junk"), ALICE), None);
    }

    #[test]
    fn whitespace_alone_is_no_draft() {
        assert!(!worth_keeping(""));
        assert!(!worth_keeping("  \n\t"));
        assert!(worth_keeping(" hi "));
    }

    #[test]
    fn the_list_shows_a_draft_on_one_line() {
        assert_eq!(list_text("  See you\n\nat  noon "), "See you at noon");
    }
}
