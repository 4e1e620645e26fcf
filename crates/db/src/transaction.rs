//! A transaction whose `BEGIN` goes to the server together with its first reads: one round
//! trip fewer than diesel-async's `transaction`, which waits for `BEGIN`'s answer before the
//! first statement is sent.
//!
//! diesel-async sends the statements of futures polled together on one connection without
//! waiting for each answer (pipelining). `BEGIN` is a simple query, put on the connection's
//! queue on its future's first poll, and it is polled before the reads, so the server runs it
//! first: a read whose statement is cached is queued right behind it, one still to be prepared
//! later still (after its prepare's answer, which costs that read a round trip of its own on a
//! fresh connection). diesel has no transaction API that pipelines, hence this: it keeps
//! diesel-async's transaction manager informed, so commit and rollback work as they do for
//! `AsyncConnection::transaction`, and so does the pool's check, at the next checkout, that a
//! connection left with a transaction open (a batch dropped half-way) is discarded, not lent.

use diesel::QueryResult;
use diesel::connection::TransactionDepthChange;
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, SimpleAsyncConnection, TransactionManager};
use futures_util::future::join;

/// Runs `first` pipelined with `BEGIN`, then `rest` with what it read, and commits; rolls back
/// if either fails. `first` should only read (and lock): should `BEGIN` itself fail, what
/// `first` sent has run outside any transaction. Inside an open transaction it nests as `AsyncConnection::transaction` does
/// (a savepoint, `first` sent once it is set).
pub async fn begun_with<R, T>(
    conn: &mut AsyncPgConnection,
    first: impl AsyncFnOnce(&AsyncPgConnection) -> QueryResult<R>,
    rest: impl AsyncFnOnce(&mut AsyncPgConnection, R) -> QueryResult<T>,
) -> QueryResult<T> {
    let read = if AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth()?.is_some() {
        // Nested: a savepoint, answered before anything else is sent, as diesel does it.
        AnsiTransactionManager::begin_transaction(conn).await?;
        first(conn).await
    } else {
        // Counted as open before `BEGIN` leaves: if this future is dropped while it is on its
        // way, the pool sees a transaction open and discards the connection instead of lending
        // it out in an unknown state.
        AnsiTransactionManager::transaction_manager_status_mut(conn)
            .transaction_state()?
            .change_transaction_depth(TransactionDepthChange::IncreaseDepth)?;
        let shared: &AsyncPgConnection = conn;
        let mut sender = shared;
        let (begun, read) = join(sender.batch_execute("BEGIN"), first(shared)).await;
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
