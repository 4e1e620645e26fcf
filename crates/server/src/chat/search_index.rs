//! Keeps the message search indexes' pending lists short, in the background, so that no
//! writer batch has to merge them (`db::search_index` says why).
//!
//! The writer wakes it after each batch that changed anything; it merges, then rests a second,
//! so under a steady stream of messages it merges about once a second and an idle server does
//! nothing at all. With several servers on one database each merges; a merge that finds
//! another under way returns at once.

use std::sync::Arc;
use std::time::Duration;

use db::DbPool;
use tokio::sync::Notify;

/// The shortest time between two merges.
const REST: Duration = Duration::from_secs(1);

/// Wakes the merger; cheap to clone.
#[derive(Clone, Default)]
pub struct SearchIndexMerger(Arc<Notify>);

impl SearchIndexMerger {
    /// Says that a batch was stored (several calls before the next merge make one merge).
    pub fn stored(&self) {
        self.0.notify_one();
    }

    /// Merges when woken, at most once a second, for the life of the server.
    pub fn start(&self, pool: DbPool) {
        let notify = self.0.clone();
        tokio::spawn(async move {
            loop {
                notify.notified().await;
                let merged = match db::pool::checkout(&pool).await {
                    Ok(mut conn) => db::search_index::merge_pending(&mut conn).await.map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                if let Err(e) = merged {
                    tracing::warn!(error = %e, "could not merge the search indexes' pending entries; a later insert will");
                }
                tokio::time::sleep(REST).await;
            }
        });
    }
}
