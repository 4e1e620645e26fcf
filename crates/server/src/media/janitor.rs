//! The media janitor: removes what nothing uses any more. Uploads never attached expire after
//! a day; a blob no upload refers to (its last message deleted or expired, its uploader's
//! account deleted) has its bytes removed from the store and then its row, under that row's
//! lock, so an upload of the same bytes racing it waits and stores them again.
//!
//! It runs when woken (after a batch deleted or expired messages, after an account deletion)
//! and every few minutes, which also finishes work a crash interrupted. After a sweep it rests
//! a moment: under a stream of deletions (a tenth of 5,000 commands/s) the writer wakes it
//! after nearly every batch, and it swept back to back, four statements a time, for nothing.

use std::sync::Arc;
use std::time::Duration;

use db::DbPool;
use db::queries::media as queries;
use diesel_async::AsyncConnection;
use tokio::sync::Notify;

use super::store::MediaStore;
use crate::error::ApiError;

/// Uploads not attached within this long are removed.
pub const UNATTACHED_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How often it runs unprompted.
const PERIOD: Duration = Duration::from_secs(5 * 60);
/// The least time between two sweeps; wake-ups meanwhile make one sweep after it.
const REST: Duration = Duration::from_secs(1);
/// Blobs removed per transaction.
const CHUNK: i64 = 100;

/// Wakes the janitor; cheap to clone.
#[derive(Clone, Default)]
pub struct Janitor(Arc<Notify>);

impl Janitor {
    /// Asks for a sweep soon (several wake-ups before it runs make one sweep).
    pub fn wake(&self) {
        self.0.notify_one();
    }

    /// Runs sweeps when woken and every few minutes, for the life of the server.
    pub fn start(&self, pool: DbPool, store: MediaStore) {
        let notify = self.0.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = notify.notified() => {}
                    () = tokio::time::sleep(PERIOD) => {}
                }
                if let Err(e) = sweep(&pool, &store).await {
                    tracing::warn!(error = %e, "the media janitor failed; it will try again");
                }
                tokio::time::sleep(REST).await;
            }
        });
    }
}

/// What one sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Uploads never attached.
    pub uploads: usize,
    /// Blobs (bytes and rows).
    pub blobs: usize,
}

/// Removes expired unattached uploads, then every unreferenced blob.
pub async fn sweep(pool: &DbPool, store: &MediaStore) -> Result<Swept, ApiError> {
    let mut conn = db::pool::checkout(pool).await?;
    let mut swept = Swept { uploads: queries::expire_unattached(&mut conn, UNATTACHED_TTL).await?, blobs: 0 };
    loop {
        let removed = conn
            .transaction(async |conn| {
                // A backup copying blobs holds this lock: removal waits for the next turn.
                if !db::locks::try_share_in_transaction(conn, db::locks::MEDIA_BLOBS).await? {
                    tracing::info!("a backup is copying the media; unused files are removed after it");
                    return Ok::<_, ApiError>(0);
                }
                let orphans = queries::lock_orphans(conn, CHUNK).await?;
                for sha256 in &orphans {
                    store.delete(sha256).await.map_err(ApiError::internal)?;
                }
                queries::forget_blobs(conn, &orphans).await?;
                Ok::<_, ApiError>(orphans.len())
            })
            .await?;
        swept.blobs += removed;
        if removed < usize::try_from(CHUNK).unwrap_or(usize::MAX) {
            break;
        }
    }
    if swept != Swept::default() {
        tracing::info!(uploads = swept.uploads, blobs = swept.blobs, "media janitor removed unused files");
    }
    Ok(swept)
}
