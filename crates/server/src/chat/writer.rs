//! The group-commit writer: every send, from REST or WebSocket, queues here; a few shard tasks
//! each take everything waiting, store it in one transaction, publish, then answer each send.
//!
//! Why: with durability on, every commit waits for a WAL flush, and one commit per message
//! capped the server at the disk's flush rate. A batch pays one flush for all its messages and
//! each sender is still acknowledged only after its message is committed. Sends are sharded by
//! conversation, so one conversation's sends are stored (and get seqs) in the order they came.

use std::sync::Arc;

use db::DbPool;
use db::queries::sends::{self, NewMessage, Sent};
use db::statistics::Growth;
use protocol::ConversationId;
use protocol::conversations::{Event, EventKind};
use tokio::sync::{mpsc, oneshot};

use crate::error::ApiError;
use crate::ws::bus::{Bus, BusMessage};

/// Most sends stored in one transaction; also bounds the statement's bind parameters.
pub const MAX_BATCH: usize = 512;
/// Sends waiting per shard before senders wait for room (back-pressure, not loss).
const SHARD_QUEUE: usize = 8192;

struct Job {
    send: NewMessage,
    answer: oneshot::Sender<Result<Sent, ApiError>>,
}

/// Handle to the writer's shards; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    shards: Vec<mpsc::Sender<Job>>,
}

impl Writer {
    /// Starts `shards` writer tasks (at least one), each using one pooled connection per batch.
    pub fn start(pool: DbPool, bus: Bus, shards: usize) -> Self {
        let growth = Arc::new(Growth::default());
        let shards = (0..shards.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(SHARD_QUEUE);
                tokio::spawn(run_shard(rx, pool.clone(), bus.clone(), growth.clone()));
                tx
            })
            .collect();
        Self { shards }
    }

    /// Queues a send (waiting only for room in the queue) and returns where its answer will
    /// come once it is committed or refused. Sends queued one after the other from one task
    /// are stored in that order.
    pub async fn queue(&self, send: NewMessage) -> Result<Committed, ApiError> {
        // UUIDv7's low bits are random, so conversations spread evenly over the shards.
        let shard = (send.conversation.as_u128() % self.shards.len() as u128) as usize;
        let (answer, answered) = oneshot::channel();
        self.shards[shard].send(Job { send, answer }).await.map_err(|_| stopped())?;
        Ok(Committed(answered))
    }
}

/// The answer to a queued send, once its batch is committed.
pub struct Committed(oneshot::Receiver<Result<Sent, ApiError>>);

impl Committed {
    /// Waits for the commit (or the refusal).
    pub async fn wait(self) -> Result<Sent, ApiError> {
        self.0.await.map_err(|_| stopped())?
    }
}

fn stopped() -> ApiError {
    ApiError::internal(anyhow::anyhow!("the message writer has stopped"))
}

async fn run_shard(mut rx: mpsc::Receiver<Job>, pool: DbPool, bus: Bus, growth: Arc<Growth>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        // Moved apart rather than cloned: the sends (bodies up to 4,000 chars) go to the
        // database as they are, the answer channels wait here.
        let (batch, waiting): (Vec<NewMessage>, Vec<_>) = jobs.drain(..).map(|j| (j.send, j.answer)).unzip();
        // Published in commit order and before anyone is answered: a sender that sees its ack
        // may rely on the event being on its way to every member.
        let outcome = match db::pool::checkout(&pool).await {
            Ok(mut conn) => {
                bus.publishing(&mut conn, async |conn| {
                    let answers = sends::send_batch(conn, &batch).await.map_err(ApiError::internal)?;
                    let events = answers.iter().flatten().filter(|s| s.created).map(created_event).collect();
                    Ok((answers, events))
                })
                .await
            }
            Err(e) => Err(ApiError::from(e)),
        };
        match outcome {
            Ok(answers) => {
                let stored = answers.iter().flatten().filter(|s| s.created).count() as u64;
                if growth.stored(stored) {
                    tokio::spawn(refresh_statistics(pool.clone()));
                }
                for (waiter, answer) in waiting.into_iter().zip(answers) {
                    // A sender that went away still had its message stored and delivered.
                    let _ = waiter.send(answer.map_err(ApiError::from));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, sends = waiting.len(), "a batch of sends failed; nothing of it was stored");
                for waiter in waiting {
                    let _ = waiter.send(Err(failed(&e)));
                }
            }
        }
    }
}

/// Re-plans every connection's statements against the grown tables (see `db::statistics`).
async fn refresh_statistics(pool: DbPool) {
    let refreshed = match db::pool::checkout(&pool).await {
        Ok(mut conn) => db::statistics::refresh(&mut conn).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = refreshed {
        tracing::warn!(error = %e, "could not refresh the planner's statistics");
    }
}

fn created_event(sent: &Sent) -> BusMessage {
    let message = sent.message.to_protocol();
    let event = Event {
        conversation_id: ConversationId(sent.message.conversation_id),
        seq: message.seq,
        at: sent.at,
        kind: EventKind::MessageCreated { message },
    };
    BusMessage::Event { event }
}

/// The same failure for every send of a failed batch (the cause was logged once, above).
fn failed(e: &ApiError) -> ApiError {
    ApiError::new(e.code(), e.message())
}
