//! Conversations: the caller's list, opening DMs and creating groups, one conversation's
//! detail, renaming, members and roles, leaving. Non-members get 404 everywhere.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use protocol::conversations::{
    AddMembers, ConversationDetail, ConversationSummary, CreateConversation, Member, SetRole, UpdateConversation,
};
use protocol::users::{Page, SetPicture};
use protocol::{ConversationId, ErrorBody, UserId};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::chat::conversations as chat;
use crate::error::ApiError;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;

/// Query of `GET /conversations`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// The caller's conversations, newest activity first.
#[utoipa::path(tag = "conversations", path = "/api/v1/conversations", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Page<ConversationSummary>), (status = 401, body = ErrorBody)))]
#[get("/conversations")]
pub async fn list_conversations(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Page<ConversationSummary>>, ApiError> {
    let after =
        query.cursor.as_deref().map(super::time_cursor::parse).transpose()?.map(|(at, id)| (at, ConversationId(id)));
    let limit = crate::chat::messages::page_size(query.limit);
    let mut conn = db::pool::checkout(&state.pool).await?;
    let rows = db::queries::summaries::summaries(&conn, auth.id(), after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let mut items = chat::summaries_view(&mut conn, rows).await?;
    items.truncate(limit as usize);
    let next_cursor =
        if more { items.last().map(|c| super::time_cursor::make(c.last_activity_at, c.id.0)) } else { None };
    Ok(web::Json(Page { items, next_cursor }))
}

/// Opens a DM with a friend (returning the existing one: 200) or creates a group (201).
#[utoipa::path(tag = "conversations", path = "/api/v1/conversations", security(("bearer" = [])),
    request_body = CreateConversation,
    responses(
        (status = 201, description = "Created", body = ConversationSummary),
        (status = 200, description = "The DM already existed", body = ConversationSummary),
        (status = 400, description = "`invalid_input`: title or member list", body = ErrorBody),
        (status = 403, description = "`forbidden`: a DM with someone who is not your friend", body = ErrorBody),
        (status = 422, description = "`unprocessable`: members who are not your friends, or yourself", body = ErrorBody),
    ))]
#[post("/conversations")]
pub async fn create_conversation(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: JsonBody<CreateConversation>,
) -> Result<HttpResponse, ApiError> {
    match body.into_inner() {
        CreateConversation::Dm { user_id } => {
            let (summary, created) = chat::open_dm(&state, auth.id(), user_id).await?;
            let mut response = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
            Ok(response.json(summary))
        }
        CreateConversation::Group { title, member_ids } => {
            let summary = chat::create_group(&state, auth.id(), &title, &member_ids).await?;
            Ok(HttpResponse::Created().json(summary))
        }
    }
}

/// One conversation with its members.
#[utoipa::path(tag = "conversations", path = "/api/v1/conversations/{id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses((status = 200, body = ConversationDetail), (status = 404, description = "`not_found`: absent or not a member", body = ErrorBody)))]
#[get("/conversations/{id}")]
pub async fn get_conversation(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
) -> Result<web::Json<ConversationDetail>, ApiError> {
    Ok(web::Json(chat::detail(&state, auth.id(), path.into_inner()).await?))
}

/// Renames a group and/or changes its description (owners and admins).
#[utoipa::path(tag = "conversations", path = "/api/v1/conversations/{id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id")), request_body = UpdateConversation,
    responses((status = 200, body = ConversationSummary), (status = 403, description = "`forbidden`: not an owner or admin", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "`unprocessable`: a DM", body = ErrorBody)))]
#[patch("/conversations/{id}")]
pub async fn update_conversation(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
    body: JsonBody<UpdateConversation>,
) -> Result<web::Json<ConversationSummary>, ApiError> {
    Ok(web::Json(chat::update(&state, auth.id(), path.into_inner(), body.into_inner()).await?))
}

/// Sets the group's photo to one of the caller's picture uploads (owners and admins).
#[utoipa::path(tag = "conversations", path = "/api/v1/conversations/{id}/photo", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id")), request_body = SetPicture,
    responses((status = 200, body = ConversationSummary), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "`unprocessable`: a DM, or not a picture of the caller's", body = ErrorBody)))]
#[put("/conversations/{id}/photo")]
pub async fn set_photo(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
    body: JsonBody<SetPicture>,
) -> Result<web::Json<ConversationSummary>, ApiError> {
    Ok(web::Json(chat::set_photo(&state, auth.id(), path.into_inner(), Some(body.media_id)).await?))
}

/// Removes the group's photo (owners and admins).
#[utoipa::path(tag = "conversations", path = "/api/v1/conversations/{id}/photo", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses((status = 200, body = ConversationSummary), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/conversations/{id}/photo")]
pub async fn remove_photo(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
) -> Result<web::Json<ConversationSummary>, ApiError> {
    Ok(web::Json(chat::set_photo(&state, auth.id(), path.into_inner(), None).await?))
}

/// Adds friends of the caller to a group (owners and admins).
#[utoipa::path(tag = "conversations", path = "/api/v1/conversations/{id}/members", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id")), request_body = AddMembers,
    responses((status = 200, body = ConversationDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "`unprocessable`: not your friends, a DM, or over 1,000 members", body = ErrorBody)))]
#[post("/conversations/{id}/members")]
pub async fn add_members(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
    body: JsonBody<AddMembers>,
) -> Result<web::Json<ConversationDetail>, ApiError> {
    Ok(web::Json(chat::add_members(&state, auth.id(), path.into_inner(), &body.user_ids).await?))
}

/// Removes a member (owners remove admins and members; admins remove members).
#[utoipa::path(tag = "conversations", path = "/api/v1/conversations/{id}/members/{user_id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), ("user_id" = Uuid, Path, description = "Member")),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/conversations/{id}/members/{user_id}")]
pub async fn remove_member(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(ConversationId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (conversation, target) = path.into_inner();
    chat::remove_member(&state, auth.id(), conversation, target).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Makes a member an admin, or an admin a member (owners and admins).
#[utoipa::path(tag = "conversations", path = "/api/v1/conversations/{id}/members/{user_id}/role", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), ("user_id" = Uuid, Path, description = "Member")),
    request_body = SetRole,
    responses((status = 200, body = Member), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/conversations/{id}/members/{user_id}/role")]
pub async fn set_role(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(ConversationId, UserId)>,
    body: JsonBody<SetRole>,
) -> Result<web::Json<Member>, ApiError> {
    let (conversation, target) = path.into_inner();
    Ok(web::Json(chat::set_role(&state, auth.id(), conversation, target, body.role).await?))
}

/// Leaves a group; the last owner leaving hands ownership on.
#[utoipa::path(tag = "conversations", path = "/api/v1/conversations/{id}/leave", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses((status = 204, description = "Left"), (status = 404, body = ErrorBody), (status = 422, description = "`unprocessable`: a DM", body = ErrorBody)))]
#[post("/conversations/{id}/leave")]
pub async fn leave_conversation(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
) -> Result<HttpResponse, ApiError> {
    chat::remove_member(&state, auth.id(), path.into_inner(), auth.id()).await?;
    Ok(HttpResponse::NoContent().finish())
}
