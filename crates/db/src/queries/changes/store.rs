//! Writes a batch's changes: one statement for every row and event (one round trip whatever
//! the batch holds), and one more only when the retention sweep removes messages.
//!
//! Data-modifying CTEs all run to completion whether the final `SELECT` reads them or not,
//! and each sees the rows as they were before the statement, which is why the draft hands
//! over final states (a message sent and edited in one batch is inserted edited) and each
//! row appears at most once.

use diesel::QueryResult;
use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rules::Changes;
use crate::prepared::prepared;
use crate::queries::conversations::{kind_name, role_name};

const WRITE: &str = "\
WITH created AS (
    INSERT INTO conversations (id, kind, title, dm_key, created_by, last_seq, last_activity_at, created_at)
    SELECT v.id, v.kind, v.title, v.dm_key, v.created_by, v.last_seq, $10, $10
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::int8[])
         AS v(id, kind, title, dm_key, created_by, last_seq)
), moved AS (
    UPDATE conversations AS c SET last_seq = v.last_seq, title = v.title, last_activity_at = $10
    FROM unnest($7::uuid[], $8::int8[], $9::text[]) AS v(id, last_seq, title) WHERE c.id = v.id
), joined AS (
    INSERT INTO conversation_members (conversation_id, user_id, role, joined_at)
    SELECT * FROM unnest($11::uuid[], $12::uuid[], $13::text[], $14::timestamptz[])
), parted AS (
    DELETE FROM conversation_members AS m USING unnest($15::uuid[], $16::uuid[]) AS v(c, u)
    WHERE m.conversation_id = v.c AND m.user_id = v.u
), promoted AS (
    UPDATE conversation_members AS m SET role = v.role
    FROM unnest($17::uuid[], $18::uuid[], $19::text[]) AS v(c, u, role)
    WHERE m.conversation_id = v.c AND m.user_id = v.u
), stored AS (
    INSERT INTO messages (id, conversation_id, seq, sender_id, client_msg_id, body, reply_to,
                          created_at, edited_at, deleted_at, deleted_by)
    SELECT v.id, v.c, v.seq, v.sender, v.key, v.body, v.reply_to, $10, v.edited_at, v.deleted_at, v.deleted_by
    FROM unnest($20::uuid[], $21::uuid[], $22::int8[], $23::uuid[], $24::uuid[], $25::text[], $26::uuid[],
                $27::timestamptz[], $28::timestamptz[], $29::uuid[])
         AS v(id, c, seq, sender, key, body, reply_to, edited_at, deleted_at, deleted_by)
), changed AS (
    UPDATE messages AS m
    SET body = v.body, edited_at = v.edited_at, deleted_at = v.deleted_at, deleted_by = v.deleted_by
    FROM unnest($30::uuid[], $31::text[], $32::timestamptz[], $33::timestamptz[], $34::uuid[])
         AS v(id, body, edited_at, deleted_at, deleted_by)
    WHERE m.id = v.id
), logged AS (
    INSERT INTO events (conversation_id, seq, kind, message_id, payload, created_at)
    SELECT v.c, v.seq, v.kind, v.message_id, v.payload, $10
    FROM unnest($35::uuid[], $36::int8[], $37::text[], $38::uuid[], $39::jsonb[])
         AS v(c, seq, kind, message_id, payload)
)
SELECT 1";

/// Writes `changes` in the open transaction.
pub(super) async fn write(conn: &mut AsyncPgConnection, changes: &Changes) -> QueryResult<()> {
    let Some(at) = changes.at else { return Ok(()) };
    let nothing = changes.created.is_empty()
        && changes.moved.is_empty()
        && changes.joined.is_empty()
        && changes.parted.is_empty()
        && changes.roles.is_empty()
        && changes.stored.is_empty()
        && changes.changed.is_empty()
        && changes.events.is_empty();
    if !nothing {
        let c = &changes.created;
        let m = &changes.stored;
        let e = &changes.events;
        prepared(WRITE)
            .bind::<Array<SqlUuid>, _>(c.iter().map(|c| c.id.0).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(c.iter().map(|c| kind_name(c.kind)).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(c.iter().map(|c| c.title.as_str()).collect::<Vec<_>>())
            .bind::<Array<Nullable<Text>>, _>(c.iter().map(|c| c.dm_key.as_deref()).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(c.iter().map(|c| c.created_by.0).collect::<Vec<_>>())
            .bind::<Array<BigInt>, _>(c.iter().map(|c| c.last_seq).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(changes.moved.iter().map(|m| m.0.0).collect::<Vec<_>>())
            .bind::<Array<BigInt>, _>(changes.moved.iter().map(|m| m.1).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(changes.moved.iter().map(|m| m.2.as_str()).collect::<Vec<_>>())
            .bind::<Timestamptz, _>(at)
            .bind::<Array<SqlUuid>, _>(changes.joined.iter().map(|j| j.0.0).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(changes.joined.iter().map(|j| j.1.0).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(changes.joined.iter().map(|j| role_name(j.2)).collect::<Vec<_>>())
            .bind::<Array<Timestamptz>, _>(changes.joined.iter().map(|j| j.3).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(changes.parted.iter().map(|p| p.0.0).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(changes.parted.iter().map(|p| p.1.0).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(changes.roles.iter().map(|r| r.0.0).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(changes.roles.iter().map(|r| r.1.0).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(changes.roles.iter().map(|r| role_name(r.2)).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(m.iter().map(|m| m.id).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(m.iter().map(|m| m.conversation_id).collect::<Vec<_>>())
            .bind::<Array<BigInt>, _>(m.iter().map(|m| m.seq).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(m.iter().map(|m| m.sender_id).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(m.iter().map(|m| m.client_msg_id).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(m.iter().map(|m| m.body.as_str()).collect::<Vec<_>>())
            .bind::<Array<Nullable<SqlUuid>>, _>(m.iter().map(|m| m.reply_to).collect::<Vec<_>>())
            .bind::<Array<Nullable<Timestamptz>>, _>(m.iter().map(|m| m.edited_at).collect::<Vec<_>>())
            .bind::<Array<Nullable<Timestamptz>>, _>(m.iter().map(|m| m.deleted_at).collect::<Vec<_>>())
            .bind::<Array<Nullable<SqlUuid>>, _>(m.iter().map(|m| m.deleted_by).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(changes.changed.iter().map(|m| m.id).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(changes.changed.iter().map(|m| m.body.as_str()).collect::<Vec<_>>())
            .bind::<Array<Nullable<Timestamptz>>, _>(changes.changed.iter().map(|m| m.edited_at).collect::<Vec<_>>())
            .bind::<Array<Nullable<Timestamptz>>, _>(changes.changed.iter().map(|m| m.deleted_at).collect::<Vec<_>>())
            .bind::<Array<Nullable<SqlUuid>>, _>(changes.changed.iter().map(|m| m.deleted_by).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(e.iter().map(|e| e.conversation.0).collect::<Vec<_>>())
            .bind::<Array<BigInt>, _>(e.iter().map(|e| e.seq).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(e.iter().map(|e| e.kind).collect::<Vec<_>>())
            .bind::<Array<Nullable<SqlUuid>>, _>(e.iter().map(|e| e.message_id).collect::<Vec<_>>())
            .bind::<Array<Jsonb>, _>(e.iter().map(|e| e.payload.clone()).collect::<Vec<_>>())
            .execute(conn)
            .await?;
    }
    if !changes.expired.is_empty() {
        // Apart from the statement above: removing a message sets its replies' `reply_to` to
        // NULL, which must not meet an edit of the same reply in one statement.
        let ids: Vec<Uuid> = changes.expired.iter().map(|m| m.0).collect();
        prepared("DELETE FROM messages WHERE id = ANY($1)").bind::<Array<SqlUuid>, _>(ids).execute(conn).await?;
    }
    Ok(())
}
