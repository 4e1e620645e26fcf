//! `/api/v1/conversations/{id}/messages/{message_id}/reactions/{emoji}`: the caller's reaction
//! with one emoji, added by `PUT` and taken back by `DELETE` (both idempotent).

use actix_web::{delete, put, web};
use protocol::conversations::Message;
use protocol::{ConversationId, ErrorBody, MessageId};

use crate::auth::AuthUser;
use crate::chat::reactions as chat;
use crate::error::ApiError;
use crate::state::AppState;

/// Reacts to a message with an emoji (again: nothing changes). Answers the message with its
/// reactions.
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/messages/{message_id}/reactions/{emoji}",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), ("message_id" = Uuid, Path, description = "Message id"),
        ("emoji" = String, Path, description = "One emoji, percent-encoded")),
    responses((status = 200, body = Message),
        (status = 404, body = ErrorBody),
        (status = 422, description = "`unprocessable`: not one emoji, deleted, or 20 different emoji already", body = ErrorBody)))]
#[put("/conversations/{id}/messages/{message_id}/reactions/{emoji}")]
pub async fn add_reaction(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(ConversationId, MessageId, String)>,
) -> Result<web::Json<Message>, ApiError> {
    state.user_limits.check(auth.id())?;
    let (conversation, message, emoji) = path.into_inner();
    Ok(web::Json(chat::react(&state, auth.id(), conversation, message, &emoji, true).await?))
}

/// Takes the caller's reaction back (none: nothing changes).
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/messages/{message_id}/reactions/{emoji}",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), ("message_id" = Uuid, Path, description = "Message id"),
        ("emoji" = String, Path, description = "One emoji, percent-encoded")),
    responses((status = 200, body = Message), (status = 404, body = ErrorBody),
        (status = 422, description = "`unprocessable`: not one emoji", body = ErrorBody)))]
#[delete("/conversations/{id}/messages/{message_id}/reactions/{emoji}")]
pub async fn remove_reaction(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(ConversationId, MessageId, String)>,
) -> Result<web::Json<Message>, ApiError> {
    state.user_limits.check(auth.id())?;
    let (conversation, message, emoji) = path.into_inner();
    Ok(web::Json(chat::react(&state, auth.id(), conversation, message, &emoji, false).await?))
}
