//! Writes a batch's changes: the conversations' counters, new messages and every event in one
//! statement (all a batch of sends needs: one round trip whatever its size), and one more
//! statement for each other kind of row (created conversations, changed messages, reactions,
//! attachments, memberships, expired messages) only when the batch has some.
//!
//! Why several statements rather than one with a part per kind: PostgreSQL plans a prepared
//! statement afresh while its custom plans look cheaper than its generic one, and a part fed
//! an empty array makes every custom plan look cheap; one all-kinds statement was re-planned
//! on every batch (p50 at 1,000 msgs/s went from 2.5 to 4.5 ms). Each statement here only
//! runs with rows to write, so its plan is made once and kept.
//!
//! The writer runs these with generic plans (`transaction::Plans::Generic`), which do not know
//! how long the batch's arrays are. A statement that changes existing rows therefore names
//! them twice: joined to the arrays, for the values, and as `id = ANY($1)`, an index condition
//! whatever the estimate. Joined alone, a generic plan made from statistics of a smaller table
//! may walk a whole index (`tests/writer_plans.rs`).
//!
//! Data-modifying CTEs each see the rows as they were before their statement, which is why
//! the draft hands over final states (a message sent and edited in one batch is inserted
//! edited) and each row appears at most once.

use diesel::QueryResult;
use diesel::sql_types::{
    Array, BigInt, Bool, Double, Integer, Jsonb, Nullable, SmallInt, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rules::Changes;
use crate::columns::{StoredKind, StoredRole};
use crate::prepared::{Prepared, prepared};

/// Conversations the batch creates (before anything that refers to them).
const CREATE: &str = "\
INSERT INTO conversations (id, kind, title, dm_key, created_by, last_seq, last_activity_at, created_at)
SELECT v.id, v.kind, v.title, v.dm_key, v.created_by, v.last_seq, $7, $7
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::int8[])
     AS v(id, kind, title, dm_key, created_by, last_seq)";

/// Counters and titles of existing conversations, new messages, and every event.
const LOG: &str = "\
WITH moved AS (
    UPDATE conversations AS c SET last_seq = v.last_seq, title = v.title, last_activity_at = $4
    FROM unnest($1::uuid[], $2::int8[], $3::text[]) AS v(id, last_seq, title) WHERE c.id = ANY($1) AND c.id = v.id
), stored AS (
    INSERT INTO messages (id, conversation_id, seq, sender_id, client_msg_id, body, reply_to,
                          created_at, edited_at, deleted_at, deleted_by, mentions, forwarded, pinned_at, pinned_by,
                          location_latitude, location_longitude, location_accuracy_m, display_name)
    SELECT v.id, v.c, v.seq, v.sender, v.key, v.body, v.reply_to, $4, v.edited_at, v.deleted_at, v.deleted_by,
           v.mentions::uuid[], v.forwarded, v.pinned_at, v.pinned_by, v.lat, v.lon, v.accuracy, v.shown_as
    FROM unnest($5::uuid[], $6::uuid[], $7::int8[], $8::uuid[], $9::uuid[], $10::text[], $11::uuid[],
                $12::timestamptz[], $13::timestamptz[], $14::uuid[], $20::text[], $21::bool[],
                $22::timestamptz[], $23::uuid[], $24::float8[], $25::float8[], $26::int4[], $27::text[])
         AS v(id, c, seq, sender, key, body, reply_to, edited_at, deleted_at, deleted_by, mentions, forwarded,
              pinned_at, pinned_by, lat, lon, accuracy, shown_as)
)
INSERT INTO events (conversation_id, seq, kind, message_id, payload, created_at)
SELECT v.c, v.seq, v.kind, v.message_id, v.payload, $4
FROM unnest($15::uuid[], $16::int8[], $17::text[], $18::uuid[], $19::jsonb[])
     AS v(c, seq, kind, message_id, payload)";

/// Stored messages edited, deleted, pinned or unpinned (a deletion also clears a location).
const CHANGE_MESSAGES: &str = "\
UPDATE messages AS m
SET body = v.body, edited_at = v.edited_at, deleted_at = v.deleted_at, deleted_by = v.deleted_by,
    pinned_at = v.pinned_at, pinned_by = v.pinned_by,
    location_latitude = CASE WHEN v.deleted_at IS NULL THEN m.location_latitude END,
    location_longitude = CASE WHEN v.deleted_at IS NULL THEN m.location_longitude END,
    location_accuracy_m = CASE WHEN v.deleted_at IS NULL THEN m.location_accuracy_m END
FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::uuid[], $6::timestamptz[],
            $7::uuid[])
     AS v(id, body, edited_at, deleted_at, deleted_by, pinned_at, pinned_by)
WHERE m.id = ANY($1) AND m.id = v.id";

/// Reactions added and taken back (the draft hands over each row's net change, so no row is
/// both added and removed).
const CHANGE_REACTIONS: &str = "\
WITH added AS (
    INSERT INTO message_reactions (message_id, emoji, user_id, created_at)
    SELECT v.m, v.e, v.u, $7 FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS v(m, e, u)
)
DELETE FROM message_reactions AS r USING unnest($4::uuid[], $5::text[], $6::uuid[]) AS v(m, e, u)
WHERE r.message_id = ANY($4) AND r.message_id = v.m AND r.emoji = v.e AND r.user_id = v.u";

/// Uploads attached to the batch's new messages (after those are stored).
const ATTACH: &str = "\
UPDATE media AS m SET message_id = v.message, position = v.position
FROM unnest($1::uuid[], $2::uuid[], $3::int2[]) AS v(id, message, position) WHERE m.id = ANY($1) AND m.id = v.id";

/// Attachments of deleted messages (their blobs are removed by the media janitor).
const DETACH: &str = "DELETE FROM media WHERE message_id = ANY($1)";

/// Group descriptions changed (rare: a statement of their own keeps them out of every send's).
const DESCRIBE: &str = "\
UPDATE conversations AS c SET description = v.description
FROM unnest($1::uuid[], $2::text[]) AS v(id, description) WHERE c.id = ANY($1) AND c.id = v.id";

/// Group photos set or removed (rare, like descriptions).
const PHOTO: &str = "\
UPDATE conversations AS c SET photo_id = v.photo
FROM unnest($1::uuid[], $2::uuid[]) AS v(id, photo) WHERE c.id = ANY($1) AND c.id = v.id";

/// Memberships added, removed and re-roled.
const CHANGE_MEMBERS: &str = "\
WITH joined AS (
    INSERT INTO conversation_members (conversation_id, user_id, role, joined_at)
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[])
), parted AS (
    DELETE FROM conversation_members AS m USING unnest($5::uuid[], $6::uuid[]) AS v(c, u)
    WHERE m.conversation_id = ANY($5) AND m.conversation_id = v.c AND m.user_id = v.u
)
UPDATE conversation_members AS m SET role = v.role
FROM unnest($7::uuid[], $8::uuid[], $9::text[]) AS v(c, u, role)
WHERE m.conversation_id = ANY($7) AND m.conversation_id = v.c AND m.user_id = v.u";

/// A `uuid[]` as PostgreSQL's array literal, `{a,b}`: a one-dimensional array per message
/// cannot travel inside the batch's `unnest` (arrays of arrays must be rectangular and unnest
/// flattens them), so each travels as text and is cast back in the statement.
fn uuid_array_literal(ids: &[Uuid]) -> String {
    let mut literal = String::with_capacity(2 + ids.len() * 37);
    literal.push('{');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            literal.push(',');
        }
        literal.push_str(&id.hyphenated().to_string());
    }
    literal.push('}');
    literal
}

/// Writes `changes` as the open transaction's last statements, in the order above, and ends
/// the transaction with the last of them (`COMMIT` goes with it: `transaction::last_then_commit`).
/// With nothing to write it leaves the transaction open for `transaction::begun_with` to commit.
pub(super) async fn write_and_commit(conn: &mut AsyncPgConnection, changes: &Changes) -> QueryResult<()> {
    let mut statements = statements(changes);
    let Some(last) = statements.pop() else { return Ok(()) };
    for statement in statements {
        statement.execute(conn).await?;
    }
    crate::transaction::last_then_commit(conn, last).await.map(drop)
}

/// The statements that write `changes`, each only when it has rows to write.
fn statements(changes: &Changes) -> Vec<Prepared<'_>> {
    let mut statements = Vec::new();
    let at = changes.at;
    if !changes.created.is_empty() {
        let c = &changes.created;
        statements.push(
            prepared(CREATE)
                .bind::<Array<SqlUuid>, _>(c.iter().map(|c| c.id.0).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(c.iter().map(|c| StoredKind(c.kind).name()).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(c.iter().map(|c| c.title.as_str()).collect::<Vec<_>>())
                .bind::<Array<Nullable<Text>>, _>(c.iter().map(|c| c.dm_key.as_deref()).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(c.iter().map(|c| c.created_by.0).collect::<Vec<_>>())
                .bind::<Array<BigInt>, _>(c.iter().map(|c| c.last_seq).collect::<Vec<_>>())
                .bind::<Timestamptz, _>(at),
        );
    }
    if !changes.moved.is_empty() || !changes.stored.is_empty() || !changes.events.is_empty() {
        let m = &changes.stored;
        let e = &changes.events;
        statements.push(
            prepared(LOG)
                .bind::<Array<SqlUuid>, _>(changes.moved.iter().map(|m| m.0.0).collect::<Vec<_>>())
                .bind::<Array<BigInt>, _>(changes.moved.iter().map(|m| m.1).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(changes.moved.iter().map(|m| m.2.as_str()).collect::<Vec<_>>())
                .bind::<Timestamptz, _>(at)
                .bind::<Array<SqlUuid>, _>(m.iter().map(|m| m.id.0).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(m.iter().map(|m| m.conversation_id.0).collect::<Vec<_>>())
                .bind::<Array<BigInt>, _>(m.iter().map(|m| m.seq).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(m.iter().map(|m| m.sender_id.0).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(m.iter().map(|m| m.client_msg_id).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(m.iter().map(|m| m.body.as_str()).collect::<Vec<_>>())
                .bind::<Array<Nullable<SqlUuid>>, _>(m.iter().map(|m| m.reply_to).collect::<Vec<_>>())
                .bind::<Array<Nullable<Timestamptz>>, _>(m.iter().map(|m| m.edited_at).collect::<Vec<_>>())
                .bind::<Array<Nullable<Timestamptz>>, _>(m.iter().map(|m| m.deleted_at).collect::<Vec<_>>())
                .bind::<Array<Nullable<SqlUuid>>, _>(m.iter().map(|m| m.deleted_by).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(e.iter().map(|e| e.conversation.0).collect::<Vec<_>>())
                .bind::<Array<BigInt>, _>(e.iter().map(|e| e.seq).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(e.iter().map(|e| e.kind).collect::<Vec<_>>())
                .bind::<Array<Nullable<SqlUuid>>, _>(e.iter().map(|e| e.message_id).collect::<Vec<_>>())
                .bind::<Array<Jsonb>, _>(e.iter().map(|e| &e.payload).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(m.iter().map(|m| uuid_array_literal(&m.mentions)).collect::<Vec<_>>())
                .bind::<Array<Bool>, _>(m.iter().map(|m| m.forwarded).collect::<Vec<_>>())
                .bind::<Array<Nullable<Timestamptz>>, _>(m.iter().map(|m| m.pinned_at).collect::<Vec<_>>())
                .bind::<Array<Nullable<SqlUuid>>, _>(m.iter().map(|m| m.pinned_by).collect::<Vec<_>>())
                .bind::<Array<Nullable<Double>>, _>(m.iter().map(|m| m.location_latitude).collect::<Vec<_>>())
                .bind::<Array<Nullable<Double>>, _>(m.iter().map(|m| m.location_longitude).collect::<Vec<_>>())
                .bind::<Array<Nullable<Integer>>, _>(m.iter().map(|m| m.location_accuracy_m).collect::<Vec<_>>())
                .bind::<Array<Nullable<Text>>, _>(m.iter().map(|m| m.display_name.as_deref()).collect::<Vec<_>>()),
        );
    }
    if !changes.changed.is_empty() {
        let m = &changes.changed;
        statements.push(
            prepared(CHANGE_MESSAGES)
                .bind::<Array<SqlUuid>, _>(m.iter().map(|m| m.id.0).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(m.iter().map(|m| m.body.as_str()).collect::<Vec<_>>())
                .bind::<Array<Nullable<Timestamptz>>, _>(m.iter().map(|m| m.edited_at).collect::<Vec<_>>())
                .bind::<Array<Nullable<Timestamptz>>, _>(m.iter().map(|m| m.deleted_at).collect::<Vec<_>>())
                .bind::<Array<Nullable<SqlUuid>>, _>(m.iter().map(|m| m.deleted_by).collect::<Vec<_>>())
                .bind::<Array<Nullable<Timestamptz>>, _>(m.iter().map(|m| m.pinned_at).collect::<Vec<_>>())
                .bind::<Array<Nullable<SqlUuid>>, _>(m.iter().map(|m| m.pinned_by).collect::<Vec<_>>()),
        );
    }
    if !changes.attached.is_empty() {
        let a = &changes.attached;
        statements.push(
            prepared(ATTACH)
                .bind::<Array<SqlUuid>, _>(a.iter().map(|a| a.0.0).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(a.iter().map(|a| a.1.0).collect::<Vec<_>>())
                .bind::<Array<SmallInt>, _>(a.iter().map(|a| a.2).collect::<Vec<_>>()),
        );
    }
    if !changes.detached.is_empty() {
        statements
            .push(prepared(DETACH).bind::<Array<SqlUuid>, _>(changes.detached.iter().map(|m| m.0).collect::<Vec<_>>()));
    }
    if !changes.described.is_empty() {
        statements.push(
            prepared(DESCRIBE)
                .bind::<Array<SqlUuid>, _>(changes.described.iter().map(|d| d.0.0).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(changes.described.iter().map(|d| d.1.as_str()).collect::<Vec<_>>()),
        );
    }
    if !changes.photos.is_empty() {
        statements.push(
            prepared(PHOTO)
                .bind::<Array<SqlUuid>, _>(changes.photos.iter().map(|p| p.0.0).collect::<Vec<_>>())
                .bind::<Array<Nullable<SqlUuid>>, _>(
                    changes.photos.iter().map(|p| p.1.map(|m| m.0)).collect::<Vec<_>>(),
                ),
        );
    }
    if !changes.reactions_added.is_empty() || !changes.reactions_removed.is_empty() {
        let (added, removed) = (&changes.reactions_added, &changes.reactions_removed);
        statements.push(
            prepared(CHANGE_REACTIONS)
                .bind::<Array<SqlUuid>, _>(added.iter().map(|r| r.0.0).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(added.iter().map(|r| r.1.as_str()).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(added.iter().map(|r| r.2.0).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(removed.iter().map(|r| r.0.0).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(removed.iter().map(|r| r.1.as_str()).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(removed.iter().map(|r| r.2.0).collect::<Vec<_>>())
                .bind::<Timestamptz, _>(at),
        );
    }
    if !changes.joined.is_empty() || !changes.parted.is_empty() || !changes.roles.is_empty() {
        statements.push(
            prepared(CHANGE_MEMBERS)
                .bind::<Array<SqlUuid>, _>(changes.joined.iter().map(|j| j.0.0).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(changes.joined.iter().map(|j| j.1.0).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(changes.joined.iter().map(|j| StoredRole(j.2).name()).collect::<Vec<_>>())
                .bind::<Array<Timestamptz>, _>(changes.joined.iter().map(|j| j.3).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(changes.parted.iter().map(|p| p.0.0).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(changes.parted.iter().map(|p| p.1.0).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(changes.roles.iter().map(|r| r.0.0).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(changes.roles.iter().map(|r| r.1.0).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(changes.roles.iter().map(|r| StoredRole(r.2).name()).collect::<Vec<_>>()),
        );
    }
    if !changes.expired.is_empty() {
        // Last: removing a message sets its replies' `reply_to` to NULL, which must not meet an
        // edit of the same reply within one statement.
        let ids: Vec<Uuid> = changes.expired.iter().map(|m| m.0).collect();
        statements.push(prepared("DELETE FROM messages WHERE id = ANY($1)").bind::<Array<SqlUuid>, _>(ids));
    }
    statements
}
