//! The retention sweep: when a policy of N days is set, a background task removes older
//! messages in batches, as commands to the writer like every other change, so each removal
//! is a deletion event in its conversation's log and live clients drop the message too.

use std::time::Duration;

use chrono::{DateTime, Utc};
use db::queries::changes::{Command, Outcome};
use protocol::admin::Retention;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::state::AppState;

/// Settings key of the policy.
pub const POLICY_KEY: &str = "retention";
/// Settings key of the sweep's counters.
pub const STATS_KEY: &str = "retention_stats";
/// Messages removed per transaction.
const BATCH: i64 = 500;
/// Time between sweeps.
const INTERVAL: Duration = Duration::from_secs(60);

/// What the sweep has done so far.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct SweepStats {
    /// Messages removed in all.
    pub removed_total: i64,
    /// When the last sweep ran.
    pub last_run_at: Option<DateTime<Utc>>,
}

/// The stored policy (forever when unset).
pub async fn policy(state: &AppState) -> Result<Retention, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let value = db::queries::admin::setting(&mut conn, POLICY_KEY).await?;
    Ok(value.and_then(|v| serde_json::from_value(v).ok()).unwrap_or(Retention { days: None }))
}

/// The sweep's counters.
pub async fn stats(state: &AppState) -> Result<SweepStats, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let value = db::queries::admin::setting(&mut conn, STATS_KEY).await?;
    Ok(value.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default())
}

/// Runs one sweep now; returns how many messages it removed.
pub async fn sweep(state: &AppState) -> Result<i64, ApiError> {
    let Some(days) = policy(state).await?.days else { return Ok(0) };
    let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
    let mut removed = 0;
    loop {
        let mut conn = db::pool::checkout(&state.pool).await?;
        let doomed = db::queries::admin::expired_messages(&mut conn, cutoff, BATCH).await?;
        drop(conn);
        // One command per conversation, all queued before any is awaited, so the writer can
        // store them together; it skips messages already gone.
        let mut queued = Vec::new();
        for group in doomed.chunk_by(|a, b| a.0 == b.0) {
            let command =
                Command::Expire { conversation: group[0].0, messages: group.iter().map(|&(_, m)| m).collect() };
            queued.push(state.writer.queue(command).await?);
        }
        for answer in queued {
            if let Outcome::Expired(count) = answer.wait().await? {
                removed += count as i64;
            }
        }
        if (doomed.len() as i64) < BATCH {
            break;
        }
        // Let chat traffic through between batches.
        tokio::task::yield_now().await;
    }
    let mut totals = stats(state).await?;
    totals.removed_total += removed;
    totals.last_run_at = Some(Utc::now());
    let mut conn = db::pool::checkout(&state.pool).await?;
    let value = serde_json::to_value(&totals).map_err(ApiError::internal)?;
    db::queries::admin::set_setting(&mut conn, STATS_KEY, value).await?;
    if removed > 0 {
        tracing::info!(removed, days, "retention removed expired messages");
    }
    Ok(removed)
}

/// Sweeps every minute for as long as the server runs.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(INTERVAL);
    loop {
        tick.tick().await;
        if let Err(e) = sweep(&state).await {
            tracing::error!(error = %e, "retention sweep failed");
        }
    }
}
