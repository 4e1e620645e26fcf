//! Ephemeral answers: a bot's reply to a slash command the user invoked, delivered to this
//! user's open apps only (`ephemeral_message`) and never stored by the server. They live here,
//! in memory, per conversation, until dismissed or the page reloads; they are no messages, so
//! they neither count as unread nor raise a notification.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use leptos::prelude::*;
use protocol::ConversationId;
use protocol::users::PublicUser;

use super::Chat;

/// Most answers kept per conversation: a bot answering in a loop cannot grow the page without
/// bound; the oldest go first.
const KEPT_PER_CONVERSATION: usize = 20;

/// Keys for the history's rows, unique for the page's life (answers have no id of their own).
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// One bot answer only the user sees.
#[derive(Clone, Debug, PartialEq)]
pub struct EphemeralAnswer {
    /// Tells this answer apart from every other on the page (for dismissing and redrawing).
    pub key: u64,
    /// The seq of the `command_invoked` event it answers: it is shown below that line.
    pub invocation_seq: i64,
    /// The bot.
    pub sender: PublicUser,
    /// Markdown, drawn like a message's.
    pub body: String,
}

/// Adds an answer to conversation `id`, dropping the oldest beyond the limit.
pub fn receive(
    answers: &mut HashMap<ConversationId, Vec<EphemeralAnswer>>,
    id: ConversationId,
    invocation_seq: i64,
    sender: PublicUser,
    body: String,
) {
    let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
    let list = answers.entry(id).or_default();
    list.push(EphemeralAnswer { key, invocation_seq, sender, body });
    let excess = list.len().saturating_sub(KEPT_PER_CONVERSATION);
    list.drain(..excess);
}

/// Removes the answer `key` of conversation `id`.
pub fn dismiss(answers: &mut HashMap<ConversationId, Vec<EphemeralAnswer>>, id: ConversationId, key: u64) {
    if let Some(list) = answers.get_mut(&id) {
        list.retain(|a| a.key != key);
        if list.is_empty() {
            answers.remove(&id);
        }
    }
}

/// Takes out of `answers` those to the invocation at `seq`, in the order they came: the history
/// shows them right below that invocation's line, and what is left at its end.
pub fn take_answers_to(answers: &mut Vec<EphemeralAnswer>, seq: i64) -> Vec<EphemeralAnswer> {
    let (below, rest) = std::mem::take(answers).into_iter().partition(|a| a.invocation_seq == seq);
    *answers = rest;
    below
}

impl Chat {
    /// Takes in an `ephemeral_message` frame.
    pub(super) fn on_ephemeral(&self, id: ConversationId, invocation_seq: i64, sender: PublicUser, body: String) {
        self.remember_users([sender.clone()]);
        self.ephemeral.update(|answers| receive(answers, id, invocation_seq, sender, body));
    }

    /// The user dismissed an answer.
    pub fn dismiss_ephemeral(&self, id: ConversationId, key: u64) {
        self.ephemeral.update(|answers| dismiss(answers, id, key));
    }
}

#[cfg(test)]
mod tests {
    use protocol::UserId;
    use uuid::Uuid;

    use super::*;

    const ROOM: ConversationId = ConversationId(Uuid::from_u128(10));
    const OTHER: ConversationId = ConversationId(Uuid::from_u128(11));

    fn bot() -> PublicUser {
        PublicUser {
            id: UserId(Uuid::from_u128(7)),
            username: "helper".into(),
            display_name: "Helper".into(),
            bio: String::new(),
            avatar_color: "#000".into(),
            created_at: Default::default(),
            avatar: None,
            kind: Default::default(),
        }
    }

    fn bodies(answers: &HashMap<ConversationId, Vec<EphemeralAnswer>>, id: ConversationId) -> Vec<String> {
        answers.get(&id).map(|l| l.iter().map(|a| a.body.clone()).collect()).unwrap_or_default()
    }

    #[test]
    fn answers_are_kept_per_conversation_and_dismissed_one_by_one() {
        let mut answers = HashMap::new();
        receive(&mut answers, ROOM, 4, bot(), "first".into());
        receive(&mut answers, ROOM, 6, bot(), "second".into());
        receive(&mut answers, OTHER, 2, bot(), "elsewhere".into());
        assert_eq!(bodies(&answers, ROOM), ["first", "second"]);
        let first = answers[&ROOM][0].key;
        assert_ne!(first, answers[&ROOM][1].key);
        dismiss(&mut answers, ROOM, first);
        assert_eq!(bodies(&answers, ROOM), ["second"]);
        assert_eq!(bodies(&answers, OTHER), ["elsewhere"], "another conversation's answers stay");
        dismiss(&mut answers, ROOM, first);
        assert_eq!(bodies(&answers, ROOM), ["second"], "dismissing twice changes nothing");
    }

    #[test]
    fn answers_are_taken_by_the_invocation_they_answer() {
        let mut answers = HashMap::new();
        for (seq, body) in [(4, "a"), (6, "b"), (4, "c")] {
            receive(&mut answers, ROOM, seq, bot(), body.into());
        }
        let mut left = answers.remove(&ROOM).unwrap();
        let below = take_answers_to(&mut left, 4);
        assert_eq!(below.iter().map(|a| a.body.as_str()).collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(left.iter().map(|a| a.body.as_str()).collect::<Vec<_>>(), ["b"]);
        assert!(take_answers_to(&mut left, 5).is_empty());
        assert_eq!(left.len(), 1, "an invocation not shown leaves its answers for the end");
    }

    #[test]
    fn only_the_newest_answers_are_kept() {
        let mut answers = HashMap::new();
        for n in 0..KEPT_PER_CONVERSATION + 3 {
            receive(&mut answers, ROOM, 1, bot(), format!("answer {n}"));
        }
        let kept = bodies(&answers, ROOM);
        assert_eq!(kept.len(), KEPT_PER_CONVERSATION);
        assert_eq!(kept[0], "answer 3");
    }
}
