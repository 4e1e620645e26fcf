//! `/api/v1/conversations/{id}/settings`: the caller's own settings of a conversation (muted,
//! archived), synced live to their other devices.

use actix_web::{put, web};
use protocol::conversations::{ConversationSettings, UpdateConversationSettings};
use protocol::{ConversationId, ErrorBody};

use crate::auth::AuthUser;
use crate::chat::settings as chat;
use crate::error::ApiError;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;

/// Mutes until a time (or unmutes with `null`), and archives or brings back the conversation.
#[utoipa::path(tag = "conversations", path = "/api/v1/conversations/{id}/settings", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id")), request_body = UpdateConversationSettings,
    responses((status = 200, body = ConversationSettings),
        (status = 422, description = "`unprocessable`: `muted_until` in the past", body = ErrorBody),
        (status = 404, body = ErrorBody)))]
#[put("/conversations/{id}/settings")]
pub async fn update_settings(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
    body: JsonBody<UpdateConversationSettings>,
) -> Result<web::Json<ConversationSettings>, ApiError> {
    Ok(web::Json(chat::update(&state, auth.id(), path.into_inner(), body.into_inner()).await?))
}
