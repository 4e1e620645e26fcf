//! Where one followed conversation stands: the last seq handed to the hub, and what an
//! arriving seq means against it (a duplicate, the next one, or a gap to fill first). Pure, so
//! the rule every NATS receiver lives by is tested on its own.

use std::ops::RangeInclusive;

/// The last seq of one conversation delivered to the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sequence {
    last: i64,
}

/// What to do with an arriving seq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Offer {
    /// At or below the last delivered: already delivered (or older than the follow); drop it.
    Duplicate,
    /// The next one: deliver it.
    Next,
    /// Past the next one: these seqs are committed (a conversation's seqs are assigned under its
    /// row lock, so one that arrived proves those before it committed) but have not come, from
    /// a publisher that is slower or has died; load them from the database and deliver them
    /// first.
    Gap(RangeInclusive<i64>),
}

impl Sequence {
    /// Starts after `last`: events at or below it are not delivered.
    pub(super) fn after(last: i64) -> Self {
        Self { last }
    }

    /// The last delivered seq.
    pub(super) fn last(&self) -> i64 {
        self.last
    }

    /// Judges an arriving seq.
    pub(super) fn offer(&self, seq: i64) -> Offer {
        if seq <= self.last {
            Offer::Duplicate
        } else if seq == self.last + 1 {
            Offer::Next
        } else {
            Offer::Gap(self.last + 1..=seq - 1)
        }
    }

    /// Records that `seq` was delivered (or given up, when the database no longer has it).
    pub(super) fn delivered(&mut self, seq: i64) {
        self.last = self.last.max(seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plays arrivals (in any order, repeated) the way the follower does, a gap being loaded
    /// from a log that has every seq; returns what reached the hub.
    fn play(start: i64, arrivals: &[i64]) -> Vec<i64> {
        let mut sequence = Sequence::after(start);
        let mut delivered = Vec::new();
        for &seq in arrivals {
            match sequence.offer(seq) {
                Offer::Duplicate => continue,
                Offer::Next => {}
                Offer::Gap(missing) => {
                    for loaded in missing {
                        delivered.push(loaded);
                        sequence.delivered(loaded);
                    }
                }
            }
            delivered.push(seq);
            sequence.delivered(seq);
        }
        delivered
    }

    #[test]
    fn in_order_arrivals_pass_straight_through() {
        assert_eq!(play(0, &[1, 2, 3]), [1, 2, 3]);
    }

    #[test]
    fn a_repeated_or_old_event_is_dropped() {
        assert_eq!(Sequence::after(5).offer(5), Offer::Duplicate);
        assert_eq!(Sequence::after(5).offer(2), Offer::Duplicate);
        assert_eq!(play(0, &[1, 1, 2, 1, 2, 3]), [1, 2, 3]);
    }

    #[test]
    fn a_gap_names_exactly_the_missing_seqs() {
        assert_eq!(Sequence::after(4).offer(5), Offer::Next);
        assert_eq!(Sequence::after(4).offer(8), Offer::Gap(5..=7));
    }

    #[test]
    fn crossed_publishers_still_deliver_each_seq_once_in_order() {
        // Two servers' events crossing, one publisher's lost outright, a late copy of each.
        assert_eq!(play(2, &[4, 3, 6, 5, 9, 7, 8, 10, 2]), [3, 4, 5, 6, 7, 8, 9, 10]);
    }

    #[test]
    fn events_from_before_the_follow_are_not_delivered() {
        assert_eq!(play(10, &[9, 10, 11]), [11]);
    }
}
