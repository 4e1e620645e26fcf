//! Reading conversations and their members: rows, kinds and roles, memberships. The caller's
//! list is in `summaries`; every change to a conversation goes through `changes`, the log's
//! only writer.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use protocol::conversations::{ConversationKind, MemberRole};
use protocol::{ConversationId, UserId};
use uuid::Uuid;

use crate::columns::{StoredKind, StoredRole};
use crate::models::User;
use crate::schema::{conversation_members, conversations, users};

/// Why a conversation operation was refused. Callers map these to API errors; `NotFound`
/// covers "not a member" too, so a conversation you may not see looks absent.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// No such conversation or message, or the caller is not a member.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller may not do this here.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The request makes no sense in this state.
    #[error("{0}")]
    Unprocessable(String),
    /// One input field makes no sense in this state: the field, and why.
    #[error("{0}: {1}")]
    UnprocessableField(&'static str, String),
    /// It clashes with what exists.
    #[error("{0}")]
    Conflict(&'static str),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

impl Refusal {
    /// The same refusal again, for a repeat of a refused command in one batch (a database
    /// error is not repeated: the repeat is told to retry).
    pub fn same(&self) -> Self {
        match self {
            Self::NotFound(what) => Self::NotFound(what),
            Self::Forbidden(why) => Self::Forbidden(why),
            Self::Unprocessable(why) => Self::Unprocessable(why.clone()),
            Self::UnprocessableField(field, why) => Self::UnprocessableField(field, why.clone()),
            Self::Conflict(why) => Self::Conflict(why),
            Self::Database(_) => Self::Conflict("a concurrent change failed; retry"),
        }
    }
}

/// A row of `conversations`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = conversations, check_for_backend(diesel::pg::Pg))]
pub struct ConversationRow {
    /// Id.
    #[diesel(deserialize_as = Uuid)]
    pub id: ConversationId,
    /// Direct or group.
    #[diesel(deserialize_as = StoredKind)]
    pub kind: ConversationKind,
    /// Group title.
    pub title: String,
    /// Pair key of a DM.
    pub dm_key: Option<String>,
    /// Creator.
    pub created_by: Option<Uuid>,
    /// Newest event.
    pub last_seq: i64,
    /// Newest activity.
    pub last_activity_at: DateTime<Utc>,
    /// Creation.
    pub created_at: DateTime<Utc>,
}

/// A row of `conversation_members`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = conversation_members, check_for_backend(diesel::pg::Pg))]
pub struct MemberRow {
    /// Conversation.
    #[diesel(deserialize_as = Uuid)]
    pub conversation_id: ConversationId,
    /// Member.
    #[diesel(deserialize_as = Uuid)]
    pub user_id: UserId,
    /// Owner, admin or member.
    #[diesel(deserialize_as = StoredRole)]
    pub role: MemberRole,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
    /// How far they have read.
    pub read_seq: i64,
    /// When their read marker last moved.
    pub read_at: Option<DateTime<Utc>>,
    /// How far their devices have received the conversation's events.
    pub delivered_seq: i64,
    /// When that marker last moved.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl MemberRow {
    /// The role (kept as a method for callers that read it through one).
    pub fn role(&self) -> MemberRole {
        self.role
    }
}

/// The key that makes a pair's DM unique, whichever of them opens it.
pub fn dm_key(a: UserId, b: UserId) -> String {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}

/// The caller's membership, if they are a member.
pub async fn membership(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    user: UserId,
) -> QueryResult<Option<MemberRow>> {
    conversation_members::table
        .find((conversation.0, user.0))
        .select(MemberRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The conversation and the caller's membership; `None` unless they are a member.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    user: UserId,
) -> QueryResult<Option<(ConversationRow, MemberRow)>> {
    conversations::table
        .inner_join(conversation_members::table)
        .filter(conversations::id.eq(conversation.0))
        .filter(conversation_members::user_id.eq(user.0))
        .select((ConversationRow::as_select(), MemberRow::as_select()))
        .first(conn)
        .await
        .optional()
}

/// Sets `user`'s own settings of `conversation` (archiving again moves `archived_at` to now);
/// returns `(muted_until, archived_at)` as stored, or `None` unless they are a member.
pub async fn update_settings(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    user: UserId,
    muted_until: Option<DateTime<Utc>>,
    archived: bool,
) -> QueryResult<Option<(Option<DateTime<Utc>>, Option<DateTime<Utc>>)>> {
    let archived_at = if archived { Some(Utc::now()) } else { None };
    diesel::update(conversation_members::table.find((conversation.0, user.0)))
        .set((conversation_members::muted_until.eq(muted_until), conversation_members::archived_at.eq(archived_at)))
        .returning((conversation_members::muted_until, conversation_members::archived_at))
        .get_result(conn)
        .await
        .optional()
}

/// Ids of the conversations a user belongs to.
pub async fn ids_of(mut conn: &AsyncPgConnection, user: UserId) -> QueryResult<Vec<ConversationId>> {
    let ids: Vec<Uuid> = conversation_members::table
        .filter(conversation_members::user_id.eq(user.0))
        .select(conversation_members::conversation_id)
        .load(&mut conn)
        .await?;
    Ok(ids.into_iter().map(ConversationId).collect())
}

/// Ids of a conversation's members.
pub async fn member_ids(conn: &mut AsyncPgConnection, conversation: ConversationId) -> QueryResult<Vec<UserId>> {
    let ids: Vec<Uuid> = conversation_members::table
        .filter(conversation_members::conversation_id.eq(conversation.0))
        .select(conversation_members::user_id)
        .load(conn)
        .await?;
    Ok(ids.into_iter().map(UserId).collect())
}

/// Every member with their profile, owners first, then by joining time.
pub async fn members(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
) -> QueryResult<Vec<(MemberRow, User)>> {
    let mut rows: Vec<(MemberRow, User)> = conversation_members::table
        .inner_join(users::table)
        .filter(conversation_members::conversation_id.eq(conversation.0))
        .order(conversation_members::joined_at)
        .select((MemberRow::as_select(), User::as_select()))
        .load(conn)
        .await?;
    rows.sort_by_key(|(m, _)| m.role());
    Ok(rows)
}

/// The DM between two users, if they have one.
pub async fn dm_between(conn: &mut AsyncPgConnection, a: UserId, b: UserId) -> QueryResult<Option<ConversationId>> {
    let id: Option<Uuid> = conversations::table
        .filter(conversations::dm_key.eq(dm_key(a, b)))
        .select(conversations::id)
        .first(conn)
        .await
        .optional()?;
    Ok(id.map(ConversationId))
}
