//! `/api/v1/admin/users`: list, search, create, rename, reset passwords, disable, enable,
//! delete and promote accounts; every change is audited and ends the user's live sessions
//! where it should.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use db::models::User;
use db::queries::admin::{self as queries, RoleChange, UserFilter};
use protocol::admin::{AdminCreateUser, AdminResetPassword, AdminSetRole, AdminUpdateUser, AdminUser, AdminUserDetail};
use protocol::users::{Page, Role};
use protocol::ws::close;
use protocol::{ErrorBody, ErrorCode, UserId};
use serde::Deserialize;
use serde_json::json;

use crate::admin::Admin;
use crate::auth::accounts;
use crate::auth::signout;
use crate::error::{ApiError, is_unique_violation};
use crate::routes::json_body::JsonBody;
use crate::state::AppState;
use crate::validate;

use super::{MAX_PAGE, admin_view};

async fn live_user(state: &AppState, id: UserId) -> Result<User, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    db::queries::users::by_id(&mut conn, id)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(|| ApiError::not_found("user"))
}

/// Query of `GET /admin/users`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UsersQuery {
    /// Username or display-name prefix.
    q: Option<String>,
    /// `all` (default), `active`, `disabled`, `admin` or `deleted`.
    status: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// The values of `status` in `GET /admin/users` (the OpenAPI document lists them from here).
pub const USER_STATUS_FILTERS: [&str; 5] = ["all", "active", "disabled", "admin", "deleted"];

/// Lists users with a search and a status filter.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/users", security(("bearer" = [])), params(UsersQuery),
    responses((status = 200, body = Page<AdminUser>), (status = 403, description = "`forbidden`: not an admin", body = ErrorBody)))]
#[get("/admin/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<UsersQuery>,
) -> Result<web::Json<Page<AdminUser>>, ApiError> {
    let filter = match query.status.as_deref().unwrap_or("all") {
        "all" => UserFilter::All,
        "active" => UserFilter::Active,
        "disabled" => UserFilter::Disabled,
        "admin" => UserFilter::Admins,
        "deleted" => UserFilter::Deleted,
        _ => return Err(ApiError::invalid_field("status", format!("one of {}", USER_STATUS_FILTERS.join(", ")))),
    };
    let limit = validate::page_size(query.limit, 50, MAX_PAGE);
    let prefix = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let mut conn = db::pool::checkout(&state.pool).await?;
    let rows = queries::users_page(&mut conn, filter, prefix, query.cursor.as_deref(), limit).await?;
    let next_cursor = (rows.len() as i64 == limit).then(|| rows.last().map(|u| u.username.to_lowercase())).flatten();
    Ok(web::Json(Page { items: rows.iter().map(admin_view).collect(), next_cursor }))
}

/// One user with their counts.
#[utoipa::path(tag = "admin", operation_id = "admin_get_user", path = "/api/v1/admin/users/{id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, body = AdminUserDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/admin/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<UserId>,
) -> Result<web::Json<AdminUserDetail>, ApiError> {
    let id = path.into_inner();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let user = db::queries::users::by_id(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("user"))?;
    let (sessions, conversations, messages) = queries::user_counts(&mut conn, id).await?;
    drop(conn);
    let online = state.presence.is_online(id).await;
    Ok(web::Json(AdminUserDetail {
        user: admin_view(&user),
        bio: user.bio.clone(),
        sessions,
        conversations,
        messages,
        online,
    }))
}

/// Creates an account (for example for someone who cannot sign up themselves).
#[utoipa::path(tag = "admin", path = "/api/v1/admin/users", security(("bearer" = [])), request_body = AdminCreateUser,
    responses((status = 201, body = AdminUser), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "`username_taken`", body = ErrorBody)))]
#[post("/admin/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    admin: Admin,
    body: JsonBody<AdminCreateUser>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let account = accounts::prepare(&state.passwords, &body.username, &body.display_name, body.password).await?;
    let username = account.username.clone();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let mut user = accounts::insert(&mut conn, &account).await?;
    if body.role == Some(Role::Admin)
        && let RoleChange::Changed(promoted) = queries::set_role(&mut conn, user.id, Role::Admin).await?
    {
        user = *promoted;
    }
    drop(conn);
    admin
        .audit(&state, "user.create", ("user", Some(user.id.0)), json!({"username": username, "role": user.role}))
        .await?;
    Ok(HttpResponse::Created().json(admin_view(&user)))
}

/// Changes a user's username or display name.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/users/{id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")), request_body = AdminUpdateUser,
    responses((status = 200, body = AdminUser), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[patch("/admin/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<UserId>,
    body: JsonBody<AdminUpdateUser>,
) -> Result<web::Json<AdminUser>, ApiError> {
    let id = path.into_inner();
    let username = body.username.as_deref().map(validate::username).transpose()?;
    let display_name = body.display_name.as_deref().map(validate::display_name).transpose()?;
    let before = live_user(&state, id).await?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    let user = match queries::rename_user(&mut conn, id, username.as_deref(), display_name.as_deref()).await {
        Ok(Some(user)) => user,
        Ok(None) => return Err(ApiError::not_found("user")),
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::field(ErrorCode::UsernameTaken, "username", "this username is taken"));
        }
        Err(e) => return Err(e.into()),
    };
    drop(conn);
    let detail = json!({"from": {"username": before.username, "display_name": before.display_name},
                        "to": {"username": user.username, "display_name": user.display_name}});
    admin.audit(&state, "user.update", ("user", Some(id.0)), detail).await?;
    Ok(web::Json(admin_view(&user)))
}

/// Sets a new password and signs the user out everywhere.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/users/{id}/password", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")), request_body = AdminResetPassword,
    responses((status = 204, description = "Reset; every session ended"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[post("/admin/users/{id}/password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<UserId>,
    body: JsonBody<AdminResetPassword>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let body = body.into_inner();
    validate::new_password("password", &body.password)?;
    live_user(&state, id).await?;
    let hash = state.passwords.hash(body.password).await?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    db::queries::users::set_password_hash(&mut conn, id, &hash).await?;
    db::queries::sessions::revoke_all_except(&mut conn, id, None).await?;
    drop(conn);
    signout::user_sessions_ended(&state, id, None, close::SESSION_ENDED).await;
    admin.audit(&state, "user.reset_password", ("user", Some(id.0)), json!({})).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Disables an account: its sockets close at once (4003) and it can neither sign in nor refresh.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/users/{id}/disable", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, body = AdminUser), (status = 404, body = ErrorBody), (status = 409, description = "`conflict`: the last admin", body = ErrorBody),
        (status = 422, description = "`unprocessable`: yourself", body = ErrorBody)))]
#[post("/admin/users/{id}/disable")]
pub async fn disable_user(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<UserId>,
) -> Result<web::Json<AdminUser>, ApiError> {
    let id = path.into_inner();
    if id == admin.id() {
        return Err(ApiError::new(ErrorCode::Unprocessable, "you cannot disable yourself"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let user = queries::set_disabled(&mut conn, id, true).await?.ok_or_else(|| ApiError::not_found("user"))?;
    drop(conn);
    signout::user_sessions_ended(&state, id, None, close::ACCOUNT_DISABLED).await;
    admin.audit(&state, "user.disable", ("user", Some(id.0)), json!({"username": user.username})).await?;
    Ok(web::Json(admin_view(&user)))
}

/// Enables a disabled account.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/users/{id}/enable", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, body = AdminUser), (status = 404, body = ErrorBody)))]
#[post("/admin/users/{id}/enable")]
pub async fn enable_user(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<UserId>,
) -> Result<web::Json<AdminUser>, ApiError> {
    let id = path.into_inner();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let user = queries::set_disabled(&mut conn, id, false).await?.ok_or_else(|| ApiError::not_found("user"))?;
    drop(conn);
    admin.audit(&state, "user.enable", ("user", Some(id.0)), json!({"username": user.username})).await?;
    Ok(web::Json(admin_view(&user)))
}

/// Deletes an account; its messages stay, shown as from "Deleted user".
#[utoipa::path(tag = "admin", path = "/api/v1/admin/users/{id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody), (status = 422, description = "`unprocessable`: yourself", body = ErrorBody)))]
#[delete("/admin/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if id == admin.id() {
        return Err(ApiError::new(ErrorCode::Unprocessable, "delete your own account from your settings"));
    }
    let user = live_user(&state, id).await?;
    if user.role() == Role::Admin {
        let mut conn = db::pool::checkout(&state.pool).await?;
        if let RoleChange::LastAdmin = queries::set_role(&mut conn, id, Role::User).await? {
            return Err(ApiError::new(ErrorCode::Conflict, "this is the last administrator"));
        }
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let deleted = db::queries::users::soft_delete(&mut conn, id).await?;
    state.media.janitor.wake();
    drop(conn);
    for account in deleted {
        signout::user_sessions_ended(&state, account, None, close::SESSION_ENDED).await;
    }
    admin.audit(&state, "user.delete", ("user", Some(id.0)), json!({"username": user.username})).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Makes a user an admin or a plain user (never demoting the last admin).
#[utoipa::path(tag = "admin", path = "/api/v1/admin/users/{id}/role", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")), request_body = AdminSetRole,
    responses((status = 200, body = AdminUser), (status = 404, body = ErrorBody), (status = 409, description = "`conflict`: the last admin", body = ErrorBody)))]
#[put("/admin/users/{id}/role")]
pub async fn set_user_role(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<UserId>,
    body: JsonBody<AdminSetRole>,
) -> Result<web::Json<AdminUser>, ApiError> {
    let id = path.into_inner();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let user = match queries::set_role(&mut conn, id, body.role).await? {
        RoleChange::Changed(user) => user,
        RoleChange::NotFound => return Err(ApiError::not_found("user")),
        RoleChange::LastAdmin => {
            return Err(ApiError::new(ErrorCode::Conflict, "the last administrator cannot be demoted"));
        }
    };
    drop(conn);
    admin.audit(&state, "user.set_role", ("user", Some(id.0)), json!({"role": body.role})).await?;
    Ok(web::Json(admin_view(&user)))
}
