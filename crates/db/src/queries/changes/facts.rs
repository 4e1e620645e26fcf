//! What a batch needs to judge its commands, read inside its transaction under the row locks
//! of every conversation it touches: kinds, titles, last seqs, the memberships concerned,
//! the messages named (with their reactions where a command changes or shows them), pin
//! counts, the friendships that matter, and the profiles of users being added.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use protocol::conversations::{ConversationKind, MemberRole, Reaction};
use protocol::media::{Attachment, MediaId};
use protocol::{ConversationId, MessageId, UserId};
use uuid::Uuid;

use super::command::Command;
use crate::columns::{StoredKind, StoredRole};
use crate::models::User;
use crate::prepared::prepared;
use crate::queries::conversations::dm_key;
use crate::queries::media::{self, MediaRow};
use crate::queries::messages::MessageRow;
use crate::queries::{reactions, social, users};
use crate::schema::messages;

/// A member as the batch knows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Membership {
    pub role: MemberRole,
    pub joined_at: DateTime<Utc>,
}

/// A locked conversation.
#[derive(Clone, Debug)]
pub(super) struct Locked {
    pub kind: ConversationKind,
    pub title: String,
    pub last_seq: i64,
    /// The batch's actors who are members; every member for DMs and for conversations whose
    /// member list a command may change.
    pub members: HashMap<UserId, Membership>,
}

/// Everything a batch's rules read.
#[derive(Debug)]
pub(super) struct Facts {
    /// The batch's time: every row and event it writes carries it.
    pub at: DateTime<Utc>,
    pub conversations: HashMap<ConversationId, Locked>,
    pub messages: HashMap<MessageId, MessageRow>,
    /// Reactions of the messages edited, deleted, reacted to or pinned.
    pub reactions: HashMap<MessageId, Vec<Reaction>>,
    /// The attachments of the messages edited, deleted, reacted to or pinned.
    pub attachments: HashMap<MessageId, Vec<Attachment>>,
    /// The uploads sends attach, locked until commit.
    pub uploads: HashMap<MediaId, MediaRow>,
    /// How many messages are pinned, for conversations with a pin command.
    pub pins: HashMap<ConversationId, usize>,
    /// Friend pairs, as `pair(a, b)`.
    pub friends: HashSet<(UserId, UserId)>,
    pub profiles: HashMap<UserId, User>,
    /// Existing DMs by pair key, for the batch's `OpenDm`s.
    pub dms: HashMap<String, ConversationId>,
}

/// A pair of users in a fixed order, as `friendships` stores them.
pub(super) fn pair(a: UserId, b: UserId) -> (UserId, UserId) {
    if a < b { (a, b) } else { (b, a) }
}

/// A locked conversation row with the memberships the batch asked for.
#[derive(QueryableByName)]
struct LockedRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    kind: StoredKind,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = BigInt)]
    last_seq: i64,
    #[diesel(sql_type = Array<SqlUuid>)]
    member_ids: Vec<Uuid>,
    #[diesel(sql_type = Array<Text>)]
    member_roles: Vec<StoredRole>,
    #[diesel(sql_type = Array<Timestamptz>)]
    member_joined: Vec<DateTime<Utc>>,
}

/// Locks the conversations `commands` change, existing ones (the transaction is open), and
/// reads their kinds, titles, last seqs and the memberships concerned: the first read of a
/// batch, on a shared connection so another read can go to the server with it.
pub(super) async fn lock_conversations(
    conn: &AsyncPgConnection,
    commands: &[&Command],
) -> QueryResult<HashMap<ConversationId, Locked>> {
    let mut existing: Vec<Uuid> = commands.iter().filter(|c| !c.creates()).map(|c| c.conversation().0).collect();
    existing.sort_unstable();
    existing.dedup();
    let mut concerned = HashSet::new();
    commands.iter().for_each(|c| c.concerned(&mut concerned));
    let actors: Vec<Uuid> = concerned.into_iter().collect();
    let mut whole: Vec<Uuid> = commands.iter().filter(|c| c.needs_all_members()).map(|c| c.conversation().0).collect();
    whole.sort_unstable();
    whole.dedup();
    if existing.is_empty() { Ok(HashMap::new()) } else { lock(conn, existing, actors, whole).await }
}

/// Reads the rest of the facts for `commands`, in `conversations` as locked by
/// [`lock_conversations`].
pub(super) async fn read(
    conn: &mut AsyncPgConnection,
    commands: &[&Command],
    conversations: HashMap<ConversationId, Locked>,
) -> QueryResult<Facts> {
    let at = Utc::now().trunc_subsecs(6);
    let mut message_ids: Vec<Uuid> = Vec::new();
    let mut shown: Vec<MessageId> = Vec::new();
    let mut pinning: Vec<Uuid> = Vec::new();
    let mut pairs: HashSet<(UserId, UserId)> = HashSet::new();
    let mut adding: Vec<UserId> = Vec::new();
    let mut dm_keys: Vec<String> = Vec::new();
    let mut uploads: Vec<MediaId> = Vec::new();
    let mut opening: Vec<(UserId, UserId)> = Vec::new();
    for command in commands {
        match command {
            Command::Send(send) => {
                message_ids.extend(send.reply_to.map(|m| m.0));
                uploads.extend(send.attachments.iter().copied());
                let dm = conversations.get(&send.conversation).filter(|c| c.kind == ConversationKind::Dm);
                if let Some(peer) = dm.and_then(|c| c.members.keys().find(|u| **u != send.sender)) {
                    pairs.insert(pair(send.sender, *peer));
                }
            }
            Command::Edit { message, .. } | Command::Delete { message, .. } | Command::React { message, .. } => {
                message_ids.push(message.0);
                shown.push(*message);
            }
            Command::Pin { conversation, message, .. } => {
                message_ids.push(message.0);
                shown.push(*message);
                pinning.push(conversation.0);
            }
            Command::Expire { messages, .. } => message_ids.extend(messages.iter().map(|m| m.0)),
            Command::AddMembers { actor, users, .. } => {
                pairs.extend(users.iter().map(|u| pair(*actor, *u)));
                adding.extend(users.iter().copied());
            }
            Command::CreateGroup { creator, members, .. } => {
                pairs.extend(members.iter().map(|u| pair(*creator, *u)));
            }
            Command::OpenDm { opener, peer, .. } => {
                pairs.insert(pair(*opener, *peer));
                dm_keys.push(dm_key(*opener, *peer));
                opening.push(pair(*opener, *peer));
            }
            Command::SetPhoto { photo, .. } => uploads.extend(*photo),
            Command::Rename { .. }
            | Command::Describe { .. }
            | Command::RemoveMember { .. }
            | Command::SetRole { .. }
            | Command::InvokeCommand { .. } => {}
        }
    }
    // A DM is opened under both users' row locks, as every friendship change takes them, so
    // the friendship read below holds until commit.
    opening.sort_unstable();
    opening.dedup();
    for (a, b) in &opening {
        social::lock_pair(conn, *a, *b).await?;
    }
    let messages = if message_ids.is_empty() {
        HashMap::new()
    } else {
        let rows: Vec<MessageRow> =
            messages::table.filter(messages::id.eq_any(message_ids)).select(MessageRow::as_select()).load(conn).await?;
        rows.into_iter().map(|m| (m.id, m)).collect()
    };
    let reactions = if shown.is_empty() { HashMap::new() } else { reactions::of_messages(conn, &shown).await? };
    let attachments = if shown.is_empty() { HashMap::new() } else { media::of_messages(conn, &shown).await? };
    let uploads = if uploads.is_empty() {
        HashMap::new()
    } else {
        media::lock_uploads(conn, &uploads).await?.into_iter().map(|row| (row.id, row)).collect()
    };
    let pins = if pinning.is_empty() { HashMap::new() } else { pin_counts(conn, pinning).await? };
    let friends = if pairs.is_empty() { HashSet::new() } else { friendships(conn, pairs).await? };
    let profiles = if adding.is_empty() { HashMap::new() } else { users::by_ids(conn, &adding).await? };
    let dms = if dm_keys.is_empty() { HashMap::new() } else { existing_dms(conn, dm_keys).await? };
    Ok(Facts { at, conversations, messages, reactions, attachments, uploads, pins, friends, profiles, dms })
}

async fn lock(
    mut conn: &AsyncPgConnection,
    ids: Vec<Uuid>,
    actors: Vec<Uuid>,
    whole: Vec<Uuid>,
) -> QueryResult<HashMap<ConversationId, Locked>> {
    let rows: Vec<LockedRow> = prepared(LOCK_SQL)
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<SqlUuid>, _>(actors)
        .bind::<Array<SqlUuid>, _>(whole)
        .load(&mut conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let members = (row.member_ids.into_iter().zip(row.member_roles).zip(row.member_joined))
                .map(|((user, role), joined_at)| (UserId(user), Membership { role: role.0, joined_at }))
                .collect();
            let locked = Locked { kind: row.kind.0, title: row.title, last_seq: row.last_seq, members };
            (ConversationId(row.id), locked)
        })
        .collect())
}

/// Locks the conversations in id order (so two batches, or a batch and the retention sweep,
/// never deadlock) and reads, in one pass per conversation, the memberships of the batch's
/// actors (`$2`), or every membership of DMs and of the conversations in `$3`. The two arms
/// are disjoint, and each one's condition on the outer row is a one-time filter, so a group
/// send costs one index probe per actor and no sort or de-duplication.
const LOCK_SQL: &str = "\
SELECT c.id, c.kind, c.title, c.last_seq, m.member_ids, m.member_roles, m.member_joined
FROM conversations AS c
CROSS JOIN LATERAL (
    SELECT COALESCE(array_agg(x.user_id), '{}'::uuid[]) AS member_ids,
           COALESCE(array_agg(x.role), '{}'::text[]) AS member_roles,
           COALESCE(array_agg(x.joined_at), '{}'::timestamptz[]) AS member_joined
    FROM (
        SELECT y.user_id, y.role, y.joined_at FROM conversation_members AS y
        WHERE y.conversation_id = c.id AND y.user_id = ANY($2) AND NOT (c.kind = 'dm' OR c.id = ANY($3))
        UNION ALL
        SELECT y.user_id, y.role, y.joined_at FROM conversation_members AS y
        WHERE y.conversation_id = c.id AND (c.kind = 'dm' OR c.id = ANY($3))
    ) AS x
) AS m
WHERE c.id = ANY($1) ORDER BY c.id FOR UPDATE OF c";

#[derive(QueryableByName)]
struct FriendPair {
    #[diesel(sql_type = SqlUuid)]
    user_a: Uuid,
    #[diesel(sql_type = SqlUuid)]
    user_b: Uuid,
}

async fn friendships(
    conn: &mut AsyncPgConnection,
    pairs: HashSet<(UserId, UserId)>,
) -> QueryResult<HashSet<(UserId, UserId)>> {
    let (lows, highs): (Vec<Uuid>, Vec<Uuid>) = pairs.into_iter().map(|(a, b)| (a.0, b.0)).unzip();
    let found: Vec<FriendPair> = prepared(
        "SELECT f.user_a, f.user_b FROM friendships AS f \
         JOIN unnest($1::uuid[], $2::uuid[]) AS p(a, b) ON f.user_a = p.a AND f.user_b = p.b",
    )
    .bind::<Array<SqlUuid>, _>(lows)
    .bind::<Array<SqlUuid>, _>(highs)
    .load(conn)
    .await?;
    Ok(found.into_iter().map(|f| (UserId(f.user_a), UserId(f.user_b))).collect())
}

async fn pin_counts(
    conn: &mut AsyncPgConnection,
    conversations: Vec<Uuid>,
) -> QueryResult<HashMap<ConversationId, usize>> {
    let rows: Vec<(Uuid, i64)> = messages::table
        .filter(messages::conversation_id.eq_any(conversations).and(messages::pinned_at.is_not_null()))
        .group_by(messages::conversation_id)
        .select((messages::conversation_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (ConversationId(id), usize::try_from(n).unwrap_or(usize::MAX))).collect())
}

async fn existing_dms(conn: &mut AsyncPgConnection, keys: Vec<String>) -> QueryResult<HashMap<String, ConversationId>> {
    use crate::schema::conversations;
    let rows: Vec<(Option<String>, Uuid)> = conversations::table
        .filter(conversations::dm_key.eq_any(keys))
        .select((conversations::dm_key, conversations::id))
        .load(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(key, id)| Some((key?, ConversationId(id)))).collect())
}
