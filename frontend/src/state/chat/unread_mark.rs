//! Where a conversation's "N new messages" divider goes. The reader's position is taken once,
//! when the conversation is opened: reading moves the read marker at once (the view marks the
//! conversation read while it is on screen), so a divider that followed the marker would vanish
//! before it was seen. No signals or browser here, so the tests run natively.

use protocol::conversations::ConversationSummary;

use super::History;
use crate::locale::{Locale, td_string};

/// The reader's position in a conversation when it was opened, kept until it is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnreadMark {
    /// The last message read before opening: the divider goes after it.
    pub read_seq: i64,
    /// How many messages were unread, for the divider's label.
    pub unread: i64,
}

impl UnreadMark {
    /// The mark of a conversation about to be opened, or `None` when nothing is unread (no
    /// divider, and the view opens at the bottom).
    pub fn of(summary: &ConversationSummary) -> Option<Self> {
        (summary.unread > 0 && summary.last_seq > summary.read_seq)
            .then_some(Self { read_seq: summary.read_seq, unread: summary.unread })
    }

    /// The divider's text in `language`.
    pub fn label(&self, language: Locale) -> String {
        match self.unread {
            1 => td_string!(language, chat.unread_divider_one).to_owned(),
            n => td_string!(language, chat.unread_divider, count = n).to_string(),
        }
    }
}

/// Where the divider goes in the loaded history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DividerAt {
    /// Above the stored message with this seq: the first unread one.
    Above(i64),
    /// The first unread message may be in a page not loaded yet: fetch the older page first,
    /// so the divider is not put above a later message that only looks first.
    LoadOlder,
    /// Nowhere (yet): no unread message from someone else is loaded.
    Nowhere,
}

/// Where the divider of `mark` goes, given the loaded messages in seq order as
/// `(seq, counts)`, where `counts` says the message is unread-worthy (someone else's, not
/// deleted: the user's own messages are never "new"), and how much history is loaded.
pub fn divider_at(mark: UnreadMark, loaded: impl IntoIterator<Item = (i64, bool)>, history: History) -> DividerAt {
    let mut loaded = loaded.into_iter().peekable();
    let first_loaded = loaded.peek().map(|(seq, _)| *seq);
    let older_missing = match history {
        History::NotLoaded => return DividerAt::Nowhere,
        History::Complete => false,
        // Messages between the read marker and the oldest loaded one are not here yet.
        History::Partial(_) => first_loaded.is_none_or(|first| first > mark.read_seq + 1),
    };
    if older_missing {
        return DividerAt::LoadOlder;
    }
    loaded
        .find(|(seq, counts)| *seq > mark.read_seq && *counts)
        .map_or(DividerAt::Nowhere, |(seq, _)| DividerAt::Above(seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARK: UnreadMark = UnreadMark { read_seq: 10, unread: 3 };

    #[test]
    fn the_divider_goes_above_the_first_message_after_the_read_marker() {
        let loaded = (5..=13).map(|seq| (seq, true));
        assert_eq!(divider_at(MARK, loaded, History::Partial(5)), DividerAt::Above(11));
    }

    #[test]
    fn the_users_own_and_deleted_messages_are_skipped() {
        let loaded = [(10, true), (11, false), (12, false), (13, true)];
        assert_eq!(divider_at(MARK, loaded, History::Complete), DividerAt::Above(13));
    }

    #[test]
    fn an_older_page_is_fetched_while_the_first_unread_may_be_missing() {
        // 40 unread, only the newest 30 of them loaded: seq 11 is in the older page.
        let loaded = (21..=50).map(|seq| (seq, true));
        assert_eq!(divider_at(MARK, loaded, History::Partial(21)), DividerAt::LoadOlder);
        // The whole history is loaded: what is there is all there is.
        let loaded = (21..=50).map(|seq| (seq, true));
        assert_eq!(divider_at(MARK, loaded, History::Complete), DividerAt::Above(21));
    }

    #[test]
    fn no_divider_before_the_history_is_loaded_or_without_unread_messages() {
        assert_eq!(divider_at(MARK, [(11, true)], History::NotLoaded), DividerAt::Nowhere);
        assert_eq!(divider_at(MARK, [(9, true), (10, true)], History::Complete), DividerAt::Nowhere);
        assert_eq!(divider_at(MARK, [], History::Complete), DividerAt::Nowhere);
    }

    #[test]
    fn the_label_counts_the_unread_messages_at_opening() {
        assert_eq!(MARK.label(Locale::en), "3 new messages");
        assert_eq!(UnreadMark { read_seq: 0, unread: 1 }.label(Locale::en), "1 new message");
        assert_eq!(MARK.label(Locale::de), "3 neue Nachrichten");
    }
}
