//! `/api/v1/admin/audit`: the append-only audit log, newest first.

use actix_web::{get, web};
use db::queries::admin::{self as queries};
use protocol::admin::AuditEntry;
use protocol::users::Page;
use protocol::{ErrorBody, UserId};
use serde::Deserialize;
use uuid::Uuid;

use crate::admin::Admin;
use crate::error::ApiError;
use crate::state::AppState;
use crate::validate;

use super::{MAX_PAGE, make_time_cursor, time_cursor};

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
    let rows = queries::audit_page(&mut conn, query.actor.map(UserId), action, before, limit).await?;
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
