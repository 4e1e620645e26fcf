//! Edits and deletes mixed into a fan-out's sends (`--change-share`): which of a member's
//! commands is a change and of which message, how a command's kind travels in its `req_id` so
//! its `ack` can be told apart, and when each deletion was issued (a `message_deleted` event
//! carries no body to read a time from). Changes use the WebSocket's `edit_message` and
//! `delete_message` frames, like a client would.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use hdrhistogram::Histogram;
use protocol::MessageId;
use serde::Serialize;

/// Largest share of commands that may be changes. Half of the changes are deletes, each of a
/// message sent earlier; at this share a member still sends four messages per delete.
pub const MAX_CHANGE_SHARE: f64 = 0.5;
/// A member's own acknowledged messages kept as candidates for its changes, newest last.
const RECENT_MESSAGES: usize = 16;

/// What a command is. Its `req_id` is `sequence * 3 + kind`, so the reader that receives the
/// `ack` or `error` knows what it answers without sharing state with the sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// `send_message`.
    Send,
    /// `edit_message`.
    Edit,
    /// `delete_message`.
    Delete,
}

impl Command {
    /// Kinds of command, the stride of the `req_id`s.
    const KINDS: u64 = 3;

    /// The `req_id` of a member's `sequence`-th command of this kind.
    pub fn req_id(self, sequence: u64) -> u64 {
        let kind = match self {
            Self::Send => 0,
            Self::Edit => 1,
            Self::Delete => 2,
        };
        sequence * Self::KINDS + kind
    }

    /// The kind of command a `req_id` from [`Command::req_id`] was given to.
    pub fn of_req_id(req_id: u64) -> Self {
        match req_id % Self::KINDS {
            1 => Self::Edit,
            2 => Self::Delete,
            _ => Self::Send,
        }
    }
}

/// A change to make instead of sending a new message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Edit this message.
    Edit(MessageId),
    /// Delete this message.
    Delete(MessageId),
}

/// One member's schedule of changes: `share` of its commands, alternately an edit and a delete
/// of its newest acknowledged message still standing. A deleted message is forgotten at once,
/// so it is never deleted twice nor edited afterwards.
#[derive(Debug)]
pub struct ChangeSchedule {
    share: f64,
    /// Changes due and not yet made; one is made whenever this reaches 1.
    owed: f64,
    next_is_edit: bool,
    recent: VecDeque<MessageId>,
    /// Ticks at which a change was due but the member had no acknowledged message to change
    /// (a new message went instead; the change is made at a later tick).
    pub deferred: u64,
}

impl ChangeSchedule {
    /// A schedule making `share` of the commands changes. `phase` (0 to 1) offsets when the
    /// first one falls, so that members sending only a few commands each still make `share`
    /// of them changes all together; `edit_first` alternates which kind comes first likewise.
    pub fn new(share: f64, phase: f64, edit_first: bool) -> Self {
        Self {
            share: share.clamp(0.0, MAX_CHANGE_SHARE),
            owed: phase.clamp(0.0, 1.0),
            next_is_edit: edit_first,
            recent: VecDeque::with_capacity(RECENT_MESSAGES),
            deferred: 0,
        }
    }

    /// Remembers a message of this member's that the server acknowledged.
    pub fn acknowledged(&mut self, message: MessageId) {
        if self.recent.len() == RECENT_MESSAGES {
            self.recent.pop_front();
        }
        self.recent.push_back(message);
    }

    /// What this tick's command is: a change, or `None` to send a new message.
    pub fn next_change(&mut self) -> Option<Change> {
        self.owed += self.share;
        // Ten additions of 0.1 make 0.999…: a rounding error must not put a change off.
        if self.owed < 1.0 - 1e-9 {
            return None;
        }
        let change = if self.next_is_edit {
            self.recent.back().copied().map(Change::Edit)
        } else {
            self.recent.pop_back().map(Change::Delete)
        };
        match change {
            Some(change) => {
                self.owed -= 1.0;
                self.next_is_edit = !self.next_is_edit;
                Some(change)
            }
            None => {
                self.deferred += 1;
                None
            }
        }
    }
}

/// When each deletion of a conversation was issued (µs since the run's epoch), written by the
/// deleting member before its frame leaves and read by every member at the event.
#[derive(Debug, Default)]
pub struct DeletionTimes(Mutex<HashMap<MessageId, u64>>);

impl DeletionTimes {
    /// Notes that `message` is being deleted now.
    pub fn issued(&self, message: MessageId, at_micros: u64) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(message, at_micros);
    }

    /// When the deletion of `message` was issued.
    pub fn issued_at(&self, message: MessageId) -> Option<u64> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).get(&message).copied()
    }
}

/// The edits and deletes of a run, beside its sends (present when `--change-share` > 0).
#[derive(Debug, Clone, Serialize)]
pub struct ChangeReport {
    /// Share of commands asked to be changes.
    pub share: f64,
    /// Sends, edits and deletes acknowledged per second of sending.
    pub commands_acked_per_second: f64,
    /// Edits issued.
    pub edits_offered: u64,
    /// Edits acknowledged.
    pub edits_acked: u64,
    /// Deletes issued.
    pub deletes_offered: u64,
    /// Deletes acknowledged.
    pub deletes_acked: u64,
    /// Edits and deletes refused or never acknowledged.
    pub failed: u64,
    /// Ticks due a change that sent a new message instead, the member having no acknowledged
    /// message to change yet.
    pub deferred: u64,
    /// `message_edited` events received (one per member per edit).
    pub edits_delivered: u64,
    /// Edit delivery latency, edit issued to event received, ms.
    pub edit_p50_ms: f64,
    /// 99th percentile, ms.
    pub edit_p99_ms: f64,
    /// 99.9th percentile, ms.
    pub edit_p999_ms: f64,
    /// Worst, ms.
    pub edit_max_ms: f64,
    /// `message_deleted` events received (one per member per delete).
    pub deletes_delivered: u64,
    /// Delete delivery latency, delete issued to event received, ms.
    pub delete_p50_ms: f64,
    /// 99th percentile, ms.
    pub delete_p99_ms: f64,
    /// 99.9th percentile, ms.
    pub delete_p999_ms: f64,
    /// Worst, ms.
    pub delete_max_ms: f64,
    /// Acknowledged changes some member never received.
    pub lost: u64,
    /// Change events received twice.
    pub duplicated: u64,
}

impl ChangeReport {
    /// Every change acknowledged, and delivered to every member exactly once.
    pub fn clean(&self) -> bool {
        self.failed == 0 && self.lost == 0 && self.duplicated == 0
    }
}

/// Percentiles of a latency histogram in µs, as ms: p50, p99, p99.9, max.
pub fn percentiles_ms(histogram: &Histogram<u64>) -> [f64; 4] {
    let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    [ms(0.5), ms(0.99), ms(0.999), histogram.max() as f64 / 1000.0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(n: u128) -> MessageId {
        MessageId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn req_ids_tell_their_command_back() {
        for sequence in [0, 1, 2, 1_000_003] {
            for command in [Command::Send, Command::Edit, Command::Delete] {
                assert_eq!(Command::of_req_id(command.req_id(sequence)), command);
            }
        }
        assert_ne!(Command::Send.req_id(1), Command::Edit.req_id(1));
    }

    #[test]
    fn the_share_of_changes_alternates_edits_and_deletes_of_standing_messages() {
        let mut schedule = ChangeSchedule::new(0.1, 0.0, true);
        let mut deleted = std::collections::HashSet::new();
        let (mut edits, mut deletes, mut sends) = (0, 0, 0u128);
        let mut last_kind = None;
        for _ in 0..1_000 {
            match schedule.next_change() {
                None => {
                    sends += 1;
                    schedule.acknowledged(message(sends));
                }
                Some(Change::Edit(id)) => {
                    assert!(!deleted.contains(&id), "edited a deleted message");
                    assert_ne!(last_kind, Some(true));
                    last_kind = Some(true);
                    edits += 1;
                }
                Some(Change::Delete(id)) => {
                    assert!(deleted.insert(id), "deleted a message twice");
                    assert_ne!(last_kind, Some(false));
                    last_kind = Some(false);
                    deletes += 1;
                }
            }
        }
        assert_eq!((edits, deletes, sends), (50, 50, 900));
        assert_eq!(schedule.deferred, 0);
    }

    #[test]
    fn a_change_due_before_any_acknowledgement_is_made_later() {
        let mut schedule = ChangeSchedule::new(0.5, 0.9, false);
        assert_eq!(schedule.next_change(), None);
        assert_eq!(schedule.deferred, 1);
        schedule.acknowledged(message(1));
        assert_eq!(schedule.next_change(), Some(Change::Delete(message(1))));
        // Owed again (0.9 + 0.5 ≥ 1): an edit, with nothing left to edit.
        assert_eq!(schedule.next_change(), None);
        schedule.acknowledged(message(2));
        assert_eq!(schedule.next_change(), Some(Change::Edit(message(2))));
    }

    #[test]
    fn only_recent_messages_are_candidates() {
        let mut schedule = ChangeSchedule::new(0.5, 0.0, false);
        for n in 0..(RECENT_MESSAGES as u128 + 5) {
            schedule.acknowledged(message(n));
        }
        let mut deleted = Vec::new();
        for _ in 0..(4 * RECENT_MESSAGES) {
            if let Some(Change::Delete(id)) = schedule.next_change() {
                deleted.push(id);
            }
        }
        assert_eq!(deleted.len(), RECENT_MESSAGES);
        assert!(deleted.iter().all(|id| id.0.as_u128() >= 5));
    }
}
