//! Conversations and their members: DMs between friends, groups with roles, the caller's list
//! with unread counts, and the per-conversation `seq` counter every event draws from.
//!
//! Every change takes the next seq with `UPDATE conversations ... RETURNING`, which row-locks
//! the conversation: writers of one conversation are serialised and seqs have no gaps.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::conversations::{EventKind, MemberRole};
use uuid::Uuid;

use crate::models::User;
use crate::prepared::prepared;
use crate::queries::social;
use crate::schema::{conversation_members, conversations, events, users};

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
    /// It clashes with what exists.
    #[error("{0}")]
    Conflict(&'static str),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// A row of `conversations`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = conversations, check_for_backend(diesel::pg::Pg))]
pub struct ConversationRow {
    /// Id.
    pub id: Uuid,
    /// `dm` or `group`.
    pub kind: String,
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

impl ConversationRow {
    /// Whether this is a group.
    pub fn is_group(&self) -> bool {
        self.kind == "group"
    }
}

/// A row of `conversation_members`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = conversation_members, check_for_backend(diesel::pg::Pg))]
pub struct MemberRow {
    /// Conversation.
    pub conversation_id: Uuid,
    /// Member.
    pub user_id: Uuid,
    /// `owner`, `admin` or `member`.
    pub role: String,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
    /// How far they have read.
    pub read_seq: i64,
}

impl MemberRow {
    /// The role as the protocol enum.
    pub fn role(&self) -> MemberRole {
        parse_role(&self.role)
    }
}

/// Reads a stored role; the column's CHECK admits only these three.
pub fn parse_role(role: &str) -> MemberRole {
    match role {
        "owner" => MemberRole::Owner,
        "admin" => MemberRole::Admin,
        _ => MemberRole::Member,
    }
}

/// The stored name of a role.
pub fn role_name(role: MemberRole) -> &'static str {
    match role {
        MemberRole::Owner => "owner",
        MemberRole::Admin => "admin",
        MemberRole::Member => "member",
    }
}

/// The key that makes a pair's DM unique, whichever of them opens it.
pub fn dm_key(a: Uuid, b: Uuid) -> String {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}

/// Takes the next seq of a conversation, locking its row until the transaction ends, and
/// bumps its activity time. `None` if it does not exist.
pub async fn next_seq(conn: &mut AsyncPgConnection, conversation: Uuid) -> QueryResult<Option<ConversationRow>> {
    diesel::update(conversations::table.find(conversation))
        .set((
            conversations::last_seq.eq(conversations::last_seq + 1),
            conversations::last_activity_at.eq(diesel::dsl::now),
        ))
        .returning(ConversationRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Appends an event. Message events store only the message id and are read joined to it;
/// the others store their protocol payload.
pub async fn append_event(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    seq: i64,
    kind: &EventKind,
) -> QueryResult<DateTime<Utc>> {
    let (name, message_id, payload) = match kind {
        EventKind::MessageCreated { message } => ("message_created", Some(message.id.0), serde_json::json!({})),
        EventKind::MessageEdited { message } => ("message_edited", Some(message.id.0), serde_json::json!({})),
        EventKind::MessageDeleted { message_id, .. } => ("message_deleted", Some(message_id.0), to_json(kind)),
        EventKind::ConversationCreated { .. } => ("conversation_created", None, to_json(kind)),
        EventKind::MemberAdded { .. } => ("member_added", None, to_json(kind)),
        EventKind::MemberRemoved { .. } => ("member_removed", None, to_json(kind)),
        EventKind::MemberRoleChanged { .. } => ("member_role_changed", None, to_json(kind)),
        EventKind::ConversationRenamed { .. } => ("conversation_renamed", None, to_json(kind)),
    };
    diesel::insert_into(events::table)
        .values((
            events::conversation_id.eq(conversation),
            events::seq.eq(seq),
            events::kind.eq(name),
            events::message_id.eq(message_id),
            events::payload.eq(payload),
        ))
        .returning(events::created_at)
        .get_result(conn)
        .await
}

fn to_json(kind: &EventKind) -> serde_json::Value {
    // A plain enum of strings, ids and timestamps: serializing it cannot fail.
    serde_json::to_value(kind).unwrap_or_default()
}

/// The caller's membership, if they are a member.
pub async fn membership(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    user: Uuid,
) -> QueryResult<Option<MemberRow>> {
    conversation_members::table.find((conversation, user)).select(MemberRow::as_select()).first(conn).await.optional()
}

/// The conversation and the caller's membership; `None` unless they are a member.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    user: Uuid,
) -> QueryResult<Option<(ConversationRow, MemberRow)>> {
    conversations::table
        .inner_join(conversation_members::table)
        .filter(conversations::id.eq(conversation))
        .filter(conversation_members::user_id.eq(user))
        .select((ConversationRow::as_select(), MemberRow::as_select()))
        .first(conn)
        .await
        .optional()
}

/// Ids of the conversations a user belongs to.
pub async fn ids_of(conn: &mut AsyncPgConnection, user: Uuid) -> QueryResult<Vec<Uuid>> {
    conversation_members::table
        .filter(conversation_members::user_id.eq(user))
        .select(conversation_members::conversation_id)
        .load(conn)
        .await
}

/// Ids of a conversation's members.
pub async fn member_ids(conn: &mut AsyncPgConnection, conversation: Uuid) -> QueryResult<Vec<Uuid>> {
    conversation_members::table
        .filter(conversation_members::conversation_id.eq(conversation))
        .select(conversation_members::user_id)
        .load(conn)
        .await
}

/// Every member with their profile, owners first, then by joining time.
pub async fn members(conn: &mut AsyncPgConnection, conversation: Uuid) -> QueryResult<Vec<(MemberRow, User)>> {
    let mut rows: Vec<(MemberRow, User)> = conversation_members::table
        .inner_join(users::table)
        .filter(conversation_members::conversation_id.eq(conversation))
        .order(conversation_members::joined_at)
        .select((MemberRow::as_select(), User::as_select()))
        .load(conn)
        .await?;
    rows.sort_by_key(|(m, _)| m.role());
    Ok(rows)
}

/// One line of the caller's conversation list, before profiles and the last message are
/// attached.
#[derive(Clone, Debug, QueryableByName)]
pub struct SummaryRow {
    /// Conversation.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// `dm` or `group`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// Title.
    #[diesel(sql_type = Text)]
    pub title: String,
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
    #[diesel(sql_type = Text)]
    pub role: String,
    /// The caller's read marker.
    #[diesel(sql_type = BigInt)]
    pub read_seq: i64,
    /// Members.
    #[diesel(sql_type = BigInt)]
    pub member_count: i64,
    /// Others' messages after the caller's marker.
    #[diesel(sql_type = BigInt)]
    pub unread: i64,
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

/// The summary columns of the caller's (`$1`) memberships; a macro so that each use is one
/// fixed text, prepared once per connection.
macro_rules! summary_select {
    () => {
        "
SELECT c.id, c.kind, c.title, c.last_seq, c.last_activity_at, c.created_at, m.role, m.read_seq,
  (SELECT count(*) FROM conversation_members x WHERE x.conversation_id = c.id) AS member_count,
  (SELECT count(*) FROM messages g WHERE g.conversation_id = c.id AND g.seq > m.read_seq
     AND g.sender_id <> m.user_id AND g.deleted_at IS NULL) AS unread,
  COALESCE((SELECT min(o.read_seq) FROM conversation_members o
     WHERE o.conversation_id = c.id AND o.user_id <> m.user_id), 0)::int8 AS others_read_seq,
  (SELECT o.user_id FROM conversation_members o
     WHERE c.kind = 'dm' AND o.conversation_id = c.id AND o.user_id <> m.user_id LIMIT 1) AS peer_id,
  (SELECT g.id FROM messages g WHERE g.conversation_id = c.id ORDER BY g.seq DESC LIMIT 1) AS last_message_id
FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
WHERE m.user_id = $1"
    };
}

/// The caller's conversations, newest activity first, after the `(last_activity_at, id)`
/// cursor when given.
pub async fn summaries(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<SummaryRow>> {
    match after {
        None => {
            prepared(concat!(summary_select!(), " ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $2"))
                .bind::<SqlUuid, _>(user)
                .bind::<BigInt, _>(limit)
                .load(conn)
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
            .bind::<SqlUuid, _>(id)
            .load(conn)
            .await
        }
    }
}

/// One conversation's summary line for the caller; `None` unless they are a member.
pub async fn summary(conn: &mut AsyncPgConnection, user: Uuid, conversation: Uuid) -> QueryResult<Option<SummaryRow>> {
    prepared(concat!(summary_select!(), " AND c.id = $2"))
        .bind::<SqlUuid, _>(user)
        .bind::<SqlUuid, _>(conversation)
        .get_result(conn)
        .await
        .optional()
}

/// Opens the DM between two friends, or returns the one they have. The bool is true when it
/// was created now.
pub async fn open_dm(conn: &mut AsyncPgConnection, me: Uuid, peer: Uuid) -> Result<(ConversationRow, bool), Refusal> {
    let key = dm_key(me, peer);
    let existing = conversations::table
        .filter(conversations::dm_key.eq(&key))
        .select(ConversationRow::as_select())
        .first(conn)
        .await
        .optional()?;
    if let Some(found) = existing {
        return Ok((found, false));
    }
    conn.transaction(async |conn| {
        // Lock both users, as every friendship change does, so the friendship cannot end
        // between this check and the insert.
        social::lock_pair(conn, me, peer).await?;
        if !social::are_friends(conn, me, peer).await? {
            return Err(Refusal::Forbidden("you can only message your friends"));
        }
        let existing = conversations::table
            .filter(conversations::dm_key.eq(&key))
            .select(ConversationRow::as_select())
            .first(conn)
            .await
            .optional()?;
        if let Some(found) = existing {
            return Ok((found, false));
        }
        let id = Uuid::now_v7();
        let row: ConversationRow = diesel::insert_into(conversations::table)
            .values((
                conversations::id.eq(id),
                conversations::kind.eq("dm"),
                conversations::dm_key.eq(&key),
                conversations::created_by.eq(me),
                conversations::last_seq.eq(1),
            ))
            .returning(ConversationRow::as_returning())
            .get_result(conn)
            .await?;
        diesel::insert_into(conversation_members::table)
            .values(
                [me, peer]
                    .map(|u| {
                        (
                            conversation_members::conversation_id.eq(id),
                            conversation_members::user_id.eq(u),
                            conversation_members::role.eq("member"),
                        )
                    })
                    .to_vec(),
            )
            .execute(conn)
            .await?;
        let created = EventKind::ConversationCreated { by: me.into(), title: String::new() };
        append_event(conn, id, 1, &created).await?;
        Ok((row, true))
    })
    .await
}

/// Of `candidates`, those who are not friends of `user` (or do not exist).
async fn not_friends(conn: &mut AsyncPgConnection, user: Uuid, candidates: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    let friends: Vec<Uuid> = social::friend_ids_among(conn, user, candidates).await?;
    Ok(candidates.iter().copied().filter(|c| !friends.contains(c)).collect())
}

/// Creates a group owned by `creator` with some of their friends.
pub async fn create_group(
    conn: &mut AsyncPgConnection,
    creator: Uuid,
    title: &str,
    member_ids: &[Uuid],
) -> Result<ConversationRow, Refusal> {
    let mut invited: Vec<Uuid> = member_ids.iter().copied().filter(|u| *u != creator).collect();
    invited.sort_unstable();
    invited.dedup();
    if invited.len() + 1 > protocol::conversations::MAX_GROUP_MEMBERS {
        return Err(Refusal::Unprocessable("a group can have at most 1,000 members".into()));
    }
    conn.transaction(async |conn| {
        let strangers = not_friends(conn, creator, &invited).await?;
        if !strangers.is_empty() {
            return Err(Refusal::Unprocessable(format!(
                "member_ids: you can only add your friends ({} are not)",
                strangers.len()
            )));
        }
        let id = Uuid::now_v7();
        let row: ConversationRow = diesel::insert_into(conversations::table)
            .values((
                conversations::id.eq(id),
                conversations::kind.eq("group"),
                conversations::title.eq(title),
                conversations::created_by.eq(creator),
                conversations::last_seq.eq(1),
            ))
            .returning(ConversationRow::as_returning())
            .get_result(conn)
            .await?;
        let rows: Vec<_> = std::iter::once((creator, "owner"))
            .chain(invited.iter().map(|u| (*u, "member")))
            .map(|(u, role)| {
                (
                    conversation_members::conversation_id.eq(id),
                    conversation_members::user_id.eq(u),
                    conversation_members::role.eq(role),
                )
            })
            .collect();
        diesel::insert_into(conversation_members::table).values(rows).execute(conn).await?;
        let created = EventKind::ConversationCreated { by: creator.into(), title: title.to_owned() };
        append_event(conn, id, 1, &created).await?;
        Ok(row)
    })
    .await
}

/// A change to a group and the events it appended, in seq order.
#[derive(Debug)]
pub struct Change {
    /// The conversation after the change.
    pub conversation: ConversationRow,
    /// `(seq, committed at, event)` for each event appended.
    pub events: Vec<(i64, DateTime<Utc>, EventKind)>,
}

/// Locks the group, checks the actor is a member allowed to manage it, and returns both.
async fn lock_for_management(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    actor: Uuid,
) -> Result<(ConversationRow, MemberRow), Refusal> {
    let row = conversations::table
        .find(conversation)
        .select(ConversationRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(Refusal::NotFound("conversation"))?;
    let me = membership(conn, conversation, actor).await?.ok_or(Refusal::NotFound("conversation"))?;
    if !row.is_group() {
        return Err(Refusal::Unprocessable("direct conversations have no members to manage".into()));
    }
    if !me.role().can_manage() {
        return Err(Refusal::Forbidden("only the group's owners and admins can do this"));
    }
    Ok((row, me))
}

/// Appends one event under the lock already held, returning its seq and time.
async fn push_event(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    kind: EventKind,
    out: &mut Vec<(i64, DateTime<Utc>, EventKind)>,
) -> Result<ConversationRow, Refusal> {
    let row = next_seq(conn, conversation).await?.ok_or(Refusal::NotFound("conversation"))?;
    let at = append_event(conn, conversation, row.last_seq, &kind).await?;
    out.push((row.last_seq, at, kind));
    Ok(row)
}

/// Renames a group (owners and admins).
pub async fn rename(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    actor: Uuid,
    title: &str,
) -> Result<Change, Refusal> {
    conn.transaction(async |conn| {
        lock_for_management(conn, conversation, actor).await?;
        diesel::update(conversations::table.find(conversation))
            .set(conversations::title.eq(title))
            .execute(conn)
            .await?;
        let mut events = Vec::new();
        let kind = EventKind::ConversationRenamed { title: title.to_owned(), by: actor.into() };
        let conversation = push_event(conn, conversation, kind, &mut events).await?;
        Ok(Change { conversation, events })
    })
    .await
}

/// Adds friends of the actor to a group (owners and admins). Users already in it are skipped.
pub async fn add_members(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    actor: Uuid,
    user_ids: &[Uuid],
) -> Result<(Change, Vec<Uuid>), Refusal> {
    let mut wanted = user_ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    conn.transaction(async |conn| {
        let (row, _) = lock_for_management(conn, conversation, actor).await?;
        let present = member_ids(conn, conversation).await?;
        wanted.retain(|u| !present.contains(u));
        if present.len() + wanted.len() > protocol::conversations::MAX_GROUP_MEMBERS {
            return Err(Refusal::Unprocessable("a group can have at most 1,000 members".into()));
        }
        let strangers = not_friends(conn, actor, &wanted).await?;
        if !strangers.is_empty() {
            return Err(Refusal::Unprocessable(format!(
                "user_ids: you can only add your friends ({} are not)",
                strangers.len()
            )));
        }
        let profiles = crate::queries::users::by_ids(conn, &wanted).await?;
        let mut events = Vec::new();
        let mut latest = row;
        for user in &wanted {
            diesel::insert_into(conversation_members::table)
                .values((
                    conversation_members::conversation_id.eq(conversation),
                    conversation_members::user_id.eq(user),
                    conversation_members::role.eq("member"),
                ))
                .execute(conn)
                .await?;
            let Some(profile) = profiles.get(user) else { continue };
            let kind = EventKind::MemberAdded { user: profile.to_public(), role: MemberRole::Member, by: actor.into() };
            latest = push_event(conn, conversation, kind, &mut events).await?;
        }
        Ok((Change { conversation: latest, events }, wanted))
    })
    .await
}

/// Removes a member (owners remove anyone but owners; admins remove plain members), or, when
/// `target == actor`, leaves. The last owner leaving hands ownership to the longest-standing
/// admin, or else the longest-standing member.
pub async fn remove_member(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    actor: Uuid,
    target: Uuid,
) -> Result<Change, Refusal> {
    conn.transaction(async |conn| {
        let row = conversations::table
            .find(conversation)
            .select(ConversationRow::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or(Refusal::NotFound("conversation"))?;
        let me = membership(conn, conversation, actor).await?.ok_or(Refusal::NotFound("conversation"))?;
        if !row.is_group() {
            return Err(Refusal::Unprocessable("you cannot leave a direct conversation".into()));
        }
        let them = membership(conn, conversation, target).await?.ok_or(Refusal::NotFound("member"))?;
        if actor != target {
            let allowed = matches!(
                (me.role(), them.role()),
                (MemberRole::Owner, MemberRole::Admin | MemberRole::Member) | (MemberRole::Admin, MemberRole::Member)
            );
            if !allowed {
                return Err(Refusal::Forbidden("you cannot remove this member"));
            }
        }
        diesel::delete(conversation_members::table.find((conversation, target))).execute(conn).await?;
        let mut events = Vec::new();
        let removed = EventKind::MemberRemoved { user_id: target.into(), by: actor.into() };
        let mut latest = push_event(conn, conversation, removed, &mut events).await?;
        if them.role() == MemberRole::Owner {
            let owners_left: i64 = conversation_members::table
                .filter(conversation_members::conversation_id.eq(conversation))
                .filter(conversation_members::role.eq("owner"))
                .count()
                .get_result(conn)
                .await?;
            if owners_left == 0 {
                // Admins before members, then whoever joined first.
                let heir: Option<Uuid> = conversation_members::table
                    .filter(conversation_members::conversation_id.eq(conversation))
                    .order((conversation_members::role.eq("admin").desc(), conversation_members::joined_at))
                    .select(conversation_members::user_id)
                    .first(conn)
                    .await
                    .optional()?;
                if let Some(heir) = heir {
                    set_role_row(conn, conversation, heir, MemberRole::Owner).await?;
                    let kind = EventKind::MemberRoleChanged {
                        user_id: heir.into(),
                        role: MemberRole::Owner,
                        by: actor.into(),
                    };
                    latest = push_event(conn, conversation, kind, &mut events).await?;
                }
            }
        }
        Ok(Change { conversation: latest, events })
    })
    .await
}

async fn set_role_row(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    user: Uuid,
    role: MemberRole,
) -> QueryResult<usize> {
    diesel::update(conversation_members::table.find((conversation, user)))
        .set(conversation_members::role.eq(role_name(role)))
        .execute(conn)
        .await
}

/// Promotes a member to admin or demotes an admin (owners and admins; an owner's role is
/// never changed this way, and ownership is not given, only inherited).
pub async fn set_role(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    actor: Uuid,
    target: Uuid,
    role: MemberRole,
) -> Result<(Change, MemberRow), Refusal> {
    if role == MemberRole::Owner {
        return Err(Refusal::Unprocessable("role: ownership passes only when the last owner leaves".into()));
    }
    conn.transaction(async |conn| {
        lock_for_management(conn, conversation, actor).await?;
        let them = membership(conn, conversation, target).await?.ok_or(Refusal::NotFound("member"))?;
        if them.role() == MemberRole::Owner {
            return Err(Refusal::Forbidden("an owner's role cannot be changed"));
        }
        let mut events = Vec::new();
        let mut conversation_row = None;
        if them.role() != role {
            set_role_row(conn, conversation, target, role).await?;
            let kind = EventKind::MemberRoleChanged { user_id: target.into(), role, by: actor.into() };
            conversation_row = Some(push_event(conn, conversation, kind, &mut events).await?);
        }
        let conversation = match conversation_row {
            Some(row) => row,
            None => conversations::table.find(conversation).select(ConversationRow::as_select()).first(conn).await?,
        };
        let member = membership(conn, conversation.id, target).await?.ok_or(Refusal::NotFound("member"))?;
        Ok((Change { conversation, events }, member))
    })
    .await
}
