//! Profiles: the caller's own (read, edit, change password, delete the account), other users'
//! public profiles, and user search. Blocked users are invisible both ways: 404, as if absent.

use actix_web::{HttpResponse, delete, get, patch, put, web};
use db::queries::{sessions as session_queries, social, users as user_queries};
use protocol::ErrorBody;
use protocol::ErrorCode;
use protocol::UserId;
use protocol::auth::{ChangePasswordRequest, DeleteAccountRequest};
use protocol::users::{Me, Page, PublicUser, SetPicture, UpdateProfileRequest};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::signout;
use crate::auth::{AuthUser, SessionUser};
use crate::error::ApiError;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;
use crate::validate;
use protocol::ws::close;

/// Longest accepted search text.
pub const MAX_QUERY_CHARS: usize = 64;
/// Longest `cursor` of `GET /users` (a lower-cased username), in characters.
pub const MAX_CURSOR_CHARS: usize = 64;
const DEFAULT_PAGE: u32 = 20;
const MAX_PAGE: u32 = 50;

/// The caller's profile.
#[utoipa::path(tag = "users", path = "/api/v1/users/me", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
#[get("/users/me")]
pub async fn get_me(auth: AuthUser) -> web::Json<Me> {
    web::Json(auth.user.to_me())
}

/// Edits the caller's display name, bio or avatar colour.
#[utoipa::path(tag = "users", path = "/api/v1/users/me", security(("bearer" = [])), request_body = UpdateProfileRequest,
    responses((status = 200, body = Me), (status = 400, description = "`invalid_input`", body = ErrorBody)))]
#[patch("/users/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: JsonBody<UpdateProfileRequest>,
) -> Result<web::Json<Me>, ApiError> {
    let display_name = body.display_name.as_deref().map(validate::display_name).transpose()?;
    let bio = body.bio.as_deref().map(validate::bio).transpose()?;
    let avatar_color = body.avatar_color.as_deref().map(validate::avatar_color).transpose()?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    let changes = user_queries::ProfileChanges {
        display_name: display_name.as_deref(),
        bio: bio.as_deref(),
        avatar_color: avatar_color.as_deref(),
    };
    let user = user_queries::update_profile(&mut conn, auth.id(), changes).await?;
    drop(conn);
    crate::social::profile_changed(&state, &user).await;
    Ok(web::Json(user.to_me()))
}

/// Makes one of the caller's picture uploads their profile photo (the previous one, no longer
/// used, is removed by the media janitor a day after its upload).
#[utoipa::path(tag = "users", path = "/api/v1/users/me/avatar", security(("bearer" = [])), request_body = SetPicture,
    responses((status = 200, body = Me),
        (status = 422, description = "`unprocessable` (field `media_id`): not a picture of the caller's, or attached to a message", body = ErrorBody)))]
#[put("/users/me/avatar")]
pub async fn set_avatar(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: JsonBody<SetPicture>,
) -> Result<web::Json<Me>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    db::queries::media::own_picture(&mut conn, body.media_id, auth.id())
        .await?
        .ok_or_else(|| ApiError::field(ErrorCode::Unprocessable, "media_id", "not a picture you uploaded"))?;
    let user = user_queries::set_avatar(&mut conn, auth.id(), Some(body.media_id)).await?;
    drop(conn);
    crate::social::profile_changed(&state, &user).await;
    Ok(web::Json(user.to_me()))
}

/// Removes the profile photo (initials show again).
#[utoipa::path(tag = "users", path = "/api/v1/users/me/avatar", security(("bearer" = [])),
    responses((status = 200, body = Me)))]
#[delete("/users/me/avatar")]
pub async fn remove_avatar(state: web::Data<AppState>, auth: AuthUser) -> Result<web::Json<Me>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let user = user_queries::set_avatar(&mut conn, auth.id(), None).await?;
    drop(conn);
    crate::social::profile_changed(&state, &user).await;
    Ok(web::Json(user.to_me()))
}

/// Changes the password; every other session is signed out.
#[utoipa::path(tag = "users", path = "/api/v1/users/me/password", security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses((status = 204, description = "Changed; other sessions revoked"),
        (status = 400, description = "`invalid_input`: the new password breaks a rule", body = ErrorBody),
        (status = 403, description = "`wrong_password` (field `current_password`): the current password is wrong; the session stays valid", body = ErrorBody)))]
#[put("/users/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    auth: SessionUser,
    body: JsonBody<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    validate::presented_password(&body.current_password)?;
    validate::new_password("new_password", &body.new_password)?;
    if !state.passwords.verify(body.current_password, Some(auth.user.password_hash.clone())).await? {
        return Err(ApiError::field(ErrorCode::WrongPassword, "current_password", "wrong password"));
    }
    let hash = state.passwords.hash(body.new_password).await?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    user_queries::set_password_hash(&mut conn, auth.id(), &hash).await?;
    session_queries::revoke_all_except(&mut conn, auth.id(), Some(auth.session_id)).await?;
    drop(conn);
    signout::user_sessions_ended(&state, auth.id(), Some(auth.session_id), close::SESSION_ENDED).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes the caller's account after confirming the password. Messages stay, shown as from
/// "Deleted user"; the username becomes free.
#[utoipa::path(tag = "users", path = "/api/v1/users/me", security(("bearer" = [])), request_body = DeleteAccountRequest,
    responses((status = 204, description = "Deleted"),
        (status = 403, description = "`wrong_password` (field `password`): the password is wrong; nothing is deleted and the session stays valid", body = ErrorBody)))]
#[delete("/users/me")]
pub async fn delete_me(
    state: web::Data<AppState>,
    auth: SessionUser,
    body: JsonBody<DeleteAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    validate::presented_password(&body.password)?;
    if !state.passwords.verify(body.password, Some(auth.user.password_hash.clone())).await? {
        return Err(ApiError::field(ErrorCode::WrongPassword, "password", "wrong password"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let deleted = user_queries::soft_delete(&mut conn, auth.id()).await?;
    state.media.janitor.wake();
    drop(conn);
    // The account and its bots.
    for account in deleted {
        signout::user_sessions_ended(&state, account, None, close::SESSION_ENDED).await;
    }
    tracing::info!(user = %auth.id(), "account deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Another user's public profile.
#[utoipa::path(tag = "users", path = "/api/v1/users/{id}", security(("bearer" = [])),
    params(("id" = UserId, Path, description = "User id")),
    responses((status = 200, body = PublicUser), (status = 404, description = "`not_found`: absent, deleted, or has blocked you", body = ErrorBody)))]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<UserId>,
) -> Result<web::Json<PublicUser>, ApiError> {
    let id = path.into_inner();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let user = user_queries::by_id(&mut conn, id).await?;
    match user {
        Some(user) if user.deleted_at.is_none() && !social::has_blocked(&mut conn, id, auth.id()).await? => {
            Ok(web::Json(user.to_public()))
        }
        _ => Err(ApiError::not_found("user")),
    }
}

/// Query of `GET /users`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Prefix of a username or display name (1–64 characters, any case).
    pub q: String,
    /// Page size (1–50, default 20).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Finds users by username or display-name prefix. Never lists deleted or disabled accounts,
/// the caller, or anyone blocked either way.
#[utoipa::path(tag = "users", path = "/api/v1/users", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = Page<PublicUser>), (status = 400, description = "`invalid_input`", body = ErrorBody)))]
#[get("/users")]
pub async fn search_users(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<Page<PublicUser>>, ApiError> {
    let q = query.q.trim();
    if q.is_empty() || q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::invalid_field("q", format!("1 to {MAX_QUERY_CHARS} characters")));
    }
    if query.cursor.as_ref().is_some_and(|c| c.chars().count() > MAX_CURSOR_CHARS) {
        return Err(ApiError::invalid_field("cursor", "not a cursor from this API"));
    }
    let limit = validate::page_size(query.limit, DEFAULT_PAGE, MAX_PAGE);
    let mut conn = db::pool::checkout(&state.pool).await?;
    let users = user_queries::search(&mut conn, auth.id(), q, query.cursor.as_deref(), limit).await?;
    let next_cursor = (users.len() as i64 == limit).then(|| users.last().map(|u| u.username.to_lowercase())).flatten();
    Ok(web::Json(Page { items: users.iter().map(db::models::User::to_public).collect(), next_cursor }))
}

/// Everything the caller owns, as a JSON download: profile, friends, conversations, every
/// message they sent, and their files (with a token to fetch them).
#[utoipa::path(tag = "users", path = "/api/v1/users/me/export", security(("bearer" = [])),
    responses((status = 200, body = protocol::admin::PersonalExport), (status = 401, body = ErrorBody)))]
#[get("/users/me/export")]
pub async fn export_me(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let friends = social::friends_of(&conn, auth.id(), None, i64::MAX)
        .await?
        .into_iter()
        .map(|(u, since)| protocol::social::Friend { user: u.to_public(), since })
        .collect();
    let rows = db::queries::summaries::summaries(&conn, auth.id(), None, i64::MAX).await?;
    let conversations = crate::chat::conversations::summaries_view(&mut conn, rows).await?;
    let mut messages: Vec<protocol::conversations::Message> =
        db::queries::admin::messages_by(&mut conn, auth.id()).await?.iter().map(|m| m.to_protocol()).collect();
    db::queries::media::fill(&mut conn, &mut messages).await?;
    let files =
        db::queries::media::of_uploader(&mut conn, auth.id()).await?.iter().map(|f| f.to_attachment()).collect();
    let export = protocol::admin::PersonalExport {
        profile: auth.user.to_me(),
        friends,
        conversations,
        messages,
        files,
        media_access: state.media.access.issue(auth.id(), chrono::Utc::now()),
        exported_at: chrono::Utc::now(),
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Disposition", "attachment; filename=\"confab-export.json\""))
        .json(export))
}
