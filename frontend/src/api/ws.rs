//! The WebSocket gateway: the app's only socket. Connects while signed in, authenticates with
//! the in-memory access token, hands server frames to the [`Chat`] state, sends client frames
//! with request ids and resolves their acks, and reconnects with backoff and jitter when the
//! connection drops, resending every unacknowledged message.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ConversationId;
use protocol::ErrorCode;
use protocol::conversations::SendMessage;
use protocol::ws::{AckResult, ClientFrame, ServerFrame, WS_PATH, close};
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::api::early_socket;
use crate::locale::td_string;
use crate::state::chat::outbox::OutboxEntry;
use crate::state::chat::{Chat, now_ms};
use crate::state::session::Session;

/// How often the client pings: a dead connection (a network that vanished without a close)
/// is noticed within about two of these.
const PING_MS: u32 = 5_000;
/// Silence after which the connection counts as dead.
const DEAD_AFTER_MS: f64 = 12_000.0;
/// Longest pause between reconnection attempts.
const MAX_BACKOFF_MS: f64 = 10_000.0;

/// Where the connection stands, for the "Reconnecting…" banner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Not signed in: no connection wanted.
    Idle,
    /// Opening or authenticating.
    Connecting,
    /// Authenticated and in sync.
    Online,
    /// Lost; trying again.
    Reconnecting,
}

/// What a request id was for, to route its `ack` or `error`.
#[derive(Clone, Copy, Debug)]
enum Request {
    Authenticate,
    Send(Uuid),
    Other,
}

/// The socket and its callbacks (kept alive as long as the socket is current).
struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

#[derive(Default)]
struct Inner {
    socket: Option<Socket>,
    /// Bumped on every new connection: callbacks of an older socket see they are stale.
    generation: u64,
    next_req: u64,
    pending: HashMap<u64, Request>,
    /// Failed attempts since the last `ready`, for the backoff.
    attempt: u32,
    ready: bool,
    wanted: bool,
    last_heard: f64,
    /// Window `online`/`offline` listeners, installed once.
    listeners: Vec<Closure<dyn FnMut()>>,
}

/// The gateway context.
#[derive(Clone, Copy)]
pub struct Gateway {
    /// The connection's state.
    pub link: RwSignal<Link>,
    inner: StoredValue<Inner, LocalStorage>,
    chat: Chat,
    session: Session,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").field("link", &self.link.get_untracked()).finish()
    }
}

/// How often received messages are acknowledged (read-by's "delivered to" lags by at most this).
const DELIVERED_EVERY_MS: u32 = 3_000;

/// Pause between attempts while the browser reports no network.
const OFFLINE_RETRY_MS: f64 = 60_000.0;

fn browser_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

fn url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    Some(format!("{scheme}://{}{WS_PATH}", location.host().ok()?))
}

impl Gateway {
    /// A gateway feeding `chat`, authenticating as `session`.
    pub fn new(chat: Chat, session: Session) -> Self {
        let gateway =
            Self { link: RwSignal::new(Link::Idle), inner: StoredValue::new_local(Inner::default()), chat, session };
        gateway.watch_network();
        gateway
    }

    /// Connects (if not already) and stays connected until [`Self::stop`].
    pub fn start(&self) {
        let already = self.inner.try_update_value(|i| std::mem::replace(&mut i.wanted, true)).unwrap_or(true);
        if !already {
            self.connect();
        }
    }

    /// Disconnects for good (sign-out).
    pub fn stop(&self) {
        self.inner.update_value(|i| {
            i.wanted = false;
            i.generation += 1;
            i.ready = false;
            i.pending.clear();
            if let Some(socket) = i.socket.take() {
                let _ = socket.ws.close();
            }
        });
        self.link.set(Link::Idle);
    }

    fn connect(&self) {
        let Some(url) = url() else { return };
        let wanted = self.inner.with_value(|i| i.wanted);
        if !wanted {
            return;
        }
        // The first connection of a page may already be open and authenticated by index.html.
        let early = early_socket::take();
        let ws = match &early {
            Some(early) => early.ws.clone(),
            None => {
                let Ok(ws) = WebSocket::new(&url) else {
                    self.reconnect_later();
                    return;
                };
                ws
            }
        };
        let generation = self.inner.try_update_value(|i| {
            i.generation += 1;
            i.ready = false;
            i.pending.clear();
            i.last_heard = now_ms();
            if let Some(old) = i.socket.take() {
                let _ = old.ws.close();
            }
            i.generation
        });
        let Some(generation) = generation else { return };
        if self.link.get_untracked() != Link::Reconnecting {
            self.link.set(Link::Connecting);
        }
        let gateway = *self;
        let on_open = Closure::<dyn FnMut()>::new(move || {
            if gateway.current(generation) {
                let token = gateway.session.token().unwrap_or_default();
                gateway.send(Request::Authenticate, |req_id| ClientFrame::Authenticate { req_id, token });
            }
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(text) = event.data().as_string() {
                gateway.receive(generation, &text);
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            if gateway.current(generation) {
                gateway.on_close(event.code());
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.inner.update_value(|i| {
            i.socket = Some(Socket { ws, _on_open: on_open, _on_message: on_message, _on_close: on_close });
        });
        if let Some(early) = early.filter(|early| early.authenticated) {
            // Its `authenticate` is this connection's first request; what the server answered
            // meanwhile is read now, in order, before anything newer.
            self.inner.update_value(|i| {
                i.pending.insert(early_socket::AUTHENTICATE_REQ_ID, Request::Authenticate);
                i.next_req = i.next_req.max(early_socket::AUTHENTICATE_REQ_ID);
            });
            for text in &early.frames {
                self.receive(generation, text);
            }
        }
        self.heartbeat(generation);
        self.acknowledge_deliveries(generation);
    }

    /// Reads one frame of the connection `generation` (ignored once that is not current).
    fn receive(&self, generation: u64, text: &str) {
        if !self.current(generation) {
            return;
        }
        self.inner.update_value(|i| i.last_heard = now_ms());
        match serde_json::from_str::<ServerFrame>(text) {
            Ok(frame) => self.on_frame(frame),
            Err(e) => web_sys::console::warn_1(&format!("unreadable frame: {e}").into()),
        }
    }

    fn current(&self, generation: u64) -> bool {
        self.inner.try_with_value(|i| i.generation == generation && i.wanted).unwrap_or(false)
    }

    /// Pings while this connection is current, and drops it when nothing was heard for too long
    /// (a vanished network often closes nothing).
    fn heartbeat(&self, generation: u64) {
        let gateway = *self;
        spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(PING_MS).await;
                if !gateway.current(generation) {
                    return;
                }
                let silent = now_ms() - gateway.inner.with_value(|i| i.last_heard);
                if silent > DEAD_AFTER_MS {
                    gateway.drop_connection();
                    return;
                }
                if gateway.inner.with_value(|i| i.ready) {
                    gateway.send(Request::Other, |req_id| ClientFrame::Ping { req_id });
                }
            }
        });
    }

    /// While this connection is current, tells the server every few seconds which of others'
    /// messages reached this device (read-by's "delivered to"), coalesced into one frame.
    fn acknowledge_deliveries(&self, generation: u64) {
        let gateway = *self;
        spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(DELIVERED_EVERY_MS).await;
                if !gateway.current(generation) {
                    return;
                }
                let up_to = gateway.chat.deliveries.try_update_value(|acks| acks.take()).unwrap_or_default();
                if up_to.is_empty() {
                    continue;
                }
                let unsent = up_to.clone();
                if !gateway.send(Request::Other, |req_id| ClientFrame::Delivered { req_id, up_to }) {
                    gateway.chat.deliveries.update_value(|acks| acks.give_back(unsent));
                }
            }
        });
    }

    /// Abandons the current socket without waiting for its close handshake, and reconnects.
    fn drop_connection(&self) {
        let had = self.inner.try_update_value(|i| {
            i.generation += 1;
            i.ready = false;
            i.pending.clear();
            i.socket.take().map(|s| {
                let _ = s.ws.close();
            })
        });
        if had.flatten().is_some() || self.link.get_untracked() == Link::Online {
            self.reconnect_later();
        }
    }

    fn on_close(&self, code: u16) {
        self.inner.update_value(|i| {
            i.socket = None;
            i.ready = false;
            i.pending.clear();
        });
        match code {
            close::SESSION_ENDED | close::ACCOUNT_DISABLED => {
                let language = self.chat.language();
                let message = if code == close::ACCOUNT_DISABLED {
                    td_string!(language, chat.farewell_account_disabled)
                } else {
                    td_string!(language, chat.farewell_session_ended)
                };
                self.chat.farewell.set(Some(message.to_owned()));
                self.stop();
                self.session.signed_out();
            }
            close::UNAUTHENTICATED => {
                // The access token expired: a fresh one, then straight back.
                let gateway = *self;
                self.link.set(Link::Reconnecting);
                spawn_local(async move {
                    if gateway.session.refresh().await {
                        gateway.connect();
                    } else {
                        gateway.stop();
                        gateway.session.signed_out();
                    }
                });
            }
            _ => self.reconnect_later(),
        }
    }

    /// Schedules the next attempt: exponential backoff with jitter, at most ~10 s, so a
    /// restarting server is not hit by every client at the same instant.
    fn reconnect_later(&self) {
        let Some(attempt) = self.inner.try_update_value(|i| {
            i.attempt = i.attempt.saturating_add(1);
            i.attempt
        }) else {
            return;
        };
        self.link.set(Link::Reconnecting);
        let base = (250.0 * 2f64.powi(attempt.min(8) as i32)).min(MAX_BACKOFF_MS);
        // While the browser says it is offline, its `online` event reconnects at once; the slow
        // retry only covers a browser that never says so.
        let base = if browser_online() { base } else { OFFLINE_RETRY_MS };
        let delay = base / 2.0 + js_sys::Math::random() * base / 2.0;
        let generation = self.inner.with_value(|i| i.generation);
        let gateway = *self;
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(delay as u32).await;
            // Something else (the browser coming back online) may have reconnected meanwhile.
            let idle = gateway.inner.with_value(|i| i.generation == generation && i.wanted);
            if idle {
                gateway.connect();
            }
        });
    }

    /// Reacts to the browser's own view of the network: offline drops the socket at once (it
    /// would otherwise hang until the heartbeat notices), online reconnects without waiting.
    fn watch_network(&self) {
        let Some(window) = web_sys::window() else { return };
        let gateway = *self;
        let offline = Closure::<dyn FnMut()>::new(move || {
            if gateway.inner.with_value(|i| i.wanted) {
                gateway.drop_connection();
            }
        });
        let online = Closure::<dyn FnMut()>::new(move || {
            if gateway.inner.with_value(|i| i.wanted) && gateway.link.get_untracked() != Link::Online {
                gateway.inner.update_value(|i| i.attempt = 0);
                gateway.connect();
            }
        });
        let _ = window.add_event_listener_with_callback("offline", offline.as_ref().unchecked_ref());
        let _ = window.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
        self.inner.update_value(|i| i.listeners.extend([offline, online]));
    }

    fn on_frame(&self, frame: ServerFrame) {
        match frame {
            ServerFrame::Ready { friends, conversations, .. } => {
                self.inner.update_value(|i| {
                    i.ready = true;
                    i.attempt = 0;
                });
                self.link.set(Link::Online);
                let resend = self.chat.on_ready(friends, conversations);
                for entry in resend {
                    self.send_entry(entry);
                }
            }
            ServerFrame::Ack { req_id, result } => {
                let request = self.inner.try_update_value(|i| i.pending.remove(&req_id)).flatten();
                if let (Some(Request::Send(_)), AckResult::Message(message)) = (request, result) {
                    self.chat.on_sent(*message);
                }
            }
            ServerFrame::Error { req_id, error, message, .. } => {
                let request = req_id.and_then(|id| self.inner.try_update_value(|i| i.pending.remove(&id)).flatten());
                match request {
                    Some(Request::Send(client_msg_id)) if error == ErrorCode::RateLimited => {
                        // Too fast: the entry stays queued and goes again shortly.
                        let gateway = *self;
                        spawn_local(async move {
                            gloo_timers::future::TimeoutFuture::new(2_000).await;
                            let entry = gateway
                                .chat
                                .outbox
                                .with_untracked(|o| o.iter().find(|e| e.client_msg_id == client_msg_id).cloned());
                            if let Some(entry) = entry {
                                gateway.send_entry(entry);
                            }
                        });
                    }
                    Some(Request::Send(client_msg_id)) => self.chat.on_refused(client_msg_id, message),
                    // A refused token: the server closes with 4001 and `on_close` refreshes.
                    Some(Request::Authenticate) | Some(Request::Other) | None => {
                        web_sys::console::warn_1(&format!("gateway error: {error}: {message}").into());
                    }
                }
            }
            other => self.chat.on_frame(other),
        }
    }

    /// Sends a frame built around a fresh request id; false when not connected.
    fn send(&self, request: Request, frame: impl FnOnce(u64) -> ClientFrame) -> bool {
        let sent = self.inner.try_update_value(|i| {
            let Some(socket) = &i.socket else { return false };
            let authenticating = matches!(request, Request::Authenticate);
            if !i.ready && !authenticating {
                return false;
            }
            i.next_req += 1;
            let req_id = i.next_req;
            let Ok(json) = serde_json::to_string(&frame(req_id)) else { return false };
            if socket.ws.send_with_str(&json).is_err() {
                return false;
            }
            i.pending.insert(req_id, request);
            true
        });
        sent.unwrap_or(false)
    }

    fn send_entry(&self, entry: OutboxEntry) {
        let OutboxEntry { client_msg_id, conversation_id, body, reply_to, mentions, attachments, location, .. } = entry;
        let attachments = attachments.iter().map(|a| a.id).collect();
        self.send(Request::Send(client_msg_id), |req_id| ClientFrame::SendMessage {
            req_id,
            conversation_id,
            message: SendMessage { client_msg_id, body, reply_to, mentions, attachments, location },
        });
    }

    /// Queues a message in the outbox and sends it now if connected (otherwise on reconnect).
    pub fn send_message(
        &self,
        conversation: ConversationId,
        body: String,
        reply_to: Option<protocol::MessageId>,
        mentions: Vec<protocol::UserId>,
        attachments: Vec<protocol::media::Attachment>,
        location: Option<protocol::media::Location>,
    ) {
        let entry = self.chat.queue(conversation, body, reply_to, mentions, attachments, location);
        self.send_entry(entry);
    }

    /// Sends a refused message again.
    pub fn retry(&self, client_msg_id: Uuid) {
        if let Some(entry) = self.chat.retry(client_msg_id) {
            self.send_entry(entry);
        }
    }

    /// Tells the conversation's members the user is typing.
    pub fn typing(&self, conversation_id: ConversationId) {
        self.send(Request::Other, |req_id| ClientFrame::Typing { req_id, conversation_id });
    }

    /// Moves the read marker; the local state changes at once.
    pub fn mark_read(&self, conversation_id: ConversationId, seq: i64) {
        if self.send(Request::Other, |req_id| ClientFrame::MarkRead { req_id, conversation_id, seq }) {
            self.chat.read_locally(conversation_id, seq);
        }
    }
}
