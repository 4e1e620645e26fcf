//! `/api/v1/conversations/{id}/messages/{message_id}/readers`: who has read a message.

use actix_web::{get, web};
use protocol::conversations::MessageReaders;
use protocol::{ConversationId, ErrorBody, MessageId};

use crate::auth::AuthUser;
use crate::chat::readers as chat;
use crate::error::ApiError;
use crate::state::AppState;

/// The members who have read the message (from their read markers) and those who have not.
#[utoipa::path(tag = "messages", path = "/api/v1/conversations/{id}/messages/{message_id}/readers", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), ("message_id" = Uuid, Path, description = "Message id")),
    responses((status = 200, body = MessageReaders), (status = 404, body = ErrorBody)))]
#[get("/conversations/{id}/messages/{message_id}/readers")]
pub async fn list_readers(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(ConversationId, MessageId)>,
) -> Result<web::Json<MessageReaders>, ApiError> {
    let (conversation, message) = path.into_inner();
    Ok(web::Json(chat::readers(&state, auth.id(), conversation, message).await?))
}
