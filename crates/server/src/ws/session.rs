//! One WebSocket connection: the upgrade (with the Origin check), `authenticate` within
//! 10 s, registration with the hub, `ready`, then a loop over the socket, the hub's queue,
//! the hub's close order and the heartbeat. Requests are answered in the order they came.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use chrono::{DateTime, Utc};
use db::models::User;
use db::queries::conversations as conversation_queries;
use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;
use protocol::ErrorCode;
use protocol::bots::TokenScope;
use protocol::social::Friend;
use protocol::ws::{
    AUTH_TIMEOUT_SECS, AckResult, ClientFrame, FriendPresence, HEARTBEAT_SECS, MAX_CLIENT_FRAME_BYTES, ServerFrame,
    close,
};
use protocol::{ConversationId, UserId};
use tracing::Instrument;

use super::draining::Draining;
use super::hub::{ConnId, ConnectionQueues, Hub, Outbound, encode};
use crate::auth::{AuthUser, scopes};
use crate::chat;
use crate::error::ApiError;
use crate::rate_limits::ConnectionLimit;
use crate::state::AppState;
use crate::telemetry::metrics;

/// Most friends listed in `ready`.
const MAX_READY_FRIENDS: i64 = 5_000;
/// Most conversations listed in `ready` (the rest page through `GET /conversations`).
const MAX_READY_CONVERSATIONS: i64 = 1_000;
/// Shortest interval between two typing notices a connection relays.
const TYPING_INTERVAL: Duration = Duration::from_secs(2);
/// Sends a connection may have waiting for their commit; past it, the connection stops reading
/// frames until acks come back (back-pressure instead of an unbounded queue).
const MAX_PENDING_SENDS: usize = 64;
/// Most frames from the hub's queue handed to the socket at once: the socket's own queue
/// (actix-ws) holds 32, and a longer run would wait for it with the rest of the loop.
const FRAMES_PER_WRITE: usize = 32;

/// A send's ack or error, ready once its batch is committed.
type PendingAck = Pin<Box<dyn Future<Output = ServerFrame>>>;

/// What a client frame gets back.
#[expect(clippy::large_enum_variant, reason = "one lives at a time, on the stack of one frame's handling")]
enum Reply {
    /// An answer to send now.
    Now(ServerFrame),
    /// A queued change (send, edit, delete): its answer follows its commit, and deliveries go
    /// on meanwhile.
    Later(PendingAck),
}

/// The gateway's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(connect))]
pub struct GatewayApi;

/// The gateway's route, mounted by `startup` ahead of the REST scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource(format!("{}/ws", protocol::API_PREFIX)).route(web::get().to(connect)));
}

/// Upgrades to a WebSocket. Browsers must come from our own origin or an allowed one.
#[utoipa::path(get, tag = "realtime", path = "/api/v1/ws",
    description = "WebSocket upgrade. Protocol: docs/protocol.md (first frame `authenticate`).",
    responses((status = 101, description = "Switching protocols"), (status = 403, description = "`forbidden`: origin not allowed"),
        (status = 503, description = "`shutting_down`: the server is stopping; reconnect shortly")))]
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    hub: web::Data<Hub>,
    draining: web::Data<Draining>,
) -> Result<HttpResponse, actix_web::Error> {
    if draining.is_on() {
        let refusal = ApiError::new(ErrorCode::ShuttingDown, "the server is shutting down; reconnect shortly");
        return Err(refusal.into());
    }
    if !origin_allowed(&req, &state.settings.allowed_origins) {
        return Err(ApiError::new(ErrorCode::Forbidden, "this origin may not open a WebSocket here").into());
    }
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let stream = stream
        .max_frame_size(MAX_CLIENT_FRAME_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_CLIENT_FRAME_BYTES);
    let state = state.into_inner();
    actix_web::rt::spawn(run(state, hub.get_ref().clone(), session, stream));
    Ok(response)
}

/// No Origin (a native client), our own host, or one of `allowed`.
fn origin_allowed(req: &HttpRequest, allowed: &[String]) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    if allowed.iter().any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin)) {
        return true;
    }
    let host = req.connection_info().host().to_owned();
    let own = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    own.is_some_and(|o| o.eq_ignore_ascii_case(&host))
}

fn close_reason(code: u16, text: &str) -> Option<CloseReason> {
    Some(CloseReason { code: CloseCode::Other(code), description: Some(text.to_owned()) })
}

fn error_frame(req_id: Option<u64>, error: &ApiError) -> ServerFrame {
    ServerFrame::Error {
        req_id,
        error: error.code(),
        message: error.message().to_owned(),
        field: error.field_name().map(str::to_owned),
    }
}

/// Sends one frame. It is encoded before anything is awaited, so the frame itself takes no
/// room in the connection's future while the socket is busy.
fn send(session: &mut Session, frame: ServerFrame) -> impl Future<Output = bool> + '_ {
    let text = encode(&frame);
    async move { session.text(text).await.is_ok() }
}

async fn run(state: std::sync::Arc<AppState>, hub: Hub, mut session: Session, mut stream: AggregatedMessageStream) {
    // The handshake's futures (the token check, the reads for `ready`) are large and live only
    // while it runs. Boxed, they do not size the task every idle connection keeps for its whole
    // life (8.4 KiB with them inline, 3.0 KiB now, measured with `size_of_val`).
    let Some(joined) = Box::pin(join(&state, &hub, &mut session, &mut stream)).await else { return };
    let open = OpenConnection::count();
    serve(&state, &joined.auth, joined.conn_id, session, stream, joined.queues).await;
    drop(open);
    Box::pin(leave(&state, &hub, joined.conn_id, joined.auth.id()))
        .instrument(frame_span(joined.conn_id, &joined.auth))
        .await;
}

/// One count in `confab_ws_connections` while it lives, given back however the connection's
/// task ends (returned, or dropped mid-await at shutdown).
struct OpenConnection(::metrics::Gauge);

impl OpenConnection {
    fn count() -> Self {
        let gauge = ::metrics::gauge!(metrics::WS_CONNECTIONS);
        gauge.increment(1.0);
        Self(gauge)
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// A connection past its handshake.
struct Joined {
    auth: AuthUser,
    conn_id: ConnId,
    queues: ConnectionQueues,
}

/// Authenticates, registers with the hub and sends `ready`; `None` once the connection is
/// closed or refused.
async fn join(
    state: &AppState,
    hub: &Hub,
    session: &mut Session,
    stream: &mut AggregatedMessageStream,
) -> Option<Joined> {
    let Authenticated { auth, req_id, friends, conversations } = authenticate(state, session, stream).await?;
    // Registering waits for the bus to follow the user's conversations (NATS confirms its
    // subscriptions): the pooled connection of the token's check is back in the pool by now, or
    // reconnecting clients during a slow bus would take them all and stall every request.
    let user = auth.id();
    let friend_ids = friends.iter().map(|(friend, _)| friend.id).collect();
    let registered = hub.register(user, auth.revocation_key(), friend_ids, conversations).await;
    let Some((conn_id, queues, online)) = registered else {
        let _ = session.clone().close(close_reason(close::GOING_AWAY, "the server is shutting down")).await;
        return None;
    };
    let ready = ready(state, &auth, req_id, friends, &online).await;
    let ready = match ready {
        Ok(frame) => frame,
        Err(e) => {
            hub.unregister(conn_id).await;
            return try_again_later(session, req_id, &e).await;
        }
    };
    if !send(session, ready).await {
        leave(state, hub, conn_id, user).await;
        return None;
    }
    Some(Joined { auth, conn_id, queues })
}

/// Answers the `authenticate` request with the error and closes as going away: the handshake
/// failed on our side (the database), so the client should reconnect shortly.
async fn try_again_later(session: &mut Session, req_id: u64, error: &ApiError) -> Option<Joined> {
    let _ = send(session, error_frame(Some(req_id), error)).await;
    let _ = session.clone().close(close_reason(close::GOING_AWAY, "try again shortly")).await;
    None
}

/// Unregisters a connection that has ended and records when its user was last seen.
async fn leave(state: &AppState, hub: &Hub, conn_id: ConnId, user: UserId) {
    hub.unregister(conn_id).await;
    if let Ok(mut conn) = db::pool::checkout(&state.pool).await {
        let _ = db::queries::users::touch_last_seen(&mut conn, user).await;
    }
}

/// A client whose `authenticate` was accepted, with what was read alongside the check.
struct Authenticated {
    auth: AuthUser,
    req_id: u64,
    friends: Vec<(User, DateTime<Utc>)>,
    conversations: Vec<ConversationId>,
}

/// Waits for `authenticate`; anything else, a bad token or silence closes with 4001.
async fn authenticate(
    state: &AppState,
    session: &mut Session,
    stream: &mut AggregatedMessageStream,
) -> Option<Authenticated> {
    let deadline = tokio::time::sleep(Duration::from_secs(AUTH_TIMEOUT_SECS));
    tokio::pin!(deadline);
    let refuse = async |session: Session, text: &str| {
        let _ = session.close(close_reason(close::UNAUTHENTICATED, text)).await;
    };
    loop {
        tokio::select! {
            _ = &mut deadline => {
                refuse(session.clone(), "authenticate within 10 seconds").await;
                return None;
            }
            message = stream.recv() => match message {
                Some(Ok(AggregatedMessage::Text(text))) => {
                    let frame: Result<ClientFrame, _> = serde_json::from_str(&text);
                    let Ok(ClientFrame::Authenticate { req_id, token }) = frame else {
                        let error = ApiError::new(ErrorCode::Unauthenticated, "the first frame must be authenticate");
                        let _ = send(session, error_frame(None, &error)).await;
                        refuse(session.clone(), "the first frame must be authenticate").await;
                        return None;
                    };
                    // What the connection registers with is read with the token's check: the
                    // friends, whose presence it follows, and the conversations it subscribes to.
                    let memberships = async |conn: &_, user| {
                        let friends = db::queries::social::friends_of(conn, user, None, MAX_READY_FRIENDS);
                        let conversations = conversation_queries::ids_of(conn, user);
                        Ok(futures_util::try_join!(friends, conversations)?)
                    };
                    return match AuthUser::from_token_along(state, &token, memberships).await {
                        // A WebSocket delivers every event of the account's conversations.
                        Ok((auth, (friends, conversations))) => match auth.require(TokenScope::Read) {
                            Ok(()) => Some(Authenticated { auth, req_id, friends, conversations }),
                            Err(e) => {
                                let _ = send(session, error_frame(Some(req_id), &e)).await;
                                let reason = close_reason(close::INSUFFICIENT_SCOPE, "the token lacks the read scope");
                                let _ = session.clone().close(reason).await;
                                None
                            }
                        },
                        Err(e) => {
                            // 4001 tells the client its token is bad (refresh it, or sign in
                            // again); a failure on our side (the database) is not that.
                            let (code, reason) = match e.code() {
                                ErrorCode::AccountDisabled => (close::ACCOUNT_DISABLED, "authentication failed"),
                                ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => {
                                    (close::UNAUTHENTICATED, "authentication failed")
                                }
                                _ => (close::GOING_AWAY, "try again shortly"),
                            };
                            let _ = send(session, error_frame(Some(req_id), &e)).await;
                            let _ = session.clone().close(close_reason(code, reason)).await;
                            None
                        }
                    };
                }
                Some(Ok(AggregatedMessage::Ping(bytes))) => { let _ = session.pong(&bytes).await; }
                Some(Ok(AggregatedMessage::Pong(_))) => {}
                Some(Ok(AggregatedMessage::Binary(_))) => {
                    refuse(session.clone(), "frames are JSON text").await;
                    return None;
                }
                Some(Ok(AggregatedMessage::Close(_))) | None => return None,
                Some(Err(e)) => {
                    let _ = session.clone().close(protocol_close(&e)).await;
                    return None;
                }
            }
        }
    }
}

fn protocol_close(e: &actix_ws::ProtocolError) -> Option<CloseReason> {
    match e {
        actix_ws::ProtocolError::Overflow => close_reason(close::TOO_BIG, "frame too large"),
        // A message sent as fragments past the limit: actix-ws reports it as this I/O error
        // (aggregated.rs, `size_error`), with no variant of its own. Matched on its text; the
        // fragmented-message test fails if that text changes.
        actix_ws::ProtocolError::Io(io) if io.to_string().contains("maximum continuation size") => {
            close_reason(close::TOO_BIG, "message too large")
        }
        _ => Some(CloseReason { code: CloseCode::Protocol, description: Some("protocol error".into()) }),
    }
}

/// Reads the state to send in `ready`, once the connection is registered and subscribed: nothing
/// committed in between can be missed, it is either within the `last_seq` read here or
/// delivered live (or both; clients skip seen seqs).
async fn ready(
    state: &AppState,
    auth: &AuthUser,
    req_id: u64,
    friends: Vec<(User, DateTime<Utc>)>,
    online: &std::collections::HashSet<UserId>,
) -> Result<ServerFrame, ApiError> {
    let user = auth.id();
    let mut conn = db::pool::checkout(&state.pool).await?;
    // Independent reads, sent together (pipelined on the one connection).
    let (rows, requests) = futures_util::try_join!(
        async {
            Ok::<_, ApiError>(db::queries::summaries::summaries(&conn, user, None, MAX_READY_CONVERSATIONS).await?)
        },
        crate::social::load_requests(&conn, user),
    )?;
    let conversations = chat::conversations::summaries_view(&mut conn, rows).await?;
    let friends = friends
        .into_iter()
        .map(|(friend, since)| {
            let online = online.contains(&friend.id);
            // The row read above already has when they were last seen.
            let last_seen_at = if online { None } else { friend.last_seen_at };
            FriendPresence { friend: Friend { user: friend.to_public(), since }, online, last_seen_at }
        })
        .collect();
    Ok(ServerFrame::Ready {
        req_id,
        user: auth.user.to_me(),
        friends,
        requests,
        conversations,
        heartbeat_secs: HEARTBEAT_SECS,
        protocol_version: protocol::ws::PROTOCOL_VERSION,
    })
}

/// The main loop, until the client goes, the hub closes it, or the heartbeat times out.
/// The span of one frame's handling (and of its answer, for a queued change): every log line
/// it causes, the writer's batch included, names the connection, its user and its session.
/// Made per frame rather than once per connection: a span kept for a connection's life cost
/// 2.4 KiB of each idle connection (27.5 against 25.1 KiB, 10,000 connections; BENCHMARKS).
fn frame_span(conn_id: ConnId, auth: &AuthUser) -> tracing::Span {
    tracing::info_span!("ws", conn = conn_id, user = %auth.id(), session = %auth.revocation_key())
}

async fn serve(
    state: &AppState,
    auth: &AuthUser,
    conn_id: ConnId,
    mut session: Session,
    mut stream: AggregatedMessageStream,
    mut queues: ConnectionQueues,
) {
    let user = auth.id();
    let mut heartbeat = super::heartbeat::interval(Duration::from_secs(HEARTBEAT_SECS));
    let mut last_heard = Instant::now();
    let mut last_typing: Option<Instant> = None;
    // Acks leave in the order the sends came; the writer stores them in that order too.
    let mut pending: FuturesOrdered<PendingAck> = FuturesOrdered::new();
    let frames_in = ::metrics::counter!(metrics::WS_FRAMES_IN);
    let limit = ConnectionLimit::new(state.settings.ws_frames_per_sec);
    let frames_out = ::metrics::counter!(metrics::WS_FRAMES_OUT);
    let reason = loop {
        tokio::select! {
            biased;
            order = &mut queues.close => {
                break match order {
                    Ok(order) => close_reason(order.code, order.reason),
                    Err(_) => close_reason(close::GOING_AWAY, "the server is going away"),
                };
            }
            item = queues.frames.recv() => {
                let Some(first) = item else { break close_reason(close::GOING_AWAY, "the server is going away") };
                // The hub, on another thread, is likely still queueing the rest of what it is
                // delivering (a batch's events): let it, then hand everything queued to the
                // socket before its writer runs, so that those frames share one write.
                tokio::task::yield_now().await;
                let mut next = Some(first);
                let mut handed = 0;
                while let Some(item) = next.take() {
                    frames_out.increment(1);
                    if !deliver(state, user, &mut session, item).await {
                        return;
                    }
                    handed += 1;
                    if handed < FRAMES_PER_WRITE {
                        next = queues.frames.try_recv().ok();
                    }
                }
            }
            Some(ack) = pending.next(), if !pending.is_empty() => {
                frames_out.increment(1);
                if !send(&mut session, ack).await {
                    return;
                }
            }
            message = stream.recv(), if pending.len() < MAX_PENDING_SENDS => {
                last_heard = Instant::now();
                if matches!(message, Some(Ok(AggregatedMessage::Text(_)))) {
                    frames_in.increment(1);
                }
                match message {
                    // Boxed: handling a frame needs a large future for a moment, not for the
                    // connection's life.
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        let span = frame_span(conn_id, auth);
                        match Box::pin(handle(state, &limit, auth, &text, &mut last_typing)).instrument(span.clone()).await {
                            Reply::Now(reply) => {
                                frames_out.increment(1);
                                if !send(&mut session, reply).await {
                                    return;
                                }
                            }
                            Reply::Later(ack) => pending.push_back(Box::pin(ack.instrument(span))),
                        }
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => {
                        let error = ApiError::new(ErrorCode::MalformedJson, "frames are JSON text, not binary");
                        if !send(&mut session, error_frame(None, &error)).await {
                            return;
                        }
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() {
                            return;
                        }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    Some(Ok(AggregatedMessage::Close(_))) | None => return,
                    Some(Err(e)) => break protocol_close(&e),
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > Duration::from_secs(3 * HEARTBEAT_SECS) {
                    break close_reason(close::HEARTBEAT_TIMEOUT, "no heartbeat");
                }
                if session.ping(b"").await.is_err() {
                    return;
                }
            }
        }
    };
    let _ = session.close(reason).await;
}

/// Sends one item of the hub's queue; false once the socket is gone.
async fn deliver(state: &AppState, user: UserId, session: &mut Session, item: Outbound) -> bool {
    match item {
        Outbound::Frame(bytes) => session.text(bytes).await.is_ok(),
        Outbound::Joined(conversation) => match Box::pin(load_summary(state, user, conversation)).await {
            Some(conversation) => {
                send(session, ServerFrame::ConversationAdded { conversation: Box::new(conversation) }).await
            }
            None => true,
        },
    }
}

async fn load_summary(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
) -> Option<protocol::conversations::ConversationSummary> {
    let mut conn = db::pool::checkout(&state.pool).await.ok()?;
    chat::conversations::summary_of(&mut conn, user, conversation).await.ok()
}

/// Answers one client frame: an `ack` or an `error`, never a dropped connection.
async fn handle(
    state: &AppState,
    limit: &ConnectionLimit,
    auth: &AuthUser,
    text: &str,
    last_typing: &mut Option<Instant>,
) -> Reply {
    let user = auth.id();
    let checked = limit.check(&state.user_limits, user).and_then(|()| crate::validate::json_without_nul(text));
    let frame: ClientFrame = match checked.and_then(|()| parse_frame(text)) {
        Ok(frame) => frame,
        Err(error) => {
            // Echo the req_id when the frame had a readable one.
            let req_id = serde_json::from_str::<serde_json::Value>(text).ok().and_then(|v| v.get("req_id")?.as_u64());
            return Reply::Now(error_frame(req_id, &error));
        }
    };
    let req_id = frame.req_id();
    if let Some(Err(error)) = scopes::for_frame(&frame).map(|scope| auth.require(scope)) {
        return Reply::Now(error_frame(Some(req_id), &error));
    }
    let result = match frame {
        ClientFrame::Authenticate { .. } => Err(ApiError::new(ErrorCode::Conflict, "already authenticated")),
        ClientFrame::SendMessage { conversation_id, message, .. } => {
            match chat::messages::queue_send(state, user, conversation_id, message).await {
                Ok(queued) => {
                    return Reply::Later(Box::pin(async move {
                        let result = chat::messages::committed(queued).await;
                        answer(req_id, result.map(|(m, _)| AckResult::Message(Box::new(m))))
                    }));
                }
                Err(e) => Err(e),
            }
        }
        ClientFrame::EditMessage { conversation_id, message_id, body, .. } => {
            match chat::messages::queue_edit(state, user, conversation_id, message_id, body).await {
                Ok(queued) => return Reply::Later(Box::pin(changed_later(req_id, queued))),
                Err(e) => Err(e),
            }
        }
        ClientFrame::DeleteMessage { conversation_id, message_id, .. } => {
            match chat::messages::queue_delete(state, user, conversation_id, message_id).await {
                Ok(queued) => return Reply::Later(Box::pin(changed_later(req_id, queued))),
                Err(e) => Err(e),
            }
        }
        ClientFrame::MarkRead { conversation_id, seq, .. } => {
            chat::messages::mark_read(state, user, conversation_id, seq)
                .await
                .map(|read_seq| AckResult::Read { read_seq })
        }
        ClientFrame::Delivered { up_to, .. } => {
            chat::messages::mark_delivered(state, user, &up_to).await.map(|()| AckResult::Done {})
        }
        ClientFrame::Typing { conversation_id, .. } => {
            // Membership is checked on every notice, relayed or not: a throttled one must not
            // answer differently for a conversation the user is not in.
            let now = Instant::now();
            let relay = !last_typing.is_some_and(|t| now.duration_since(t) < TYPING_INTERVAL);
            let result = chat::messages::typing(state, user, conversation_id, relay).await;
            if relay && result.is_ok() {
                *last_typing = Some(now);
            }
            result.map(|()| AckResult::Done {})
        }
        ClientFrame::Ping { .. } => Ok(AckResult::Done {}),
    };
    Reply::Now(answer(req_id, result))
}

fn parse_frame(text: &str) -> Result<ClientFrame, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::new(ErrorCode::MalformedJson, format!("unreadable frame: {e}")))
}

/// The answer to a queued edit or deletion, once it is committed.
async fn changed_later(req_id: u64, queued: chat::writer::Committed) -> ServerFrame {
    let result = chat::messages::changed_message(queued).await;
    answer(req_id, result.map(|m| AckResult::Message(Box::new(m))))
}

/// The `ack` or `error` frame for a request's outcome.
fn answer(req_id: u64, result: Result<AckResult, ApiError>) -> ServerFrame {
    match result {
        Ok(result) => ServerFrame::Ack { req_id, result },
        Err(e) => {
            if e.code() == ErrorCode::Internal {
                tracing::error!(error = %e, "websocket request failed");
            }
            error_frame(Some(req_id), &e)
        }
    }
}
