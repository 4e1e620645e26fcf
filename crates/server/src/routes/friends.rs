//! The caller's friends: list them, unfriend one.

use actix_web::{HttpResponse, delete, get, web};
use db::queries::social;
use protocol::social::Friend;
use protocol::users::Page;
use protocol::{ErrorBody, UserId};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::validate;

const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 200;

/// Query of `GET /friends`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FriendsQuery {
    /// Page size (1–200, default 100).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
}

/// The caller's friends, with their profiles.
#[utoipa::path(tag = "friends", path = "/api/v1/friends", security(("bearer" = [])), params(FriendsQuery),
    responses((status = 200, body = Page<Friend>), (status = 401, body = ErrorBody)))]
#[get("/friends")]
pub async fn list_friends(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<FriendsQuery>,
) -> Result<web::Json<Page<Friend>>, ApiError> {
    let limit = validate::page_size(query.limit, DEFAULT_PAGE, MAX_PAGE);
    let conn = db::pool::checkout(&state.pool).await?;
    let rows = social::friends_of(&conn, auth.id(), query.cursor.map(UserId), limit).await?;
    // Pages follow the cursor's order (friend id); sorting for display is the client's job.
    let next_cursor =
        (rows.len() as i64 == limit).then(|| rows.last().map(|(friend, _)| friend.id.to_string())).flatten();
    let items = rows.into_iter().map(|(friend, since)| Friend { user: friend.to_public(), since }).collect();
    Ok(web::Json(Page { items, next_cursor }))
}

/// Ends a friendship.
#[utoipa::path(tag = "friends", path = "/api/v1/friends/{user_id}", security(("bearer" = [])),
    params(("user_id" = UserId, Path, description = "The friend")),
    responses((status = 204, description = "No longer friends"), (status = 404, description = "`not_found`: not a friend", body = ErrorBody)))]
#[delete("/friends/{user_id}")]
pub async fn remove_friend(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let other = path.into_inner();
    if !social::unfriend(&mut conn, auth.id(), other).await? {
        return Err(ApiError::not_found("friend"));
    }
    drop(conn);
    crate::social::friendship_ended(&state, auth.id(), other).await;
    Ok(HttpResponse::NoContent().finish())
}
