//! Operators' queries: user lists with filters and counts, roles (never the last admin), the
//! append-only audit log, conversation overviews, server settings, the retention sweep and
//! the numbers behind the stats page.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::users::Role;
use protocol::{ConversationId, MessageId, UserId};
use uuid::Uuid;

use crate::columns::StoredUserRole;
use crate::models::User;
use crate::queries::{like_prefix, lower};
use crate::schema::{audit_log, conversation_members, conversations, messages, server_settings, sessions, users};

/// Which users an operator lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserFilter {
    /// Everyone not deleted.
    All,
    /// Enabled accounts.
    Active,
    /// Disabled accounts.
    Disabled,
    /// Administrators.
    Admins,
    /// Deleted accounts.
    Deleted,
}

/// Users matching a filter and an optional username/display-name prefix, by username, after
/// the cursor `after` (a lower-cased username).
pub async fn users_page(
    conn: &mut AsyncPgConnection,
    filter: UserFilter,
    prefix: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let mut query = users::table.select(User::as_select()).order(lower(users::username)).limit(limit).into_boxed();
    query = match filter {
        UserFilter::All => query.filter(users::deleted_at.is_null()),
        UserFilter::Active => query.filter(users::deleted_at.is_null()).filter(users::disabled_at.is_null()),
        UserFilter::Disabled => query.filter(users::deleted_at.is_null()).filter(users::disabled_at.is_not_null()),
        UserFilter::Admins => {
            query.filter(users::deleted_at.is_null()).filter(users::role.eq(StoredUserRole(Role::Admin)))
        }
        UserFilter::Deleted => query.filter(users::deleted_at.is_not_null()),
    };
    if let Some(prefix) = prefix {
        let pattern = like_prefix(&prefix.to_lowercase());
        query = query.filter(lower(users::username).like(pattern.clone()).or(lower(users::display_name).like(pattern)));
    }
    if let Some(after) = after {
        query = query.filter(lower(users::username).gt(after.to_lowercase()));
    }
    query.load(conn).await
}

/// Live sessions, conversations and messages of a user.
pub async fn user_counts(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<(i64, i64, i64)> {
    let user = user.0;
    let sessions: i64 = sessions::table
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(Utc::now()))
        .count()
        .get_result(conn)
        .await?;
    let conversations: i64 =
        conversation_members::table.filter(conversation_members::user_id.eq(user)).count().get_result(conn).await?;
    let messages: i64 = messages::table.filter(messages::sender_id.eq(user)).count().get_result(conn).await?;
    Ok((sessions, conversations, messages))
}

/// Sets `disabled_at` (or clears it); returns the user, `None` if absent or deleted.
pub async fn set_disabled(conn: &mut AsyncPgConnection, user: UserId, disabled: bool) -> QueryResult<Option<User>> {
    let value = disabled.then(Utc::now);
    diesel::update(users::table.find(user.0).filter(users::deleted_at.is_null()))
        .set(users::disabled_at.eq(value))
        .returning(User::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Why a role change was refused.
#[derive(Debug)]
pub enum RoleChange {
    /// Done.
    Changed(Box<User>),
    /// No such (live) user.
    NotFound,
    /// It would leave no administrator.
    LastAdmin,
}

/// Gives a user a role, never demoting the last enabled admin. Admin rows are locked first,
/// so two concurrent demotions cannot both pass the check.
pub async fn set_role(conn: &mut AsyncPgConnection, user: UserId, role: Role) -> QueryResult<RoleChange> {
    conn.transaction(async |conn| {
        let admins: Vec<Uuid> = users::table
            .filter(users::role.eq(StoredUserRole(Role::Admin)))
            .filter(users::deleted_at.is_null())
            .filter(users::disabled_at.is_null())
            .select(users::id)
            .for_update()
            .load(conn)
            .await?;
        if role != Role::Admin && admins == [user.0] {
            return Ok(RoleChange::LastAdmin);
        }
        let updated = diesel::update(users::table.find(user.0).filter(users::deleted_at.is_null()))
            .set(users::role.eq(StoredUserRole(role)))
            .returning(User::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        Ok(updated.map_or(RoleChange::NotFound, |u| RoleChange::Changed(Box::new(u))))
    })
    .await
}

/// Changes an account's username and/or display name.
pub async fn rename_user(
    conn: &mut AsyncPgConnection,
    user: UserId,
    username: Option<&str>,
    display_name: Option<&str>,
) -> QueryResult<Option<User>> {
    let Some(current) = crate::queries::users::by_id(conn, user).await? else { return Ok(None) };
    if current.deleted_at.is_some() {
        return Ok(None);
    }
    diesel::update(users::table.find(user.0))
        .set((
            users::username.eq(username.unwrap_or(&current.username)),
            users::display_name.eq(display_name.unwrap_or(&current.display_name)),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await
        .map(Some)
}

/// A row of the audit log.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct AuditRow {
    /// Id.
    pub id: Uuid,
    /// Who.
    #[diesel(deserialize_as = Uuid)]
    pub actor_id: UserId,
    /// What.
    pub action: String,
    /// Kind of target.
    pub target_type: String,
    /// Target.
    pub target_id: Option<Uuid>,
    /// Details.
    pub detail: serde_json::Value,
    /// From where.
    pub ip: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Appends to the audit log (the table refuses updates and deletes).
pub async fn audit(
    conn: &mut AsyncPgConnection,
    actor: UserId,
    action: &str,
    target: (&str, Option<Uuid>),
    detail: serde_json::Value,
    ip: &str,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(Uuid::now_v7()),
            audit_log::actor_id.eq(actor.0),
            audit_log::action.eq(action),
            audit_log::target_type.eq(target.0),
            audit_log::target_id.eq(target.1),
            audit_log::detail.eq(detail),
            audit_log::ip.eq(ip),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Audit entries, newest first, optionally by one actor or with an action prefix, before the
/// cursor `(created_at, id)`.
pub async fn audit_page(
    conn: &mut AsyncPgConnection,
    actor: Option<UserId>,
    action_prefix: Option<&str>,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<(AuditRow, User)>> {
    let mut query = audit_log::table
        .inner_join(users::table.on(users::id.eq(audit_log::actor_id)))
        .select((AuditRow::as_select(), User::as_select()))
        .order((audit_log::created_at.desc(), audit_log::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(actor) = actor {
        query = query.filter(audit_log::actor_id.eq(actor.0));
    }
    if let Some(prefix) = action_prefix {
        query = query.filter(audit_log::action.like(like_prefix(prefix)));
    }
    if let Some((at, id)) = before {
        query = query.filter(audit_log::created_at.lt(at).or(audit_log::created_at.eq(at).and(audit_log::id.lt(id))));
    }
    query.load(conn).await
}

/// An operator's line about a conversation.
#[derive(Clone, Debug, QueryableByName)]
pub struct ConversationOverview {
    /// Id.
    #[diesel(sql_type = diesel::sql_types::Uuid, deserialize_as = Uuid)]
    pub id: ConversationId,
    /// Direct or group.
    #[diesel(sql_type = diesel::sql_types::Text, deserialize_as = crate::columns::StoredKind)]
    pub kind: protocol::conversations::ConversationKind,
    /// Title.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub title: String,
    /// Members.
    #[diesel(sql_type = BigInt)]
    pub member_count: i64,
    /// Messages.
    #[diesel(sql_type = BigInt)]
    pub message_count: i64,
    /// Newest activity.
    #[diesel(sql_type = Timestamptz)]
    pub last_activity_at: DateTime<Utc>,
    /// Creation.
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

const OVERVIEW: &str = "SELECT c.id, c.kind, c.title, c.last_activity_at, c.created_at,
  (SELECT count(*) FROM conversation_members m WHERE m.conversation_id = c.id) AS member_count,
  (SELECT count(*) FROM messages g WHERE g.conversation_id = c.id) AS message_count
FROM conversations c";

/// Conversations, newest activity first, before the cursor `(last_activity_at, id)`.
pub async fn conversations_page(
    conn: &mut AsyncPgConnection,
    before: Option<(DateTime<Utc>, ConversationId)>,
    limit: i64,
) -> QueryResult<Vec<ConversationOverview>> {
    let order = " ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $1";
    match before {
        None => diesel::sql_query(format!("{OVERVIEW}{order}")).bind::<BigInt, _>(limit).load(conn).await,
        Some((at, id)) => {
            diesel::sql_query(format!("{OVERVIEW} WHERE (c.last_activity_at, c.id) < ($2, $3){order}"))
                .bind::<BigInt, _>(limit)
                .bind::<Timestamptz, _>(at)
                .bind::<diesel::sql_types::Uuid, _>(id.0)
                .load(conn)
                .await
        }
    }
}

/// One conversation's overview.
pub async fn conversation_overview(
    conn: &mut AsyncPgConnection,
    id: ConversationId,
) -> QueryResult<Option<ConversationOverview>> {
    diesel::sql_query(format!("{OVERVIEW} WHERE c.id = $1"))
        .bind::<diesel::sql_types::Uuid, _>(id.0)
        .get_result(conn)
        .await
        .optional()
}

/// Up to `limit` members of each conversation, by joining time.
pub async fn some_members(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    limit: i64,
) -> QueryResult<Vec<User>> {
    conversation_members::table
        .inner_join(users::table)
        .filter(conversation_members::conversation_id.eq(conversation.0))
        .order(conversation_members::joined_at)
        .limit(limit)
        .select(User::as_select())
        .load(conn)
        .await
}

/// Every message of a conversation, oldest first (for exports).
pub async fn all_messages(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
) -> QueryResult<Vec<crate::queries::messages::MessageRow>> {
    messages::table
        .filter(messages::conversation_id.eq(conversation.0))
        .order(messages::seq)
        .select(crate::queries::messages::MessageRow::as_select())
        .load(conn)
        .await
}

/// Every message a user sent, oldest first (for their own export).
pub async fn messages_by(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> QueryResult<Vec<crate::queries::messages::MessageRow>> {
    messages::table
        .filter(messages::sender_id.eq(user.0))
        .order(messages::created_at)
        .select(crate::queries::messages::MessageRow::as_select())
        .load(conn)
        .await
}

/// A server-wide setting.
pub async fn setting(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<Option<serde_json::Value>> {
    server_settings::table.find(key).select(server_settings::value).first(conn).await.optional()
}

/// Stores a server-wide setting.
pub async fn set_setting(conn: &mut AsyncPgConnection, key: &str, value: serde_json::Value) -> QueryResult<()> {
    diesel::insert_into(server_settings::table)
        .values((server_settings::key.eq(key), server_settings::value.eq(&value)))
        .on_conflict(server_settings::key)
        .do_update()
        .set((server_settings::value.eq(&value), server_settings::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Up to `limit` of the oldest messages created before `cutoff`, as `(conversation, message)`
/// sorted by conversation: what the retention sweep hands the writer to expire next.
pub async fn expired_messages(
    conn: &mut AsyncPgConnection,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(ConversationId, MessageId)>> {
    let doomed: Vec<(Uuid, Uuid)> = messages::table
        .filter(messages::created_at.lt(cutoff))
        .order(messages::created_at)
        .limit(limit)
        .select((messages::conversation_id, messages::id))
        .load(conn)
        .await?;
    let mut doomed: Vec<(ConversationId, MessageId)> =
        doomed.into_iter().map(|(conversation, message)| (ConversationId(conversation), MessageId(message))).collect();
    doomed.sort_unstable();
    Ok(doomed)
}

/// Numbers for the stats page: users, conversations, messages today and in all, database size.
pub async fn totals(conn: &mut AsyncPgConnection) -> QueryResult<(i64, i64, i64, i64, i64)> {
    let users: i64 = users::table.filter(users::deleted_at.is_null()).count().get_result(conn).await?;
    let conversations: i64 = conversations::table.count().get_result(conn).await?;
    let midnight = Utc::now().date_naive().and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_else(Utc::now);
    let today: i64 = messages::table.filter(messages::created_at.ge(midnight)).count().get_result(conn).await?;
    let total: i64 = messages::table.count().get_result(conn).await?;
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = BigInt)]
        bytes: i64,
    }
    let size: Size = diesel::sql_query("SELECT pg_database_size(current_database()) AS bytes").get_result(conn).await?;
    Ok((users, conversations, today, total, size.bytes))
}
