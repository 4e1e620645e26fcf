//! Reading messages and the event log: history pages and the conversation's own events
//! between them, the `events?after_seq=` catch-up read, pins, full-text search, and read
//! markers. Messages are written only through `changes`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use protocol::conversations::{Event, EventKind, Message, Pin};
use protocol::media::Location;
use protocol::{ConversationId, MessageId, UserId};
use uuid::Uuid;

use crate::schema::{events, messages};

/// A row of `messages` (without its search vector).
#[derive(Clone, Debug, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub struct MessageRow {
    /// Id.
    #[diesel(deserialize_as = Uuid)]
    pub id: MessageId,
    /// Conversation.
    #[diesel(deserialize_as = Uuid)]
    pub conversation_id: ConversationId,
    /// Its creating event's seq.
    pub seq: i64,
    /// Author.
    #[diesel(deserialize_as = Uuid)]
    pub sender_id: UserId,
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
    /// Users it mentions.
    pub mentions: Vec<Uuid>,
    /// A forwarded copy.
    pub forwarded: bool,
    /// When it was pinned, while it is.
    pub pinned_at: Option<DateTime<Utc>>,
    /// Who pinned it.
    pub pinned_by: Option<Uuid>,
    /// A shared position's latitude.
    pub location_latitude: Option<f64>,
    /// Its longitude.
    pub location_longitude: Option<f64>,
    /// Its accuracy, in metres.
    pub location_accuracy_m: Option<i32>,
    /// The name shown instead of the author's (an incoming webhook's `username`).
    pub display_name: Option<String>,
}

impl MessageRow {
    /// The protocol view.
    pub fn to_protocol(&self) -> Message {
        Message {
            id: self.id,
            conversation_id: self.conversation_id,
            seq: self.seq,
            sender_id: self.sender_id,
            client_msg_id: self.client_msg_id,
            body: self.body.clone(),
            reply_to: self.reply_to.map(MessageId),
            created_at: self.created_at,
            edited_at: self.edited_at,
            deleted_at: self.deleted_at,
            moderated: self.deleted_by.is_some_and(|by| by != self.sender_id.0),
            mentions: self.mentions.iter().copied().map(UserId).collect(),
            forwarded: self.forwarded,
            // Kept in their own table: `reactions::attach` fills them where a read needs them.
            reactions: Vec::new(),
            pin: self.pinned_at.map(|at| Pin { by: UserId(self.pinned_by.unwrap_or_default()), at }),
            // Kept in `media`: `media::fill` fills them where a read needs them.
            attachments: Vec::new(),
            location: self.location(),
            display_name: self.display_name.clone(),
        }
    }

    /// The shared position, if any.
    pub fn location(&self) -> Option<Location> {
        Some(Location {
            latitude: self.location_latitude?,
            longitude: self.location_longitude?,
            accuracy_m: self.location_accuracy_m.and_then(|a| u32::try_from(a).ok()),
        })
    }
}

/// Moves the reader's marker forward to `seq` (clamped to the conversation's last seq; it
/// never moves back). Returns the marker now stored, or `None` if not a member.
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    reader: UserId,
    seq: i64,
) -> QueryResult<Option<i64>> {
    diesel::sql_query(
        "UPDATE conversation_members m SET read_seq = GREATEST(m.read_seq, LEAST($3, c.last_seq)),
           read_at = CASE WHEN LEAST($3, c.last_seq) > m.read_seq THEN now() ELSE m.read_at END
         FROM conversations c WHERE c.id = m.conversation_id AND m.conversation_id = $1 AND m.user_id = $2
         RETURNING m.read_seq",
    )
    .bind::<SqlUuid, _>(conversation.0)
    .bind::<SqlUuid, _>(reader.0)
    .bind::<BigInt, _>(seq)
    .get_result::<ReadSeq>(conn)
    .await
    .optional()
    .map(|r| r.map(|r| r.read_seq))
}

/// Moves `member`'s delivery markers forward to the given seqs (each capped at its
/// conversation's last seq; never backwards). Conversations the member is not in are skipped
/// without a word, so the caller's answer is the same whatever it named. One statement for the
/// whole list: apps send these coalesced, a list every few seconds.
pub async fn mark_delivered(
    conn: &mut AsyncPgConnection,
    member: UserId,
    up_to: &[(ConversationId, i64)],
) -> QueryResult<usize> {
    let (conversations, seqs): (Vec<Uuid>, Vec<i64>) = up_to.iter().map(|&(c, seq)| (c.0, seq)).unzip();
    diesel::sql_query(
        "UPDATE conversation_members m SET delivered_seq = LEAST(d.seq, c.last_seq), delivered_at = now()
         FROM unnest($2::uuid[], $3::bigint[]) AS d(conversation_id, seq), conversations c
         WHERE m.user_id = $1 AND m.conversation_id = d.conversation_id AND c.id = d.conversation_id
           AND LEAST(d.seq, c.last_seq) > m.delivered_seq",
    )
    .bind::<SqlUuid, _>(member.0)
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(conversations)
    .bind::<diesel::sql_types::Array<BigInt>, _>(seqs)
    .execute(conn)
    .await
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
    conversation: ConversationId,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<MessageRow>> {
    let mut query = messages::table
        .filter(messages::conversation_id.eq(conversation.0))
        .order(messages::seq.desc())
        .limit(limit)
        .select(MessageRow::as_select())
        .into_boxed();
    if let Some(before) = before_seq {
        query = query.filter(messages::seq.lt(before));
    }
    query.load(conn).await
}

/// The conversation's own events (see `EventKind::is_conversation_line`) with a seq in
/// `after_seq < seq < before_seq`, oldest first, at most `limit` (the newest ones if more).
pub async fn conversation_lines(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    after_seq: i64,
    before_seq: i64,
    limit: i64,
) -> QueryResult<Vec<Event>> {
    let rows: Vec<(i64, serde_json::Value, DateTime<Utc>)> = events::table
        .filter(events::conversation_id.eq(conversation.0))
        .filter(events::seq.gt(after_seq).and(events::seq.lt(before_seq)))
        .filter(events::kind.eq_any(LINE_KINDS))
        .order(events::seq.desc())
        .limit(limit)
        .select((events::seq, events::payload, events::created_at))
        .load(conn)
        .await?;
    let conversation_id = conversation;
    let mut lines: Vec<Event> = rows
        .into_iter()
        .filter_map(|(seq, payload, at)| {
            let kind = serde_json::from_value(payload)
                .inspect_err(|e| tracing::error!(%conversation, seq, error = %e, "unreadable event payload"))
                .ok()?;
            Some(Event { conversation_id, seq, at, kind })
        })
        .collect();
    lines.reverse();
    Ok(lines)
}

/// The stored kinds of the events a history page shows as lines of their own: those of
/// `EventKind::is_conversation_line` (a kind missing here shows live but vanishes on reload).
const LINE_KINDS: [&str; 9] = [
    "conversation_created",
    "member_added",
    "member_removed",
    "member_role_changed",
    "conversation_renamed",
    "description_changed",
    "photo_changed",
    "message_pinned",
    "command_invoked",
];

/// The conversation's pinned messages, most recently pinned first.
pub async fn pinned(conn: &mut AsyncPgConnection, conversation: ConversationId) -> QueryResult<Vec<MessageRow>> {
    messages::table
        .filter(messages::conversation_id.eq(conversation.0).and(messages::pinned_at.is_not_null()))
        .order(messages::pinned_at.desc())
        .limit(protocol::conversations::MAX_PINS as i64)
        .select(MessageRow::as_select())
        .load(conn)
        .await
}

/// Messages by id (for previews).
pub async fn by_ids(mut conn: &AsyncPgConnection, ids: &[MessageId]) -> QueryResult<HashMap<MessageId, MessageRow>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    let rows: Vec<MessageRow> =
        messages::table.filter(messages::id.eq_any(ids)).select(MessageRow::as_select()).load(&mut conn).await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

/// Events after `after_seq`, oldest first, at most `limit`; message events carry the message
/// as it is now. An event whose message no longer exists (removed by retention) reads as a
/// deletion of it.
pub async fn events_after(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    after_seq: i64,
    limit: i64,
) -> QueryResult<Vec<Event>> {
    type Row = (i64, String, Option<Uuid>, serde_json::Value, DateTime<Utc>, Option<MessageRow>);
    let rows: Vec<Row> = events::table
        .left_join(messages::table.on(messages::id.nullable().eq(events::message_id)))
        .filter(events::conversation_id.eq(conversation.0).and(events::seq.gt(after_seq)))
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
    let conversation_id = conversation;
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
pub async fn event_at(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    seq: i64,
) -> QueryResult<Option<Event>> {
    Ok(events_after(conn, conversation, seq - 1, 1).await?.into_iter().next())
}

/// Search over the messages of every conversation `user` belongs to, best match first. `q`
/// uses web-search syntax ("quoted phrases", -excluded, or), and every word also matches as
/// the start of a word ("prob" finds "problem"); a plain query (no quotes, exclusions or `or`)
/// of three characters or more also finds parts of words ("blem" finds "problem", through the
/// trigram index), ranked after whole and prefix matches.
pub async fn search(conn: &mut AsyncPgConnection, user: UserId, q: &str, limit: i64) -> QueryResult<Vec<MessageRow>> {
    let plain = !q.contains('"')
        && q.chars().count() >= 3
        && q.split_whitespace().all(|w| !w.starts_with('-') && !w.eq_ignore_ascii_case("or"));
    // `like_prefix` escapes the wildcards and ends with `%`; a leading one makes it "contains".
    let partial = plain.then(|| format!("%{}", crate::queries::like_prefix(q)));
    diesel::sql_query(
        // The web-search query's text form quotes each lexeme ('pizza' <-> 'night'); adding :*
        // after each quote makes every word a prefix match and keeps the operators.
        r"WITH q AS (
           SELECT to_tsquery('simple', regexp_replace(websearch_to_tsquery('simple', $2)::text,
                  '''((?:[^'']|'''')+)''', '''\1'':*', 'g')) AS query
         )
         SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.client_msg_id, m.body, m.reply_to,
                m.created_at, m.edited_at, m.deleted_at, m.deleted_by, m.mentions, m.forwarded,
                m.pinned_at, m.pinned_by, m.location_latitude, m.location_longitude, m.location_accuracy_m,
                m.display_name
         FROM q, messages m
         JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = $1
         WHERE m.deleted_at IS NULL AND (m.search @@ q.query OR m.body ILIKE $3)
         ORDER BY ts_rank(m.search, q.query) DESC, m.created_at DESC
         LIMIT $4",
    )
    .bind::<SqlUuid, _>(user.0)
    .bind::<Text, _>(q)
    .bind::<diesel::sql_types::Nullable<Text>, _>(partial)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}
