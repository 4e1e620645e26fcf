//! `/api/v1/admin/...`: user management, chat history and moderation, retention, stats and the
//! audit log. Every handler takes the `Admin` extractor (403 otherwise) and records what it
//! changed in the audit log.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use db::models::User;
use db::queries::admin::{self as queries, RoleChange, UserFilter};
use protocol::admin::{
    AdminConversation, AdminCreateUser, AdminResetPassword, AdminSetRole, AdminUpdateUser, AdminUser, AdminUserDetail,
    AuditEntry, ConversationExport, Retention, Stats,
};
use protocol::conversations::{ConversationKind, Member, Message, MessagePage};
use protocol::users::{Page, Role};
use protocol::ws::close;
use protocol::{ConversationId, ErrorBody, ErrorCode, UserId};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::admin::{Admin, retention};
use crate::auth::accounts;
use crate::error::{ApiError, is_unique_violation};
use crate::state::AppState;
use crate::validate;
use crate::ws::bus::BusMessage;

/// Largest page of users, conversations or audit entries.
const MAX_PAGE: u32 = 200;

fn admin_view(user: &User) -> AdminUser {
    AdminUser {
        id: UserId(user.id),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role(),
        disabled_at: user.disabled_at,
        deleted_at: user.deleted_at,
        last_seen_at: user.last_seen_at,
        created_at: user.created_at,
    }
}

fn time_cursor(cursor: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let bad = || ApiError::invalid("cursor: not a cursor from this API");
    let (micros, id) = cursor.split_once('_').ok_or_else(bad)?;
    let at = DateTime::from_timestamp_micros(micros.parse().map_err(|_| bad())?).ok_or_else(bad)?;
    Ok((at, id.parse().map_err(|_| bad())?))
}

fn make_time_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}_{id}", at.timestamp_micros())
}

async fn live_user(state: &AppState, id: Uuid) -> Result<User, ApiError> {
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
        _ => return Err(ApiError::invalid("status: one of all, active, disabled, admin, deleted")),
    };
    let limit = validate::page_size(query.limit, 50, MAX_PAGE);
    let prefix = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let mut conn = db::pool::checkout(&state.pool).await?;
    let rows = queries::users_page(&mut conn, filter, prefix, query.cursor.as_deref(), limit).await?;
    let next_cursor = (rows.len() as i64 == limit).then(|| rows.last().map(|u| u.username.to_lowercase())).flatten();
    Ok(web::Json(Page { items: rows.iter().map(admin_view).collect(), next_cursor }))
}

/// One user with their counts.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/users/{id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, body = AdminUserDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/admin/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<Uuid>,
) -> Result<web::Json<AdminUserDetail>, ApiError> {
    let id = path.into_inner();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let user = db::queries::users::by_id(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("user"))?;
    let (sessions, conversations, messages) = queries::user_counts(&mut conn, id).await?;
    drop(conn);
    let online = state.hub.is_online(id).await;
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
    body: web::Json<AdminCreateUser>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let account = accounts::prepare(&state.passwords, &body.username, &body.display_name, body.password).await?;
    let username = account.username.clone();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let mut user = accounts::insert(&mut conn, &account).await?;
    if body.role == Some(Role::Admin)
        && let RoleChange::Changed(promoted) = queries::set_role(&mut conn, user.id, true).await?
    {
        user = *promoted;
    }
    drop(conn);
    admin
        .audit(&state, "user.create", ("user", Some(user.id)), json!({"username": username, "role": user.role}))
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
    path: web::Path<Uuid>,
    body: web::Json<AdminUpdateUser>,
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
            return Err(ApiError::new(ErrorCode::UsernameTaken, "username: this username is taken"));
        }
        Err(e) => return Err(e.into()),
    };
    drop(conn);
    let detail = json!({"from": {"username": before.username, "display_name": before.display_name},
                        "to": {"username": user.username, "display_name": user.display_name}});
    admin.audit(&state, "user.update", ("user", Some(id)), detail).await?;
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
    path: web::Path<Uuid>,
    body: web::Json<AdminResetPassword>,
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
    state.bus.publish(BusMessage::CloseUser { user_id: id, except_session: None, code: close::SESSION_ENDED }).await;
    admin.audit(&state, "user.reset_password", ("user", Some(id)), json!({})).await?;
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
    path: web::Path<Uuid>,
) -> Result<web::Json<AdminUser>, ApiError> {
    let id = path.into_inner();
    if id == admin.id() {
        return Err(ApiError::new(ErrorCode::Unprocessable, "you cannot disable yourself"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let user = queries::set_disabled(&mut conn, id, true).await?.ok_or_else(|| ApiError::not_found("user"))?;
    drop(conn);
    state.bus.publish(BusMessage::CloseUser { user_id: id, except_session: None, code: close::ACCOUNT_DISABLED }).await;
    admin.audit(&state, "user.disable", ("user", Some(id)), json!({"username": user.username})).await?;
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
    path: web::Path<Uuid>,
) -> Result<web::Json<AdminUser>, ApiError> {
    let id = path.into_inner();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let user = queries::set_disabled(&mut conn, id, false).await?.ok_or_else(|| ApiError::not_found("user"))?;
    drop(conn);
    admin.audit(&state, "user.enable", ("user", Some(id)), json!({"username": user.username})).await?;
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
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if id == admin.id() {
        return Err(ApiError::new(ErrorCode::Unprocessable, "delete your own account from your settings"));
    }
    let user = live_user(&state, id).await?;
    if user.role() == Role::Admin {
        let mut conn = db::pool::checkout(&state.pool).await?;
        if let RoleChange::LastAdmin = queries::set_role(&mut conn, id, false).await? {
            return Err(ApiError::new(ErrorCode::Conflict, "this is the last administrator"));
        }
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    db::queries::users::soft_delete(&mut conn, id).await?;
    drop(conn);
    state.bus.publish(BusMessage::CloseUser { user_id: id, except_session: None, code: close::SESSION_ENDED }).await;
    admin.audit(&state, "user.delete", ("user", Some(id)), json!({"username": user.username})).await?;
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
    path: web::Path<Uuid>,
    body: web::Json<AdminSetRole>,
) -> Result<web::Json<AdminUser>, ApiError> {
    let id = path.into_inner();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let user = match queries::set_role(&mut conn, id, body.role == Role::Admin).await? {
        RoleChange::Changed(user) => user,
        RoleChange::NotFound => return Err(ApiError::not_found("user")),
        RoleChange::LastAdmin => {
            return Err(ApiError::new(ErrorCode::Conflict, "the last administrator cannot be demoted"));
        }
    };
    drop(conn);
    admin.audit(&state, "user.set_role", ("user", Some(id)), json!({"role": body.role})).await?;
    Ok(web::Json(admin_view(&user)))
}

/// Query of the admin conversation list and audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CursorQuery {
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

async fn overview_view(
    conn: &mut diesel_async::AsyncPgConnection,
    row: queries::ConversationOverview,
) -> Result<AdminConversation, ApiError> {
    let members = queries::some_members(conn, row.id, 20).await?;
    Ok(AdminConversation {
        id: ConversationId(row.id),
        kind: if row.kind == "dm" { ConversationKind::Dm } else { ConversationKind::Group },
        title: row.title,
        members: members.iter().map(User::to_public).collect(),
        member_count: row.member_count,
        message_count: row.message_count,
        last_activity_at: row.last_activity_at,
        created_at: row.created_at,
    })
}

/// Every conversation, newest activity first, with members and counts.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/conversations", security(("bearer" = [])), params(CursorQuery),
    responses((status = 200, body = Page<AdminConversation>), (status = 403, body = ErrorBody)))]
#[get("/admin/conversations")]
pub async fn list_conversations(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<CursorQuery>,
) -> Result<web::Json<Page<AdminConversation>>, ApiError> {
    let before = query.cursor.as_deref().map(time_cursor).transpose()?;
    let limit = validate::page_size(query.limit, 50, MAX_PAGE);
    let mut conn = db::pool::checkout(&state.pool).await?;
    let rows = queries::conversations_page(&mut conn, before, limit).await?;
    let full = rows.len() as i64 == limit;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(overview_view(&mut conn, row).await?);
    }
    let next_cursor = if full { items.last().map(|c| make_time_cursor(c.last_activity_at, c.id.0)) } else { None };
    Ok(web::Json(Page { items, next_cursor }))
}

/// Query of the admin history read.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HistoryQuery {
    /// Messages before this seq.
    before_seq: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// Any conversation's history, newest first, tombstones included.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/conversations/{id}/messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), HistoryQuery),
    responses((status = 200, body = MessagePage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/admin/conversations/{id}/messages")]
pub async fn conversation_history(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<Uuid>,
    query: web::Query<HistoryQuery>,
) -> Result<web::Json<MessagePage>, ApiError> {
    let id = path.into_inner();
    let limit = crate::chat::messages::page_size(query.limit);
    let mut conn = db::pool::checkout(&state.pool).await?;
    queries::conversation_overview(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
    let mut rows = db::queries::messages::history(&mut conn, id, query.before_seq, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let ids: Vec<Uuid> = rows.iter().map(|m| m.sender_id).collect();
    let users = db::queries::users::by_ids(&mut conn, &ids).await?;
    Ok(web::Json(MessagePage {
        next_before_seq: if more { rows.last().map(|m| m.seq) } else { None },
        items: rows.iter().map(|m| m.to_protocol()).collect(),
        users: users.values().map(User::to_public).collect(),
    }))
}

/// Removes a message as moderation: members see it deleted live ("removed by moderation").
#[utoipa::path(tag = "admin", path = "/api/v1/admin/conversations/{id}/messages/{message_id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), ("message_id" = Uuid, Path, description = "Message id")),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/admin/conversations/{id}/messages/{message_id}")]
pub async fn remove_message(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<Message>, ApiError> {
    let (conversation, message) = path.into_inner();
    let removed = crate::chat::messages::moderate(&state, admin.id(), conversation, message).await?;
    let detail = json!({"conversation_id": conversation, "sender_id": removed.sender_id});
    admin.audit(&state, "message.remove", ("message", Some(message)), detail).await?;
    Ok(web::Json(removed))
}

/// Downloads a conversation's whole history as JSON.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/conversations/{id}/export", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses((status = 200, body = ConversationExport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/admin/conversations/{id}/export")]
pub async fn export_conversation(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let row =
        queries::conversation_overview(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
    let conversation = overview_view(&mut conn, row).await?;
    let members = db::queries::conversations::members(&mut conn, id)
        .await?
        .into_iter()
        .map(|(m, u)| Member { user: u.to_public(), role: m.role(), joined_at: m.joined_at, read_seq: m.read_seq })
        .collect();
    let rows = queries::all_messages(&mut conn, id).await?;
    let ids: Vec<Uuid> = rows.iter().map(|m| m.sender_id).collect();
    let users = db::queries::users::by_ids(&mut conn, &ids).await?;
    drop(conn);
    let export = ConversationExport {
        conversation,
        members,
        users: users.values().map(User::to_public).collect(),
        messages: rows.iter().map(|m| m.to_protocol()).collect(),
        exported_at: Utc::now(),
    };
    admin
        .audit(&state, "conversation.export", ("conversation", Some(id)), json!({"messages": export.messages.len()}))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Disposition", format!("attachment; filename=\"conversation-{id}.json\"")))
        .json(export))
}

/// The retention policy.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/retention", security(("bearer" = [])),
    responses((status = 200, body = Retention), (status = 403, body = ErrorBody)))]
#[get("/admin/retention")]
pub async fn get_retention(state: web::Data<AppState>, _admin: Admin) -> Result<web::Json<Retention>, ApiError> {
    Ok(web::Json(retention::policy(&state).await?))
}

/// Sets the retention policy (`days: null` keeps messages forever) and sweeps at once.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/retention", security(("bearer" = [])), request_body = Retention,
    responses((status = 200, body = Retention), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[put("/admin/retention")]
pub async fn set_retention(
    state: web::Data<AppState>,
    admin: Admin,
    body: web::Json<Retention>,
) -> Result<web::Json<Retention>, ApiError> {
    if body.days.is_some_and(|d| d == 0 || d > 36_500) {
        return Err(ApiError::invalid("days: 1 to 36,500, or null to keep messages forever"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let value = serde_json::to_value(&*body).map_err(ApiError::internal)?;
    db::queries::admin::set_setting(&mut conn, retention::POLICY_KEY, value).await?;
    drop(conn);
    admin.audit(&state, "retention.set", ("settings", None), json!({"days": body.days})).await?;
    retention::sweep(&state).await?;
    Ok(web::Json(body.into_inner()))
}

/// Numbers for the operators' dashboard.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/stats", security(("bearer" = [])),
    responses((status = 200, body = Stats), (status = 403, body = ErrorBody)))]
#[get("/admin/stats")]
pub async fn get_stats(state: web::Data<AppState>, _admin: Admin) -> Result<web::Json<Stats>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let (users_total, conversations, messages_today, messages_total, database_bytes) =
        queries::totals(&mut conn).await?;
    drop(conn);
    let hub = state.hub.stats().await;
    let policy = retention::policy(&state).await?;
    let sweep = retention::stats(&state).await?;
    Ok(web::Json(Stats {
        users_total,
        users_online: hub.users as i64,
        conversations,
        messages_today,
        messages_total,
        websocket_connections: hub.connections as i64,
        database_bytes,
        retention_days: policy.days,
        retention_removed_total: sweep.removed_total,
        retention_last_run_at: sweep.last_run_at,
    }))
}

/// Query of `GET /admin/audit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only this admin's actions.
    actor: Option<Uuid>,
    /// Only actions starting with this (such as `user.` or `message.remove`).
    action: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// The audit log, newest first. It is append-only: there is no route to change it, and the
/// database refuses updates and deletes.
#[utoipa::path(tag = "admin", path = "/api/v1/admin/audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = ErrorBody)))]
#[get("/admin/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEntry>>, ApiError> {
    let before = query.cursor.as_deref().map(time_cursor).transpose()?;
    let limit = validate::page_size(query.limit, 50, MAX_PAGE);
    let action = query.action.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let mut conn = db::pool::checkout(&state.pool).await?;
    let rows = queries::audit_page(&mut conn, query.actor, action, before, limit).await?;
    let next_cursor =
        (rows.len() as i64 == limit).then(|| rows.last().map(|(r, _)| make_time_cursor(r.created_at, r.id))).flatten();
    let items = rows
        .into_iter()
        .map(|(row, actor)| AuditEntry {
            id: row.id,
            actor: actor.to_public(),
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            detail: row.detail,
            ip: row.ip,
            created_at: row.created_at,
        })
        .collect();
    Ok(web::Json(Page { items, next_cursor }))
}
