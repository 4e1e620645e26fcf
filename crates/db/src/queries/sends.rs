//! Stores message sends in batches: one transaction, one commit (one WAL flush) for many sends,
//! while each send keeps its own answer, its own refusal and its idempotency on `client_msg_id`.
//!
//! A batch costs the same few round trips whatever its size: the replays read, `BEGIN`, the
//! locks with the memberships, (for DMs: friendships; for replies: their targets), one
//! statement writing counters, messages and events, and `COMMIT`.

use std::collections::{HashMap, HashSet, hash_map::Entry};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, BigInt, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::prepared::prepared;
use crate::queries::conversations::Refusal;
use crate::queries::messages::MessageRow;
use crate::schema::{conversation_members, friendships, messages};

/// One send waiting to be stored.
#[derive(Clone, Debug)]
pub struct NewMessage {
    /// Where.
    pub conversation: Uuid,
    /// Who.
    pub sender: Uuid,
    /// The sender's idempotency key.
    pub client_msg_id: Uuid,
    /// Text, already checked.
    pub body: String,
    /// The message answered, if any.
    pub reply_to: Option<Uuid>,
}

/// A stored send: the message, and whether this call stored it (false for a replay of a
/// `client_msg_id` already used).
#[derive(Debug)]
pub struct Sent {
    /// The message as stored.
    pub message: MessageRow,
    /// The event time (for a new message).
    pub at: DateTime<Utc>,
    /// True when this call created it.
    pub created: bool,
}

/// How often a batch is tried again after losing a race on `(sender, client_msg_id)` to
/// another process: the next try finds the winner's message and answers with it.
const ATTEMPTS: usize = 3;

/// Stores `batch` in one transaction and answers each send in the batch's order.
///
/// Sends to one conversation get consecutive seqs in the batch's order. A refused send (not a
/// member, a DM with someone no longer a friend, a reply to a message elsewhere) fails alone.
/// `Err` means the transaction failed as a whole and nothing was stored.
pub async fn send_batch(conn: &mut AsyncPgConnection, batch: &[NewMessage]) -> QueryResult<Vec<Result<Sent, Refusal>>> {
    let mut attempt = 1;
    loop {
        match try_batch(conn, batch).await {
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) if attempt < ATTEMPTS => {
                attempt += 1
            }
            other => return other,
        }
    }
}

async fn try_batch(conn: &mut AsyncPgConnection, batch: &[NewMessage]) -> QueryResult<Vec<Result<Sent, Refusal>>> {
    let mut answers: Vec<Option<Result<Sent, Refusal>>> = batch.iter().map(|_| None).collect();
    let stored = already_stored(conn, batch).await?;
    // Sends to store now, and repeats of one of them within this batch (a client retrying
    // before its first try was answered).
    let mut first_of: HashMap<(Uuid, Uuid), usize> = HashMap::new();
    let mut fresh = Vec::new();
    let mut repeats = Vec::new();
    for (i, send) in batch.iter().enumerate() {
        let key = (send.sender, send.client_msg_id);
        if let Some(found) = stored.get(&key) {
            answers[i] = Some(replay(found.clone(), send.conversation));
            continue;
        }
        match first_of.entry(key) {
            Entry::Occupied(first) => repeats.push((i, *first.get())),
            Entry::Vacant(slot) => {
                slot.insert(i);
                fresh.push(i);
            }
        }
    }
    if !fresh.is_empty() {
        let outcomes = conn.transaction(async |conn| store(conn, batch, &fresh).await).await?;
        for (i, outcome) in fresh.into_iter().zip(outcomes) {
            answers[i] = Some(outcome);
        }
    }
    for (i, first) in repeats {
        answers[i] = Some(match &answers[first] {
            Some(Ok(sent)) => replay(sent.message.clone(), batch[i].conversation),
            Some(Err(refusal)) => Err(same_refusal(refusal)),
            None => Err(Refusal::Conflict("client_msg_id: a concurrent send failed; retry")),
        });
    }
    Ok(answers.into_iter().map(|a| a.unwrap_or(Err(Refusal::Conflict("send was not processed; retry")))).collect())
}

/// Messages already stored under the batch's `(sender, client_msg_id)` keys.
async fn already_stored(
    conn: &mut AsyncPgConnection,
    batch: &[NewMessage],
) -> QueryResult<HashMap<(Uuid, Uuid), MessageRow>> {
    let senders: HashSet<Uuid> = batch.iter().map(|s| s.sender).collect();
    let keys: Vec<Uuid> = batch.iter().map(|s| s.client_msg_id).collect();
    let rows: Vec<MessageRow> = messages::table
        .filter(messages::sender_id.eq_any(senders))
        .filter(messages::client_msg_id.eq_any(keys))
        .select(MessageRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|m| ((m.sender_id, m.client_msg_id), m)).collect())
}

fn replay(found: MessageRow, conversation: Uuid) -> Result<Sent, Refusal> {
    if found.conversation_id != conversation {
        return Err(Refusal::Conflict("client_msg_id: already used for a message in another conversation"));
    }
    Ok(Sent { at: found.created_at, message: found, created: false })
}

fn same_refusal(refusal: &Refusal) -> Refusal {
    match refusal {
        Refusal::NotFound(what) => Refusal::NotFound(what),
        Refusal::Forbidden(why) => Refusal::Forbidden(why),
        Refusal::Unprocessable(why) => Refusal::Unprocessable(why.clone()),
        Refusal::Conflict(why) => Refusal::Conflict(why),
        Refusal::Database(_) => Refusal::Conflict("client_msg_id: a concurrent send failed; retry"),
    }
}

/// What a batch needs to know to judge its sends, read under the conversations' locks.
struct Facts {
    /// Locked conversations: kind and last seq.
    conversations: HashMap<Uuid, (String, i64)>,
    /// (conversation, user) pairs of senders who are members.
    members: HashSet<(Uuid, Uuid)>,
    /// For each DM in the batch, its members.
    dm_members: HashMap<Uuid, Vec<Uuid>>,
    /// Friend pairs among DM senders and their peers, as (lower id, higher id).
    friends: HashSet<(Uuid, Uuid)>,
    /// Reply targets that exist, with their conversation.
    replies: HashMap<Uuid, Uuid>,
}

/// A locked conversation and which of the batch's senders belong to it.
#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = BigInt)]
    last_seq: i64,
    #[diesel(sql_type = Array<SqlUuid>)]
    senders: Vec<Uuid>,
}

fn pair(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a < b { (a, b) } else { (b, a) }
}

async fn read_facts(conn: &mut AsyncPgConnection, sends: &[&NewMessage]) -> QueryResult<Facts> {
    let mut conversation_ids: Vec<Uuid> = sends.iter().map(|s| s.conversation).collect();
    conversation_ids.sort_unstable();
    conversation_ids.dedup();
    // Locked in id order, so two batches (or a batch and a member change) never deadlock; the
    // lock makes the membership read below current, since member changes take it too.
    // One round trip: the locks, and which of the batch's senders are members of each.
    let senders: Vec<Uuid> = sends.iter().map(|s| s.sender).collect::<HashSet<_>>().into_iter().collect();
    let locked: Vec<Locked> = prepared(
        "SELECT c.id, c.kind, c.last_seq, ARRAY(SELECT m.user_id FROM conversation_members m \
         WHERE m.conversation_id = c.id AND m.user_id = ANY($2)) AS senders \
         FROM conversations c WHERE c.id = ANY($1) ORDER BY c.id FOR UPDATE OF c",
    )
    .bind::<Array<SqlUuid>, _>(conversation_ids)
    .bind::<Array<SqlUuid>, _>(senders)
    .load(conn)
    .await?;
    let members: HashSet<(Uuid, Uuid)> =
        locked.iter().flat_map(|c| c.senders.iter().map(|user| (c.id, *user))).collect();
    let locked: Vec<(Uuid, String, i64)> = locked.into_iter().map(|c| (c.id, c.kind, c.last_seq)).collect();
    let dms: Vec<Uuid> = locked.iter().filter(|(_, kind, _)| kind == "dm").map(|(id, _, _)| *id).collect();
    let mut dm_members: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut friends = HashSet::new();
    if !dms.is_empty() {
        let rows: Vec<(Uuid, Uuid)> = conversation_members::table
            .filter(conversation_members::conversation_id.eq_any(&dms))
            .select((conversation_members::conversation_id, conversation_members::user_id))
            .load(conn)
            .await?;
        for (conversation, user) in rows {
            dm_members.entry(conversation).or_default().push(user);
        }
        let pairs: HashSet<(Uuid, Uuid)> = dm_members
            .values()
            .filter_map(|users| match users.as_slice() {
                [a, b] => Some(pair(*a, *b)),
                _ => None,
            })
            .collect();
        let lows: Vec<Uuid> = pairs.iter().map(|p| p.0).collect();
        let highs: Vec<Uuid> = pairs.iter().map(|p| p.1).collect();
        let found: Vec<(Uuid, Uuid)> = friendships::table
            .filter(friendships::user_a.eq_any(lows).and(friendships::user_b.eq_any(highs)))
            .select((friendships::user_a, friendships::user_b))
            .load(conn)
            .await?;
        friends = found.into_iter().filter(|p| pairs.contains(p)).collect();
    }
    let reply_ids: Vec<Uuid> = sends.iter().filter_map(|s| s.reply_to).collect();
    let replies = if reply_ids.is_empty() {
        HashMap::new()
    } else {
        messages::table
            .filter(messages::id.eq_any(reply_ids))
            .select((messages::id, messages::conversation_id))
            .load::<(Uuid, Uuid)>(conn)
            .await?
            .into_iter()
            .collect()
    };
    Ok(Facts {
        conversations: locked.into_iter().map(|(id, kind, seq)| (id, (kind, seq))).collect(),
        members,
        dm_members,
        friends,
        replies,
    })
}

/// Judges one send against the facts: the same rules as the REST and WebSocket docs state.
fn check(facts: &Facts, send: &NewMessage) -> Result<(), Refusal> {
    let (kind, _) = facts.conversations.get(&send.conversation).ok_or(Refusal::NotFound("conversation"))?;
    if !facts.members.contains(&(send.conversation, send.sender)) {
        return Err(Refusal::NotFound("conversation"));
    }
    if kind == "dm" {
        let peer = facts
            .dm_members
            .get(&send.conversation)
            .and_then(|users| users.iter().find(|u| **u != send.sender))
            .copied();
        if !peer.is_some_and(|peer| facts.friends.contains(&pair(send.sender, peer))) {
            return Err(Refusal::Forbidden("you can only message your friends"));
        }
    }
    if let Some(reply_to) = send.reply_to
        && facts.replies.get(&reply_to) != Some(&send.conversation)
    {
        return Err(Refusal::Unprocessable("reply_to: no such message in this conversation".into()));
    }
    Ok(())
}

/// Inside the transaction: judges the fresh sends, gives the accepted ones their seqs and
/// writes them with their events.
async fn store(
    conn: &mut AsyncPgConnection,
    batch: &[NewMessage],
    fresh: &[usize],
) -> Result<Vec<Result<Sent, Refusal>>, DieselError> {
    let sends: Vec<&NewMessage> = fresh.iter().map(|&i| &batch[i]).collect();
    let facts = read_facts(conn, &sends).await?;
    let mut last_seq: HashMap<Uuid, i64> = facts.conversations.iter().map(|(id, (_, seq))| (*id, *seq)).collect();
    // Per send: its new message id and seq, or why it was refused.
    let verdicts: Vec<Result<(Uuid, i64), Refusal>> = sends
        .iter()
        .map(|send| {
            check(&facts, send)?;
            let seq = last_seq.get_mut(&send.conversation).ok_or(Refusal::NotFound("conversation"))?;
            *seq += 1;
            Ok((Uuid::now_v7(), *seq))
        })
        .collect();
    let accepted: Vec<(&NewMessage, Uuid, i64)> = sends
        .iter()
        .zip(&verdicts)
        .filter_map(|(send, verdict)| verdict.as_ref().ok().map(|(id, seq)| (*send, *id, *seq)))
        .collect();
    let (mut by_id, at) = if accepted.is_empty() {
        (HashMap::new(), Utc::now())
    } else {
        write(conn, &facts, &last_seq, &accepted).await?
    };
    Ok(verdicts
        .into_iter()
        .map(|verdict| {
            let (id, _) = verdict?;
            let message = by_id.remove(&id).ok_or(Refusal::Conflict("send was not stored; retry"))?;
            Ok(Sent { message, at, created: true })
        })
        .collect())
}

/// The accepted sends' counters, messages and events in one statement (one round trip):
/// data-modifying CTEs all run to completion, read by the final `SELECT` or not.
const WRITE: &str = "\
WITH moved AS (
    UPDATE conversations AS c SET last_seq = v.last_seq, last_activity_at = now()
    FROM unnest($1, $2) AS v(id, last_seq) WHERE c.id = v.id
), stored AS (
    INSERT INTO messages (id, conversation_id, seq, sender_id, client_msg_id, body, reply_to)
    SELECT * FROM unnest($3, $4, $5, $6, $7, $8, $9)
    RETURNING id, conversation_id, seq, sender_id, client_msg_id, body, reply_to,
              created_at, edited_at, deleted_at, deleted_by
), logged AS (
    INSERT INTO events (conversation_id, seq, kind, message_id, payload)
    SELECT conversation_id, seq, 'message_created', id, '{}'::jsonb FROM stored
)
SELECT * FROM stored";

/// Writes the accepted sends; returns the stored messages by id and the event time (the
/// transaction's `now()`, which the messages' `created_at` and the events share).
async fn write(
    conn: &mut AsyncPgConnection,
    facts: &Facts,
    last_seq: &HashMap<Uuid, i64>,
    accepted: &[(&NewMessage, Uuid, i64)],
) -> QueryResult<(HashMap<Uuid, MessageRow>, DateTime<Utc>)> {
    let (moved_ids, moved_seqs): (Vec<Uuid>, Vec<i64>) = last_seq
        .iter()
        .filter(|(id, seq)| facts.conversations.get(id).is_some_and(|(_, before)| before != *seq))
        .map(|(id, seq)| (*id, *seq))
        .unzip();
    let uuids = |f: fn(&(&NewMessage, Uuid, i64)) -> Uuid| accepted.iter().map(f).collect::<Vec<Uuid>>();
    let stored: Vec<MessageRow> = prepared(WRITE)
        .bind::<Array<SqlUuid>, _>(moved_ids)
        .bind::<Array<BigInt>, _>(moved_seqs)
        .bind::<Array<SqlUuid>, _>(uuids(|a| a.1))
        .bind::<Array<SqlUuid>, _>(uuids(|a| a.0.conversation))
        .bind::<Array<BigInt>, _>(accepted.iter().map(|a| a.2).collect::<Vec<i64>>())
        .bind::<Array<SqlUuid>, _>(uuids(|a| a.0.sender))
        .bind::<Array<SqlUuid>, _>(uuids(|a| a.0.client_msg_id))
        .bind::<Array<Text>, _>(accepted.iter().map(|a| a.0.body.as_str()).collect::<Vec<&str>>())
        .bind::<Array<Nullable<SqlUuid>>, _>(accepted.iter().map(|a| a.0.reply_to).collect::<Vec<Option<Uuid>>>())
        .load(conn)
        .await?;
    let at = <[MessageRow]>::first(&stored).map_or_else(Utc::now, |m| m.created_at);
    Ok((stored.into_iter().map(|m| (m.id, m)).collect(), at))
}
