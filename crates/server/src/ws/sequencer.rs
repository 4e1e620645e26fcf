//! Puts each conversation's events back in seq order before the hub delivers them. Writers
//! commit in seq order (the conversation row lock sees to that); the PostgreSQL bus NOTIFYs
//! inside the commit and so arrives in order, but the in-process bus publishes after commit,
//! so two near-simultaneous changes (a send and an edit) can reach the hub swapped. An event
//! that arrives early is held until its predecessor comes, or for at most `HOLD` (its
//! publisher may have died after committing; clients then fetch the gap with
//! `events?after_seq=`).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use protocol::conversations::Event;
use uuid::Uuid;

/// Longest an event waits for a missing predecessor.
pub const HOLD: Duration = Duration::from_millis(250);

/// Per-conversation reordering.
#[derive(Default)]
pub struct Sequencer {
    next: HashMap<Uuid, i64>,
    held: HashMap<Uuid, BTreeMap<i64, (Instant, Event)>>,
}

impl Sequencer {
    /// Takes an event; returns those now deliverable, in seq order.
    pub fn accept(&mut self, event: Event, now: Instant) -> Vec<Event> {
        let conversation = event.conversation_id.0;
        let seq = event.seq;
        let Some(&next) = self.next.get(&conversation) else {
            // The first event seen for this conversation sets the baseline.
            self.next.insert(conversation, seq + 1);
            return vec![event];
        };
        if seq < next {
            // Late (released past by a timeout) or repeated: clients skip seqs they have.
            return vec![event];
        }
        if seq > next {
            self.held.entry(conversation).or_default().insert(seq, (now, event));
            return Vec::new();
        }
        let mut ready = vec![event];
        let mut expected = seq + 1;
        if let Some(held) = self.held.get_mut(&conversation) {
            while let Some(entry) = held.first_entry() {
                if *entry.key() != expected {
                    break;
                }
                ready.push(entry.remove().1);
                expected += 1;
            }
            if held.is_empty() {
                self.held.remove(&conversation);
            }
        }
        self.next.insert(conversation, expected);
        ready
    }

    /// Releases, in order, what has waited longer than [`HOLD`] for a missing predecessor.
    pub fn expire(&mut self, now: Instant) -> Vec<Event> {
        let stale: Vec<Uuid> = self
            .held
            .iter()
            .filter(|(_, held)| held.values().any(|(at, _)| now.duration_since(*at) >= HOLD))
            .map(|(c, _)| *c)
            .collect();
        let mut ready = Vec::new();
        for conversation in stale {
            if let Some(held) = self.held.remove(&conversation) {
                let last = held.keys().next_back().copied();
                ready.extend(held.into_values().map(|(_, e)| e));
                if let Some(last) = last {
                    self.next.insert(conversation, last + 1);
                }
            }
        }
        ready
    }

    /// When the oldest held event times out, if any is held.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.held.values().flat_map(|h| h.values().map(|(at, _)| *at + HOLD)).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ConversationId;
    use protocol::conversations::EventKind;

    fn event(conversation: Uuid, seq: i64) -> Event {
        Event {
            conversation_id: ConversationId(conversation),
            seq,
            at: chrono::Utc::now(),
            kind: EventKind::ConversationRenamed { title: String::new(), by: protocol::UserId(Uuid::nil()) },
        }
    }

    fn seqs(events: &[Event]) -> Vec<i64> {
        events.iter().map(|e| e.seq).collect()
    }

    #[test]
    fn swapped_events_are_delivered_in_order() {
        let mut s = Sequencer::default();
        let c = Uuid::now_v7();
        let now = Instant::now();
        assert_eq!(seqs(&s.accept(event(c, 10), now)), [10]);
        assert!(s.accept(event(c, 12), now).is_empty());
        assert!(s.accept(event(c, 13), now).is_empty());
        assert_eq!(seqs(&s.accept(event(c, 11), now)), [11, 12, 13]);
        assert_eq!(seqs(&s.accept(event(c, 14), now)), [14]);
        assert!(s.next_deadline().is_none());
    }

    #[test]
    fn a_missing_event_stops_the_wait_after_the_hold() {
        let mut s = Sequencer::default();
        let c = Uuid::now_v7();
        let now = Instant::now();
        s.accept(event(c, 1), now);
        assert!(s.accept(event(c, 3), now).is_empty());
        assert!(s.expire(now + HOLD / 2).is_empty());
        assert_eq!(s.next_deadline(), Some(now + HOLD));
        assert_eq!(seqs(&s.expire(now + HOLD)), [3]);
        assert_eq!(seqs(&s.accept(event(c, 4), now)), [4]);
        // The straggler still goes out; clients skip what they have.
        assert_eq!(seqs(&s.accept(event(c, 2), now)), [2]);
    }
}
