//! A transaction whose `BEGIN` goes to the server together with its first reads, and whose
//! `COMMIT` goes together with its last statement: two round trips fewer than diesel-async's
//! `transaction`, which waits for `BEGIN`'s answer before the first statement is sent and for
//! the last statement's answer before `COMMIT` is.
//!
//! diesel-async sends the statements of futures polled together on one connection without
//! waiting for each answer (pipelining). `BEGIN` is a simple query, put on the connection's
//! queue on its future's first poll, and it is polled before the reads, so the server runs it
//! first: a read whose statement is cached is queued right behind it, one still to be prepared
//! later still (after its prepare's answer, which costs that read a round trip of its own on a
//! fresh connection). `COMMIT` is the other way round: it must not leave before the last
//! statement, so it is sent only once that statement is known to be on the wire (its first
//! poll found it prepared); otherwise it waits for the statement's answer, as before.
//!
//! diesel has no transaction API that pipelines, hence this: it keeps diesel-async's
//! transaction manager informed, so commit and rollback work as they do for
//! `AsyncConnection::transaction`, and so does the pool's check, at the next checkout, that a
//! connection left with a transaction open (a batch dropped half-way) is discarded, not lent.

use std::future::Future;
use std::num::NonZeroU32;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use diesel::QueryResult;
use diesel::connection::{Instrumentation, InstrumentationEvent, TransactionDepthChange};
use diesel_async::{
    AnsiTransactionManager, AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection, TransactionManager,
};
use futures_util::future::join;

use crate::prepared::Prepared;

/// How PostgreSQL plans the prepared statements of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plans {
    /// As the server is configured (by default: a custom plan at each run while custom plans
    /// look cheaper than the generic one).
    AsConfigured,
    /// One generic plan per statement, made once per connection and kept
    /// (`SET LOCAL plan_cache_mode = force_generic_plan`, sent with `BEGIN`). For fixed
    /// statements over arrays whose length changes from run to run, as the writer's: each
    /// length gives a different custom plan estimate, the custom plans keep looking cheaper,
    /// and PostgreSQL planned them again at every batch (a sixth of its CPU at 4,288 msgs/s).
    /// Only for statements whose every table access has an index condition that needs no
    /// estimate (`= ANY($1)` of the rows' keys, or a nested loop from the batch's arrays): a
    /// generic plan is made once, from the statistics of that moment.
    Generic,
}

impl Plans {
    /// What is sent with `BEGIN`, if anything.
    fn setting(self) -> Option<&'static str> {
        match self {
            Plans::AsConfigured => None,
            Plans::Generic => Some("SET LOCAL plan_cache_mode = force_generic_plan"),
        }
    }
}

/// Runs `first` pipelined with `BEGIN`, then `rest` with what it read, and commits; rolls back
/// if either fails. `first` should only read (and lock): should `BEGIN` itself fail, what
/// `first` sent has run outside any transaction. Inside an open transaction it nests as
/// `AsyncConnection::transaction` does (a savepoint, `first` sent once it is set; `plans` then
/// holds until the outer transaction ends).
pub async fn begun_with<R, T>(
    conn: &mut AsyncPgConnection,
    plans: Plans,
    first: impl AsyncFnOnce(&AsyncPgConnection) -> QueryResult<R>,
    rest: impl AsyncFnOnce(&mut AsyncPgConnection, R) -> QueryResult<T>,
) -> QueryResult<T> {
    let read = if AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth()?.is_some() {
        // Nested: a savepoint, answered before anything else is sent, as diesel does it.
        AnsiTransactionManager::begin_transaction(conn).await?;
        match plans.setting() {
            Some(setting) => {
                let shared: &AsyncPgConnection = conn;
                let mut sender = shared;
                let (set, read) = join(sender.batch_execute(setting), first(shared)).await;
                set.and(read)
            }
            None => first(conn).await,
        }
    } else {
        // Counted as open before `BEGIN` leaves: if this future is dropped while it is on its
        // way, the pool sees a transaction open and discards the connection instead of lending
        // it out in an unknown state.
        AnsiTransactionManager::transaction_manager_status_mut(conn)
            .transaction_state()?
            .change_transaction_depth(TransactionDepthChange::IncreaseDepth)?;
        let shared: &AsyncPgConnection = conn;
        let mut sender = shared;
        let begin = match plans.setting() {
            Some(setting) => format!("BEGIN; {setting}"),
            None => "BEGIN".to_owned(),
        };
        let (begun, read) = join(sender.batch_execute(&begin), first(shared)).await;
        if let Err(e) = begun {
            // Whether a transaction is open is unknown: the connection must not be used again.
            AnsiTransactionManager::transaction_manager_status_mut(conn).set_in_error();
            return Err(e);
        }
        read
    };
    let done = match read {
        Ok(read) => rest(conn, read).await,
        Err(e) => Err(e),
    };
    match AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth() {
        Ok(Some(_)) => {}
        // Ended by `rest`'s last statement (`last_then_commit`), or broken there (the pool
        // discards the connection): nothing is left to commit or roll back.
        Ok(None) | Err(_) => return done,
    }
    match done {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(conn).await?;
            Ok(value)
        }
        // As `AsyncConnection::transaction`: the first error is the one that explains.
        Err(e) => match AnsiTransactionManager::rollback_transaction(conn).await {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback),
        },
    }
}

/// Runs `last`, the last statement of a transaction [`begun_with`] opened, and ends the
/// transaction: commits if it succeeds, rolls back if it fails (`COMMIT` after a failed
/// statement rolls back). `COMMIT` travels with the statement when the statement leaves on its
/// first poll, that is when this connection has it prepared already; else it follows the
/// statement's answer. Inside a nested transaction (a savepoint) it only runs the statement
/// and leaves the rest to `begun_with`.
///
/// Only as the very last statement of `begun_with`'s `rest`: `begun_with` then finds the
/// transaction ended and returns `rest`'s answer.
pub async fn last_then_commit(conn: &mut AsyncPgConnection, last: Prepared<'_>) -> QueryResult<usize> {
    let depth = AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth()?;
    if depth != Some(NonZeroU32::MIN) {
        return last.execute(conn).await;
    }
    // diesel reports each statement it prepares for its cache, synchronously on the first poll
    // of the query that needs it; a `Prepared` is always cached, so no report means the
    // statement's execution was queued on that poll.
    let prepares = Arc::new(AtomicBool::new(false));
    conn.set_instrumentation(PrepareWatch(Arc::clone(&prepares)));
    let ended = {
        let shared: &AsyncPgConnection = conn;
        let (mut writer, mut committer) = (shared, shared);
        // Unconstrained: with the task's cooperative budget spent, tokio could leave the first
        // poll pending before the statement is queued, and `COMMIT` would overtake it.
        let mut write = pin!(tokio::task::unconstrained(last.execute(&mut writer)));
        let first = std::future::poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await;
        match first {
            Poll::Pending if !AtomicBool::load(&prepares, Ordering::Relaxed) => {
                let (written, committed) = join(write, committer.batch_execute("COMMIT")).await;
                Ended::WithCommit(written, committed)
            }
            Poll::Pending => Ended::Open(write.await),
            Poll::Ready(written) => Ended::Open(written),
        }
    };
    match ended {
        Ended::WithCommit(written, Ok(())) => {
            AnsiTransactionManager::transaction_manager_status_mut(conn)
                .transaction_state()?
                .change_transaction_depth(TransactionDepthChange::DecreaseDepth)?;
            written
        }
        Ended::WithCommit(written, Err(commit)) => {
            // Whether the transaction ended is unknown: the connection must not be used again.
            AnsiTransactionManager::transaction_manager_status_mut(conn).set_in_error();
            Err(written.err().unwrap_or(commit))
        }
        Ended::Open(Ok(rows)) => {
            AnsiTransactionManager::commit_transaction(conn).await?;
            Ok(rows)
        }
        Ended::Open(Err(e)) => match AnsiTransactionManager::rollback_transaction(conn).await {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback),
        },
    }
}

/// How the last statement left the transaction: ended with the `COMMIT` sent behind it, or
/// still open (the statement had to be prepared first, so `COMMIT` could not go with it).
enum Ended {
    WithCommit(QueryResult<usize>, QueryResult<()>),
    Open(QueryResult<usize>),
}

/// Notes that the connection prepared a statement for its cache.
struct PrepareWatch(Arc<AtomicBool>);

impl Instrumentation for PrepareWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::CacheQuery { .. } = event {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}
