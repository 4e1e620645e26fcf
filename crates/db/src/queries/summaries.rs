//! The caller's conversation list: one line per membership with unread counts, the other
//! members' read markers, the DM peer and the newest message, as fixed prepared statements
//! (the WebSocket handshake reads it for `ready`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::columns::{StoredKind, StoredRole};
use crate::prepared::prepared;
use protocol::conversations::{ConversationKind, MemberRole};
use protocol::media::MediaId;
use protocol::{ConversationId, MessageId, UserId};

/// One line of the caller's conversation list, before profiles and the last message are
/// attached.
#[derive(Clone, Debug, QueryableByName)]
pub struct SummaryRow {
    /// Conversation.
    #[diesel(sql_type = SqlUuid, deserialize_as = Uuid)]
    pub id: ConversationId,
    /// Direct or group.
    #[diesel(sql_type = Text, deserialize_as = StoredKind)]
    pub kind: ConversationKind,
    /// Title.
    #[diesel(sql_type = Text)]
    pub title: String,
    /// Description.
    #[diesel(sql_type = Text)]
    pub description: String,
    /// The group's photo (an upload).
    #[diesel(sql_type = diesel::sql_types::Nullable<SqlUuid>)]
    pub photo_id: Option<Uuid>,
    /// Newest seq.
    #[diesel(sql_type = BigInt)]
    pub last_seq: i64,
    /// Newest activity.
    #[diesel(sql_type = Timestamptz)]
    pub last_activity_at: DateTime<Utc>,
    /// Creation.
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// The caller's role.
    #[diesel(sql_type = Text, deserialize_as = StoredRole)]
    pub role: MemberRole,
    /// The caller's read marker.
    #[diesel(sql_type = BigInt)]
    pub read_seq: i64,
    /// Members.
    #[diesel(sql_type = BigInt)]
    pub member_count: i64,
    /// Others' messages after the caller's marker.
    #[diesel(sql_type = BigInt)]
    pub unread: i64,
    /// Those of them that mention the caller.
    #[diesel(sql_type = BigInt)]
    pub unread_mentions: i64,
    /// The caller muted it until then.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub muted_until: Option<DateTime<Utc>>,
    /// The caller archived it then.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub archived_at: Option<DateTime<Utc>>,
    /// The lowest read marker among the other members.
    #[diesel(sql_type = BigInt)]
    pub others_read_seq: i64,
    /// The other member of a DM.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub peer_id: Option<Uuid>,
    /// The newest message.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub last_message_id: Option<Uuid>,
}

impl SummaryRow {
    /// The group's photo.
    pub fn photo(&self) -> Option<MediaId> {
        self.photo_id.map(MediaId)
    }

    /// The other member of a DM.
    pub fn peer(&self) -> Option<UserId> {
        self.peer_id.map(UserId)
    }

    /// The newest message.
    pub fn last_message(&self) -> Option<MessageId> {
        self.last_message_id.map(MessageId)
    }
}

/// The summary columns of the caller's (`$1`) memberships; a macro so that each use is one
/// fixed text, prepared once per connection.
macro_rules! summary_select {
    () => {
        "
SELECT c.id, c.kind, c.title, c.description, c.photo_id, c.last_seq, c.last_activity_at, c.created_at, m.role, m.read_seq,
  m.muted_until, m.archived_at,
  (SELECT count(*) FROM conversation_members x WHERE x.conversation_id = c.id) AS member_count,
  u.unread, u.unread_mentions,
  COALESCE((SELECT min(o.read_seq) FROM conversation_members o
     WHERE o.conversation_id = c.id AND o.user_id <> m.user_id), 0)::int8 AS others_read_seq,
  (SELECT o.user_id FROM conversation_members o
     WHERE c.kind = 'dm' AND o.conversation_id = c.id AND o.user_id <> m.user_id LIMIT 1) AS peer_id,
  (SELECT g.id FROM messages g WHERE g.conversation_id = c.id ORDER BY g.seq DESC LIMIT 1) AS last_message_id
FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
CROSS JOIN LATERAL (
  SELECT count(*) AS unread, count(*) FILTER (WHERE m.user_id = ANY(g.mentions)) AS unread_mentions
  FROM messages g WHERE g.conversation_id = c.id AND g.seq > m.read_seq
    AND g.sender_id <> m.user_id AND g.deleted_at IS NULL
) AS u
WHERE m.user_id = $1"
    };
}

/// The caller's conversations, newest activity first, after the `(last_activity_at, id)`
/// cursor when given.
pub async fn summaries(
    mut conn: &AsyncPgConnection,
    user: UserId,
    after: Option<(DateTime<Utc>, ConversationId)>,
    limit: i64,
) -> QueryResult<Vec<SummaryRow>> {
    let user = user.0;
    match after {
        None => {
            prepared(concat!(summary_select!(), " ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $2"))
                .bind::<SqlUuid, _>(user)
                .bind::<BigInt, _>(limit)
                .load(&mut conn)
                .await
        }
        Some((at, id)) => {
            prepared(concat!(
                summary_select!(),
                " AND (c.last_activity_at, c.id) < ($3, $4) ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $2"
            ))
            .bind::<SqlUuid, _>(user)
            .bind::<BigInt, _>(limit)
            .bind::<Timestamptz, _>(at)
            .bind::<SqlUuid, _>(id.0)
            .load(&mut conn)
            .await
        }
    }
}

/// One conversation's summary line for the caller; `None` unless they are a member.
pub async fn summary(
    conn: &mut AsyncPgConnection,
    user: UserId,
    conversation: ConversationId,
) -> QueryResult<Option<SummaryRow>> {
    prepared(concat!(summary_select!(), " AND c.id = $2"))
        .bind::<SqlUuid, _>(user.0)
        .bind::<SqlUuid, _>(conversation.0)
        .get_result(conn)
        .await
        .optional()
}
