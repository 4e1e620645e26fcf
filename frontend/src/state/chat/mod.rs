//! The chat context: conversations (newest activity first), the loaded messages of each, who is
//! online and typing, the outbox, and each conversation's slash commands, ephemeral answers and
//! draft, as signals the views read. This file wires gateway frames
//! and REST answers to those signals; the transitions themselves live in `reducer`.

mod catch_up;
mod commands;
pub mod delivery;
pub mod drafts;
pub mod ephemeral;
mod history;
pub mod notifications;
pub mod outbox;
mod reducer;
mod tab_title;
mod typing;
pub mod unread_mark;

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_i18n::I18nContext;
use protocol::bots::SlashCommand;
use protocol::conversations::{ConversationSettings, ConversationSummary, Event, Message};
use protocol::social::Friend;
use protocol::users::PublicUser;
use protocol::ws::{FriendPresence, ServerFrame};
use protocol::{ConversationId, UserId};

use self::delivery::DeliveryAcks;
use self::ephemeral::EphemeralAnswer;
use self::outbox::OutboxEntry;
use self::reducer::Arrival;
pub use self::reducer::{History, Timeline, is_archived, is_muted};
use super::session::Session;
use crate::locale::{Locale, td_string};

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
    /// When offline friends were last connected (ms since the epoch), for "last seen".
    pub last_seen: RwSignal<HashMap<UserId, f64>>,
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
    /// Bumped when a message is pinned or unpinned, so a shown pinned bar re-reads the pins.
    pub pins_changed: RwSignal<u32>,
    /// Why the user was signed out by the server, shown until dismissed.
    pub farewell: RwSignal<Option<String>>,
    /// The slash commands of each conversation whose list was fetched (`commands.rs`).
    pub commands: RwSignal<HashMap<ConversationId, Vec<SlashCommand>>>,
    /// Bots' answers only this user sees, per conversation, oldest first (`ephemeral.rs`).
    pub ephemeral: RwSignal<HashMap<ConversationId, Vec<EphemeralAnswer>>>,
    /// Others' messages received here, not yet acknowledged (`delivery.rs`).
    pub deliveries: StoredValue<DeliveryAcks>,
    /// Messages begun and not sent, per conversation (`drafts.rs`).
    pub drafts: RwSignal<HashMap<ConversationId, String>>,
    /// Whose drafts are loaded.
    drafts_owner: StoredValue<Option<UserId>>,
    session: Session,
    /// The app's language, for the words this state puts on screen ("Someone").
    i18n: Option<I18nContext<Locale>>,
    /// Whose outbox is loaded.
    owner: RwSignal<Option<UserId>>,
}

/// Milliseconds since the epoch, from the browser clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl Chat {
    /// An empty chat state for `session`, speaking the language of the translation context
    /// (provided before it).
    pub fn new(session: Session) -> Self {
        Self {
            conversations: RwSignal::new(Vec::new()),
            timelines: RwSignal::new(HashMap::new()),
            users: RwSignal::new(HashMap::new()),
            friends: RwSignal::new(Vec::new()),
            presence: RwSignal::new(HashMap::new()),
            last_seen: RwSignal::new(HashMap::new()),
            typing: RwSignal::new(HashMap::new()),
            outbox: RwSignal::new(Vec::new()),
            open: RwSignal::new(None),
            synced: RwSignal::new(false),
            members_changed: RwSignal::new(0),
            pins_changed: RwSignal::new(0),
            farewell: RwSignal::new(None),
            commands: RwSignal::new(HashMap::new()),
            ephemeral: RwSignal::new(HashMap::new()),
            deliveries: StoredValue::new(DeliveryAcks::default()),
            drafts: RwSignal::new(HashMap::new()),
            drafts_owner: StoredValue::new(None),
            session,
            i18n: use_context::<I18nContext<Locale>>(),
            owner: RwSignal::new(None),
        }
    }

    /// The signed-in user's id.
    pub fn me(&self) -> Option<UserId> {
        self.session.user.with_untracked(|u| u.as_ref().map(|u| u.id))
    }

    /// Forgets everything (after sign-out); the saved outbox stays for the next sign-in, the
    /// drafts do not (they are only conveniences, and the browser may be shared).
    pub fn reset(&self) {
        self.forget_drafts();
        self.conversations.set(Vec::new());
        self.timelines.set(HashMap::new());
        self.users.set(HashMap::new());
        self.friends.set(Vec::new());
        self.presence.set(HashMap::new());
        self.last_seen.set(HashMap::new());
        self.typing.set(HashMap::new());
        self.outbox.set(Vec::new());
        self.commands.set(HashMap::new());
        self.ephemeral.set(HashMap::new());
        self.deliveries.set_value(DeliveryAcks::default());
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

    /// The app's language now (tracked); English without a translation context.
    pub fn language(&self) -> Locale {
        self.i18n.map(|i18n| i18n.get_locale()).unwrap_or_default()
    }

    /// A user's display name, if known ("Someone" in the app's language otherwise).
    pub fn name_of(&self, id: UserId) -> String {
        self.users
            .with(|users| users.get(&id).map(|u| u.display_name.clone()))
            .unwrap_or_else(|| td_string!(self.language(), chat.someone).to_owned())
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
        self.load_drafts();
        self.presence.set(friends.iter().map(|f| (f.friend.user.id, f.online)).collect());
        self.last_seen.set(
            friends
                .iter()
                .filter_map(|f| f.last_seen_at.map(|t| (f.friend.user.id, t.timestamp_millis() as f64)))
                .collect(),
        );
        self.remember_users(friends.iter().map(|f| f.friend.user.clone()));
        self.remember_users(conversations.iter().filter_map(|c| c.peer.clone()));
        self.friends.set(friends.into_iter().map(|f| f.friend).collect());

        let mut conversations = conversations;
        let behind = self.timelines.try_update(|t| reducer::ready(t, &mut conversations)).unwrap_or_default();
        self.conversations.set(conversations);
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
                self.timelines.update(|t| reducer::track(t, &conversation));
                self.conversations.update(|list| reducer::upsert(list, *conversation));
            }
            ServerFrame::ConversationRemoved { conversation_id } => {
                self.conversations.update(|list| list.retain(|c| c.id != conversation_id));
                self.timelines.update(|t| {
                    t.remove(&conversation_id);
                });
                self.forget_commands(conversation_id);
                self.ephemeral.update(|answers| {
                    answers.remove(&conversation_id);
                });
            }
            ServerFrame::ConversationSettingsChanged { conversation_id, settings } => {
                self.conversations.update(|list| reducer::settings_changed(list, conversation_id, settings));
            }
            ServerFrame::Read { conversation_id, user_id, seq } => self.on_read(conversation_id, user_id, seq),
            ServerFrame::Typing { conversation_id, user_id } => self.on_typing(conversation_id, user_id),
            ServerFrame::Presence { user_id, online, last_seen_at } => {
                self.presence.update(|p| {
                    p.insert(user_id, online);
                });
                if let Some(at) = last_seen_at {
                    self.last_seen.update(|seen| {
                        seen.insert(user_id, at.timestamp_millis() as f64);
                    });
                }
            }
            ServerFrame::FriendRequestReceived { .. } | ServerFrame::FriendRequestRemoved { .. } => {
                self.session.social_changed();
            }
            ServerFrame::FriendAdded { friend, online } => {
                self.presence.update(|p| {
                    p.insert(friend.user.id, online);
                });
                self.remember_users([friend.user.clone()]);
                self.friends.update(|list| reducer::add_friend(list, friend));
                self.session.social_changed();
            }
            ServerFrame::FriendRemoved { user_id } => {
                self.friends.update(|list| list.retain(|f| f.user.id != user_id));
                self.session.social_changed();
            }
            ServerFrame::UserUpdated { user } => {
                self.friends.update(|list| reducer::refresh_friend(list, &user));
                self.conversations.update(|list| reducer::refresh_peer(list, &user));
                self.remember_users([user]);
            }
            // A bot's answer to a command the user invoked (from this app or another of theirs):
            // kept in memory only, shown below the invocation.
            ServerFrame::EphemeralMessage { conversation_id, invocation_seq, sender, body } => {
                self.on_ephemeral(conversation_id, invocation_seq, sender, body);
            }
            // Unknown: a frame type from a newer server, which this client ignores.
            ServerFrame::Ready { .. }
            | ServerFrame::Ack { .. }
            | ServerFrame::Error { .. }
            | ServerFrame::WebhookDisabled { .. }
            | ServerFrame::Unknown => {}
        }
    }

    /// A live event: applied at once when it is the next one, otherwise the gap is fetched.
    fn on_live_event(&self, event: Event) {
        let id = event.conversation_id;
        match self.timelines.try_update(|t| reducer::arrival(t, &event)) {
            Some(Arrival::Next) => self.apply(event, true),
            Some(Arrival::Gap) => self.catch_up(id),
            Some(Arrival::Old | Arrival::Unknown) | None => {}
        }
    }

    /// Applies the next event of a conversation (one whose seq is `known_seq + 1`; any other
    /// changes nothing). `live` events may raise a notification; replayed ones never do.
    fn apply(&self, event: Event, live: bool) {
        if !self.timelines.with_untracked(|t| reducer::is_next(t, &event)) {
            return;
        }
        let id = event.conversation_id;
        let me = self.me();
        let applied = self
            .timelines
            .try_update(|t| self.conversations.try_update(|list| reducer::apply(t, list, event, me)))
            .flatten()
            .flatten();
        let Some(applied) = applied else { return };
        if let Some(client_msg_id) = applied.delivered {
            self.drop_from_outbox(client_msg_id);
        }
        if let Some(user) = applied.joined {
            self.remember_users([user]);
        }
        if applied.members_changed {
            self.members_changed.update(|n| *n = n.wrapping_add(1));
            self.forget_commands(id);
        }
        if applied.pins_changed {
            self.pins_changed.update(|n| *n = n.wrapping_add(1));
        }
        if let Some(message) = applied.from_other {
            self.deliveries.update_value(|acks| acks.note(id, message.seq));
            self.stop_typing(id, message.sender_id);
            if live {
                self.notify(id, &message);
            }
        }
    }

    // ---- REST answers and read markers ----

    /// Adds or replaces a conversation from a REST answer (a new DM or group, a rename).
    pub fn upsert_summary(&self, summary: ConversationSummary) {
        self.timelines.update(|t| reducer::track(t, &summary));
        self.remember_users(summary.peer.clone());
        self.conversations.update(|list| reducer::upsert(list, summary));
    }

    /// The user's own settings of a conversation as the server stored them.
    pub fn set_settings(&self, id: ConversationId, settings: ConversationSettings) {
        self.conversations.update(|list| reducer::settings_changed(list, id, settings));
    }

    /// Forgets a conversation the user left.
    pub fn forget(&self, id: ConversationId) {
        self.on_frame(ServerFrame::ConversationRemoved { conversation_id: id });
    }

    /// The server stored a message the user sent (its `ack`): show it and forget the entry.
    pub fn on_sent(&self, message: Message) {
        self.drop_from_outbox(message.client_msg_id);
        self.timelines.update(|t| reducer::sent(t, message));
    }

    /// A message the server stored after an edit or deletion through REST.
    pub fn on_changed(&self, message: Message) {
        self.timelines.update(|t| reducer::changed(t, message));
    }

    fn on_read(&self, id: ConversationId, user: UserId, seq: i64) {
        if Some(user) == self.me() {
            self.read_locally(id, seq);
            return;
        }
        self.timelines.update(|t| self.conversations.update(|list| reducer::read_by_other(t, list, id, user, seq)));
    }

    /// Records that the user has read `id` up to `seq` (before the server confirms it).
    pub fn read_locally(&self, id: ConversationId, seq: i64) {
        let me = self.me();
        self.timelines.with_untracked(|t| self.conversations.update(|list| reducer::read_by_me(t, list, id, seq, me)));
    }

    /// Seeds other members' read markers from the member list.
    pub fn set_reads(&self, id: ConversationId, reads: impl IntoIterator<Item = (UserId, i64)>) {
        let me = self.me();
        self.timelines.update(|t| reducer::seed_reads(t, id, reads, me));
    }
}
