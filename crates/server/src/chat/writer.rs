//! The writer: the only way into a conversation's log. Every change (send, edit, delete,
//! moderation, expiry, members, roles, renames, creation), from REST, WebSocket or the
//! retention sweep, is a typed command queued here; a few shard tasks each take everything
//! waiting, store it in one transaction (`db::queries::changes`), publish the events in commit
//! order, then answer each caller.
//!
//! Why: with durability on, every commit waits for a WAL flush, and one commit per change
//! capped the server at the disk's flush rate; a batch pays one flush for all its commands and
//! each caller is still answered only after its change is committed. Commands are sharded by
//! conversation, so one conversation's changes are stored, numbered and published by one
//! task in the order they came, and every receiver gets them in seq order with nothing held
//! back to re-sort.

use std::sync::Arc;
use std::time::Instant;

use db::DbPool;
use db::queries::changes::{self, Applied, Command, Outcome};
use db::statistics::Growth;
use protocol::ConversationId;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use super::search_index::SearchIndexMerger;
use crate::bus::{Bus, BusMessage};
use crate::error::ApiError;
use crate::media::janitor::Janitor;
use crate::push::notifier::Notifier;
use crate::telemetry::metrics;

/// Most commands stored in one transaction; also bounds the statement's array sizes.
pub const MAX_BATCH: usize = 512;
/// Commands waiting per shard before callers wait for room (back-pressure, not loss).
const SHARD_QUEUE: usize = 8192;

struct Job {
    command: Command,
    answer: oneshot::Sender<Result<Outcome, ApiError>>,
    /// The span of the request or connection that queued it: the batch's span follows from
    /// it, and a failure is logged in it, so logs lead from a request id to its batch.
    origin: tracing::Span,
}

/// Handle to the writer's shards; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    shards: Vec<mpsc::Sender<Job>>,
}

impl Writer {
    /// Starts `shards` writer tasks (at least one), each using one pooled connection per batch.
    /// `janitor` is woken after a batch that removed messages, whose files may now be unused;
    /// `push` gets each batch's new messages after the commit, while anyone wants pushes;
    /// `search_index` is told after each batch that changed anything.
    pub fn start(
        pool: DbPool,
        bus: Bus,
        shards: usize,
        janitor: Janitor,
        push: Notifier,
        search_index: SearchIndexMerger,
    ) -> Self {
        let growth = Arc::new(Growth::default());
        let shards = (0..shards.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(SHARD_QUEUE);
                let shard = Shard {
                    pool: pool.clone(),
                    bus: bus.clone(),
                    growth: growth.clone(),
                    janitor: janitor.clone(),
                    push: push.clone(),
                    search_index: search_index.clone(),
                };
                tokio::spawn(run_shard(rx, shard));
                tx
            })
            .collect();
        Self { shards }
    }

    /// Queues a command (waiting only for room in the queue) and returns where its answer
    /// will come once it is committed or refused. Commands on one conversation queued one
    /// after the other from one task are stored in that order.
    pub async fn queue(&self, command: Command) -> Result<Committed, ApiError> {
        let shard = self.shard_of(command.conversation());
        let (answer, answered) = oneshot::channel();
        let origin = tracing::Span::current();
        self.shards[shard].send(Job { command, answer, origin }).await.map_err(|_| stopped())?;
        Ok(Committed(answered))
    }

    /// Queues a command and waits for its answer.
    pub async fn run(&self, command: Command) -> Result<Outcome, ApiError> {
        self.queue(command).await?.wait().await
    }

    fn shard_of(&self, conversation: ConversationId) -> usize {
        // UUIDv7's low bits are random, so conversations spread evenly over the shards.
        (conversation.0.as_u128() % self.shards.len() as u128) as usize
    }
}

/// The answer to a queued command, once its batch is committed.
pub struct Committed(oneshot::Receiver<Result<Outcome, ApiError>>);

impl Committed {
    /// Waits for the commit (or the refusal).
    pub async fn wait(self) -> Result<Outcome, ApiError> {
        self.0.await.map_err(|_| stopped())?
    }
}

fn stopped() -> ApiError {
    ApiError::internal(anyhow::anyhow!("the writer has stopped"))
}

/// What a shard works with.
struct Shard {
    pool: DbPool,
    bus: Bus,
    growth: Arc<Growth>,
    janitor: Janitor,
    push: Notifier,
    search_index: SearchIndexMerger,
}

async fn run_shard(mut rx: mpsc::Receiver<Job>, shard: Shard) {
    let Shard { pool, bus, growth, janitor, push, search_index } = shard;
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        // Moved apart rather than cloned: the commands (bodies up to 4,000 chars) go to the
        // database as they are, the answer channels wait here.
        let span = tracing::info_span!("writer_batch", commands = jobs.len());
        for job in &jobs {
            span.follows_from(&job.origin);
        }
        let (batch, waiting): (Vec<Command>, Vec<_>) =
            jobs.drain(..).map(|j| (j.command, (j.answer, j.origin))).unzip();
        ::metrics::histogram!(metrics::WRITER_BATCH).record(batch.len() as f64);
        let started = Instant::now();
        // Published in commit order and before anyone is answered: a caller that sees its
        // answer may rely on the events being on their way to every member.
        let outcome = match db::pool::checkout(&pool).await {
            Ok(mut conn) => {
                bus.publishing(&mut conn, async |conn| {
                    let mut answers = changes::apply_batch(conn, &batch).await.map_err(ApiError::internal)?;
                    let messages: Vec<BusMessage> = answers.iter_mut().flatten().flat_map(to_publish).collect();
                    // Cloned only while some browser wants pushes; handed over after the commit.
                    let pushes = if push.wanted() { new_messages(&messages) } else { Vec::new() };
                    Ok(((answers, pushes), messages))
                })
                .instrument(span.clone())
                .await
            }
            Err(e) => Err(ApiError::from(e)),
        };
        ::metrics::histogram!(metrics::WRITER_COMMIT).record(started.elapsed().as_secs_f64());
        match outcome {
            Ok((answers, pushes)) => {
                push.committed(pushes);
                let stored =
                    answers.iter().flatten().filter(|a| matches!(a.outcome, Outcome::Sent { created: true, .. }));
                let stored = stored.count() as u64;
                ::metrics::counter!(metrics::MESSAGES_STORED).increment(stored);
                // New messages and edits add search entries.
                if answers.iter().any(Result::is_ok) {
                    search_index.stored();
                }
                if growth.stored(stored) {
                    tokio::spawn(refresh_statistics(pool.clone()));
                }
                let removed = |c: &Command| matches!(c, Command::Delete { .. } | Command::Expire { .. });
                if batch.iter().zip(&answers).any(|(c, a)| a.is_ok() && removed(c)) {
                    janitor.wake();
                }
                for ((waiter, _), answer) in waiting.into_iter().zip(answers) {
                    // A caller that went away still had its change stored and delivered.
                    let _ = waiter.send(answer.map(|a| a.outcome).map_err(ApiError::from));
                }
            }
            Err(e) => {
                span.in_scope(|| {
                    tracing::error!(error = %e, commands = waiting.len(), "a batch of commands failed; nothing of it was stored");
                });
                for (waiter, origin) in waiting {
                    origin.in_scope(|| tracing::warn!("a command of this request was in the failed batch"));
                    let _ = waiter.send(Err(failed(&e)));
                }
            }
        }
    }
}

/// What an accepted command tells the hubs: its events in seq order, then whose membership
/// changed (so a new member's connections subscribe after the events they need not see).
/// The events are moved out: callers are answered with the outcome alone.
fn to_publish(applied: &mut Applied) -> Vec<BusMessage> {
    let seq = applied.events.last().map_or(0, |e| e.seq);
    let mut messages: Vec<BusMessage> =
        std::mem::take(&mut applied.events).into_iter().map(|event| BusMessage::Event { event }).collect();
    if let Outcome::Conversation { id, .. } = applied.outcome {
        if !applied.joined.is_empty() {
            messages.push(BusMessage::Joined { conversation_id: id, user_ids: applied.joined.clone(), seq });
        }
        if !applied.left.is_empty() {
            messages.push(BusMessage::Left { conversation_id: id, user_ids: applied.left.clone(), seq });
        }
    }
    messages
}

/// The new messages among a batch's events, for the push notifier.
fn new_messages(messages: &[BusMessage]) -> Vec<protocol::conversations::Event> {
    messages
        .iter()
        .filter_map(|m| match m {
            BusMessage::Event { event } if crate::push::notifier::notifies(event) => Some(event.clone()),
            _ => None,
        })
        .collect()
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

/// The same failure for every command of a failed batch (the cause was logged once, above).
fn failed(e: &ApiError) -> ApiError {
    ApiError::new(e.code(), e.message())
}
