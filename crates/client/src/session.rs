//! A gateway connection that survives disconnects: [`Session`] reconnects with capped, fully
//! jittered exponential backoff and follows the resume procedure of `docs/protocol.md`, so a
//! program reading [`Session::next_event`] gets every conversation event exactly once, in seq
//! order per conversation, and [`Session::send`] stores every message exactly once.
//!
//! One driver task owns the connection. It keeps the highest seq handed out per conversation
//! (`known`); after each `ready` it fetches what it missed through `GET .../events?after_seq=`
//! (page by page) before any live event of that conversation, drops live events with
//! `seq <= known`, and fills a gap (`seq > known + 1`) the same way. Sends wait in an outbox
//! until their `ack`; after a reconnect every unacknowledged one is sent again with its
//! `client_msg_id`, which the server deduplicates, so a send lost with its connection is
//! stored once and one stored before the loss is answered with the stored message.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use protocol::conversations::{Event, Message, SendMessage};
use protocol::ws::{AckResult, ClientFrame, ServerFrame, close};
use protocol::{ConversationId, ErrorCode};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use uuid::Uuid;

use crate::ws::{Socket, SocketError};
use crate::{Client, ClientError};

/// How long a send refused as `rate_limited` (or for a passing server condition) waits before
/// it is sent again; the server's message says about 100 ms.
const RETRY_REFUSED_SEND_AFTER: Duration = Duration::from_millis(250);

/// What the session signs in with.
#[derive(Clone)]
pub enum Credentials {
    /// A token used as it is and never refreshed: a bot's or script's API token (`cfb_...`),
    /// or an access token the caller manages. The session ends if the server refuses it.
    Static(String),
    /// Tokens from a sign-in. When the server closes with 4001 (the access token expired)
    /// the session spends the refresh token for new ones; it ends if the refresh is refused.
    Tokens {
        /// Access token (JWT).
        access: String,
        /// Refresh token (single use; the session keeps the newest).
        refresh: String,
    },
    /// A username and password: the session signs in, refreshes as for `Tokens`, and signs in
    /// again when the refresh is refused.
    Password {
        /// Username.
        username: String,
        /// Password.
        password: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a secret.
        let kind = match self {
            Self::Static(_) => "Static",
            Self::Tokens { .. } => "Tokens",
            Self::Password { .. } => "Password",
        };
        f.debug_tuple("Credentials").field(&kind).finish()
    }
}

/// Where the session starts in conversations it has no known seq for when it first connects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StartFrom {
    /// After what is already there (a bot answering new messages).
    #[default]
    Now,
    /// From seq 1: every stored event of every conversation is handed out first.
    Beginning,
}

/// How the session behaves.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// The first reconnect waits up to this long (a random time between zero and it).
    pub backoff_initial: Duration,
    /// The longest wait between reconnects: the bound doubles from `backoff_initial` to this.
    pub backoff_max: Duration,
    /// Where to start in conversations without a known seq at the first `ready`.
    pub start_from: StartFrom,
    /// Seqs already handled, per conversation, from a previous run ([`Session::known_seqs`]):
    /// the session resumes after them.
    pub known_seqs: HashMap<ConversationId, i64>,
}

impl Default for SessionConfig {
    /// 0.5 s doubling to 10 s, as `docs/protocol.md` suggests; starting now.
    fn default() -> Self {
        Self {
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(10),
            start_from: StartFrom::Now,
            known_seqs: HashMap::new(),
        }
    }
}

/// What [`Session::next_event`] hands out.
#[derive(Clone, Debug)]
pub enum SessionEvent {
    /// A (re)connection is ready: its `ready` frame (conversations, friends). Events missed
    /// while disconnected follow it, then live ones.
    Connected {
        /// The `ready` frame.
        ready: Box<ServerFrame>,
        /// How many times the session had connected before this one.
        reconnects: u64,
    },
    /// A stored change in a conversation: each exactly once, in seq order per conversation.
    Event(Event),
    /// Any other frame (`conversation_added`, `typing`, `presence`, `read`, ...). Ephemeral
    /// frames sent while disconnected are not replayed.
    Frame(ServerFrame),
}

/// Why the session or a send failed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SessionError {
    /// The session cannot continue: the token was refused and cannot be refreshed, the session
    /// was signed out or the API token revoked (4002), the account disabled (4003), the API
    /// token lacks the `read` scope (4004), or the first sign-in failed.
    #[error("session ended: {reason}")]
    Ended {
        /// The close code when the server closed the socket, if that is how it ended.
        close_code: Option<u16>,
        /// What happened.
        reason: String,
    },
    /// The server refused this send for good (not a member, invalid body, ...).
    #[error("{code}: {message}")]
    Refused {
        /// Stable error code.
        code: ErrorCode,
        /// Explanation.
        message: String,
    },
    /// The [`Session`] was dropped or closed.
    #[error("session closed")]
    Closed,
}

/// A resilient gateway session (see the module docs).
pub struct Session {
    sender: SessionSender,
    /// The first `Connected`, read by `start` to know the session works.
    first: Option<SessionEvent>,
    events: mpsc::UnboundedReceiver<Result<SessionEvent, SessionError>>,
    handed_out: HashMap<ConversationId, i64>,
    driver: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("conversations", &self.handed_out.len()).finish_non_exhaustive()
    }
}

/// A cloneable handle that sends through a [`Session`] (from other tasks than the reader).
#[derive(Clone, Debug)]
pub struct SessionSender {
    commands: mpsc::UnboundedSender<Command>,
    shared: Arc<Shared>,
}

/// State the driver shares with the handles.
#[derive(Debug)]
struct Shared {
    /// The access token in use (changes when refreshed).
    token: Mutex<String>,
    /// Connections made, first one included.
    connections: std::sync::atomic::AtomicU64,
    /// Why the session ended, once it has.
    ended: Mutex<Option<SessionError>>,
    /// The server's base URL and roots, for REST calls with the current token.
    api: Client,
}

#[derive(Debug)]
enum Command {
    Send { conversation: ConversationId, message: SendMessage, reply: oneshot::Sender<Result<Message, SessionError>> },
}

impl Session {
    /// Signs in if needed, connects, and returns once the first `ready` has arrived (so a bad
    /// token or password fails here). `api` gives the server and the trusted roots; its token,
    /// if any, is not used.
    pub async fn start(api: &Client, credentials: Credentials, config: SessionConfig) -> Result<Self, SessionError> {
        let (access, refresh) = match &credentials {
            Credentials::Static(token) => (token.clone(), None),
            Credentials::Tokens { access, refresh } => (access.clone(), Some(refresh.clone())),
            Credentials::Password { username, password } => {
                let auth = api.login(username, password).await.map_err(|e| ended(None, &e))?;
                (auth.access_token, auth.refresh_token)
            }
        };
        let shared = Arc::new(Shared {
            token: Mutex::new(access),
            connections: std::sync::atomic::AtomicU64::new(0),
            ended: Mutex::new(None),
            api: api.clone(),
        });
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let (events_tx, mut events_rx) = mpsc::unbounded_channel();
        let handed_out = config.known_seqs.clone();
        let driver = Driver {
            credentials,
            refresh,
            known: config.known_seqs.clone(),
            config,
            outbox: BTreeMap::new(),
            next_order: 0,
            in_flight: HashMap::new(),
            events: events_tx,
            commands: commands_rx,
            shared: shared.clone(),
        };
        let driver = tokio::spawn(driver.run());
        // Wait for the first `ready` (or the reason there will be none), keeping it for the caller.
        let first = match events_rx.recv().await {
            Some(Ok(first)) => first,
            Some(Err(e)) => return Err(e),
            None => return Err(SessionError::Closed),
        };
        Ok(Self {
            sender: SessionSender { commands: commands_tx, shared },
            first: Some(first),
            events: events_rx,
            handed_out,
            driver,
        })
    }

    /// The next item: `Connected` after each (re)connect, conversation events exactly once in
    /// seq order per conversation, other frames as they come. An error means the session has
    /// ended for good (its reason).
    pub async fn next_event(&mut self) -> Result<SessionEvent, SessionError> {
        if let Some(first) = self.first.take() {
            return Ok(first);
        }
        match self.events.recv().await {
            Some(Ok(item)) => {
                if let SessionEvent::Event(event) = &item {
                    self.handed_out.insert(event.conversation_id, event.seq);
                }
                Ok(item)
            }
            Some(Err(e)) => Err(e),
            None => Err(self.sender.ended()),
        }
    }

    /// The next item, or `None` if nothing arrives within `wait`.
    pub async fn next_event_within(&mut self, wait: Duration) -> Result<Option<SessionEvent>, SessionError> {
        match tokio::time::timeout(wait, self.next_event()).await {
            Ok(item) => item.map(Some),
            Err(_) => Ok(None),
        }
    }

    /// Sends a message and returns it as stored, once the server has acknowledged it, across
    /// reconnects (choose `client_msg_id` yourself to make a retry of your own idempotent too).
    pub async fn send(&self, conversation: ConversationId, message: SendMessage) -> Result<Message, SessionError> {
        self.sender.send(conversation, message).await
    }

    /// Sends `body` with a fresh `client_msg_id`.
    pub async fn send_text(&self, conversation: ConversationId, body: &str) -> Result<Message, SessionError> {
        self.sender.send(conversation, SendMessage::new(Uuid::new_v4(), body)).await
    }

    /// A handle for sending from other tasks.
    pub fn sender(&self) -> SessionSender {
        self.sender.clone()
    }

    /// The highest seq handed out by `next_event`, per conversation: save it to resume a later
    /// run where this one stopped ([`SessionConfig::known_seqs`]).
    pub fn known_seqs(&self) -> &HashMap<ConversationId, i64> {
        &self.handed_out
    }

    /// How many times the session has reconnected after its first connection.
    pub fn reconnects(&self) -> u64 {
        self.sender.reconnects()
    }

    /// A REST client calling with the session's current token.
    pub fn rest(&self) -> Client {
        self.sender.rest()
    }

    /// Stops the session (unacknowledged sends fail with [`SessionError::Closed`]).
    pub fn close(self) {
        drop(self);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl SessionSender {
    /// As [`Session::send`].
    pub async fn send(&self, conversation: ConversationId, message: SendMessage) -> Result<Message, SessionError> {
        let (reply, answer) = oneshot::channel();
        if self.commands.send(Command::Send { conversation, message, reply }).is_err() {
            return Err(self.ended());
        }
        answer.await.unwrap_or_else(|_| Err(self.ended()))
    }

    /// As [`Session::send_text`].
    pub async fn send_text(&self, conversation: ConversationId, body: &str) -> Result<Message, SessionError> {
        self.send(conversation, SendMessage::new(Uuid::new_v4(), body)).await
    }

    /// As [`Session::reconnects`].
    pub fn reconnects(&self) -> u64 {
        self.shared.connections.load(std::sync::atomic::Ordering::Relaxed).saturating_sub(1)
    }

    /// As [`Session::rest`].
    pub fn rest(&self) -> Client {
        self.shared.api.authenticated(&lock(&self.shared.token))
    }

    fn ended(&self) -> SessionError {
        lock(&self.shared.ended).clone().unwrap_or(SessionError::Closed)
    }
}

/// A mutex's contents, also after a panic elsewhere (the values stay consistent: plain stores).
fn lock<T: Clone>(mutex: &Mutex<T>) -> T {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
}

fn ended(close_code: Option<u16>, cause: &dyn std::fmt::Display) -> SessionError {
    SessionError::Ended { close_code, reason: cause.to_string() }
}

/// How a connection ended, and so what the driver does next.
enum Disconnect {
    /// Reconnect after a backoff.
    Retry,
    /// The access token was refused: refresh it, then reconnect.
    Refresh,
    /// Stop for good.
    Fatal(SessionError),
    /// The session was dropped.
    Stopped,
}

/// What a WebSocket failure means for the session.
fn classify_socket(error: &SocketError) -> Disconnect {
    match error {
        SocketError::Closed { code, reason } => match *code {
            close::UNAUTHENTICATED => Disconnect::Refresh,
            close::SESSION_ENDED | close::ACCOUNT_DISABLED | close::INSUFFICIENT_SCOPE | close::TOO_BIG => {
                Disconnect::Fatal(SessionError::Ended { close_code: Some(*code), reason: reason.clone() })
            }
            _ => Disconnect::Retry,
        },
        SocketError::Refused { code: ErrorCode::Unauthenticated, .. } => Disconnect::Refresh,
        SocketError::Refused { code: ErrorCode::AccountDisabled | ErrorCode::InsufficientScope, message } => {
            Disconnect::Fatal(SessionError::Ended { close_code: None, reason: message.clone() })
        }
        SocketError::NoToken | SocketError::Tls(_) | SocketError::Url(_) => Disconnect::Fatal(ended(None, error)),
        _ => Disconnect::Retry,
    }
}

/// What a REST failure (during catch-up) means for the session.
fn classify_rest(error: &ClientError) -> Disconnect {
    match error.code() {
        Some(ErrorCode::Unauthenticated) => Disconnect::Refresh,
        Some(ErrorCode::AccountDisabled) => Disconnect::Fatal(ended(None, error)),
        _ => Disconnect::Retry,
    }
}

/// An unacknowledged send.
struct Outgoing {
    conversation: ConversationId,
    message: SendMessage,
    reply: oneshot::Sender<Result<Message, SessionError>>,
    /// Held back until then (refused as rate limited).
    not_before: Option<Instant>,
}

/// The task that owns the connection.
struct Driver {
    credentials: Credentials,
    refresh: Option<String>,
    config: SessionConfig,
    /// Highest seq handed out, per conversation.
    known: HashMap<ConversationId, i64>,
    /// Unacknowledged sends, in the order they were made.
    outbox: BTreeMap<u64, Outgoing>,
    next_order: u64,
    /// `req_id` of the current connection's `send_message` frames, to their outbox entry.
    in_flight: HashMap<u64, u64>,
    events: mpsc::UnboundedSender<Result<SessionEvent, SessionError>>,
    commands: mpsc::UnboundedReceiver<Command>,
    shared: Arc<Shared>,
}

impl Driver {
    async fn run(mut self) {
        let mut attempt: u32 = 0;
        loop {
            let outcome = self.connect_and_serve(&mut attempt).await;
            let outcome = match outcome {
                Disconnect::Refresh => match self.renew_token().await {
                    // A fresh token: reconnect at once, the first time.
                    Ok(()) if attempt == 0 => {
                        attempt = 1;
                        continue;
                    }
                    Ok(()) => Disconnect::Retry,
                    Err(outcome) => outcome,
                },
                other => other,
            };
            match outcome {
                Disconnect::Retry | Disconnect::Refresh => {
                    let delay = full_jitter(&self.config, attempt);
                    attempt = attempt.saturating_add(1);
                    if !self.wait(delay).await {
                        return;
                    }
                }
                Disconnect::Fatal(error) => {
                    self.fail(error);
                    return;
                }
                Disconnect::Stopped => return,
            }
        }
    }

    /// Waits `delay`, queueing sends meanwhile; false when the session was dropped.
    async fn wait(&mut self, delay: Duration) -> bool {
        let deadline = Instant::now() + delay;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => return true,
                command = self.commands.recv() => match command {
                    Some(command) => {
                        self.queue(command);
                    }
                    None => return false,
                },
            }
        }
    }

    fn queue(&mut self, command: Command) -> u64 {
        let Command::Send { conversation, message, reply } = command;
        let order = self.next_order;
        self.next_order += 1;
        self.outbox.insert(order, Outgoing { conversation, message, reply, not_before: None });
        order
    }

    /// Ends the session: every waiting send and the reader learn why.
    fn fail(&mut self, error: SessionError) {
        *self.shared.ended.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(error.clone());
        for (_, outgoing) in std::mem::take(&mut self.outbox) {
            let _ = outgoing.reply.send(Err(error.clone()));
        }
        self.commands.close();
        while let Ok(Command::Send { reply, .. }) = self.commands.try_recv() {
            let _ = reply.send(Err(error.clone()));
        }
        let _ = self.events.send(Err(error));
    }

    /// Gets a new access token after the server refused the current one.
    async fn renew_token(&mut self) -> Result<(), Disconnect> {
        let api = &self.shared.api;
        let refused = |e: &ClientError| matches!(e, ClientError::Api { .. });
        if let Some(refresh) = self.refresh.take() {
            match api.refresh(&refresh).await {
                Ok(auth) => return self.use_tokens(auth.access_token, auth.refresh_token),
                Err(e) if refused(&e) => {}
                Err(_) => {
                    // Not answered: the refresh token may still be good; try it again later.
                    self.refresh = Some(refresh);
                    return Err(Disconnect::Retry);
                }
            }
        }
        match &self.credentials {
            Credentials::Password { username, password } => match api.login(username, password).await {
                Ok(auth) => self.use_tokens(auth.access_token, auth.refresh_token),
                Err(e) if refused(&e) => Err(Disconnect::Fatal(ended(Some(close::UNAUTHENTICATED), &e))),
                Err(_) => Err(Disconnect::Retry),
            },
            Credentials::Static(_) | Credentials::Tokens { .. } => Err(Disconnect::Fatal(SessionError::Ended {
                close_code: Some(close::UNAUTHENTICATED),
                reason: "the server refused the token and it cannot be refreshed".into(),
            })),
        }
    }

    fn use_tokens(&mut self, access: String, refresh: Option<String>) -> Result<(), Disconnect> {
        *self.shared.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = access;
        self.refresh = refresh;
        Ok(())
    }

    fn rest(&self) -> Client {
        self.shared.api.authenticated(&lock(&self.shared.token))
    }

    fn deliver(&self, item: SessionEvent) -> Result<(), Disconnect> {
        self.events.send(Ok(item)).map_err(|_| Disconnect::Stopped)
    }

    /// One connection: connect, resync, resend the outbox, then serve until it fails.
    async fn connect_and_serve(&mut self, attempt: &mut u32) -> Disconnect {
        let token = lock(&self.shared.token);
        let api = &self.shared.api;
        let (mut socket, ready) = match Socket::connect_trusting(api.base_url(), &token, api.trusted_roots()).await {
            Ok(connected) => connected,
            Err(e) => return classify_socket(&e),
        };
        let connections = self.shared.connections.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (conversations, heartbeat_secs) = match &ready {
            ServerFrame::Ready { conversations, heartbeat_secs, .. } => {
                (conversations.iter().map(|c| (c.id, c.last_seq)).collect::<Vec<_>>(), *heartbeat_secs)
            }
            _ => return Disconnect::Retry,
        };
        // Conversations missing from `ready` were left while disconnected.
        self.known.retain(|id, _| conversations.iter().any(|(c, _)| c == id));
        for (id, last_seq) in &conversations {
            let start = if connections == 0 && self.config.start_from == StartFrom::Now { *last_seq } else { 0 };
            self.known.entry(*id).or_insert(start);
        }
        if let Err(outcome) = self.deliver(SessionEvent::Connected { ready: Box::new(ready), reconnects: connections })
        {
            return outcome;
        }
        for (id, last_seq) in &conversations {
            if self.known.get(id).is_some_and(|known| last_seq > known)
                && let Err(outcome) = self.catch_up(*id).await
            {
                return outcome;
            }
        }
        // Connected and resynced: the next failure starts the backoff from the beginning.
        *attempt = 0;
        self.in_flight.clear();
        let orders: Vec<u64> = self.outbox.keys().copied().collect();
        for order in orders {
            if let Err(e) = self.transmit(&mut socket, order).await {
                return classify_socket(&e);
            }
        }
        match self.serve(&mut socket, heartbeat_secs).await {
            Ok(never) => match never {},
            Err(outcome) => outcome,
        }
    }

    /// Sends outbox entry `order` on `socket` unless it is held back.
    async fn transmit(&mut self, socket: &mut Socket, order: u64) -> Result<(), SocketError> {
        let Some(outgoing) = self.outbox.get(&order) else { return Ok(()) };
        if outgoing.not_before.is_some_and(|at| at > Instant::now()) {
            return Ok(());
        }
        let req_id = socket.next_req_id();
        let frame = ClientFrame::SendMessage {
            req_id,
            conversation_id: outgoing.conversation,
            message: outgoing.message.clone(),
        };
        self.in_flight.insert(req_id, order);
        socket.send(&frame).await
    }

    /// Reads frames and commands until the connection fails.
    async fn serve(
        &mut self,
        socket: &mut Socket,
        heartbeat_secs: u64,
    ) -> Result<std::convert::Infallible, Disconnect> {
        // The server pings every `heartbeat_secs`: silence for three intervals means the
        // connection is gone even if no error says so (a peer vanished behind a NAT).
        let silence_limit = Duration::from_secs(heartbeat_secs.max(1) * 3);
        let mut last_heard = Instant::now();
        loop {
            let held_until = self.outbox.values().filter_map(|o| o.not_before).min();
            tokio::select! {
                frame = socket.next() => {
                    last_heard = Instant::now();
                    match frame {
                        Ok(frame) => self.on_frame(frame).await?,
                        Err(e) => return Err(classify_socket(&e)),
                    }
                }
                command = self.commands.recv() => match command {
                    Some(command) => {
                        let order = self.queue(command);
                        self.transmit(socket, order).await.map_err(|e| classify_socket(&e))?;
                    }
                    None => return Err(Disconnect::Stopped),
                },
                () = tokio::time::sleep_until(held_until.unwrap_or_else(Instant::now)), if held_until.is_some() => {
                    let now = Instant::now();
                    let due: Vec<u64> = self.outbox.iter()
                        .filter(|(_, o)| o.not_before.is_some_and(|at| at <= now))
                        .map(|(order, _)| *order)
                        .collect();
                    for order in due {
                        if let Some(outgoing) = self.outbox.get_mut(&order) {
                            outgoing.not_before = None;
                        }
                        self.transmit(socket, order).await.map_err(|e| classify_socket(&e))?;
                    }
                }
                () = tokio::time::sleep_until(last_heard + silence_limit) => return Err(Disconnect::Retry),
            }
        }
    }

    async fn on_frame(&mut self, frame: ServerFrame) -> Result<(), Disconnect> {
        match frame {
            ServerFrame::Event { event } => self.on_event(event).await,
            ServerFrame::Ack { req_id, result } => {
                let Some(order) = self.in_flight.remove(&req_id) else { return Ok(()) };
                let Some(outgoing) = self.outbox.remove(&order) else { return Ok(()) };
                let answer = match result {
                    AckResult::Message(message) => Ok(*message),
                    other => Err(SessionError::Refused {
                        code: ErrorCode::Unknown,
                        message: format!("unexpected ack for a send: {other:?}"),
                    }),
                };
                let _ = outgoing.reply.send(answer);
                Ok(())
            }
            ServerFrame::Error { req_id: Some(req_id), error, message, .. } if self.in_flight.contains_key(&req_id) => {
                let Some(order) = self.in_flight.remove(&req_id) else { return Ok(()) };
                if matches!(error, ErrorCode::RateLimited | ErrorCode::DatabaseUnavailable | ErrorCode::ShuttingDown) {
                    // Passing conditions: the same send, later, with the same client_msg_id.
                    if let Some(outgoing) = self.outbox.get_mut(&order) {
                        outgoing.not_before = Some(Instant::now() + RETRY_REFUSED_SEND_AFTER);
                    }
                } else if let Some(outgoing) = self.outbox.remove(&order) {
                    let _ = outgoing.reply.send(Err(SessionError::Refused { code: error, message }));
                }
                Ok(())
            }
            ServerFrame::ConversationAdded { conversation } => {
                let (id, last_seq) = (conversation.id, conversation.last_seq);
                // New to us: everything it holds is new (its first message may already be in).
                self.known.entry(id).or_insert(0);
                self.deliver(SessionEvent::Frame(ServerFrame::ConversationAdded { conversation }))?;
                if self.known.get(&id).is_some_and(|known| last_seq > *known) {
                    self.catch_up(id).await?;
                }
                Ok(())
            }
            ServerFrame::ConversationRemoved { conversation_id } => {
                self.known.remove(&conversation_id);
                self.deliver(SessionEvent::Frame(ServerFrame::ConversationRemoved { conversation_id }))
            }
            other => self.deliver(SessionEvent::Frame(other)),
        }
    }

    /// A live event: handed out if it is the next one, dropped if known, a gap filled first.
    async fn on_event(&mut self, event: Event) -> Result<(), Disconnect> {
        let known = *self.known.entry(event.conversation_id).or_insert(0);
        if event.seq <= known {
            return Ok(());
        }
        if event.seq > known + 1 {
            self.catch_up(event.conversation_id).await?;
        }
        let known = self.known.get(&event.conversation_id).copied().unwrap_or(0);
        if event.seq <= known {
            return Ok(());
        }
        if event.seq != known + 1 {
            // The history did not reach a live event: resync from a fresh `ready`.
            return Err(Disconnect::Retry);
        }
        self.known.insert(event.conversation_id, event.seq);
        self.deliver(SessionEvent::Event(event))
    }

    /// Hands out every stored event after the known seq of `id`, page by page.
    async fn catch_up(&mut self, id: ConversationId) -> Result<(), Disconnect> {
        let rest = self.rest();
        loop {
            let Some(&after) = self.known.get(&id) else { return Ok(()) };
            let page = match rest.events(id, after, Some(protocol::conversations::MAX_PAGE)).await {
                Ok(page) => page,
                Err(e) if e.code() == Some(ErrorCode::NotFound) => {
                    // Left (or removed) meanwhile: `conversation_removed` says so.
                    self.known.remove(&id);
                    return Ok(());
                }
                Err(e) => return Err(classify_rest(&e)),
            };
            let mut known = after;
            for event in page.items {
                if event.seq <= known {
                    continue;
                }
                if event.seq != known + 1 {
                    return Err(Disconnect::Retry);
                }
                known = event.seq;
                self.known.insert(id, known);
                self.deliver(SessionEvent::Event(event))?;
            }
            if !page.has_more || known == after {
                return Ok(());
            }
        }
    }
}

/// "Full jitter" backoff: a random wait between zero and a bound that doubles per failed
/// attempt up to the cap, so clients cut off together do not come back together.
fn full_jitter(config: &SessionConfig, attempt: u32) -> Duration {
    let bound = config.backoff_initial.saturating_mul(2u32.saturating_pow(attempt.min(16))).min(config.backoff_max);
    let millis = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::random_range(0..=millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_a_bound_that_doubles_to_the_cap() {
        let config = SessionConfig {
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1_000),
            ..SessionConfig::default()
        };
        for _ in 0..200 {
            assert!(full_jitter(&config, 0) <= Duration::from_millis(100));
            assert!(full_jitter(&config, 2) <= Duration::from_millis(400));
            assert!(full_jitter(&config, 30) <= Duration::from_millis(1_000));
        }
        // Jitter: not always the bound.
        let waits: std::collections::HashSet<_> = (0..50).map(|_| full_jitter(&config, 30)).collect();
        assert!(waits.len() > 10, "{waits:?}");
    }
}
