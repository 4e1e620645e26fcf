//! The chat context: conversations (newest activity first), the loaded messages of each, who is
//! online and typing, and the outbox. Frames from the gateway and REST catch-up pages go through
//! one reducer that applies each event exactly once, in seq order, so nothing shows twice or not at all.

use std::collections::{BTreeMap, HashMap};

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::conversations::{ConversationSummary, Event, EventKind, Message};
use protocol::social::Friend;
use protocol::users::PublicUser;
use protocol::ws::{FriendPresence, ServerFrame};
use protocol::{ConversationId, MessageId, UserId};
use uuid::Uuid;

use super::notifications;
use super::outbox::{self, OutboxEntry};
use super::session::Session;
use crate::api;

/// How long a typing indicator lasts without a new `typing` frame, in milliseconds.
const TYPING_MS: f64 = 5_000.0;

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
    seen_seq: i64,
    /// Whether a catch-up (`events?after_seq=`) is running.
    syncing: bool,
    /// Where the loaded history begins.
    pub history: History,
    /// Whether an older page is being fetched.
    pub loading_older: bool,
    /// Other members' read markers, when known: their minimum drives a group's read ticks.
    pub reads: HashMap<UserId, i64>,
}

impl Timeline {
    fn new(known_seq: i64) -> Self {
        Self {
            messages: BTreeMap::new(),
            known_seq,
            seen_seq: known_seq,
            syncing: false,
            history: History::NotLoaded,
            loading_older: false,
            reads: HashMap::new(),
        }
    }

    fn find_mut(&mut self, id: MessageId) -> Option<&mut Message> {
        self.messages.values_mut().rev().find(|m| m.id == id)
    }
}

/// The chat context (all signals, so it is `Copy`).
#[derive(Clone, Copy, Debug)]
pub struct Chat {
    /// Every conversation, newest activity first.
    pub conversations: RwSignal<Vec<ConversationSummary>>,
    /// Loaded messages and sync position per conversation.
    pub timelines: RwSignal<HashMap<ConversationId, Timeline>>,
    /// Profiles seen so far (authors, members, friends), to name senders.
    pub users: RwSignal<HashMap<UserId, PublicUser>>,
    /// Friends, for starting DMs and groups.
    pub friends: RwSignal<Vec<Friend>>,
    /// Who is online, by user.
    pub presence: RwSignal<HashMap<UserId, bool>>,
    /// Who is typing where, with when the indicator expires.
    pub typing: RwSignal<HashMap<ConversationId, HashMap<UserId, f64>>>,
    /// Messages not yet acknowledged.
    pub outbox: RwSignal<Vec<OutboxEntry>>,
    /// The conversation on screen, set by the chat page.
    pub open: RwSignal<Option<ConversationId>>,
    /// Whether the first `ready` has arrived since sign-in.
    pub synced: RwSignal<bool>,
    /// Bumped when a conversation's members change, so the members panel re-reads them.
    pub members_changed: RwSignal<u32>,
    /// Why the user was signed out by the server, shown until dismissed.
    pub farewell: RwSignal<Option<String>>,
    session: Session,
    /// Whose outbox is loaded.
    owner: RwSignal<Option<UserId>>,
}

/// Milliseconds since the epoch, from the browser clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl Chat {
    /// An empty chat state for `session`.
    pub fn new(session: Session) -> Self {
        Self {
            conversations: RwSignal::new(Vec::new()),
            timelines: RwSignal::new(HashMap::new()),
            users: RwSignal::new(HashMap::new()),
            friends: RwSignal::new(Vec::new()),
            presence: RwSignal::new(HashMap::new()),
            typing: RwSignal::new(HashMap::new()),
            outbox: RwSignal::new(Vec::new()),
            open: RwSignal::new(None),
            synced: RwSignal::new(false),
            members_changed: RwSignal::new(0),
            farewell: RwSignal::new(None),
            session,
            owner: RwSignal::new(None),
        }
    }

    /// The signed-in user's id.
    pub fn me(&self) -> Option<UserId> {
        self.session.user.with_untracked(|u| u.as_ref().map(|u| u.id))
    }

    /// Forgets everything (after sign-out); the saved outbox stays for the next sign-in.
    pub fn reset(&self) {
        self.conversations.set(Vec::new());
        self.timelines.set(HashMap::new());
        self.users.set(HashMap::new());
        self.friends.set(Vec::new());
        self.presence.set(HashMap::new());
        self.typing.set(HashMap::new());
        self.outbox.set(Vec::new());
        self.synced.set(false);
        self.owner.set(None);
    }

    /// One conversation's summary.
    pub fn summary(&self, id: ConversationId) -> Option<ConversationSummary> {
        self.conversations.with(|list| list.iter().find(|c| c.id == id).cloned())
    }

    /// Unread messages over all conversations, for the header badge.
    pub fn total_unread(&self) -> i64 {
        self.conversations.with(|list| list.iter().map(|c| c.unread.max(0)).sum())
    }

    /// A user's display name, if known.
    pub fn name_of(&self, id: UserId) -> String {
        self.users.with(|users| users.get(&id).map(|u| u.display_name.clone())).unwrap_or_else(|| "Someone".into())
    }

    /// The name a conversation goes by: its title, or the DM peer's name.
    pub fn title_of(summary: &ConversationSummary) -> String {
        match &summary.peer {
            Some(peer) if summary.title.is_empty() => peer.display_name.clone(),
            _ => summary.title.clone(),
        }
    }

    /// Remembers profiles for naming senders.
    pub fn remember_users(&self, users: impl IntoIterator<Item = PublicUser>) {
        self.users.update(|known| {
            for user in users {
                known.insert(user.id, user);
            }
        });
    }

    // ---- gateway frames ----

    /// Takes in `ready`: replaces friends and conversations, catches up every conversation whose
    /// loaded messages fell behind, and returns the outbox entries to resend.
    pub fn on_ready(&self, friends: Vec<FriendPresence>, conversations: Vec<ConversationSummary>) -> Vec<OutboxEntry> {
        self.ensure_outbox();
        self.presence.set(friends.iter().map(|f| (f.friend.user.id, f.online)).collect());
        self.remember_users(friends.iter().map(|f| f.friend.user.clone()));
        self.remember_users(conversations.iter().filter_map(|c| c.peer.clone()));
        self.friends.set(friends.into_iter().map(|f| f.friend).collect());

        let mut behind = Vec::new();
        self.timelines.update(|timelines| {
            timelines.retain(|id, _| conversations.iter().any(|c| c.id == *id));
            for summary in &conversations {
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
        });
        let mut sorted = conversations;
        sorted.sort_by_key(|c| std::cmp::Reverse(c.last_activity_at));
        self.conversations.set(sorted);
        self.synced.set(true);
        self.session.social_changed();
        for id in behind {
            self.catch_up(id);
        }
        self.outbox.get_untracked().into_iter().filter(|e| e.failed.is_none()).collect()
    }

    /// Applies a live frame other than `ready`, `ack` and `error` (the gateway's own business).
    pub fn on_frame(&self, frame: ServerFrame) {
        match frame {
            ServerFrame::Event { event } => self.on_live_event(event),
            ServerFrame::ConversationAdded { conversation } => {
                self.remember_users(conversation.peer.clone());
                self.timelines.update(|t| {
                    t.entry(conversation.id).or_insert_with(|| Timeline::new(conversation.last_seq));
                });
                self.upsert(conversation);
            }
            ServerFrame::ConversationRemoved { conversation_id } => {
                self.conversations.update(|list| list.retain(|c| c.id != conversation_id));
                self.timelines.update(|t| {
                    t.remove(&conversation_id);
                });
            }
            ServerFrame::Read { conversation_id, user_id, seq } => self.on_read(conversation_id, user_id, seq),
            ServerFrame::Typing { conversation_id, user_id } => self.on_typing(conversation_id, user_id),
            ServerFrame::Presence { user_id, online, .. } => {
                self.presence.update(|p| {
                    p.insert(user_id, online);
                });
            }
            ServerFrame::FriendRequestReceived { .. } | ServerFrame::FriendRequestRemoved { .. } => {
                self.session.social_changed();
            }
            ServerFrame::FriendAdded { friend, online } => {
                self.presence.update(|p| {
                    p.insert(friend.user.id, online);
                });
                self.remember_users([friend.user.clone()]);
                self.friends.update(|list| {
                    list.retain(|f| f.user.id != friend.user.id);
                    list.push(friend);
                });
                self.session.social_changed();
            }
            ServerFrame::FriendRemoved { user_id } => {
                self.friends.update(|list| list.retain(|f| f.user.id != user_id));
                self.session.social_changed();
            }
            ServerFrame::UserUpdated { user } => {
                self.friends.update(|list| {
                    for friend in list.iter_mut().filter(|f| f.user.id == user.id) {
                        friend.user = user.clone();
                    }
                });
                self.conversations.update(|list| {
                    for summary in list.iter_mut() {
                        if let Some(peer) = summary.peer.as_mut().filter(|p| p.id == user.id) {
                            *peer = user.clone();
                        }
                    }
                });
                self.remember_users([user]);
            }
            ServerFrame::Ready { .. } | ServerFrame::Ack { .. } | ServerFrame::Error { .. } => {}
        }
    }

    /// A live event: applied at once when it is the next one, otherwise the gap is fetched.
    fn on_live_event(&self, event: Event) {
        let id = event.conversation_id;
        let mut apply = false;
        let mut gap = false;
        // An event for a conversation not heard of yet is skipped: its `conversation_added`
        // (or the next `ready`) brings a summary whose last_seq covers it.
        self.timelines.update(|t| {
            if let Some(timeline) = t.get_mut(&id) {
                timeline.seen_seq = timeline.seen_seq.max(event.seq);
                if event.seq == timeline.known_seq + 1 {
                    apply = true;
                } else if event.seq > timeline.known_seq + 1 {
                    gap = true;
                }
            }
        });
        if apply {
            self.apply(event, true);
        } else if gap {
            self.catch_up(id);
        }
    }

    /// Fetches and applies the events after the last applied one, until it reaches the newest
    /// seq mentioned by the server. Events at or below the applied seq are skipped, so pages
    /// overlapping live frames change nothing.
    pub fn catch_up(&self, id: ConversationId) {
        let mut start = false;
        self.timelines.update(|t| {
            if let Some(timeline) = t.get_mut(&id)
                && !timeline.syncing
            {
                timeline.syncing = true;
                start = true;
            }
        });
        if !start {
            return;
        }
        let chat = *self;
        spawn_local(async move {
            let mut failures = 0u32;
            loop {
                let Some((known, seen)) =
                    chat.timelines.with_untracked(|t| t.get(&id).map(|tl| (tl.known_seq, tl.seen_seq)))
                else {
                    return;
                };
                match api::conversations::events(chat.session, id, known).await {
                    Ok(page) => {
                        failures = 0;
                        chat.remember_users(page.users);
                        let empty = page.items.is_empty();
                        for event in page.items {
                            let next = chat.timelines.with_untracked(|t| t.get(&id).map(|tl| tl.known_seq + 1));
                            if Some(event.seq) == next {
                                chat.apply(event, false);
                            }
                        }
                        let known_now = chat.timelines.with_untracked(|t| t.get(&id).map(|tl| tl.known_seq));
                        let caught_up = known_now.is_none_or(|k| k >= seen.max(page.last_seq));
                        // Done when the log is exhausted and reaches everything announced; an
                        // empty last page also ends it, so a stale announcement cannot spin.
                        if !page.has_more && (caught_up || empty) {
                            break;
                        }
                    }
                    Err(_) => {
                        // Offline or the server restarting: the next `ready` starts a new catch-up.
                        failures += 1;
                        if failures > 3 {
                            break;
                        }
                        gloo_timers::future::TimeoutFuture::new(1_000 * failures).await;
                    }
                }
            }
            chat.timelines.update(|t| {
                if let Some(timeline) = t.get_mut(&id) {
                    timeline.syncing = false;
                }
            });
        });
    }

    /// Applies the next event of a conversation (its seq is `known_seq + 1`). `live` events may
    /// raise a notification; replayed ones never do.
    fn apply(&self, event: Event, live: bool) {
        let id = event.conversation_id;
        let me = self.me();
        let mut notify = None;
        self.timelines.update(|t| {
            let Some(timeline) = t.get_mut(&id) else { return };
            timeline.known_seq = event.seq;
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
        });
        let at = event.at;
        match event.kind {
            EventKind::MessageCreated { message } => {
                if Some(message.sender_id) == me {
                    self.drop_from_outbox(message.client_msg_id);
                } else {
                    notify = Some(message.clone());
                }
                let from_other = Some(message.sender_id) != me;
                if from_other {
                    self.stop_typing(id, message.sender_id);
                }
                self.update_summary(id, event.seq, |s| {
                    s.last_activity_at = s.last_activity_at.max(at);
                    if from_other && message.seq > s.read_seq {
                        s.unread += 1;
                    }
                    s.last_message = Some(message);
                });
            }
            EventKind::MessageEdited { message } => self.update_summary(id, event.seq, |s| {
                if s.last_message.as_ref().is_some_and(|m| m.id == message.id) {
                    s.last_message = Some(message);
                }
            }),
            EventKind::MessageDeleted { message_id, by, moderated } => self.update_summary(id, event.seq, |s| {
                if let Some(last) = s.last_message.as_mut().filter(|m| m.id == message_id) {
                    last.body.clear();
                    last.deleted_at = Some(at);
                    last.moderated = moderated && last.sender_id != by;
                }
            }),
            EventKind::MemberAdded { user, .. } => {
                self.remember_users([user]);
                self.update_summary(id, event.seq, |s| {
                    s.last_activity_at = s.last_activity_at.max(at);
                    s.member_count += 1;
                });
                self.members_changed.update(|n| *n = n.wrapping_add(1));
            }
            EventKind::MemberRemoved { .. } => {
                self.update_summary(id, event.seq, |s| s.member_count = (s.member_count - 1).max(1));
                self.members_changed.update(|n| *n = n.wrapping_add(1));
            }
            EventKind::MemberRoleChanged { user_id, role, .. } => {
                self.update_summary(id, event.seq, |s| {
                    if Some(user_id) == me {
                        s.my_role = role;
                    }
                });
                self.members_changed.update(|n| *n = n.wrapping_add(1));
            }
            EventKind::ConversationRenamed { title, .. } => self.update_summary(id, event.seq, |s| {
                s.last_activity_at = s.last_activity_at.max(at);
                s.title = title;
            }),
            EventKind::ConversationCreated { .. } => self.update_summary(id, event.seq, |_| {}),
        }
        if live && let Some(message) = notify {
            let title = self.summary(id).map(|s| Self::title_of(&s)).unwrap_or_default();
            let sender = self.name_of(message.sender_id);
            let open_and_seen = self.open.get_untracked() == Some(id) && notifications::page_visible();
            if !open_and_seen {
                notifications::show(&title, &format!("{sender}: {}", message.body), id);
            }
        }
    }

    /// Moves a summary's `last_seq` to `seq`, applies `change` (which moves `last_activity_at`
    /// when the event counts as activity) and keeps the list sorted.
    fn update_summary(&self, id: ConversationId, seq: i64, change: impl FnOnce(&mut ConversationSummary)) {
        self.conversations.update(|list| {
            if let Some(summary) = list.iter_mut().find(|c| c.id == id) {
                summary.last_seq = summary.last_seq.max(seq);
                change(summary);
            }
            list.sort_by_key(|c| std::cmp::Reverse(c.last_activity_at));
        });
    }

    fn upsert(&self, summary: ConversationSummary) {
        self.conversations.update(|list| {
            list.retain(|c| c.id != summary.id);
            list.push(summary);
            list.sort_by_key(|c| std::cmp::Reverse(c.last_activity_at));
        });
    }

    /// Adds or replaces a conversation from a REST answer (a new DM or group, a rename).
    pub fn upsert_summary(&self, summary: ConversationSummary) {
        self.timelines.update(|t| {
            t.entry(summary.id).or_insert_with(|| Timeline::new(summary.last_seq));
        });
        self.remember_users(summary.peer.clone());
        self.upsert(summary);
    }

    /// Forgets a conversation the user left.
    pub fn forget(&self, id: ConversationId) {
        self.on_frame(ServerFrame::ConversationRemoved { conversation_id: id });
    }

    fn on_read(&self, id: ConversationId, user: UserId, seq: i64) {
        if Some(user) == self.me() {
            self.read_locally(id, seq);
            return;
        }
        let mut lowest = None;
        self.timelines.update(|t| {
            if let Some(timeline) = t.get_mut(&id) {
                let entry = timeline.reads.entry(user).or_insert(0);
                *entry = (*entry).max(seq);
                lowest = timeline.reads.values().copied().min();
            }
        });
        self.conversations.update(|list| {
            if let Some(summary) = list.iter_mut().find(|c| c.id == id) {
                let others = usize::try_from(summary.member_count - 1).unwrap_or(0);
                let known_all =
                    self.timelines.with_untracked(|t| t.get(&id).is_some_and(|tl| tl.reads.len() >= others));
                if summary.peer.is_some() {
                    summary.others_read_seq = summary.others_read_seq.max(seq);
                } else if known_all && let Some(lowest) = lowest {
                    summary.others_read_seq = summary.others_read_seq.max(lowest);
                }
            }
        });
    }

    /// Records that the user has read `id` up to `seq` (before the server confirms it).
    pub fn read_locally(&self, id: ConversationId, seq: i64) {
        let me = self.me();
        let unread_after = self.timelines.with_untracked(|t| {
            t.get(&id).map(|tl| {
                tl.messages.range(seq + 1..).filter(|(_, m)| Some(m.sender_id) != me && m.deleted_at.is_none()).count()
            })
        });
        self.conversations.update(|list| {
            if let Some(summary) = list.iter_mut().find(|c| c.id == id)
                && seq > summary.read_seq
            {
                summary.read_seq = seq;
                summary.unread = if seq >= summary.last_seq {
                    0
                } else {
                    unread_after.map_or(summary.unread, |n| i64::try_from(n).unwrap_or(0))
                };
            }
        });
    }

    /// Seeds other members' read markers from the member list.
    pub fn set_reads(&self, id: ConversationId, reads: impl IntoIterator<Item = (UserId, i64)>) {
        let me = self.me();
        self.timelines.update(|t| {
            if let Some(timeline) = t.get_mut(&id) {
                for (user, seq) in reads {
                    if Some(user) != me {
                        let entry = timeline.reads.entry(user).or_insert(0);
                        *entry = (*entry).max(seq);
                    }
                }
            }
        });
    }

    fn on_typing(&self, id: ConversationId, user: UserId) {
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

    // ---- history ----

    /// Loads the newest page of a conversation if nothing is loaded yet.
    pub fn load_latest(&self, id: ConversationId) {
        let needed = self.timelines.with_untracked(|t| t.get(&id).is_some_and(|tl| tl.history == History::NotLoaded));
        if needed {
            self.load_page(id, None);
        }
    }

    /// Loads the page before the oldest loaded message, if there is one.
    pub fn load_older(&self, id: ConversationId) {
        let before = self.timelines.with_untracked(|t| match t.get(&id) {
            Some(tl) if !tl.loading_older => match tl.history {
                History::Partial(before) => Some(before),
                _ => None,
            },
            _ => None,
        });
        if let Some(before) = before {
            self.load_page(id, Some(before));
        }
    }

    fn load_page(&self, id: ConversationId, before: Option<i64>) {
        self.timelines.update(|t| {
            if let Some(tl) = t.get_mut(&id) {
                tl.loading_older = true;
            }
        });
        let chat = *self;
        spawn_local(async move {
            let result = api::conversations::messages(chat.session, id, before).await;
            let page = result.ok();
            if let Some(page) = &page {
                chat.remember_users(page.users.iter().cloned());
            }
            chat.timelines.update(|t| {
                let Some(tl) = t.get_mut(&id) else { return };
                tl.loading_older = false;
                let Some(page) = page else { return };
                for message in page.items {
                    // A copy already here came from a later event and is at least as fresh.
                    tl.messages.entry(message.seq).or_insert(message);
                }
                let next = match page.next_before_seq {
                    Some(before) => History::Partial(before),
                    None => History::Complete,
                };
                if before.is_some() || tl.history == History::NotLoaded {
                    tl.history = next;
                }
            });
        });
    }

    // ---- outbox ----

    /// Queues a message for sending and returns it (the gateway sends it when connected).
    pub fn queue(&self, conversation_id: ConversationId, body: String, reply_to: Option<MessageId>) -> OutboxEntry {
        self.ensure_outbox();
        let entry = OutboxEntry {
            client_msg_id: outbox::new_client_msg_id(),
            conversation_id,
            body,
            reply_to,
            written_at: now_ms(),
            failed: None,
        };
        self.outbox.update(|o| o.push(entry.clone()));
        self.save_outbox();
        entry
    }

    /// The server stored a message the user sent (its `ack`): show it and forget the entry.
    pub fn on_sent(&self, message: Message) {
        self.drop_from_outbox(message.client_msg_id);
        self.timelines.update(|t| {
            if let Some(tl) = t.get_mut(&message.conversation_id) {
                tl.messages.entry(message.seq).or_insert(message);
            }
        });
    }

    /// A message the server stored after an edit or deletion through REST.
    pub fn on_changed(&self, message: Message) {
        self.timelines.update(|t| {
            if let Some(old) = t.get_mut(&message.conversation_id).and_then(|tl| tl.find_mut(message.id)) {
                *old = message;
            }
        });
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

    /// Drops an entry without sending it.
    pub fn drop_from_outbox(&self, client_msg_id: Uuid) {
        let present = self.outbox.with_untracked(|o| o.iter().any(|e| e.client_msg_id == client_msg_id));
        if present {
            self.outbox.update(|o| o.retain(|e| e.client_msg_id != client_msg_id));
            self.save_outbox();
        }
    }

    /// Loads the signed-in user's saved outbox once, keeping anything queued before it loaded.
    fn ensure_outbox(&self) {
        let Some(me) = self.me() else { return };
        if self.owner.get_untracked() == Some(me) {
            return;
        }
        let mut saved = outbox::load(me);
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
            self.outbox.with_untracked(|o| outbox::save(me, o));
        }
    }
}
