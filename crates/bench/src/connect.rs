//! `connect`: open N authenticated idle WebSocket connections (spread over 127.0.0.x), report
//! the handshake rate and latency, hold them, and read the server's resident memory per
//! connection from /proc before and after.

use std::sync::Arc;
use std::time::{Duration, Instant};

use client::ws::Socket;
use hdrhistogram::Histogram;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::fanout::{CONNECTIONS_PER_ADDRESS, local_addr};
use crate::population;
use crate::procfs;

/// What a run measured.
#[derive(Debug, Serialize)]
pub struct ConnectReport {
    /// Connections asked for.
    pub requested: usize,
    /// Connections that reached `ready`.
    pub connected: usize,
    /// Failed attempts.
    pub failed: usize,
    /// Handshakes (TCP + upgrade + authenticate + ready) per second.
    pub handshakes_per_second: f64,
    /// Handshake latency, ms.
    pub handshake_p50_ms: f64,
    /// 99th percentile, ms.
    pub handshake_p99_ms: f64,
    /// Server resident memory before, KiB.
    pub server_rss_before_kib: Option<u64>,
    /// Server resident memory while holding them, KiB.
    pub server_rss_after_kib: Option<u64>,
    /// (after − before) / connected, KiB.
    pub server_kib_per_connection: Option<f64>,
    /// PostgreSQL resident memory before and after, KiB (it should not grow with sockets).
    pub postgres_rss_kib: Option<(u64, u64)>,
    /// Seconds the connections were held.
    pub held_seconds: u64,
}

/// Longest wait for one handshake before it counts as failed.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);

/// Opens `count` connections for `users` users with `concurrency` handshakes in flight, from
/// the source addresses of `source_block` on (see `fanout::local_addr`).
pub async fn run(
    api: &client::Client,
    count: usize,
    users: usize,
    concurrency: usize,
    hold: Duration,
    server_pid: Option<u32>,
    source_block: usize,
) -> anyhow::Result<ConnectReport> {
    let members = population::users(api, &population::fresh_prefix("c"), users.clamp(1, count.max(1))).await?;
    let base = api.base_url().clone();
    let rss_before = server_pid.and_then(procfs::rss_kib);
    let pg_before = server_pid.map(|_| procfs::postgres_rss_kib());
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for n in 0..count {
        let permits = permits.clone();
        let token = members[n % members.len()].token.clone();
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let permit = permits.acquire_owned().await.ok()?;
            let begun = Instant::now();
            // A server out of file descriptors leaves connections in its accept backlog
            // unanswered: count those as failures instead of waiting forever.
            let connecting =
                Socket::connect_from(&base, &token, local_addr(source_block * CONNECTIONS_PER_ADDRESS + n));
            let (socket, _) = tokio::time::timeout(HANDSHAKE_TIMEOUT, connecting).await.ok()?.ok()?;
            let took = begun.elapsed();
            drop(permit);
            // Keep reading (answers the server's pings) until the run ends.
            let (sender, mut reader) = socket.into_split();
            let holder = tokio::spawn(async move {
                let _sender = sender;
                while reader.next().await.is_ok() {}
            });
            Some((took, holder))
        }));
    }
    #[expect(clippy::unwrap_used, reason = "constant, valid histogram bounds")]
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).unwrap();
    let mut holders = Vec::with_capacity(count);
    let mut failed = 0;
    for task in tasks {
        match task.await? {
            Some((took, holder)) => {
                histogram.saturating_record(took.as_micros() as u64);
                holders.push(holder);
            }
            None => failed += 1,
        }
    }
    let elapsed = started.elapsed().as_secs_f64().max(0.001);
    // Let the server settle, then measure while they are all held.
    tokio::time::sleep(hold).await;
    let rss_after = server_pid.and_then(procfs::rss_kib);
    let pg_after = server_pid.map(|_| procfs::postgres_rss_kib());
    let connected = holders.len();
    for holder in holders {
        holder.abort();
    }
    let per_connection = match (rss_before, rss_after) {
        (Some(b), Some(a)) if connected > 0 => Some(a.saturating_sub(b) as f64 / connected as f64),
        _ => None,
    };
    Ok(ConnectReport {
        requested: count,
        connected,
        failed,
        handshakes_per_second: connected as f64 / elapsed,
        handshake_p50_ms: histogram.value_at_quantile(0.5) as f64 / 1000.0,
        handshake_p99_ms: histogram.value_at_quantile(0.99) as f64 / 1000.0,
        server_rss_before_kib: rss_before,
        server_rss_after_kib: rss_after,
        server_kib_per_connection: per_connection,
        postgres_rss_kib: pg_before.zip(pg_after),
        held_seconds: hold.as_secs(),
    })
}
