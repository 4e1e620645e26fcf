//! `/api/v1/admin/conversations`: every conversation with its members, any history, message
//! removal as moderation (through the writer, so members see it live), and JSON export.

use actix_web::{HttpResponse, delete, get, web};
use chrono::Utc;
use db::models::User;
use db::queries::admin::{self as queries};
use protocol::admin::{AdminConversation, ConversationExport};
use protocol::conversations::{Member, Message, MessagePage};
use protocol::users::Page;
use protocol::{ConversationId, ErrorBody, MessageId, UserId};
use serde::Deserialize;
use serde_json::json;

use crate::admin::Admin;
use crate::error::ApiError;
use crate::state::AppState;
use crate::validate;

use super::{CursorQuery, MAX_PAGE, make_time_cursor, time_cursor};

async fn overview_view(
    conn: &mut diesel_async::AsyncPgConnection,
    row: queries::ConversationOverview,
) -> Result<AdminConversation, ApiError> {
    let members = queries::some_members(conn, row.id, 20).await?;
    Ok(AdminConversation {
        id: row.id,
        kind: row.kind,
        title: row.title,
        members: members.iter().map(User::to_public).collect(),
        member_count: row.member_count,
        message_count: row.message_count,
        last_activity_at: row.last_activity_at,
        created_at: row.created_at,
    })
}

/// Every conversation, newest activity first, with members and counts.
#[utoipa::path(tag = "admin", operation_id = "admin_list_conversations", path = "/api/v1/admin/conversations", security(("bearer" = [])), params(CursorQuery),
    responses((status = 200, body = Page<AdminConversation>), (status = 403, body = ErrorBody)))]
#[get("/admin/conversations")]
pub async fn list_conversations(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<CursorQuery>,
) -> Result<web::Json<Page<AdminConversation>>, ApiError> {
    let before = query.cursor.as_deref().map(time_cursor).transpose()?.map(|(at, id)| (at, ConversationId(id)));
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
    path: web::Path<ConversationId>,
    query: web::Query<HistoryQuery>,
) -> Result<web::Json<MessagePage>, ApiError> {
    let id = path.into_inner();
    let mut conn = db::pool::checkout(&state.pool).await?;
    queries::conversation_overview(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
    Ok(web::Json(crate::chat::messages::history_page(&mut conn, id, query.before_seq, query.limit).await?))
}

/// Removes a message as moderation: members see it deleted live ("removed by moderation").
#[utoipa::path(tag = "admin", path = "/api/v1/admin/conversations/{id}/messages/{message_id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Conversation id"), ("message_id" = Uuid, Path, description = "Message id")),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/admin/conversations/{id}/messages/{message_id}")]
pub async fn remove_message(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<(ConversationId, MessageId)>,
) -> Result<web::Json<Message>, ApiError> {
    let (conversation, message) = path.into_inner();
    let removed = crate::chat::messages::moderate(&state, admin.id(), conversation, message).await?;
    let detail = json!({"conversation_id": conversation, "sender_id": removed.sender_id});
    admin.audit(&state, "message.remove", ("message", Some(message.0)), detail).await?;
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
    path: web::Path<ConversationId>,
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
    let ids: Vec<UserId> = rows.iter().map(|m| m.sender_id).collect();
    let users = db::queries::users::by_ids(&conn, &ids).await?;
    drop(conn);
    let export = ConversationExport {
        conversation,
        members,
        users: users.values().map(User::to_public).collect(),
        messages: rows.iter().map(|m| m.to_protocol()).collect(),
        exported_at: Utc::now(),
    };
    admin
        .audit(&state, "conversation.export", ("conversation", Some(id.0)), json!({"messages": export.messages.len()}))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Disposition", format!("attachment; filename=\"conversation-{id}.json\"")))
        .json(export))
}
