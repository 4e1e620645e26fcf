//! `/api/v1/conversations/{id}/pins`: the pinned messages, and pinning (`PUT`) or unpinning
//! (`DELETE`) one, both idempotent.

use actix_web::{delete, get, put, web};
use protocol::conversations::{Message, PinnedMessages};
use protocol::{ConversationId, ErrorBody, MessageId};

use crate::auth::AuthUser;
use crate::chat::pins as chat;
use crate::error::ApiError;
use crate::state::AppState;

/// The pinned messages, most recently pinned first.
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/pins", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses((status = 200, body = PinnedMessages), (status = 404, body = ErrorBody)))]
#[get("/conversations/{id}/pins")]
pub async fn list_pins(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
) -> Result<web::Json<PinnedMessages>, ApiError> {
    Ok(web::Json(chat::pinned(&state, auth.id(), path.into_inner()).await?))
}

/// Pins a message (a group's owners and admins; either member of a DM; at most 50).
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/pins/{message_id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), ("message_id" = Uuid, Path, description = "Message id")),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "`unprocessable`: deleted, or 50 pins already", body = ErrorBody)))]
#[put("/conversations/{id}/pins/{message_id}")]
pub async fn pin_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(ConversationId, MessageId)>,
) -> Result<web::Json<Message>, ApiError> {
    state.user_limits.check(auth.id())?;
    let (conversation, message) = path.into_inner();
    Ok(web::Json(chat::pin(&state, auth.id(), conversation, message, true).await?))
}

/// Unpins a message.
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/pins/{message_id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), ("message_id" = Uuid, Path, description = "Message id")),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/conversations/{id}/pins/{message_id}")]
pub async fn unpin_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(ConversationId, MessageId)>,
) -> Result<web::Json<Message>, ApiError> {
    state.user_limits.check(auth.id())?;
    let (conversation, message) = path.into_inner();
    Ok(web::Json(chat::pin(&state, auth.id(), conversation, message, false).await?))
}
