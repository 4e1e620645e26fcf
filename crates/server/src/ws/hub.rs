//! The hub: one task per process that owns every live connection, indexed by user and by
//! subscribed conversation, and routes what the bus delivers to them (it is the bus's
//! `Subscriber`). No locks: sessions and the bus
//! talk to it over one bounded channel, so everything it does happens in one order.
//!
//! A frame is serialized once and the same bytes are queued to every recipient. Each
//! connection's queue is bounded; a connection whose queue is full is closed with
//! `close::TOO_SLOW` (it resyncs on reconnect) instead of slowing anyone else down.
//!
//! On a bus that subscribes per conversation (NATS), the hub tells it which conversations its
//! connections follow ([`Interest`]) and waits for it before a connection reads `ready` or a
//! joined conversation's summary, so nothing committed after that read can be missed.
//!
//! Membership changes reach the hub twice: as the conversation's `member_added` and
//! `member_removed` events, in the log's order, and as `Joined`/`Left` notices to the users,
//! which the servers that do not follow the conversation need. On NATS the two travel apart,
//! so either may come first, and a notice may come after a later change of the same member
//! (removed, then quickly added back). Each change carries its seq; the hub applies whichever
//! arrives first and keeps, per member and conversation, the seq of the last change it applied
//! ([`MembershipChanges`]), so an older one, arriving late, changes nothing.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use bytestring::ByteString;
use chrono::Utc;
use protocol::conversations::EventKind;
use protocol::ws::{ServerFrame, close};
use protocol::{ConversationId, UserId};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use futures_util::future::BoxFuture;

use crate::bus::{BusMessage, Interest, Subscriber};
use crate::presence::{LiveCounts, Presence};

#[cfg(test)]
const CONNECTION_QUEUE: usize = crate::config::DEFAULT_WS_QUEUE;
/// Commands queued for the hub before senders wait.
const HUB_QUEUE: usize = 16 * 1024;
/// How long the hub remembers a membership change. A notice reaches every server within
/// milliseconds or not at all (a lost NATS connection makes every client resync), so a minute
/// is far more than a late notice can need; it also outlives a reconnecting client's read of its
/// conversations, which must not be undone by a notice older than that read.
const MEMBERSHIP_MEMORY: Duration = Duration::from_secs(60);

/// Identifies one live connection inside this process.
pub type ConnId = u64;

/// What the hub hands a connection's session task.
#[derive(Debug)]
pub enum Outbound {
    /// A serialized `ServerFrame`, shared by every recipient.
    Frame(ByteString),
    /// The user joined this conversation: load its summary and send `conversation_added`
    /// (the connection is already subscribed).
    Joined(ConversationId),
}

/// Why the hub closes a connection.
#[derive(Debug, Clone)]
pub struct CloseOrder {
    /// WebSocket close code (`protocol::ws::close`).
    pub code: u16,
    /// Human-readable reason.
    pub reason: &'static str,
}

/// The receiving ends a session task reads.
#[derive(Debug)]
pub struct ConnectionQueues {
    /// Frames to send.
    pub frames: mpsc::Receiver<Outbound>,
    /// Fires once if the hub closes the connection.
    pub close: oneshot::Receiver<CloseOrder>,
}

/// Counters for stats and benchmarks.
#[derive(Debug, Clone, Copy, Default)]
pub struct HubStats {
    /// Live connections in this process.
    pub connections: usize,
    /// Distinct users connected to this process.
    pub users: usize,
}

#[expect(
    clippy::large_enum_variant,
    reason = "registration is rare; boxing would cost every other command an allocation"
)]
enum Command {
    Register {
        id: ConnId,
        user: UserId,
        session: Uuid,
        friends: Vec<UserId>,
        frames: mpsc::Sender<Outbound>,
        close: oneshot::Sender<CloseOrder>,
        conversations: Vec<ConversationId>,
        reply: oneshot::Sender<HashSet<UserId>>,
        followed: oneshot::Sender<()>,
    },
    /// The bus now follows `conversation`: these connections join it.
    JoinFollowed {
        conversation: ConversationId,
        conns: Vec<ConnId>,
    },
    Unregister {
        id: ConnId,
    },
    Deliver(BusMessage),
    CloseAll(CloseOrder),
    ShutDown(CloseOrder),
    Stats(oneshot::Sender<HubStats>),
    IsOnline(UserId, oneshot::Sender<bool>),
}

/// A handle to the hub task; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    commands: mpsc::Sender<Command>,
    queue: usize,
    next_id: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Hub {
    /// Starts the hub task. `remote` receives this hub's presence changes for other servers
    /// (the PostgreSQL bus); `server_id` tells its own presence messages apart when they come
    /// back.
    /// `queue` is each connection's outbound capacity in frames.
    pub fn start(server_id: Uuid, remote: Option<mpsc::Sender<BusMessage>>, queue: usize) -> Self {
        Self::start_with_interest(server_id, remote, queue, None)
    }

    /// Starts the hub task for a bus that subscribes per conversation: `interest` learns which
    /// conversations the connections here follow (see the module docs).
    pub fn start_with_interest(
        server_id: Uuid,
        remote: Option<mpsc::Sender<BusMessage>>,
        queue: usize,
        interest: Option<mpsc::UnboundedSender<Interest>>,
    ) -> Self {
        let (commands, inbox) = mpsc::channel(HUB_QUEUE);
        let own = Some(commands.downgrade());
        let state = HubState { server_id, remote, interest, own, ..HubState::default() };
        tokio::spawn(state.run(inbox));
        Self { commands, queue: queue.max(1), next_id: Default::default() }
    }

    /// Registers a connection for `user`, subscribed to `conversations` (as read from the
    /// database, at any time before) and to those the hub saw the user join since, less those it
    /// saw them leave; returns its id, its queues, and which of `friends` are online now, once
    /// the bus delivers those conversations' events here. From here on it receives the user's
    /// notices (joins, friend changes), so a conversation's summary read after this call cannot
    /// miss one of its events, nor a membership change made after the read.
    pub async fn register(
        &self,
        user: UserId,
        session: Uuid,
        friends: Vec<UserId>,
        conversations: Vec<ConversationId>,
    ) -> Option<(ConnId, ConnectionQueues, HashSet<UserId>)> {
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (frames_tx, frames) = mpsc::channel(self.queue);
        let (close_tx, close) = oneshot::channel();
        let (reply, online) = oneshot::channel();
        let (followed, following) = oneshot::channel();
        let command = Command::Register {
            id,
            user,
            session,
            friends,
            frames: frames_tx,
            close: close_tx,
            conversations,
            reply,
            followed,
        };
        self.commands.send(command).await.ok()?;
        let online = online.await.ok()?;
        let _ = following.await;
        Some((id, ConnectionQueues { frames, close }, online))
    }

    /// Forgets a connection (its session ended).
    pub async fn unregister(&self, id: ConnId) {
        let _ = self.commands.send(Command::Unregister { id }).await;
    }

    /// Routes a bus message to the connections it concerns.
    pub async fn deliver(&self, message: BusMessage) {
        let _ = self.commands.send(Command::Deliver(message)).await;
    }

    /// Closes every connection (shutdown, or a bus outage after which clients must resync).
    pub async fn close_all(&self, code: u16, reason: &'static str) {
        let _ = self.commands.send(Command::CloseAll(CloseOrder { code, reason })).await;
    }

    /// Closes every connection for good: a session that authenticated while the gateway was
    /// closing its door is refused too, so nothing holds the shutdown up.
    pub async fn shut_down(&self, code: u16, reason: &'static str) {
        let _ = self.commands.send(Command::ShutDown(CloseOrder { code, reason })).await;
    }

    /// Whether a user is connected (here, or to another server as far as this one knows).
    pub async fn is_online(&self, user: UserId) -> bool {
        let (reply, answer) = oneshot::channel();
        if self.commands.send(Command::IsOnline(user, reply)).await.is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }

    /// Current counters.
    pub async fn stats(&self) -> HubStats {
        let (reply, answer) = oneshot::channel();
        if self.commands.send(Command::Stats(reply)).await.is_err() {
            return HubStats::default();
        }
        answer.await.unwrap_or_default()
    }
}

impl Subscriber for Hub {
    fn deliver(&self, message: BusMessage) -> BoxFuture<'_, ()> {
        Box::pin(Hub::deliver(self, message))
    }

    fn feed_lost(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.close_all(close::GOING_AWAY, "the server lost its event feed; reconnect"))
    }
}

impl Presence for Hub {
    fn is_online(&self, user: UserId) -> BoxFuture<'_, bool> {
        Box::pin(Hub::is_online(self, user))
    }

    fn counts(&self) -> BoxFuture<'_, LiveCounts> {
        Box::pin(async {
            let stats = self.stats().await;
            LiveCounts { connections: stats.connections, users: stats.users }
        })
    }
}

struct Conn {
    user: UserId,
    session: Uuid,
    frames: mpsc::Sender<Outbound>,
    close: Option<oneshot::Sender<CloseOrder>>,
    conversations: HashSet<ConversationId>,
}

/// The last membership change applied to a member of a conversation.
#[derive(Clone, Copy)]
struct MembershipChange {
    /// The seq of the event (or of the notice's command) that made it.
    seq: i64,
    /// Whether they are a member since.
    member: bool,
    /// When the hub applied it (to forget it after [`MEMBERSHIP_MEMORY`]).
    at: Instant,
}

/// The recent membership changes by (member, conversation), for every user, not only those
/// connected here: a client that connects just after its removal reads its conversations from
/// the database, and a late notice of its earlier join must not subscribe it again.
#[derive(Default)]
struct MembershipChanges {
    latest: HashMap<(UserId, ConversationId), MembershipChange>,
    /// The conversations of `latest` whose last change for the user is a join.
    joins: HashMap<UserId, HashSet<ConversationId>>,
    /// Size at which the forgotten ones are swept out (doubling, so sweeping costs O(1) a change).
    sweep_at: usize,
}

impl MembershipChanges {
    /// Records a change at `seq` and says whether it is news: false when a change at the same
    /// or a later seq was applied already.
    fn apply(&mut self, user: UserId, conversation: ConversationId, seq: i64, member: bool) -> bool {
        let now = Instant::now();
        if self.latest.get(&(user, conversation)).is_some_and(|c| c.seq >= seq && now - c.at < MEMBERSHIP_MEMORY) {
            return false;
        }
        self.latest.insert((user, conversation), MembershipChange { seq, member, at: now });
        if member {
            self.joins.entry(user).or_default().insert(conversation);
        } else if let Some(joins) = self.joins.get_mut(&user) {
            joins.remove(&conversation);
            if joins.is_empty() {
                self.joins.remove(&user);
            }
        }
        if self.latest.len() >= self.sweep_at {
            self.latest.retain(|_, c| now - c.at < MEMBERSHIP_MEMORY);
            self.joins.clear();
            for ((user, conversation), change) in &self.latest {
                if change.member {
                    self.joins.entry(*user).or_default().insert(*conversation);
                }
            }
            self.sweep_at = (self.latest.len() * 2).max(1024);
        }
        true
    }

    /// The conversations `user` recently joined (and has not left since).
    fn joined(&self, user: UserId) -> Vec<ConversationId> {
        let Some(joins) = self.joins.get(&user) else { return Vec::new() };
        let recent =
            |c: &&ConversationId| self.latest.get(&(user, **c)).is_some_and(|c| c.at.elapsed() < MEMBERSHIP_MEMORY);
        joins.iter().filter(recent).copied().collect()
    }

    /// Whether `user` was recently removed from `conversation`, and not added back since.
    fn removed(&self, user: UserId, conversation: ConversationId) -> bool {
        self.latest.get(&(user, conversation)).is_some_and(|c| !c.member && c.at.elapsed() < MEMBERSHIP_MEMORY)
    }
}

#[derive(Default)]
struct HubState {
    server_id: Uuid,
    remote: Option<mpsc::Sender<BusMessage>>,
    conns: HashMap<ConnId, Conn>,
    by_user: HashMap<UserId, Vec<ConnId>>,
    by_conversation: HashMap<ConversationId, HashSet<ConnId>>,
    /// Local user → their friends (whose presence they see).
    friends_of: HashMap<UserId, HashSet<UserId>>,
    /// User → local users who are their friends (who see their presence).
    watchers: HashMap<UserId, HashSet<UserId>>,
    /// User → other servers where they are connected.
    remote_online: HashMap<UserId, HashSet<Uuid>>,
    /// Told which conversations are followed here, when the bus subscribes per conversation.
    interest: Option<mpsc::UnboundedSender<Interest>>,
    /// Conversation → joins waiting for the bus to follow it (it counts as followed).
    pending_joins: HashMap<ConversationId, usize>,
    /// The last membership change applied per member and conversation (see the module docs).
    membership: MembershipChanges,
    /// The hub's own inbox, where such a join completes.
    own: Option<mpsc::WeakSender<Command>>,
    /// Set at shutdown: no connection registers any more.
    shut_down: bool,
}

/// Serializes a frame once for all its recipients.
pub fn encode(frame: &ServerFrame) -> ByteString {
    // ServerFrame holds strings, numbers, ids and timestamps: serializing cannot fail.
    ByteString::from(serde_json::to_string(frame).unwrap_or_default())
}

impl HubState {
    async fn run(mut self, mut inbox: mpsc::Receiver<Command>) {
        while let Some(command) = inbox.recv().await {
            match command {
                // Refused by dropping the reply: the session closes with "going away".
                Command::Register { .. } if self.shut_down => {}
                Command::Register { id, user, session, friends, frames, close, conversations, reply, followed } => {
                    let online = friends.iter().copied().filter(|f| self.is_online(*f)).collect();
                    let _ = reply.send(online);
                    self.register(id, user, session, friends, frames, close);
                    self.subscribe(id, conversations, followed);
                }
                Command::JoinFollowed { conversation, conns } => self.join_followed(conversation, conns),
                Command::Unregister { id } => self.unregister(id),
                Command::Deliver(message) => self.route(message),
                Command::CloseAll(order) => self.close_all(&order),
                Command::ShutDown(order) => {
                    self.shut_down = true;
                    self.close_all(&order);
                }
                Command::IsOnline(user, reply) => {
                    let _ = reply.send(self.is_online(user));
                }
                Command::Stats(reply) => {
                    let _ = reply.send(HubStats { connections: self.conns.len(), users: self.by_user.len() });
                }
            }
        }
    }

    fn close_all(&mut self, order: &CloseOrder) {
        let ids: Vec<ConnId> = self.conns.keys().copied().collect();
        for id in ids {
            self.close(id, order.clone());
        }
    }

    fn is_online(&self, user: UserId) -> bool {
        self.by_user.contains_key(&user) || self.remote_online.get(&user).is_some_and(|s| !s.is_empty())
    }

    fn register(
        &mut self,
        id: ConnId,
        user: UserId,
        session: Uuid,
        friends: Vec<UserId>,
        frames: mpsc::Sender<Outbound>,
        close: oneshot::Sender<CloseOrder>,
    ) {
        let was_online = self.is_online(user);
        let first_here = !self.by_user.contains_key(&user);
        let conn = Conn { user, session, frames, close: Some(close), conversations: HashSet::new() };
        self.conns.insert(id, conn);
        self.by_user.entry(user).or_default().push(id);
        if first_here {
            for friend in &friends {
                self.watchers.entry(*friend).or_default().insert(user);
            }
            self.friends_of.insert(user, friends.into_iter().collect());
            self.announce_presence(user, true);
        }
        if !was_online {
            self.tell_watchers(user, true);
        }
    }

    /// Subscribes a connection just registered to the conversations read for it, and to those
    /// its user joined after that read (the hub saw the join before the connection was here to
    /// be told).
    fn subscribe(&mut self, id: ConnId, conversations: Vec<ConversationId>, done: oneshot::Sender<()>) {
        let mut newly = Vec::new();
        if let Some(conn) = self.conns.get_mut(&id) {
            let joined_since = self.membership.joined(conn.user);
            for conversation in conversations.into_iter().chain(joined_since) {
                // Read before a removal the hub has seen since: not subscribed again.
                if !self.membership.removed(conn.user, conversation) && conn.conversations.insert(conversation) {
                    let followers = self.by_conversation.entry(conversation).or_default();
                    if followers.is_empty() && !self.pending_joins.contains_key(&conversation) {
                        newly.push(conversation);
                    }
                    followers.insert(id);
                }
            }
        }
        self.follow(newly, done);
    }

    /// Whether a connection here follows `conversation` (or is about to).
    fn follows(&self, conversation: &ConversationId) -> bool {
        self.by_conversation.get(conversation).is_some_and(|s| !s.is_empty())
            || self.pending_joins.contains_key(conversation)
    }

    /// Tells the bus about newly followed conversations; `done` fires once it delivers them
    /// (at once when the bus delivers everything everywhere). Always sent, even with none, so
    /// that `done` also waits for follows still under way.
    fn follow(&self, conversations: Vec<ConversationId>, done: oneshot::Sender<()>) {
        match &self.interest {
            Some(bus) => {
                let _ = bus.send(Interest::Follow { conversations, done });
            }
            None => {
                let _ = done.send(());
            }
        }
    }

    /// Tells the bus which of `conversations` no connection here follows any more.
    fn unfollow_idle(&mut self, conversations: impl IntoIterator<Item = ConversationId>) {
        let Some(bus) = &self.interest else { return };
        let mut idle = Vec::new();
        for conversation in conversations {
            if self.by_conversation.get(&conversation).is_some_and(|s| s.is_empty()) {
                self.by_conversation.remove(&conversation);
            }
            if !self.follows(&conversation) {
                idle.push(conversation);
            }
        }
        if !idle.is_empty() {
            let _ = bus.send(Interest::Unfollow { conversations: idle });
        }
    }

    /// Users joined a conversation at `seq`: unless a later change of theirs was applied, their
    /// connections here join it: at once when the bus is known to deliver it (`delivered`), or,
    /// when it may have to start following it, once it does (their summary is read after that).
    fn join(&mut self, conversation: ConversationId, user_ids: Vec<UserId>, seq: i64, delivered: bool) {
        let mut conns = Vec::new();
        for user in user_ids {
            if self.membership.apply(user, conversation, seq, true) {
                let here = self.by_user.get(&user).into_iter().flatten().copied();
                let not_in_yet =
                    here.filter(|id| self.conns.get(id).is_some_and(|c| !c.conversations.contains(&conversation)));
                conns.extend(not_in_yet);
            }
        }
        if conns.is_empty() {
            return;
        }
        let (Some(bus), Some(own)) = (&self.interest, &self.own) else {
            return self.join_now(conversation, conns);
        };
        if delivered {
            return self.join_now(conversation, conns);
        }
        let newly = if self.follows(&conversation) { vec![] } else { vec![conversation] };
        let (done, followed) = oneshot::channel();
        let _ = bus.send(Interest::Follow { conversations: newly, done });
        *self.pending_joins.entry(conversation).or_default() += 1;
        let own = own.clone();
        tokio::spawn(async move {
            let _ = followed.await;
            if let Some(inbox) = own.upgrade() {
                let _ = inbox.send(Command::JoinFollowed { conversation, conns }).await;
            }
        });
    }

    fn join_followed(&mut self, conversation: ConversationId, conns: Vec<ConnId>) {
        if let Some(waiting) = self.pending_joins.get_mut(&conversation) {
            *waiting -= 1;
            if *waiting == 0 {
                self.pending_joins.remove(&conversation);
            }
        }
        // Those removed meanwhile stay out; those added meanwhile (by the event) are in.
        let waiting =
            |c: &Conn| !self.membership.removed(c.user, conversation) && !c.conversations.contains(&conversation);
        let conns: Vec<ConnId> = conns.into_iter().filter(|id| self.conns.get(id).is_some_and(waiting)).collect();
        self.join_now(conversation, conns);
        self.unfollow_idle([conversation]);
    }

    fn join_now(&mut self, conversation: ConversationId, conns: Vec<ConnId>) {
        for id in conns {
            if let Some(conn) = self.conns.get_mut(&id) {
                conn.conversations.insert(conversation);
                self.by_conversation.entry(conversation).or_default().insert(id);
            }
            self.push(id, Outbound::Joined(conversation));
        }
    }

    fn unregister(&mut self, id: ConnId) {
        let Some(conn) = self.conns.remove(&id) else { return };
        for conversation in &conn.conversations {
            if let Some(set) = self.by_conversation.get_mut(conversation) {
                set.remove(&id);
                if set.is_empty() {
                    self.by_conversation.remove(conversation);
                }
            }
        }
        self.unfollow_idle(conn.conversations.iter().copied());
        let user = conn.user;
        let last_here = match self.by_user.get_mut(&user) {
            Some(list) => {
                list.retain(|c| *c != id);
                list.is_empty()
            }
            None => false,
        };
        if last_here {
            self.by_user.remove(&user);
            if let Some(friends) = self.friends_of.remove(&user) {
                for friend in friends {
                    self.unwatch(friend, user);
                }
            }
            self.announce_presence(user, false);
            if !self.is_online(user) {
                self.tell_watchers(user, false);
            }
        }
    }

    fn unwatch(&mut self, watched: UserId, watcher: UserId) {
        if let Some(set) = self.watchers.get_mut(&watched) {
            set.remove(&watcher);
            if set.is_empty() {
                self.watchers.remove(&watched);
            }
        }
    }

    /// Tells other servers (if any) that `user`'s presence on this one changed.
    fn announce_presence(&self, user: UserId, online: bool) {
        if let Some(remote) = &self.remote {
            // Presence is ephemeral: under pressure it may be dropped (DESIGN.md).
            let _ = remote.try_send(BusMessage::Presence { user_id: user, online, origin: self.server_id });
        }
    }

    fn tell_watchers(&mut self, user: UserId, online: bool) {
        let Some(watchers) = self.watchers.get(&user) else { return };
        let frame = encode(&ServerFrame::Presence { user_id: user, online, last_seen_at: (!online).then(Utc::now) });
        let targets: Vec<ConnId> =
            watchers.iter().flat_map(|w| self.by_user.get(w).into_iter().flatten().copied()).collect();
        self.send_all(targets, &frame);
    }

    fn route(&mut self, message: BusMessage) {
        match message {
            // Each conversation's events come in seq order (see `bus`): delivered as they come.
            BusMessage::Event { event } => self.deliver_event(event),
            BusMessage::EventRef { .. } => {
                // Resolved to an `Event` by the bus before it reaches the hub.
                tracing::warn!("unresolved event reference reached the hub");
            }
            BusMessage::Joined { conversation_id, user_ids, seq } => self.join(conversation_id, user_ids, seq, false),
            BusMessage::Left { conversation_id, user_ids, seq } => self.leave(conversation_id, user_ids, seq),
            BusMessage::Read { conversation_id, user_id, seq } => {
                let frame = encode(&ServerFrame::Read { conversation_id, user_id, seq });
                self.deliver_to_conversation(conversation_id, &frame);
            }
            BusMessage::Typing { conversation_id, user_id } => {
                let frame = encode(&ServerFrame::Typing { conversation_id, user_id });
                self.deliver_to_conversation(conversation_id, &frame);
            }
            BusMessage::Presence { user_id, online, origin } => {
                if origin == self.server_id {
                    return;
                }
                let before = self.is_online(user_id);
                let servers = self.remote_online.entry(user_id).or_default();
                if online {
                    servers.insert(origin);
                } else {
                    servers.remove(&origin);
                    if servers.is_empty() {
                        self.remote_online.remove(&user_id);
                    }
                }
                let after = self.is_online(user_id);
                if before != after {
                    self.tell_watchers(user_id, after);
                }
            }
            BusMessage::ToUsers { user_ids, frame } => {
                let frame = encode(&frame);
                let targets: Vec<ConnId> =
                    user_ids.iter().flat_map(|u| self.by_user.get(u).into_iter().flatten().copied()).collect();
                self.send_all(targets, &frame);
            }
            BusMessage::FriendAdded { user_id, friend } => {
                let friend_id = friend.user.id;
                if self.by_user.contains_key(&user_id) {
                    self.friends_of.entry(user_id).or_default().insert(friend_id);
                    self.watchers.entry(friend_id).or_default().insert(user_id);
                }
                let frame = encode(&ServerFrame::FriendAdded { online: self.is_online(friend_id), friend });
                let targets = self.by_user.get(&user_id).cloned().unwrap_or_default();
                self.send_all(targets, &frame);
            }
            BusMessage::FriendRemoved { user_id, other } => {
                if let Some(friends) = self.friends_of.get_mut(&user_id) {
                    friends.remove(&other);
                }
                self.unwatch(other, user_id);
                let frame = encode(&ServerFrame::FriendRemoved { user_id: other });
                let targets = self.by_user.get(&user_id).cloned().unwrap_or_default();
                self.send_all(targets, &frame);
            }
            BusMessage::CloseSession { session_id, code } => {
                let ids: Vec<ConnId> =
                    self.conns.iter().filter(|(_, c)| c.session == session_id).map(|(id, _)| *id).collect();
                for id in ids {
                    self.close(id, CloseOrder { code, reason: reason_of(code) });
                }
            }
            BusMessage::CloseUser { user_id, except_session, code } => {
                let ids: Vec<ConnId> = self
                    .by_user
                    .get(&user_id)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|id| self.conns.get(id).is_some_and(|c| Some(c.session) != except_session))
                    .collect();
                for id in ids {
                    self.close(id, CloseOrder { code, reason: reason_of(code) });
                }
            }
        }
    }

    /// Delivers an event; a membership change is applied right after it, so a removed member's
    /// last event of the conversation is their removal, and an added member's first is the one
    /// after their addition. The `Left`/`Joined` notice may come before or after (module docs);
    /// a publisher that died after its commit never sends it at all.
    fn deliver_event(&mut self, event: protocol::conversations::Event) {
        // Its bus lag was recorded by the bus on receipt (`bus::received`).
        let (conversation, seq) = (event.conversation_id, event.seq);
        let change = match &event.kind {
            EventKind::MemberAdded { user, .. } => Some((user.id, true)),
            EventKind::MemberRemoved { user_id, .. } => Some((*user_id, false)),
            _ => None,
        };
        let frame = encode(&ServerFrame::Event { event });
        self.deliver_to_conversation(conversation, &frame);
        match change {
            // The bus delivered this event, and will go on while a connection here follows it
            // (it is told to stop only when none does).
            Some((user, true)) => {
                let delivered = self.by_conversation.get(&conversation).is_some_and(|s| !s.is_empty());
                self.join(conversation, vec![user], seq, delivered);
            }
            Some((user, false)) => self.leave(conversation, vec![user], seq),
            None => {}
        }
    }

    /// Users left or were removed at `seq`: unless a later change of theirs was applied, their
    /// connections here leave the conversation and are told.
    fn leave(&mut self, conversation: ConversationId, user_ids: Vec<UserId>, seq: i64) {
        let frame = encode(&ServerFrame::ConversationRemoved { conversation_id: conversation });
        for user in user_ids {
            if !self.membership.apply(user, conversation, seq, false) {
                continue;
            }
            for id in self.by_user.get(&user).cloned().unwrap_or_default() {
                if let Some(conn) = self.conns.get_mut(&id) {
                    conn.conversations.remove(&conversation);
                }
                if let Some(set) = self.by_conversation.get_mut(&conversation) {
                    set.remove(&id);
                }
                self.push(id, Outbound::Frame(frame.clone()));
            }
        }
        self.unfollow_idle([conversation]);
    }

    fn deliver_to_conversation(&mut self, conversation: ConversationId, frame: &ByteString) {
        let targets: Vec<ConnId> =
            self.by_conversation.get(&conversation).map(|s| s.iter().copied().collect()).unwrap_or_default();
        self.send_all(targets, frame);
    }

    fn send_all(&mut self, targets: Vec<ConnId>, frame: &ByteString) {
        for id in targets {
            self.push(id, Outbound::Frame(frame.clone()));
        }
    }

    /// Queues to one connection; a full queue closes it (too slow), a closed one is forgotten.
    fn push(&mut self, id: ConnId, item: Outbound) {
        let Some(conn) = self.conns.get(&id) else { return };
        match conn.frames.try_send(item) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(conn = id, "closing a connection that reads too slowly");
                ::metrics::counter!(crate::telemetry::metrics::WS_SLOW_CLOSES).increment(1);
                self.close(id, CloseOrder { code: close::TOO_SLOW, reason: "too slow: reconnect and resync" });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => self.unregister(id),
        }
    }

    fn close(&mut self, id: ConnId, order: CloseOrder) {
        if let Some(conn) = self.conns.get_mut(&id)
            && let Some(close) = conn.close.take()
        {
            let _ = close.send(order);
        }
        self.unregister(id);
    }
}

fn reason_of(code: u16) -> &'static str {
    match code {
        close::SESSION_ENDED => "this session has ended; sign in again",
        close::ACCOUNT_DISABLED => "this account has been disabled by an administrator",
        close::GOING_AWAY => "the server is going away",
        _ => "closed by the server",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_closes_only_the_slow_connection() {
        let hub = Hub::start(Uuid::now_v7(), None, CONNECTION_QUEUE);
        let conversation = ConversationId(Uuid::now_v7());
        let (_, mut slow_q, _) =
            hub.register(UserId(Uuid::now_v7()), Uuid::now_v7(), vec![], vec![conversation]).await.unwrap();
        let (_, mut fast_q, _) =
            hub.register(UserId(Uuid::now_v7()), Uuid::now_v7(), vec![], vec![conversation]).await.unwrap();
        let typing =
            |n: u128| BusMessage::Typing { conversation_id: conversation, user_id: UserId(Uuid::from_u128(n)) };
        let mut received = 0;
        for n in 0..(CONNECTION_QUEUE as u128 + 10) {
            hub.deliver(typing(n)).await;
            // The fast reader keeps up.
            while let Ok(Outbound::Frame(_)) = fast_q.frames.try_recv() {
                received += 1;
            }
        }
        hub.stats().await;
        while let Ok(Outbound::Frame(_)) = fast_q.frames.try_recv() {
            received += 1;
        }
        assert_eq!(received, CONNECTION_QUEUE + 10, "the fast reader got everything");
        let order = slow_q.close.try_recv().expect("the slow reader was closed");
        assert_eq!(order.code, close::TOO_SLOW);
        assert!(fast_q.close.try_recv().is_err(), "the fast reader stays open");
        assert_eq!(hub.stats().await.connections, 1);
        drop(slow_q.frames.try_recv());
    }

    fn membership_event(conversation: ConversationId, seq: i64, user: UserId, added: bool) -> BusMessage {
        let kind = if added {
            let added = protocol::users::PublicUser {
                id: user,
                username: "u".into(),
                display_name: "U".into(),
                bio: String::new(),
                avatar_color: "#336699".into(),
                created_at: Utc::now(),
                avatar: None,
                kind: Default::default(),
            };
            EventKind::MemberAdded { user: added, role: protocol::conversations::MemberRole::Member, by: user }
        } else {
            EventKind::MemberRemoved { user_id: user, by: user }
        };
        BusMessage::Event {
            event: protocol::conversations::Event { conversation_id: conversation, seq, at: Utc::now(), kind },
        }
    }

    /// A hub on a bus that follows per conversation (as NATS does), following at once.
    fn hub_following_at_once() -> Hub {
        let (interest, mut asked) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(ask) = asked.recv().await {
                if let Interest::Follow { done, .. } = ask {
                    let _ = done.send(());
                }
            }
        });
        Hub::start_with_interest(Uuid::now_v7(), None, CONNECTION_QUEUE, Some(interest))
    }

    /// What a connection got since last asked: `joined` for a summary to send, else the frame's type.
    async fn received(hub: &Hub, queues: &mut ConnectionQueues) -> Vec<String> {
        // Joins wait for the bus in a task of their own: let them land.
        for _ in 0..3 {
            hub.stats().await;
            tokio::task::yield_now().await;
        }
        let mut got = Vec::new();
        while let Ok(item) = queues.frames.try_recv() {
            got.push(match item {
                Outbound::Joined(_) => "joined".to_owned(),
                Outbound::Frame(f) => serde_json::from_str::<serde_json::Value>(&f).unwrap()["type"].to_string(),
            });
        }
        got
    }

    /// Removed and quickly added back, with the notices overtaking the events (they travel apart
    /// on NATS): the member stays in, told once.
    #[tokio::test]
    async fn a_removal_event_arriving_after_the_member_was_added_back_is_ignored() {
        for hub in [Hub::start(Uuid::now_v7(), None, CONNECTION_QUEUE), hub_following_at_once()] {
            let (user, conversation) = (UserId(Uuid::now_v7()), ConversationId(Uuid::now_v7()));
            let (_, mut queues, _) = hub.register(user, Uuid::now_v7(), vec![], vec![conversation]).await.unwrap();
            hub.deliver(BusMessage::Left { conversation_id: conversation, user_ids: vec![user], seq: 5 }).await;
            hub.deliver(BusMessage::Joined { conversation_id: conversation, user_ids: vec![user], seq: 6 }).await;
            assert_eq!(received(&hub, &mut queues).await, ["\"conversation_removed\"", "joined"]);
            hub.deliver(membership_event(conversation, 5, user, false)).await;
            hub.deliver(membership_event(conversation, 6, user, true)).await;
            hub.deliver(BusMessage::Typing { conversation_id: conversation, user_id: UserId(Uuid::now_v7()) }).await;
            // Both events, as a member gets every event: the client skips those its summary covers.
            let got = received(&hub, &mut queues).await;
            assert_eq!(got, ["\"event\"", "\"event\"", "\"typing\""], "still following, told nothing new");
        }
    }

    /// Added, then removed, with the join notice arriving last: the member stays out, and so does
    /// a connection of theirs that read its conversations before the removal.
    #[tokio::test]
    async fn a_late_join_notice_does_not_undo_a_later_removal() {
        for hub in [Hub::start(Uuid::now_v7(), None, CONNECTION_QUEUE), hub_following_at_once()] {
            let (user, conversation) = (UserId(Uuid::now_v7()), ConversationId(Uuid::now_v7()));
            let (_, mut queues, _) = hub.register(user, Uuid::now_v7(), vec![], vec![]).await.unwrap();
            let (_, _other_queues, _) =
                hub.register(UserId(Uuid::now_v7()), Uuid::now_v7(), vec![], vec![conversation]).await.unwrap();
            hub.deliver(membership_event(conversation, 5, user, true)).await;
            hub.deliver(membership_event(conversation, 6, user, false)).await;
            assert_eq!(received(&hub, &mut queues).await, ["joined", "\"event\"", "\"conversation_removed\""]);
            hub.deliver(BusMessage::Joined { conversation_id: conversation, user_ids: vec![user], seq: 5 }).await;
            let (_, mut late_queues, _) = hub.register(user, Uuid::now_v7(), vec![], vec![conversation]).await.unwrap();
            hub.deliver(BusMessage::Typing { conversation_id: conversation, user_id: UserId(Uuid::now_v7()) }).await;
            assert_eq!(received(&hub, &mut queues).await, Vec::<String>::new(), "nothing after the removal");
            assert_eq!(received(&hub, &mut late_queues).await, Vec::<String>::new(), "nor on a later connection");
        }
    }

    /// A client read its conversations, then was added to one before its connection registered:
    /// the hub saw the join with no connection of theirs to tell, and subscribes the connection
    /// to it when it registers.
    #[tokio::test]
    async fn a_join_seen_before_the_connection_registered_is_followed() {
        for hub in [Hub::start(Uuid::now_v7(), None, CONNECTION_QUEUE), hub_following_at_once()] {
            let (user, conversation) = (UserId(Uuid::now_v7()), ConversationId(Uuid::now_v7()));
            hub.deliver(membership_event(conversation, 5, user, true)).await;
            let (_, mut queues, _) = hub.register(user, Uuid::now_v7(), vec![], vec![]).await.unwrap();
            hub.deliver(BusMessage::Typing { conversation_id: conversation, user_id: UserId(Uuid::now_v7()) }).await;
            assert_eq!(received(&hub, &mut queues).await, ["\"typing\""]);
        }
    }

    #[tokio::test]
    async fn friends_see_presence_changes() {
        let hub = Hub::start(Uuid::now_v7(), None, CONNECTION_QUEUE);
        let (alice, bob) = (UserId(Uuid::now_v7()), UserId(Uuid::now_v7()));
        let (_, mut alice_q, online) = hub.register(alice, Uuid::now_v7(), vec![bob], vec![]).await.unwrap();
        assert!(online.is_empty());
        let (bob_conn, _bob_q, online) = hub.register(bob, Uuid::now_v7(), vec![alice], vec![]).await.unwrap();
        assert!(online.contains(&alice));
        hub.unregister(bob_conn).await;
        hub.stats().await;
        let mut frames = Vec::new();
        while let Ok(Outbound::Frame(f)) = alice_q.frames.try_recv() {
            frames.push(f.to_string());
        }
        assert_eq!(frames.len(), 2, "{frames:?}");
        assert!(frames[0].contains("\"online\":true"), "{frames:?}");
        assert!(frames[1].contains("\"online\":false"), "{frames:?}");
    }
}
