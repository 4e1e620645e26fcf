//! Fresh planner statistics for the tables the writer grows: after the stored messages double
//! (from 1,000), `ANALYZE messages, events`, which also makes every connection re-plan.
//!
//! Why: pooled connections keep prepared statements, and after five runs PostgreSQL may switch
//! one to a generic plan made from the statistics of that moment. Made while `messages` was
//! empty, the replay check's generic plan is a sequential scan, and the connection keeps it
//! until the table is next analysed; autovacuum may not get there for a minute, and a profile
//! at 4,000 msgs/s caught that plan reading 86 million rows in 30 s. Forcing a fresh plan on
//! every run (`plan_cache_mode = force_custom_plan`) fixed that but cost more than half of
//! PostgreSQL's CPU during WebSocket handshakes; an ANALYZE per doubling costs a handful.
//!
//! The refresh samples at a tenth of the default statistics target: what the writer's and the
//! handshake's plans need from it is the tables' size, and the full sample (30,000 rows, with
//! the statistics of every body, search vector and event payload in it) took 170–280 ms of a
//! core at 30,000 messages, against 27 ms, in the middle of the traffic that made it due.
//! Autovacuum's own analyses, at the default target, replace these figures as the tables grow.

use std::sync::atomic::{AtomicU64, Ordering};

use diesel_async::AsyncPgConnection;

/// Stored messages before the first refresh.
const FIRST_REFRESH: u64 = 1_000;

/// Counts the messages this process stored and says when statistics are due.
#[derive(Debug)]
pub struct Growth {
    stored: AtomicU64,
    next: AtomicU64,
}

impl Default for Growth {
    fn default() -> Self {
        Self { stored: AtomicU64::new(0), next: AtomicU64::new(FIRST_REFRESH) }
    }
}

impl Growth {
    /// Counts `n` more stored messages. True for exactly one caller each time the count passes
    /// the next threshold (1,000, 2,000, 4,000, …): that caller should run [`refresh`].
    pub fn stored(&self, n: u64) -> bool {
        let total = self.stored.fetch_add(n, Ordering::Relaxed).saturating_add(n);
        let next = self.next.load(Ordering::Relaxed);
        if total < next {
            return false;
        }
        let after = total.saturating_mul(2).max(next.saturating_add(1));
        self.next.compare_exchange(next, after, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
}

/// Re-reads the statistics of `messages` and `events`. Cached plans that use them are dropped
/// by every connection and made again from the new figures.
pub async fn refresh(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    // Imported here: its `load` would shadow the atomics' above.
    use diesel_async::{AsyncConnection, RunQueryDsl};
    conn.transaction(async |conn| {
        diesel::sql_query("SET LOCAL default_statistics_target = 10").execute(conn).await?;
        diesel::sql_query("ANALYZE messages, events").execute(conn).await.map(drop)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_are_due_once_at_each_doubling() {
        let growth = Growth::default();
        assert!(!growth.stored(999));
        assert!(growth.stored(1), "the 1,000th message");
        assert!(!growth.stored(1), "not again before 2,000");
        assert!(!growth.stored(998));
        assert!(growth.stored(1));
        // A big batch passing several thresholds asks once, and the next is twice past it.
        assert!(growth.stored(10_000));
        assert!(!growth.stored(11_999));
        assert!(growth.stored(1));
    }
}
