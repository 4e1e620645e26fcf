//! `/api/v1/admin/bots`: every bot on the server with its owner, for operators (who disable or
//! delete a bot through the user routes, like any account).

use actix_web::{get, web};
use db::queries::bots as bot_queries;
use protocol::bots::Bot;
use protocol::users::Page;
use protocol::{ErrorBody, UserId};
use serde::Deserialize;
use uuid::Uuid;

use crate::admin::Admin;
use crate::error::ApiError;
use crate::routes::bots::bot_view;
use crate::state::AppState;
use crate::validate;

use super::MAX_PAGE;

/// Query of `GET /admin/bots`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BotsQuery {
    /// `next_cursor` of the previous page.
    cursor: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// Every live bot, with its owner, in a stable order.
#[utoipa::path(tag = "admin", operation_id = "admin_list_bots", path = "/api/v1/admin/bots", security(("bearer" = [])), params(BotsQuery),
    responses((status = 200, body = Page<Bot>), (status = 403, body = ErrorBody)))]
#[get("/admin/bots")]
pub async fn list_bots(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<BotsQuery>,
) -> Result<web::Json<Page<Bot>>, ApiError> {
    let limit = validate::page_size(query.limit, 50, MAX_PAGE);
    let mut conn = db::pool::checkout(&state.pool).await?;
    let rows = bot_queries::all(&mut conn, query.cursor.map(UserId), limit).await?;
    let next_cursor = (rows.len() as i64 == limit).then(|| rows.last().map(|(user, _)| user.id.to_string())).flatten();
    Ok(web::Json(Page { items: rows.iter().map(|(user, bot)| bot_view(user, bot)).collect(), next_cursor }))
}
