//! The chat state's transitions as plain functions over plain data: a conversation's events
//! applied exactly once and in seq order (a gap is reported for a catch-up), `ready`, acks, read
//! markers and history pages. No signals, network or browser here, so the tests run natively.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, HashMap};

use protocol::conversations::{
    ConversationSettings, ConversationSummary, Event, EventKind, Message, MessagePage, Pin, Reaction,
};
use protocol::social::Friend;
use protocol::users::PublicUser;
use protocol::{ConversationId, MessageId, UserId};
use uuid::Uuid;

/// Every known conversation's timeline.
pub type Timelines = HashMap<ConversationId, Timeline>;

/// How much of a conversation's history is loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum History {
    /// Nothing fetched yet (only live messages, if any).
    NotLoaded,
    /// Older messages exist: fetch them with this `before_seq`.
    Partial(i64),
    /// The beginning of the conversation is loaded.
    Complete,
}

/// One conversation's loaded messages and how far its event log has been applied.
#[derive(Clone, Debug)]
pub struct Timeline {
    /// Loaded messages by seq: a message keeps its seq through edits and deletion, so keying by
    /// seq also keeps one copy per message id.
    pub messages: BTreeMap<i64, Message>,
    /// Every event up to this seq has been applied; later ones must come in order.
    pub known_seq: i64,
    /// The newest seq the server has mentioned; a catch-up runs until `known_seq` reaches it.
    pub(super) seen_seq: i64,
    /// Whether a catch-up (`events?after_seq=`) is running.
    pub(super) syncing: bool,
    /// Where the loaded history begins.
    pub history: History,
    /// Whether an older page is being fetched.
    pub loading_older: bool,
    /// Other members' read markers, when known: their minimum drives a group's read ticks.
    pub reads: HashMap<UserId, i64>,
    /// The conversation's own changes (joins, renames, pins) by seq, shown as lines between
    /// the messages: from history pages and from events applied.
    pub lines: BTreeMap<i64, Event>,
}

impl Timeline {
    /// A timeline with nothing loaded whose events up to `known_seq` count as applied: the
    /// history page fetched on opening will show them.
    pub fn new(known_seq: i64) -> Self {
        Self {
            messages: BTreeMap::new(),
            known_seq,
            seen_seq: known_seq,
            syncing: false,
            history: History::NotLoaded,
            loading_older: false,
            reads: HashMap::new(),
            lines: BTreeMap::new(),
        }
    }

    fn find_mut(&mut self, id: MessageId) -> Option<&mut Message> {
        self.messages.values_mut().rev().find(|m| m.id == id)
    }
}

/// Sorts conversations newest activity first, as the list shows them.
pub fn sort_by_activity(conversations: &mut [ConversationSummary]) {
    conversations.sort_by_key(|c| Reverse(c.last_activity_at));
}

/// Takes in `ready`'s conversations: keeps the timelines of those listed (new ones start at
/// their `last_seq`), fast-forwards the ones with nothing shown yet, sorts the list and returns
/// the conversations whose loaded messages fell behind, which need a catch-up.
pub fn ready(timelines: &mut Timelines, conversations: &mut [ConversationSummary]) -> Vec<ConversationId> {
    timelines.retain(|id, _| conversations.iter().any(|c| c.id == *id));
    let mut behind = Vec::new();
    for summary in conversations.iter() {
        let timeline = timelines.entry(summary.id).or_insert_with(|| Timeline::new(summary.last_seq));
        timeline.seen_seq = timeline.seen_seq.max(summary.last_seq);
        if timeline.known_seq >= summary.last_seq {
            continue;
        }
        if timeline.messages.is_empty() && timeline.history == History::NotLoaded {
            // Nothing shown yet: the history page fetched on opening will be current.
            timeline.known_seq = summary.last_seq;
        } else {
            behind.push(summary.id);
        }
    }
    sort_by_activity(conversations);
    behind
}

/// Where a live event stands against its conversation's timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// It is the next one: apply it now.
    Next,
    /// It was applied already (a duplicate, or a catch-up got there first): ignore it.
    Old,
    /// Events before it are missing: fetch them, and this one with them.
    Gap,
    /// Its conversation is not known yet: its `conversation_added` (or the next `ready`) brings
    /// a summary whose `last_seq` covers it.
    Unknown,
}

/// Places a live event (and remembers its seq as one the server has reached).
pub fn arrival(timelines: &mut Timelines, event: &Event) -> Arrival {
    let Some(timeline) = timelines.get_mut(&event.conversation_id) else { return Arrival::Unknown };
    timeline.seen_seq = timeline.seen_seq.max(event.seq);
    match event.seq.cmp(&(timeline.known_seq + 1)) {
        Ordering::Equal => Arrival::Next,
        Ordering::Less => Arrival::Old,
        Ordering::Greater => Arrival::Gap,
    }
}

/// Whether `event` is the next one its conversation's timeline expects.
pub fn is_next(timelines: &Timelines, event: &Event) -> bool {
    timelines.get(&event.conversation_id).is_some_and(|t| event.seq == t.known_seq + 1)
}

/// What an applied event asks of the rest of the app, beyond the state it changed.
#[derive(Debug, Default, PartialEq)]
pub struct Applied {
    /// The user's own message is stored: its outbox entry (this `client_msg_id`) is done.
    pub delivered: Option<Uuid>,
    /// Someone else's message: its sender stopped typing, and it may deserve a notification.
    pub from_other: Option<Message>,
    /// A new member, whose name the timeline will need.
    pub joined: Option<PublicUser>,
    /// The member list changed (a join, a leave, a role), so a shown one must be read again.
    pub members_changed: bool,
    /// A message was pinned or unpinned, so a shown pinned bar must be read again.
    pub pins_changed: bool,
}

/// Applies `event` to its conversation's timeline and summary if it is the next one (see
/// [`is_next`]); anything else changes nothing and gives `None`, so an event is applied once.
pub fn apply(
    timelines: &mut Timelines,
    conversations: &mut [ConversationSummary],
    event: Event,
    me: Option<UserId>,
) -> Option<Applied> {
    let id = event.conversation_id;
    let timeline = timelines.get_mut(&id).filter(|t| event.seq == t.known_seq + 1)?;
    timeline.known_seq = event.seq;
    if event.kind.is_conversation_line() {
        timeline.lines.insert(event.seq, event.clone());
    }
    match &event.kind {
        EventKind::MessageCreated { message } => {
            timeline.messages.insert(message.seq, message.clone());
        }
        EventKind::MessageEdited { message } => {
            if let Some(old) = timeline.find_mut(message.id) {
                *old = message.clone();
            }
        }
        EventKind::MessageDeleted { message_id, by, moderated } => {
            if let Some(old) = timeline.find_mut(*message_id) {
                old.body.clear();
                old.deleted_at = Some(event.at);
                old.moderated = *moderated && old.sender_id != *by;
                old.reactions.clear();
                old.pin = None;
            }
        }
        EventKind::ReactionAdded { message_id, user_id, emoji } => {
            if let Some(old) = timeline.find_mut(*message_id) {
                add_reaction(old, emoji, *user_id);
            }
        }
        EventKind::ReactionRemoved { message_id, user_id, emoji } => {
            if let Some(old) = timeline.find_mut(*message_id) {
                remove_reaction(old, emoji, *user_id);
            }
        }
        EventKind::MessagePinned { message_id, by } => {
            if let Some(old) = timeline.find_mut(*message_id) {
                old.pin = Some(Pin { by: *by, at: event.at });
            }
        }
        EventKind::MessageUnpinned { message_id, .. } => {
            if let Some(old) = timeline.find_mut(*message_id) {
                old.pin = None;
            }
        }
        EventKind::MemberRemoved { user_id, .. } => {
            timeline.reads.remove(user_id);
        }
        EventKind::MemberAdded { user, .. } => {
            timeline.reads.insert(user.id, 0);
        }
        _ => {}
    }

    let (seq, at) = (event.seq, event.at);
    let mut applied = Applied::default();
    match event.kind {
        EventKind::MessageCreated { message } => {
            let from_other = Some(message.sender_id) != me;
            update_summary(conversations, id, seq, |s| {
                s.last_activity_at = s.last_activity_at.max(at);
                if from_other && message.seq > s.read_seq {
                    s.unread += 1;
                    if me.is_some_and(|me| message.mentions.contains(&me)) {
                        s.unread_mentions += 1;
                    }
                }
                s.last_message = Some(message.clone());
            });
            if from_other {
                applied.from_other = Some(message);
            } else {
                applied.delivered = Some(message.client_msg_id);
            }
        }
        EventKind::MessageEdited { message } => update_summary(conversations, id, seq, |s| {
            if s.last_message.as_ref().is_some_and(|m| m.id == message.id) {
                s.last_message = Some(message);
            }
        }),
        EventKind::MessageDeleted { message_id, by, moderated } => update_summary(conversations, id, seq, |s| {
            if let Some(last) = s.last_message.as_mut().filter(|m| m.id == message_id) {
                last.body.clear();
                last.deleted_at = Some(at);
                last.moderated = moderated && last.sender_id != by;
            }
        }),
        EventKind::MemberAdded { user, .. } => {
            update_summary(conversations, id, seq, |s| {
                s.last_activity_at = s.last_activity_at.max(at);
                s.member_count += 1;
            });
            applied.joined = Some(user);
            applied.members_changed = true;
        }
        EventKind::MemberRemoved { .. } => {
            update_summary(conversations, id, seq, |s| s.member_count = (s.member_count - 1).max(1));
            applied.members_changed = true;
        }
        EventKind::MemberRoleChanged { user_id, role, .. } => {
            update_summary(conversations, id, seq, |s| {
                if Some(user_id) == me {
                    s.my_role = role;
                }
            });
            applied.members_changed = true;
        }
        EventKind::ConversationRenamed { title, .. } => update_summary(conversations, id, seq, |s| {
            s.last_activity_at = s.last_activity_at.max(at);
            s.title = title;
        }),
        EventKind::DescriptionChanged { description, .. } => {
            update_summary(conversations, id, seq, |s| s.description = description)
        }
        EventKind::PhotoChanged { photo, .. } => update_summary(conversations, id, seq, |s| s.photo = photo),
        // A kind from a newer server counts for the seq (no gap to fetch) and shows nothing.
        EventKind::ConversationCreated { .. }
        | EventKind::ReactionAdded { .. }
        | EventKind::ReactionRemoved { .. }
        | EventKind::CommandInvoked { .. }
        | EventKind::Unknown => update_summary(conversations, id, seq, |_| {}),
        EventKind::MessagePinned { .. } | EventKind::MessageUnpinned { .. } => {
            update_summary(conversations, id, seq, |_| {});
            applied.pins_changed = true;
        }
    }
    Some(applied)
}

/// Adds `user`'s `emoji` to a message's reactions (once: replaying it changes nothing).
pub fn add_reaction(message: &mut Message, emoji: &str, user: UserId) {
    match message.reactions.iter_mut().find(|r| r.emoji == emoji) {
        Some(reaction) if !reaction.user_ids.contains(&user) => reaction.user_ids.push(user),
        Some(_) => {}
        None => message.reactions.push(Reaction { emoji: emoji.to_owned(), user_ids: vec![user] }),
    }
}

/// Takes `user`'s `emoji` off a message; an emoji nobody uses any more disappears.
pub fn remove_reaction(message: &mut Message, emoji: &str, user: UserId) {
    for reaction in message.reactions.iter_mut().filter(|r| r.emoji == emoji) {
        reaction.user_ids.retain(|u| *u != user);
    }
    message.reactions.retain(|r| !r.user_ids.is_empty());
}

/// Moves a summary's `last_seq` to `seq`, applies `change` (which moves `last_activity_at`
/// when the event counts as activity) and keeps the list sorted.
fn update_summary(
    conversations: &mut [ConversationSummary],
    id: ConversationId,
    seq: i64,
    change: impl FnOnce(&mut ConversationSummary),
) {
    if let Some(summary) = conversations.iter_mut().find(|c| c.id == id) {
        summary.last_seq = summary.last_seq.max(seq);
        change(summary);
    }
    sort_by_activity(conversations);
}

/// Starts a timeline for a conversation that is new to this client (or keeps the one it has).
pub fn track(timelines: &mut Timelines, summary: &ConversationSummary) {
    timelines.entry(summary.id).or_insert_with(|| Timeline::new(summary.last_seq));
}

/// Adds or replaces a conversation's summary, keeping the list sorted.
pub fn upsert(conversations: &mut Vec<ConversationSummary>, summary: ConversationSummary) {
    conversations.retain(|c| c.id != summary.id);
    conversations.push(summary);
    sort_by_activity(conversations);
}

/// An `ack` for a message the user sent: the stored message joins the timeline, where it
/// replaces the pending entry on screen. A copy already there came from its event and stays.
pub fn sent(timelines: &mut Timelines, message: Message) {
    if let Some(timeline) = timelines.get_mut(&message.conversation_id) {
        timeline.messages.entry(message.seq).or_insert(message);
    }
}

/// A message as the server stored it after an edit or a deletion through REST.
pub fn changed(timelines: &mut Timelines, message: Message) {
    if let Some(old) = timelines.get_mut(&message.conversation_id).and_then(|t| t.find_mut(message.id)) {
        *old = message;
    }
}

/// Another member read `id` up to `seq`: a DM's read ticks follow the peer, a group's follow
/// the slowest member once every other member's marker is known.
pub fn read_by_other(
    timelines: &mut Timelines,
    conversations: &mut [ConversationSummary],
    id: ConversationId,
    user: UserId,
    seq: i64,
) {
    let mut lowest = None;
    if let Some(timeline) = timelines.get_mut(&id) {
        let entry = timeline.reads.entry(user).or_insert(0);
        *entry = (*entry).max(seq);
        lowest = timeline.reads.values().copied().min();
    }
    if let Some(summary) = conversations.iter_mut().find(|c| c.id == id) {
        let others = usize::try_from(summary.member_count - 1).unwrap_or(0);
        let known_all = timelines.get(&id).is_some_and(|t| t.reads.len() >= others);
        if summary.peer.is_some() {
            summary.others_read_seq = summary.others_read_seq.max(seq);
        } else if known_all && let Some(lowest) = lowest {
            summary.others_read_seq = summary.others_read_seq.max(lowest);
        }
    }
}

/// The user read `id` up to `seq` (here or on another device): the unread count is what the
/// loaded messages say is left, or zero when `seq` reaches the end. A marker never goes back.
pub fn read_by_me(
    timelines: &Timelines,
    conversations: &mut [ConversationSummary],
    id: ConversationId,
    seq: i64,
    me: Option<UserId>,
) {
    let unread_after = timelines.get(&id).map(|t| {
        let after = t.messages.range(seq + 1..).map(|(_, m)| m);
        let unread: Vec<&Message> = after.filter(|m| Some(m.sender_id) != me && m.deleted_at.is_none()).collect();
        let mentions = unread.iter().filter(|m| me.is_some_and(|me| m.mentions.contains(&me))).count();
        (unread.len(), mentions)
    });
    if let Some(summary) = conversations.iter_mut().find(|c| c.id == id)
        && seq > summary.read_seq
    {
        summary.read_seq = seq;
        let count = |n: usize| i64::try_from(n).unwrap_or(0);
        (summary.unread, summary.unread_mentions) = if seq >= summary.last_seq {
            (0, 0)
        } else {
            unread_after.map_or((summary.unread, summary.unread_mentions), |(unread, mentions)| {
                (count(unread), count(mentions))
            })
        };
    }
}

/// Seeds other members' read markers (from the member list); a marker never goes back.
pub fn seed_reads(
    timelines: &mut Timelines,
    id: ConversationId,
    reads: impl IntoIterator<Item = (UserId, i64)>,
    me: Option<UserId>,
) {
    if let Some(timeline) = timelines.get_mut(&id) {
        for (user, seq) in reads {
            if Some(user) != me {
                let entry = timeline.reads.entry(user).or_insert(0);
                *entry = (*entry).max(seq);
            }
        }
    }
}

/// Takes in a history page fetched with `before` (`None`: the newest page), or its failure
/// (`page` is `None`). A copy already loaded came from a later event and is at least as fresh,
/// so it stays; a newest page never moves where an already loaded history begins.
pub fn history_page(timelines: &mut Timelines, id: ConversationId, before: Option<i64>, page: Option<MessagePage>) {
    let Some(timeline) = timelines.get_mut(&id) else { return };
    timeline.loading_older = false;
    let Some(page) = page else { return };
    for message in page.items {
        timeline.messages.entry(message.seq).or_insert(message);
    }
    for line in page.events {
        timeline.lines.entry(line.seq).or_insert(line);
    }
    let next = match page.next_before_seq {
        Some(before) => History::Partial(before),
        None => History::Complete,
    };
    if before.is_some() || timeline.history == History::NotLoaded {
        timeline.history = next;
    }
}

/// The user's own settings of a conversation changed (here or on another device).
pub fn settings_changed(conversations: &mut [ConversationSummary], id: ConversationId, settings: ConversationSettings) {
    if let Some(summary) = conversations.iter_mut().find(|c| c.id == id) {
        summary.settings = settings;
    }
}

/// Whether an archived conversation stays out of the list: until a message newer than the
/// archiving arrives.
pub fn is_archived(summary: &ConversationSummary) -> bool {
    summary.settings.archived_at.is_some_and(|at| summary.last_message.as_ref().is_none_or(|m| m.created_at <= at))
}

/// Whether notifications are off for `summary` at `now_ms` (milliseconds since the epoch).
pub fn is_muted(summary: &ConversationSummary, now_ms: f64) -> bool {
    summary.settings.muted_until.is_some_and(|until| until.timestamp_millis() as f64 > now_ms)
}

/// Whether a message from someone else deserves a notification: always when it mentions the
/// user, otherwise unless the conversation is muted.
pub fn deserves_notice(summary: &ConversationSummary, message: &Message, me: Option<UserId>, now_ms: f64) -> bool {
    me.is_some_and(|me| message.mentions.contains(&me)) || !is_muted(summary, now_ms)
}

/// A new friend: replaces any older copy in the list.
pub fn add_friend(friends: &mut Vec<Friend>, friend: Friend) {
    friends.retain(|f| f.user.id != friend.user.id);
    friends.push(friend);
}

/// A changed profile, in the friends list.
pub fn refresh_friend(friends: &mut [Friend], user: &PublicUser) {
    for friend in friends.iter_mut().filter(|f| f.user.id == user.id) {
        friend.user = user.clone();
    }
}

/// A changed profile, as the peer of DMs (whose title is the peer's name).
pub fn refresh_peer(conversations: &mut [ConversationSummary], user: &PublicUser) {
    for summary in conversations.iter_mut() {
        if let Some(peer) = summary.peer.as_mut().filter(|p| p.id == user.id) {
            *peer = user.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use protocol::conversations::{ConversationKind, MemberRole};
    use serde::de::DeserializeOwned;

    use super::*;

    const ME: UserId = UserId(Uuid::from_u128(1));
    const ANN: UserId = UserId(Uuid::from_u128(2));
    const BOB: UserId = UserId(Uuid::from_u128(3));
    const CAT: UserId = UserId(Uuid::from_u128(4));
    /// A DM with Ann.
    const DM: ConversationId = ConversationId(Uuid::from_u128(10));
    /// A group of the user, Ann and Bob.
    const GROUP: ConversationId = ConversationId(Uuid::from_u128(11));

    /// A time `minute` minutes into a test day. The frontend has no date crate of its own, so
    /// times are read from JSON, the way they arrive from the server.
    fn at<T: DeserializeOwned>(minute: i64) -> T {
        serde_json::from_value(serde_json::json!(format!("2025-01-01T10:{minute:02}:00Z"))).unwrap()
    }

    fn user(id: UserId, name: &str) -> PublicUser {
        PublicUser {
            id,
            username: name.to_lowercase(),
            display_name: name.into(),
            bio: String::new(),
            avatar_color: "#336699".into(),
            created_at: at(0),
            avatar: None,
            kind: Default::default(),
        }
    }

    fn summary(id: ConversationId, peer: Option<PublicUser>, last_activity: i64) -> ConversationSummary {
        ConversationSummary {
            id,
            kind: if peer.is_some() { ConversationKind::Dm } else { ConversationKind::Group },
            title: if peer.is_some() { String::new() } else { "Team".into() },
            description: String::new(),
            photo: None,
            member_count: if peer.is_some() { 2 } else { 3 },
            peer,
            my_role: MemberRole::Member,
            last_seq: 0,
            read_seq: 0,
            unread: 0,
            unread_mentions: 0,
            settings: ConversationSettings::default(),
            others_read_seq: 0,
            last_message: None,
            last_activity_at: at(last_activity),
            created_at: at(0),
        }
    }

    fn message_id(conversation: ConversationId, seq: i64) -> MessageId {
        MessageId(Uuid::from_u128(conversation.0.as_u128() * 1_000 + seq as u128))
    }

    /// The message created at `seq`, sent at minute `10 + seq`.
    fn message(conversation: ConversationId, seq: i64, sender: UserId, body: &str) -> Message {
        Message {
            id: message_id(conversation, seq),
            conversation_id: conversation,
            seq,
            sender_id: sender,
            client_msg_id: Uuid::from_u128(0xC1_0000 + message_id(conversation, seq).0.as_u128()),
            body: body.into(),
            reply_to: None,
            created_at: at(10 + seq),
            edited_at: None,
            deleted_at: None,
            moderated: false,
            mentions: Vec::new(),
            forwarded: false,
            reactions: Vec::new(),
            pin: None,
            attachments: Vec::new(),
            location: None,
            display_name: None,
        }
    }

    /// The event at `seq`, committed at minute `10 + seq`.
    fn event(conversation: ConversationId, seq: i64, kind: EventKind) -> Event {
        Event { conversation_id: conversation, seq, at: at(10 + seq), kind }
    }

    fn said(conversation: ConversationId, seq: i64, sender: UserId, body: &str) -> Event {
        event(conversation, seq, EventKind::MessageCreated { message: message(conversation, seq, sender, body) })
    }

    /// The chat state as the context holds it, signed in as `ME`.
    struct State {
        timelines: Timelines,
        conversations: Vec<ConversationSummary>,
    }

    impl State {
        /// The DM and the group, both empty and fully loaded; the group was active more recently.
        fn new() -> Self {
            let mut conversations = vec![summary(DM, Some(user(ANN, "Ann")), 1), summary(GROUP, None, 2)];
            sort_by_activity(&mut conversations);
            let loaded = || Timeline { history: History::Complete, ..Timeline::new(0) };
            Self { timelines: [(DM, loaded()), (GROUP, loaded())].into(), conversations }
        }

        /// A live event, handled as the context handles it: applied only when it is the next.
        fn live(&mut self, event: Event) -> (Arrival, Option<Applied>) {
            let arrival = arrival(&mut self.timelines, &event);
            let applied = match arrival {
                Arrival::Next => apply(&mut self.timelines, &mut self.conversations, event, Some(ME)),
                _ => None,
            };
            (arrival, applied)
        }

        /// Applies `event` as a catch-up page does (no arrival bookkeeping).
        fn replay(&mut self, event: Event) -> Option<Applied> {
            apply(&mut self.timelines, &mut self.conversations, event, Some(ME))
        }

        fn timeline(&self, id: ConversationId) -> &Timeline {
            &self.timelines[&id]
        }

        fn summary(&self, id: ConversationId) -> &ConversationSummary {
            self.conversations.iter().find(|c| c.id == id).unwrap()
        }

        /// What the timeline shows: (seq, body) in order.
        fn shown(&self, id: ConversationId) -> Vec<(i64, String)> {
            self.timeline(id).messages.values().map(|m| (m.seq, m.body.clone())).collect()
        }

        fn order(&self) -> Vec<ConversationId> {
            self.conversations.iter().map(|c| c.id).collect()
        }
    }

    fn shown(items: &[(i64, &str)]) -> Vec<(i64, String)> {
        items.iter().map(|(seq, body)| (*seq, (*body).to_owned())).collect()
    }

    // ---- order, duplicates, gaps ----

    #[test]
    fn events_are_applied_in_seq_order() {
        let mut state = State::new();
        for seq in 1..=3 {
            let (arrival, applied) = state.live(said(DM, seq, ANN, &format!("m{seq}")));
            assert_eq!(arrival, Arrival::Next);
            assert!(applied.is_some());
        }
        assert_eq!(state.shown(DM), shown(&[(1, "m1"), (2, "m2"), (3, "m3")]));
        assert_eq!(state.timeline(DM).known_seq, 3);
        assert_eq!(state.summary(DM).last_seq, 3);
        assert_eq!(state.summary(DM).last_message.as_ref().map(|m| m.body.as_str()), Some("m3"));
    }

    #[test]
    fn a_duplicate_or_older_event_changes_nothing() {
        let mut state = State::new();
        state.live(said(DM, 1, ANN, "one"));
        state.live(said(DM, 2, ANN, "two"));

        assert_eq!(state.live(said(DM, 2, ANN, "two, again")), (Arrival::Old, None));
        assert_eq!(state.live(said(DM, 1, ANN, "one, again")), (Arrival::Old, None));
        // A catch-up page overlapping what live frames already applied.
        assert_eq!(state.replay(said(DM, 2, ANN, "two, replayed")), None);

        assert_eq!(state.shown(DM), shown(&[(1, "one"), (2, "two")]));
        assert_eq!(state.timeline(DM).known_seq, 2);
        assert_eq!(state.summary(DM).unread, 2, "a duplicate must not count as unread twice");
        assert_eq!(state.summary(DM).last_message.as_ref().map(|m| m.body.as_str()), Some("two"));
    }

    #[test]
    fn an_event_after_a_gap_asks_for_a_catch_up_and_waits_for_it() {
        let mut state = State::new();
        state.live(said(DM, 1, ANN, "one"));

        assert_eq!(state.live(said(DM, 3, ANN, "three")), (Arrival::Gap, None));
        assert_eq!(state.shown(DM), shown(&[(1, "one")]), "nothing past the gap is shown");
        assert_eq!(state.timeline(DM).known_seq, 1);
        assert_eq!(state.timeline(DM).seen_seq, 3, "the catch-up must run up to the event that revealed the gap");
        assert_eq!(state.summary(DM).unread, 1);

        // The catch-up page brings the missing event and the one that revealed the gap.
        assert!(!is_next(&state.timelines, &said(DM, 3, ANN, "three")));
        assert!(state.replay(said(DM, 3, ANN, "three")).is_none(), "still out of order");
        assert!(state.replay(said(DM, 2, ANN, "two")).is_some());
        assert!(state.replay(said(DM, 3, ANN, "three")).is_some());
        assert_eq!(state.shown(DM), shown(&[(1, "one"), (2, "two"), (3, "three")]));
        assert_eq!(state.summary(DM).unread, 3);
    }

    #[test]
    fn an_event_of_an_unknown_conversation_waits_for_its_summary() {
        let mut state = State::new();
        let new = ConversationId(Uuid::from_u128(12));
        assert_eq!(state.live(said(new, 5, ANN, "hi")), (Arrival::Unknown, None));
        assert!(!state.timelines.contains_key(&new));

        // Its `conversation_added` covers everything up to its last seq.
        let mut added = summary(new, None, 15);
        added.last_seq = 5;
        track(&mut state.timelines, &added);
        upsert(&mut state.conversations, added);
        assert_eq!(state.order(), [new, GROUP, DM]);
        assert_eq!(state.live(said(new, 5, ANN, "hi")).0, Arrival::Old);
        assert_eq!(state.live(said(new, 6, ANN, "next")).0, Arrival::Next);
        assert_eq!(state.shown(new), shown(&[(6, "next")]));
    }

    #[test]
    fn tracking_a_known_conversation_again_keeps_its_timeline() {
        let mut state = State::new();
        state.live(said(DM, 1, ANN, "one"));
        let mut again = state.summary(DM).clone();
        again.last_seq = 9;
        track(&mut state.timelines, &again);
        assert_eq!(state.timeline(DM).known_seq, 1);
        assert_eq!(state.shown(DM), shown(&[(1, "one")]));
    }

    // ---- messages ----

    #[test]
    fn a_message_from_someone_else_is_unread_and_moves_its_conversation_up() {
        let mut state = State::new();
        assert_eq!(state.order(), [GROUP, DM]);

        let (_, applied) = state.live(said(DM, 1, ANN, "hello"));
        let applied = applied.unwrap();
        assert_eq!(applied.from_other.map(|m| m.body), Some("hello".to_owned()));
        assert_eq!(applied.delivered, None);
        assert_eq!(state.summary(DM).unread, 1);
        assert_eq!(state.summary(DM).last_activity_at, state.timeline(DM).messages[&1].created_at);
        assert_eq!(state.order(), [DM, GROUP]);
    }

    #[test]
    fn the_users_own_message_is_delivered_not_unread() {
        let mut state = State::new();
        let sent = message(GROUP, 1, ME, "mine");
        let (_, applied) = state.live(said(GROUP, 1, ME, "mine"));
        let applied = applied.unwrap();
        assert_eq!(applied.delivered, Some(sent.client_msg_id), "its outbox entry is done");
        assert_eq!(applied.from_other, None);
        assert_eq!(state.summary(GROUP).unread, 0);
        assert_eq!(state.summary(GROUP).last_message, Some(sent));
    }

    #[test]
    fn a_message_already_read_elsewhere_is_not_unread() {
        let mut state = State::new();
        state.conversations.iter_mut().for_each(|c| c.read_seq = 2);
        state.live(said(DM, 1, ANN, "one"));
        state.live(said(DM, 2, ANN, "two"));
        state.live(said(DM, 3, ANN, "three"));
        assert_eq!(state.summary(DM).unread, 1);
    }

    #[test]
    fn an_edit_replaces_the_message_and_its_preview() {
        let mut state = State::new();
        state.live(said(DM, 1, ANN, "helo"));
        let mut edited = message(DM, 1, ANN, "hello");
        edited.edited_at = Some(at(30));
        let (_, applied) = state.live(event(DM, 2, EventKind::MessageEdited { message: edited.clone() }));

        assert_eq!(applied, Some(Applied::default()), "an edit notifies no one");
        assert_eq!(state.shown(DM), shown(&[(1, "hello")]), "one copy, at the message's own seq");
        assert_eq!(state.timeline(DM).messages[&1], edited);
        assert_eq!(state.summary(DM).last_message, Some(edited));
        assert_eq!(state.summary(DM).unread, 1, "an edit is not a new message");
        assert_eq!(state.summary(DM).last_seq, 2);
    }

    #[test]
    fn an_edit_of_an_older_message_keeps_the_preview() {
        let mut state = State::new();
        state.live(said(DM, 1, ANN, "first"));
        state.live(said(DM, 2, ANN, "second"));
        state.live(event(DM, 3, EventKind::MessageEdited { message: message(DM, 1, ANN, "first!") }));
        assert_eq!(state.shown(DM), shown(&[(1, "first!"), (2, "second")]));
        assert_eq!(state.summary(DM).last_message.as_ref().map(|m| m.body.as_str()), Some("second"));
    }

    #[test]
    fn a_deletion_leaves_a_tombstone_marked_moderated_only_when_someone_else_deleted() {
        let mut state = State::new();
        state.live(said(GROUP, 1, ANN, "oops"));
        state.live(said(GROUP, 2, BOB, "rude"));
        let own =
            event(GROUP, 3, EventKind::MessageDeleted { message_id: message_id(GROUP, 1), by: ANN, moderated: true });
        let own_at = own.at;
        state.live(own);
        state.live(event(
            GROUP,
            4,
            EventKind::MessageDeleted { message_id: message_id(GROUP, 2), by: ME, moderated: true },
        ));

        let timeline = state.timeline(GROUP);
        assert_eq!(state.shown(GROUP), shown(&[(1, ""), (2, "")]));
        assert_eq!(timeline.messages[&1].deleted_at, Some(own_at));
        assert!(!timeline.messages[&1].moderated, "deleting one's own message is not moderation");
        assert!(timeline.messages[&2].moderated);
        let preview = state.summary(GROUP).last_message.clone().unwrap();
        assert_eq!((preview.id, preview.body.as_str(), preview.moderated), (message_id(GROUP, 2), "", true));
        assert!(preview.deleted_at.is_some());
    }

    #[test]
    fn an_ack_shows_the_sent_message_in_place_of_the_pending_one() {
        let mut state = State::new();
        let stored = message(DM, 1, ME, "on its way");
        sent(&mut state.timelines, stored.clone());
        // The outbox entry with this client_msg_id stops showing as pending once this is here.
        let shown_ids: Vec<Uuid> = state.timeline(DM).messages.values().map(|m| m.client_msg_id).collect();
        assert_eq!(shown_ids, [stored.client_msg_id]);

        // Its event follows the ack: applied once, the user's message is delivered, not doubled.
        let (_, applied) = state.live(said(DM, 1, ME, "on its way"));
        assert_eq!(applied.unwrap().delivered, Some(stored.client_msg_id));
        assert_eq!(state.shown(DM), shown(&[(1, "on its way")]));
    }

    #[test]
    fn a_late_ack_keeps_the_fresher_copy_from_events() {
        let mut state = State::new();
        state.live(said(DM, 1, ME, "typo"));
        state.live(event(DM, 2, EventKind::MessageEdited { message: message(DM, 1, ME, "fixed") }));
        sent(&mut state.timelines, message(DM, 1, ME, "typo"));
        assert_eq!(state.shown(DM), shown(&[(1, "fixed")]));
    }

    #[test]
    fn a_rest_edit_replaces_the_loaded_copy_only() {
        let mut state = State::new();
        state.live(said(DM, 1, ME, "typo"));
        changed(&mut state.timelines, message(DM, 1, ME, "fixed"));
        changed(&mut state.timelines, message(DM, 7, ME, "never loaded"));
        assert_eq!(state.shown(DM), shown(&[(1, "fixed")]));
    }

    // ---- ready ----

    #[test]
    fn ready_catches_up_only_conversations_with_messages_shown() {
        let mut state = State::new();
        state.live(said(DM, 1, ANN, "one"));
        let unloaded = ConversationId(Uuid::from_u128(12));
        let left = ConversationId(Uuid::from_u128(13));
        let joined = ConversationId(Uuid::from_u128(14));
        state.timelines.insert(unloaded, Timeline::new(1));
        state.timelines.insert(left, Timeline::new(1));

        let at_seq = |id, peer, last_seq, activity| ConversationSummary { last_seq, ..summary(id, peer, activity) };
        let mut listed = vec![
            at_seq(DM, Some(user(ANN, "Ann")), 4, 20),
            at_seq(GROUP, None, 0, 2),
            at_seq(unloaded, None, 6, 30),
            at_seq(joined, None, 3, 25),
        ];
        let behind = ready(&mut state.timelines, &mut listed);

        assert_eq!(behind, [DM], "only a timeline with messages shown needs the missed events");
        assert_eq!(state.timeline(DM).known_seq, 1);
        assert_eq!(state.timeline(DM).seen_seq, 4);
        assert_eq!(state.timeline(unloaded).known_seq, 6, "its history page will be current");
        assert_eq!(state.timeline(joined).known_seq, 3);
        assert!(!state.timelines.contains_key(&left), "a conversation no longer listed is forgotten");
        assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), [unloaded, joined, DM, GROUP]);
    }

    // ---- read markers ----

    #[test]
    fn reading_recounts_unread_from_the_loaded_messages() {
        let mut state = State::new();
        state.live(said(GROUP, 1, ANN, "a"));
        state.live(said(GROUP, 2, ME, "b"));
        state.live(said(GROUP, 3, BOB, "c"));
        state.live(said(GROUP, 4, ANN, "d"));
        state.live(event(
            GROUP,
            5,
            EventKind::MessageDeleted { message_id: message_id(GROUP, 4), by: ANN, moderated: false },
        ));
        assert_eq!(state.summary(GROUP).unread, 3);

        read_by_me(&state.timelines, &mut state.conversations, GROUP, 1, Some(ME));
        assert_eq!(state.summary(GROUP).unread, 1, "neither the user's own nor a deleted message is unread");
        assert_eq!(state.summary(GROUP).read_seq, 1);

        read_by_me(&state.timelines, &mut state.conversations, GROUP, 5, Some(ME));
        assert_eq!(state.summary(GROUP).unread, 0);

        state.live(said(GROUP, 6, BOB, "e"));
        read_by_me(&state.timelines, &mut state.conversations, GROUP, 3, Some(ME));
        assert_eq!(state.summary(GROUP).read_seq, 5, "a read marker never goes back");
        assert_eq!(state.summary(GROUP).unread, 1);
    }

    #[test]
    fn a_dm_read_tick_follows_the_peer_at_once() {
        let mut state = State::new();
        read_by_other(&mut state.timelines, &mut state.conversations, DM, ANN, 3);
        assert_eq!(state.summary(DM).others_read_seq, 3);
        read_by_other(&mut state.timelines, &mut state.conversations, DM, ANN, 2);
        assert_eq!(state.summary(DM).others_read_seq, 3);
    }

    #[test]
    fn group_read_ticks_wait_for_every_other_member_then_follow_the_slowest() {
        let mut state = State::new();
        read_by_other(&mut state.timelines, &mut state.conversations, GROUP, ANN, 4);
        assert_eq!(state.summary(GROUP).others_read_seq, 0, "Bob's marker is not known yet");
        read_by_other(&mut state.timelines, &mut state.conversations, GROUP, BOB, 2);
        assert_eq!(state.summary(GROUP).others_read_seq, 2);
        read_by_other(&mut state.timelines, &mut state.conversations, GROUP, BOB, 6);
        assert_eq!(state.summary(GROUP).others_read_seq, 4, "Ann is now the slowest");
    }

    #[test]
    fn seeded_read_markers_skip_the_user_and_never_go_back() {
        let mut state = State::new();
        seed_reads(&mut state.timelines, GROUP, [(ANN, 5), (ME, 9)], Some(ME));
        seed_reads(&mut state.timelines, GROUP, [(ANN, 3), (BOB, 2)], Some(ME));
        let reads = &state.timeline(GROUP).reads;
        assert_eq!(reads.len(), 2);
        assert_eq!((reads[&ANN], reads[&BOB]), (5, 2));
    }

    // ---- members and titles ----

    #[test]
    fn member_changes_update_the_count_the_role_and_the_read_markers() {
        let mut state = State::new();
        let cat = user(CAT, "Cat");
        let (_, applied) =
            state.live(event(GROUP, 1, EventKind::MemberAdded { user: cat.clone(), role: MemberRole::Member, by: ME }));
        assert_eq!(applied, Some(Applied { joined: Some(cat), members_changed: true, ..Applied::default() }));
        assert_eq!(state.summary(GROUP).member_count, 4);
        assert_eq!(state.timeline(GROUP).reads.get(&CAT), Some(&0), "the newcomer has read nothing");

        let promoted = EventKind::MemberRoleChanged { user_id: ME, role: MemberRole::Admin, by: ANN };
        assert!(state.live(event(GROUP, 2, promoted)).1.unwrap().members_changed);
        assert_eq!(state.summary(GROUP).my_role, MemberRole::Admin);
        state.live(event(GROUP, 3, EventKind::MemberRoleChanged { user_id: ANN, role: MemberRole::Owner, by: ANN }));
        assert_eq!(state.summary(GROUP).my_role, MemberRole::Admin, "someone else's role is not the user's");

        let (_, applied) = state.live(event(GROUP, 4, EventKind::MemberRemoved { user_id: CAT, by: CAT }));
        assert!(applied.unwrap().members_changed);
        assert_eq!(state.summary(GROUP).member_count, 3);
        assert!(!state.timeline(GROUP).reads.contains_key(&CAT));
        assert_eq!(state.summary(GROUP).last_seq, 4);
    }

    #[test]
    fn a_rename_retitles_the_group_and_counts_as_activity() {
        let mut state = State::new();
        state.live(said(DM, 1, ANN, "hi"));
        state.live(event(GROUP, 1, EventKind::ConversationCreated { by: ANN, title: "Team".into() }));
        assert_eq!(state.order(), [DM, GROUP], "the group's creation is older news than a message");
        state.live(event(GROUP, 2, EventKind::ConversationRenamed { title: "Crew".into(), by: ANN }));
        assert_eq!(state.summary(GROUP).title, "Crew");
        assert_eq!(state.summary(GROUP).last_seq, 2);
        assert_eq!(state.order(), [GROUP, DM]);
    }

    #[test]
    fn a_profile_change_reaches_friends_and_dm_peers() {
        let mut state = State::new();
        let mut friends = vec![Friend { user: user(ANN, "Ann"), since: at(0) }];
        add_friend(&mut friends, Friend { user: user(BOB, "Bob"), since: at(1) });
        add_friend(&mut friends, Friend { user: user(ANN, "Ann"), since: at(2) });
        assert_eq!(friends.iter().map(|f| f.user.id).collect::<Vec<_>>(), [BOB, ANN], "one entry per friend");

        let renamed = user(ANN, "Annie");
        refresh_friend(&mut friends, &renamed);
        refresh_peer(&mut state.conversations, &renamed);
        assert_eq!(friends[1].user.display_name, "Annie");
        assert_eq!(state.summary(DM).peer.as_ref().map(|p| p.display_name.as_str()), Some("Annie"));
        assert_eq!(state.summary(GROUP).peer, None);
    }

    // ---- history ----

    #[test]
    fn history_pages_fill_in_older_messages_without_overwriting_fresher_ones() {
        let mut state = State::new();
        state.timelines.insert(DM, Timeline::new(2));
        let mut edited = message(DM, 2, ANN, "edited");
        edited.edited_at = Some(at(40));
        state.live(event(DM, 3, EventKind::MessageEdited { message: edited }));
        state.live(said(DM, 4, ANN, "live"));
        // Only the live message is here; the edit found nothing loaded to change.
        assert_eq!(state.shown(DM), shown(&[(4, "live")]));

        let page =
            |items, next_before_seq| MessagePage { items, users: Vec::new(), next_before_seq, events: Vec::new() };
        let newest = page(vec![message(DM, 4, ANN, "live"), message(DM, 2, ANN, "edited")], Some(2));
        history_page(&mut state.timelines, DM, None, Some(newest));
        assert_eq!(state.timeline(DM).history, History::Partial(2));

        state.timelines.get_mut(&DM).unwrap().loading_older = true;
        history_page(&mut state.timelines, DM, Some(2), None);
        assert!(!state.timeline(DM).loading_older, "a failed page can be asked for again");
        assert_eq!(state.timeline(DM).history, History::Partial(2));

        history_page(&mut state.timelines, DM, Some(2), Some(page(vec![message(DM, 1, ANN, "first")], None)));
        assert_eq!(state.timeline(DM).history, History::Complete);
        assert_eq!(state.shown(DM), shown(&[(1, "first"), (2, "edited"), (4, "live")]));

        // A newest page fetched again never moves where the loaded history begins.
        history_page(&mut state.timelines, DM, None, Some(page(vec![message(DM, 4, ANN, "stale")], Some(4))));
        assert_eq!(state.timeline(DM).history, History::Complete);
        assert_eq!(state.shown(DM), shown(&[(1, "first"), (2, "edited"), (4, "live")]));
    }

    // ---- reactions, pins, lines ----

    #[test]
    fn reactions_apply_as_set_operations_so_a_replay_changes_nothing() {
        let mut state = State::new();
        state.timelines.insert(GROUP, Timeline::new(0));
        state.live(said(GROUP, 1, ANN, "vote"));
        let id = message_id(GROUP, 1);
        let add = |seq, user| {
            event(GROUP, seq, EventKind::ReactionAdded { message_id: id, user_id: user, emoji: "x".into() })
        };
        state.live(add(2, ME));
        state.live(add(3, ANN));
        let again = add(3, ANN);
        assert!(state.live(again).1.is_none(), "an event already applied is not applied twice");
        let reactions = |state: &State| state.timeline(GROUP).messages[&1].reactions.clone();
        assert_eq!(reactions(&state), [Reaction { emoji: "x".into(), user_ids: vec![ME, ANN] }]);
        // The same set change arriving inside a fresher copy of the message adds nothing either.
        let mut copy = state.timeline(GROUP).messages[&1].clone();
        add_reaction(&mut copy, "x", ANN);
        assert_eq!(copy.reactions, reactions(&state));
        state.live(event(GROUP, 4, EventKind::ReactionRemoved { message_id: id, user_id: ME, emoji: "x".into() }));
        state.live(event(GROUP, 5, EventKind::ReactionRemoved { message_id: id, user_id: ANN, emoji: "x".into() }));
        assert!(reactions(&state).is_empty(), "an emoji nobody uses any more disappears");
    }

    #[test]
    fn an_event_kind_from_a_newer_server_counts_for_the_seq_and_shows_nothing() {
        let mut state = State::new();
        state.timelines.insert(GROUP, Timeline::new(0));
        state.live(said(GROUP, 1, ANN, "before"));
        let future = serde_json::json!({
            "conversation_id": GROUP, "seq": 2, "at": at::<String>(12),
            "kind": {"type": "poll_opened", "question": "Lunch?", "options": ["yes", "no"]}
        });
        let future: Event = serde_json::from_value(future).expect("an unknown kind still parses");
        assert_eq!(future.kind, EventKind::Unknown);
        assert!(state.live(future).1.is_some(), "applied as the next event");
        assert_eq!(state.timeline(GROUP).known_seq, 2, "no gap to fetch");
        state.live(said(GROUP, 3, ANN, "after"));
        assert_eq!(state.timeline(GROUP).known_seq, 3);
        assert_eq!(state.timeline(GROUP).messages.len(), 2);
    }

    #[test]
    fn pins_and_group_changes_are_kept_and_deletion_clears_a_pin() {
        let mut state = State::new();
        state.timelines.insert(GROUP, Timeline::new(0));
        state.live(event(GROUP, 1, EventKind::ConversationCreated { by: ANN, title: "Team".into() }));
        state.live(said(GROUP, 2, ANN, "keep"));
        let id = message_id(GROUP, 2);
        let (_, applied) = state.live(event(GROUP, 3, EventKind::MessagePinned { message_id: id, by: ANN }));
        assert!(applied.unwrap().pins_changed);
        assert_eq!(state.timeline(GROUP).messages[&2].pin.map(|p| p.by), Some(ANN));
        state.live(event(GROUP, 4, EventKind::ReactionAdded { message_id: id, user_id: ME, emoji: "x".into() }));
        state.live(event(GROUP, 5, EventKind::MessageDeleted { message_id: id, by: ANN, moderated: false }));
        let gone = &state.timeline(GROUP).messages[&2];
        assert!(gone.pin.is_none() && gone.reactions.is_empty());
        let lines: Vec<i64> = state.timeline(GROUP).lines.keys().copied().collect();
        assert_eq!(lines, [1, 3], "creation and pin are lines; messages and reactions are not");

        let older = Event {
            conversation_id: GROUP,
            seq: 0,
            at: at(1),
            kind: EventKind::ConversationRenamed { title: "T".into(), by: ANN },
        };
        let page = MessagePage { items: Vec::new(), users: Vec::new(), next_before_seq: None, events: vec![older] };
        history_page(&mut state.timelines, GROUP, None, Some(page));
        assert_eq!(state.timeline(GROUP).lines.keys().copied().collect::<Vec<_>>(), [0, 1, 3]);
    }

    // ---- mentions, mute, archive ----

    #[test]
    fn mentions_count_apart_and_reading_clears_them() {
        let mut state = State::new();
        state.timelines.insert(GROUP, Timeline::new(0));
        state.live(said(GROUP, 1, ANN, "plain"));
        let mut mention = message(GROUP, 2, ANN, "@me");
        mention.mentions = vec![ME];
        state.live(event(GROUP, 2, EventKind::MessageCreated { message: mention }));
        let counts = |state: &State| (state.summary(GROUP).unread, state.summary(GROUP).unread_mentions);
        assert_eq!(counts(&state), (2, 1));
        read_by_me(&state.timelines, &mut state.conversations, GROUP, 1, Some(ME));
        assert_eq!(counts(&state), (1, 1));
        read_by_me(&state.timelines, &mut state.conversations, GROUP, 2, Some(ME));
        assert_eq!(counts(&state), (0, 0));
    }

    #[test]
    fn muted_conversations_notify_only_mentions_and_archived_ones_return_with_a_new_message() {
        let mut state = State::new();
        let (archived, until) = (at(30), at(45));
        let muted = ConversationSettings { muted_until: Some(until), archived_at: Some(archived) };
        // Milliseconds at `m` minutes past the hour, on the fixtures' clock.
        let minute = |m: i64| until.timestamp_millis() as f64 + ((m - 45) * 60_000) as f64;
        let now = minute(40);
        settings_changed(&mut state.conversations, GROUP, muted);
        let summary = state.summary(GROUP).clone();
        assert!(is_muted(&summary, now));
        assert!(!is_muted(&summary, minute(50)), "the mute ran out");
        let mut hello = message(GROUP, 1, ANN, "hello");
        assert!(!deserves_notice(&summary, &hello, Some(ME), now));
        hello.mentions = vec![ME];
        assert!(deserves_notice(&summary, &hello, Some(ME), now), "a mention gets through");

        assert!(is_archived(&summary), "archived with nothing newer");
        state.timelines.insert(GROUP, Timeline::new(0));
        state.live(said(GROUP, 1, ANN, "older")); // sent at minute 11, before the archiving
        assert!(is_archived(state.summary(GROUP)));
        state.live(event(
            GROUP,
            2,
            EventKind::MessageCreated { message: Message { created_at: at(55), ..message(GROUP, 2, ANN, "new") } },
        ));
        assert!(!is_archived(state.summary(GROUP)), "a newer message brings it back");
    }
}
