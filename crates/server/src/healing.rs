//! Self-healing of the embedded PostgreSQL: a supervisor thread notices the postmaster's death
//! (a look at `/proc` four times a second) and starts it again on the same port, with a
//! backoff, so the server recovers without a restart of its own: the pool drops the dead
//! connections and makes new ones, the writer and the buses retry. When it cannot (after
//! [`RESTART_ATTEMPTS`]), the process is marked failed in [`Liveness`] (so `/healthz` says so)
//! and the server stops and exits non-zero with that one line, for systemd or an orchestrator
//! to act on.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use db::embedded::EmbeddedPostgres;

use crate::telemetry::metrics;

/// The embedded cluster, shared by the supervisor and the shutdown path.
pub type SharedCluster = Arc<Mutex<EmbeddedPostgres>>;

/// How often the supervisor looks at the postmaster.
const POLL: Duration = Duration::from_millis(250);
/// Restarts tried before giving up; with [`backoff`] they span about eight seconds, which
/// covers the moment a dead postmaster's backends take to exit and let go of its memory.
pub const RESTART_ATTEMPTS: u32 = 6;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// How long a failed server keeps answering (`/healthz` 503) before it exits, so a probe or
/// a load balancer sees the state and drains it.
pub const FAILED_GRACE: Duration = Duration::from_secs(3);

/// Whether the process can still recover by itself: `/healthz` fails once it cannot.
#[derive(Clone, Debug, Default)]
pub struct Liveness(Arc<RwLock<Option<String>>>);

impl Liveness {
    /// Records a state the process cannot leave by itself; the first reason stays.
    pub fn fail(&self, reason: impl Into<String>) {
        let mut slot = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(reason.into());
        }
    }

    /// Why the process cannot recover, if it cannot.
    pub fn failure(&self) -> Option<String> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Locks the cluster; a panic elsewhere while it was held leaves it usable.
pub fn lock(cluster: &SharedCluster) -> MutexGuard<'_, EmbeddedPostgres> {
    cluster.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The wait before restart `attempt` (1-based): none for the first, then 250 ms doubling.
fn backoff(attempt: u32) -> Duration {
    if attempt <= 1 {
        return Duration::ZERO;
    }
    Duration::from_millis(250).saturating_mul(1 << (attempt - 2).min(10)).min(MAX_BACKOFF)
}

/// Watches `cluster` until it is stopped on purpose. On giving up it records the reason in
/// `liveness` and runs `give_up` (which stops the server) on `runtime`.
pub fn supervise(
    cluster: SharedCluster,
    liveness: Liveness,
    runtime: tokio::runtime::Handle,
    give_up: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new().name("confab-pg-supervisor".into()).spawn(move || {
        loop {
            std::thread::sleep(POLL);
            {
                let guard = lock(&cluster);
                if !guard.should_run() {
                    return;
                }
                if guard.is_alive() {
                    continue;
                }
            }
            match heal(&cluster) {
                Heal::Healed | Heal::Stopped => {}
                Heal::Failed(reason) => {
                    tracing::error!(%reason, "giving up on the embedded database");
                    liveness.fail(reason);
                    runtime.spawn(give_up);
                    return;
                }
            }
        }
    })?;
    Ok(())
}

enum Heal {
    Healed,
    Stopped,
    Failed(String),
}

fn heal(cluster: &SharedCluster) -> Heal {
    tracing::error!("the embedded database stopped unexpectedly; restarting it");
    ::metrics::counter!(metrics::EMBEDDED_DATABASE_DEATHS).increment(1);
    let started = Instant::now();
    let mut last_error = String::new();
    for attempt in 1..=RESTART_ATTEMPTS {
        std::thread::sleep(backoff(attempt));
        let mut guard = lock(cluster);
        if !guard.should_run() {
            return Heal::Stopped;
        }
        match guard.restart() {
            Ok(()) => {
                let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                tracing::warn!(attempt, millis, "the embedded database was restarted");
                ::metrics::counter!(metrics::EMBEDDED_DATABASE_RESTARTS).increment(1);
                return Heal::Healed;
            }
            Err(e) => {
                tracing::warn!(attempt, error = %e, "restarting the embedded database failed");
                last_error = e.to_string();
            }
        }
    }
    Heal::Failed(format!(
        "the embedded PostgreSQL died and could not be restarted ({RESTART_ATTEMPTS} attempts in {} s): {last_error}",
        started.elapsed().as_secs()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_back_off_to_a_few_seconds() {
        let waits: Vec<u128> = (1..=RESTART_ATTEMPTS).map(|a| backoff(a).as_millis()).collect();
        assert_eq!(waits, [0, 250, 500, 1000, 2000, 4000]);
        assert_eq!(backoff(30), MAX_BACKOFF);
    }

    #[test]
    fn liveness_keeps_the_first_reason() {
        let liveness = Liveness::default();
        assert_eq!(liveness.failure(), None);
        liveness.fail("first");
        liveness.fail("second");
        assert_eq!(liveness.failure().as_deref(), Some("first"));
    }
}
