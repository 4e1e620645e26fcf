//! Messages over REST: history pages, the events catch-up read, send (idempotent), edit,
//! delete, read markers, and full-text search. The same operations exist as WebSocket frames.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use protocol::ErrorBody;
use protocol::conversations::{
    EditMessage, EventPage, ForwardMessage, Forwarded, MarkRead, Message, MessagePage, ReadMarker, SearchResults,
    SendMessage,
};
use protocol::{ConversationId, MessageId};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::chat::messages as chat;
use crate::error::ApiError;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;

/// Query of `GET .../messages`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HistoryQuery {
    /// Only messages before this seq (the `next_before_seq` of the previous page).
    before_seq: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// Query of `GET .../events`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EventsQuery {
    /// The last seq the client has; events after it are returned.
    after_seq: i64,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// Query of `GET /search`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// Words to find ("quoted phrase", -exclude, or).
    q: String,
}

/// History, newest first (tombstones included).
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), HistoryQuery),
    responses((status = 200, body = MessagePage), (status = 404, body = ErrorBody)))]
#[get("/conversations/{id}/messages")]
pub async fn list_messages(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
    query: web::Query<HistoryQuery>,
) -> Result<web::Json<MessagePage>, ApiError> {
    Ok(web::Json(chat::history(&state, auth.id(), path.into_inner(), query.before_seq, query.limit).await?))
}

/// Events after `after_seq`, oldest first: how a client catches up after being away.
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/events", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), EventsQuery),
    responses((status = 200, body = EventPage), (status = 404, body = ErrorBody)))]
#[get("/conversations/{id}/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
    query: web::Query<EventsQuery>,
) -> Result<web::Json<EventPage>, ApiError> {
    Ok(web::Json(chat::events(&state, auth.id(), path.into_inner(), query.after_seq, query.limit).await?))
}

/// Sends a message. 201 when stored now; 200 with the stored message for a resend of the same
/// `client_msg_id`.
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id")), request_body = SendMessage,
    responses((status = 201, body = Message), (status = 200, description = "Already stored (idempotent resend)", body = Message),
        (status = 400, description = "`invalid_input`: empty or over 4,000 characters", body = ErrorBody),
        (status = 403, description = "`forbidden`: a DM with someone no longer your friend", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`conflict`: client_msg_id used in another conversation", body = ErrorBody),
        (status = 422, description = "`unprocessable`: an attachment that is not an unattached upload of the sender's", body = ErrorBody),
        (status = 429, description = "`rate_limited`: the user's requests per second are used up; see Retry-After", body = ErrorBody)))]
#[post("/conversations/{id}/messages")]
pub async fn send_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
    body: JsonBody<SendMessage>,
) -> Result<HttpResponse, ApiError> {
    state.user_limits.check(auth.id())?;
    let (message, created) = chat::send(&state, auth.id(), path.into_inner(), body.into_inner()).await?;
    Ok(if created { HttpResponse::Created() } else { HttpResponse::Ok() }.json(message))
}

/// Edits the caller's own message.
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/messages/{message_id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), ("message_id" = Uuid, Path, description = "Message id")),
    request_body = EditMessage,
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/conversations/{id}/messages/{message_id}")]
pub async fn edit_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(ConversationId, MessageId)>,
    body: JsonBody<EditMessage>,
) -> Result<web::Json<Message>, ApiError> {
    state.user_limits.check(auth.id())?;
    let (conversation, message) = path.into_inner();
    Ok(web::Json(chat::edit(&state, auth.id(), conversation, message, body.into_inner().body).await?))
}

/// Deletes a message (own, or any as a group owner or admin); the tombstone is returned.
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/messages/{message_id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), ("message_id" = Uuid, Path, description = "Message id")),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/conversations/{id}/messages/{message_id}")]
pub async fn delete_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(ConversationId, MessageId)>,
) -> Result<web::Json<Message>, ApiError> {
    state.user_limits.check(auth.id())?;
    let (conversation, message) = path.into_inner();
    Ok(web::Json(chat::delete(&state, auth.id(), conversation, message).await?))
}

/// Copies a message into other conversations of the caller's, marked "forwarded" (the copies
/// do not say where it came from).
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/messages/{message_id}/forward", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), ("message_id" = Uuid, Path, description = "Message id")),
    request_body = ForwardMessage,
    responses((status = 201, body = Forwarded),
        (status = 400, description = "`invalid_input`: 1 to 10 conversations", body = ErrorBody),
        (status = 403, description = "`forbidden`: a target DM with someone no longer your friend", body = ErrorBody),
        (status = 404, description = "`not_found`: the message, or a target you are not in", body = ErrorBody)))]
#[post("/conversations/{id}/messages/{message_id}/forward")]
pub async fn forward_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(ConversationId, MessageId)>,
    body: JsonBody<ForwardMessage>,
) -> Result<HttpResponse, ApiError> {
    state.user_limits.check(auth.id())?;
    let (conversation, message) = path.into_inner();
    let copies = crate::chat::forward::forward(&state, auth.id(), conversation, message, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(copies))
}

/// Moves the caller's read marker forward (it never moves back).
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/read", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id")), request_body = MarkRead,
    responses((status = 200, body = ReadMarker), (status = 404, body = ErrorBody)))]
#[post("/conversations/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
    body: JsonBody<MarkRead>,
) -> Result<web::Json<ReadMarker>, ApiError> {
    let conversation = path.into_inner();
    let seq = chat::mark_read(&state, auth.id(), conversation, body.seq).await?;
    Ok(web::Json(ReadMarker { conversation_id: conversation, user_id: auth.id(), seq }))
}

/// Full-text search over the caller's conversations, best match first.
#[utoipa::path(tag = "messages", path = "/api/v1/search", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody)))]
#[get("/search")]
pub async fn search_messages(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<SearchResults>, ApiError> {
    Ok(web::Json(chat::search(&state, auth.id(), &query.q).await?))
}
