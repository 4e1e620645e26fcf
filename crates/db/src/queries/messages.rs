//! Messages and the event log: idempotent sends, edits, tombstoning deletes, read markers,
//! history pages, the `events?after_seq=` catch-up read, and full-text search.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::conversations::{Event, EventKind, Message};
use protocol::{ConversationId, MessageId, UserId};
use uuid::Uuid;

use crate::queries::conversations::{Refusal, append_event, membership, next_seq};
use crate::schema::{conversations, events, messages};

/// A row of `messages` (without its search vector).
#[derive(Clone, Debug, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub struct MessageRow {
    /// Id.
    pub id: Uuid,
    /// Conversation.
    pub conversation_id: Uuid,
    /// Its creating event's seq.
    pub seq: i64,
    /// Author.
    pub sender_id: Uuid,
    /// Idempotency key.
    pub client_msg_id: Uuid,
    /// Text ('' once deleted).
    pub body: String,
    /// Answered message.
    pub reply_to: Option<Uuid>,
    /// Stored at.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub edited_at: Option<DateTime<Utc>>,
    /// Deletion.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Who deleted it.
    pub deleted_by: Option<Uuid>,
}

impl MessageRow {
    /// The protocol view.
    pub fn to_protocol(&self) -> Message {
        Message {
            id: MessageId(self.id),
            conversation_id: ConversationId(self.conversation_id),
            seq: self.seq,
            sender_id: UserId(self.sender_id),
            client_msg_id: self.client_msg_id,
            body: self.body.clone(),
            reply_to: self.reply_to.map(MessageId),
            created_at: self.created_at,
            edited_at: self.edited_at,
            deleted_at: self.deleted_at,
            moderated: self.deleted_by.is_some_and(|by| by != self.sender_id),
        }
    }
}

/// A change to one message and the event recording it.
#[derive(Debug)]
pub struct MessageChange {
    /// The message after the change.
    pub message: MessageRow,
    /// The event, when one was appended (deleting a deleted message appends none).
    pub event: Option<Event>,
}

async fn lock_message(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    message: Uuid,
) -> Result<(i64, MessageRow), Refusal> {
    let row = next_seq(conn, conversation).await?.ok_or(Refusal::NotFound("conversation"))?;
    let message = messages::table
        .filter(messages::id.eq(message).and(messages::conversation_id.eq(conversation)))
        .select(MessageRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(Refusal::NotFound("message"))?;
    Ok((row.last_seq, message))
}

/// Replaces the text of the editor's own message and marks it edited.
pub async fn edit(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    editor: Uuid,
    message: Uuid,
    body: &str,
) -> Result<MessageChange, Refusal> {
    conn.transaction(async |conn| {
        let (seq, found) = lock_message(conn, conversation, message).await?;
        membership(conn, conversation, editor).await?.ok_or(Refusal::NotFound("conversation"))?;
        if found.sender_id != editor {
            return Err(Refusal::Forbidden("only its author can edit a message"));
        }
        if found.deleted_at.is_some() {
            return Err(Refusal::Unprocessable("this message was deleted".into()));
        }
        let message: MessageRow = diesel::update(messages::table.find(message))
            .set((messages::body.eq(body), messages::edited_at.eq(diesel::dsl::now)))
            .returning(MessageRow::as_returning())
            .get_result(conn)
            .await?;
        let kind = EventKind::MessageEdited { message: message.to_protocol() };
        let at = append_event(conn, conversation, seq, &kind).await?;
        let event = Event { conversation_id: ConversationId(conversation), seq, at, kind };
        Ok(MessageChange { message, event: Some(event) })
    })
    .await
}

/// Deletes a message, leaving a tombstone. Authors delete their own; group owners and admins
/// delete any (`moderated`). `as_moderator` lets operators delete anywhere without membership.
pub async fn delete(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    actor: Uuid,
    message: Uuid,
    as_moderator: bool,
) -> Result<MessageChange, Refusal> {
    let outcome = conn
        .transaction(async |conn| {
            let (seq, found) = lock_message(conn, conversation, message).await?;
            if !as_moderator {
                let me = membership(conn, conversation, actor).await?.ok_or(Refusal::NotFound("conversation"))?;
                let kind: String =
                    conversations::table.find(conversation).select(conversations::kind).first(conn).await?;
                let allowed = found.sender_id == actor || (kind == "group" && me.role().can_manage());
                if !allowed {
                    return Err(Refusal::Forbidden("you can only delete your own messages"));
                }
            }
            if found.deleted_at.is_some() {
                // Nothing changes: roll back the seq taken above.
                return Err(Refusal::Conflict("already deleted"));
            }
            let message: MessageRow = diesel::update(messages::table.find(message))
                .set((messages::body.eq(""), messages::deleted_at.eq(diesel::dsl::now), messages::deleted_by.eq(actor)))
                .returning(MessageRow::as_returning())
                .get_result(conn)
                .await?;
            let kind = EventKind::MessageDeleted {
                message_id: MessageId(message.id),
                by: UserId(actor),
                moderated: message.sender_id != actor,
            };
            let at = append_event(conn, conversation, seq, &kind).await?;
            let event = Event { conversation_id: ConversationId(conversation), seq, at, kind };
            Ok(MessageChange { message, event: Some(event) })
        })
        .await;
    match outcome {
        Err(Refusal::Conflict("already deleted")) => {
            let message = messages::table.find(message).select(MessageRow::as_select()).first(conn).await?;
            Ok(MessageChange { message, event: None })
        }
        other => other,
    }
}

/// Moves the reader's marker forward to `seq` (clamped to the conversation's last seq; it
/// never moves back). Returns the marker now stored, or `None` if not a member.
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    reader: Uuid,
    seq: i64,
) -> QueryResult<Option<i64>> {
    diesel::sql_query(
        "UPDATE conversation_members m SET read_seq = GREATEST(m.read_seq, LEAST($3, c.last_seq))
         FROM conversations c WHERE c.id = m.conversation_id AND m.conversation_id = $1 AND m.user_id = $2
         RETURNING m.read_seq",
    )
    .bind::<SqlUuid, _>(conversation)
    .bind::<SqlUuid, _>(reader)
    .bind::<BigInt, _>(seq)
    .get_result::<ReadSeq>(conn)
    .await
    .optional()
    .map(|r| r.map(|r| r.read_seq))
}

#[derive(QueryableByName)]
struct ReadSeq {
    #[diesel(sql_type = BigInt)]
    read_seq: i64,
}

/// A page of history, newest first, before `before_seq` when given; one extra row tells
/// whether more exist.
pub async fn history(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<MessageRow>> {
    let mut query = messages::table
        .filter(messages::conversation_id.eq(conversation))
        .order(messages::seq.desc())
        .limit(limit)
        .select(MessageRow::as_select())
        .into_boxed();
    if let Some(before) = before_seq {
        query = query.filter(messages::seq.lt(before));
    }
    query.load(conn).await
}

/// Messages by id (for previews).
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<HashMap<Uuid, MessageRow>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<MessageRow> =
        messages::table.filter(messages::id.eq_any(ids)).select(MessageRow::as_select()).load(conn).await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

/// Events after `after_seq`, oldest first, at most `limit`; message events carry the message
/// as it is now. An event whose message no longer exists (removed by retention) reads as a
/// deletion of it.
pub async fn events_after(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    after_seq: i64,
    limit: i64,
) -> QueryResult<Vec<Event>> {
    type Row = (i64, String, Option<Uuid>, serde_json::Value, DateTime<Utc>, Option<MessageRow>);
    let rows: Vec<Row> = events::table
        .left_join(messages::table.on(messages::id.nullable().eq(events::message_id)))
        .filter(events::conversation_id.eq(conversation).and(events::seq.gt(after_seq)))
        .order(events::seq)
        .limit(limit)
        .select((
            events::seq,
            events::kind,
            events::message_id,
            events::payload,
            events::created_at,
            Option::<MessageRow>::as_select(),
        ))
        .load(conn)
        .await?;
    let conversation_id = ConversationId(conversation);
    Ok(rows
        .into_iter()
        .filter_map(|(seq, kind, message_id, payload, at, message)| {
            let kind = match (kind.as_str(), message) {
                ("message_created", Some(m)) => EventKind::MessageCreated { message: m.to_protocol() },
                ("message_edited", Some(m)) => EventKind::MessageEdited { message: m.to_protocol() },
                // Removed since (by retention): it reads as its deletion.
                ("message_created" | "message_edited", None) => EventKind::MessageDeleted {
                    message_id: MessageId(message_id.unwrap_or_default()),
                    by: UserId(Uuid::nil()),
                    moderated: true,
                },
                _ => match serde_json::from_value(payload) {
                    Ok(kind) => kind,
                    Err(e) => {
                        tracing::error!(%conversation, seq, error = %e, "unreadable event payload");
                        return None;
                    }
                },
            };
            Some(Event { conversation_id, seq, at, kind })
        })
        .collect())
}

/// One event at `seq`, if it exists (for bus messages too large to carry it).
pub async fn event_at(conn: &mut AsyncPgConnection, conversation: Uuid, seq: i64) -> QueryResult<Option<Event>> {
    Ok(events_after(conn, conversation, seq - 1, 1).await?.into_iter().next())
}

/// Full-text search over the messages of every conversation `user` belongs to, best match
/// first. `q` uses web-search syntax ("quoted phrases", -excluded, or).
pub async fn search(conn: &mut AsyncPgConnection, user: Uuid, q: &str, limit: i64) -> QueryResult<Vec<MessageRow>> {
    diesel::sql_query(
        "SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.client_msg_id, m.body, m.reply_to,
                m.created_at, m.edited_at, m.deleted_at, m.deleted_by
         FROM messages m
         JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = $1
         WHERE m.search @@ websearch_to_tsquery('simple', $2) AND m.deleted_at IS NULL
         ORDER BY ts_rank(m.search, websearch_to_tsquery('simple', $2)) DESC, m.created_at DESC
         LIMIT $3",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(q)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}
