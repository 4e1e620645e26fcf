//! The only way into a conversation's log: typed commands (send, edit, delete, expire, rename,
//! members, roles, creation) stored in batches, each batch one transaction with one commit.
//!
//! A batch reads what its commands need under the conversations' row locks (`facts`), judges
//! and applies each command in order to an in-memory draft of those conversations (`rules`,
//! pure), and writes the draft's rows and events with one statement (`store`). One seq
//! allocator and one event writer serve every kind of change, so a conversation's events are
//! numbered, stored and published in one order; a refused command fails alone.

mod command;
mod facts;
mod rules;
mod store;

use std::collections::{HashMap, hash_map::Entry};

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncPgConnection;
use futures_util::future::try_join;
use protocol::media::Attachment;
use protocol::{ConversationId, MessageId, UserId};
use uuid::Uuid;

pub use command::{Applied, Command, Deleter, NewMessage, Outcome};

use crate::queries::conversations::Refusal;
use crate::queries::media;
use crate::queries::messages::MessageRow;

/// How often a batch is tried again after losing a race on a unique key to another process
/// (`(sender, client_msg_id)`, a DM's pair key): the next try finds the winner's row.
const ATTEMPTS: usize = 3;

/// Stores `batch` in one transaction and answers each command in the batch's order.
///
/// Commands on one conversation are applied, and get their seqs, in the batch's order. A
/// refused command fails alone. `Err` means the transaction failed as a whole and nothing was
/// stored.
pub async fn apply_batch(
    conn: &mut AsyncPgConnection,
    batch: &[Command],
) -> diesel::QueryResult<Vec<Result<Applied, Refusal>>> {
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

async fn try_batch(
    conn: &mut AsyncPgConnection,
    batch: &[Command],
) -> diesel::QueryResult<Vec<Result<Applied, Refusal>>> {
    let mut answers: Vec<Option<Result<Applied, Refusal>>> = batch.iter().map(|_| None).collect();
    // A repeat of one send within this batch is answered after the first, from its answer.
    let mut first_of: HashMap<(UserId, Uuid), usize> = HashMap::new();
    let mut candidates = Vec::with_capacity(batch.len());
    let mut repeats = Vec::new();
    for (i, command) in batch.iter().enumerate() {
        if let Command::Send(send) = command {
            match first_of.entry((send.sender, send.client_msg_id)) {
                Entry::Occupied(first) => {
                    repeats.push((i, *first.get()));
                    continue;
                }
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
        candidates.push(i);
    }
    let commands: Vec<&Command> = candidates.iter().map(|&i| &batch[i]).collect();
    // Sends already stored (a client retrying after a lost ack) are answered from the stored
    // row. That check and the locking read are independent, so they go to the server together
    // with `BEGIN` (pipelined), and `COMMIT` goes with the write: a plain batch takes two round
    // trips; inside the `--bus postgres` publisher's transaction it is a savepoint instead.
    let outcomes = crate::transaction::begun_with(
        conn,
        crate::transaction::Plans::Generic,
        async |shared| try_join(already_stored(shared, &commands), facts::lock_conversations(shared, &commands)).await,
        async |conn, (stored, conversations)| apply_locked(conn, &commands, stored, conversations).await,
    )
    .await?;
    for (i, outcome) in candidates.into_iter().zip(outcomes) {
        answers[i] = Some(outcome);
    }
    for (i, first) in repeats {
        let Command::Send(send) = &batch[i] else { continue };
        answers[i] = Some(match &answers[first] {
            Some(Ok(Applied { outcome: Outcome::Sent { message, attachments, .. }, .. })) => {
                replay(((**message).clone(), attachments.clone()), send)
            }
            Some(Err(refusal)) => Err(refusal.same()),
            _ => Err(Refusal::Conflict("client_msg_id: a concurrent send failed; retry")),
        });
    }
    Ok(answers.into_iter().map(|a| a.unwrap_or(Err(Refusal::Conflict("command was not processed; retry")))).collect())
}

/// Inside the transaction, with the sends found stored and the conversations locked: reads the
/// rest of the facts, applies every other command to the draft, and writes what the accepted
/// ones changed.
async fn apply_locked(
    conn: &mut AsyncPgConnection,
    commands: &[&Command],
    stored: Vec<MessageRow>,
    conversations: HashMap<ConversationId, facts::Locked>,
) -> diesel::QueryResult<Vec<Result<Applied, Refusal>>> {
    let mut stored = with_attachments(conn, stored).await?;
    let found: Vec<Option<(MessageRow, Vec<Attachment>)>> = commands
        .iter()
        .map(|command| match command {
            Command::Send(send) => stored.remove(&(send.sender, send.client_msg_id)),
            _ => None,
        })
        .collect();
    let fresh: Vec<&Command> = commands.iter().zip(&found).filter(|(_, f)| f.is_none()).map(|(c, _)| *c).collect();
    // With every command a replay, the draft stays empty and nothing more is read or written.
    let mut draft = rules::Draft::new(facts::read(conn, &fresh, conversations).await?);
    let outcomes = commands
        .iter()
        .zip(found)
        .map(|(command, found)| match (command, found) {
            (Command::Send(send), Some(found)) => replay(found, send),
            _ => draft.apply(command),
        })
        .collect();
    store::write_and_commit(conn, &draft.into_changes()).await?;
    Ok(outcomes)
}

/// Messages already stored under the `(sender, client_msg_id)` keys of the sends in `commands`.
///
/// One index probe per key pair, joined to the batch's arrays: with `sender_id = ANY($1) AND
/// client_msg_id = ANY($2)` a generic plan probed every sender with every key, or read every
/// message of the batch's senders (577 buffers per batch at 5,357 commands/s, growing with
/// their history; 111 with custom plans).
async fn already_stored(mut conn: &AsyncPgConnection, commands: &[&Command]) -> diesel::QueryResult<Vec<MessageRow>> {
    use diesel::sql_types::{Array, Uuid as SqlUuid};
    use diesel_async::RunQueryDsl;

    let sends = commands.iter().filter_map(|c| match c {
        Command::Send(send) => Some(send),
        _ => None,
    });
    let (senders, keys): (Vec<Uuid>, Vec<Uuid>) = sends.map(|s| (s.sender.0, s.client_msg_id)).unzip();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    crate::prepared::prepared(
        "SELECT m.* FROM unnest($1::uuid[], $2::uuid[]) AS k(sender, key) \
         JOIN messages AS m ON m.sender_id = k.sender AND m.client_msg_id = k.key",
    )
    .bind::<Array<SqlUuid>, _>(senders)
    .bind::<Array<SqlUuid>, _>(keys)
    .load(&mut conn)
    .await
}

/// The stored messages by `(sender, client_msg_id)`, each with its attachments.
async fn with_attachments(
    conn: &mut AsyncPgConnection,
    rows: Vec<MessageRow>,
) -> diesel::QueryResult<HashMap<(UserId, Uuid), (MessageRow, Vec<Attachment>)>> {
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<MessageId> = rows.iter().filter(|m| m.deleted_at.is_none()).map(|m| m.id).collect();
    let mut attachments = media::of_messages(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let found = attachments.remove(&m.id).unwrap_or_default();
            ((m.sender_id, m.client_msg_id), (m, found))
        })
        .collect())
}

/// The answer to a send whose `client_msg_id` was already used: the stored message, if it
/// was sent to the same conversation.
fn replay((found, attachments): (MessageRow, Vec<Attachment>), send: &NewMessage) -> Result<Applied, Refusal> {
    if found.conversation_id != send.conversation {
        return Err(Refusal::Conflict("client_msg_id: already used for a message in another conversation"));
    }
    Ok(Applied::quiet(Outcome::Sent { message: Box::new(found), attachments, created: false }))
}
