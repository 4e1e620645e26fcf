//! `login`: logins per second and their latency, measured while a fan-out round runs, and the
//! fan-out's latency compared with a round without logins.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::fanout::{self, Fanout, FanoutReport};
use crate::population;

/// What a run measured.
#[derive(Debug, Serialize)]
pub struct LoginReport {
    /// Successful logins.
    pub logins: u64,
    /// Failed logins.
    pub failed: u64,
    /// Logins per second.
    pub logins_per_second: f64,
    /// Login latency p50, ms.
    pub login_p50_ms: f64,
    /// Login latency p99, ms.
    pub login_p99_ms: f64,
    /// The fan-out round alone.
    pub chat_alone: FanoutReport,
    /// The fan-out round with logins alongside.
    pub chat_with_logins: FanoutReport,
}

/// Runs a fan-out round alone, then again with `concurrency` clients logging in in a loop:
/// as fast as they can, or together at most `login_rate` logins/s (each client paced to its share).
pub async fn run(
    urls: &[String],
    api: &client::Client,
    config: Fanout,
    concurrency: usize,
    login_rate: Option<f64>,
) -> anyhow::Result<LoginReport> {
    let mut prepared = fanout::prepare(api, config.rooms, config.members).await?;
    let accounts = population::users(api, &population::fresh_prefix("l"), concurrency.max(1)).await?;
    let chat_alone = fanout::run(urls, &mut prepared, config).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..concurrency.max(1) {
        let api = api.clone();
        let stop = stop.clone();
        let login_name = accounts[n % accounts.len()].username.clone();
        let mut pace = login_rate.map(|rate| {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(concurrency.max(1) as f64 / rate.max(0.01)));
            // A slow login is not made up for with a burst: the rate is a ceiling.
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick
        });
        tasks.push(tokio::spawn(async move {
            #[expect(clippy::unwrap_used, reason = "constant, valid histogram bounds")]
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).unwrap();
            let mut failed = 0u64;
            while !stop.load(Ordering::Relaxed) {
                if let Some(pace) = pace.as_mut() {
                    pace.tick().await;
                }
                let begun = Instant::now();
                match api.login(&login_name, population::PASSWORD).await {
                    Ok(_) => histogram.saturating_record(begun.elapsed().as_micros() as u64),
                    Err(_) => failed += 1,
                }
            }
            (histogram, failed)
        }));
    }
    let chat_with_logins = fanout::run(urls, &mut prepared, config).await?;
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64().max(0.001);
    #[expect(clippy::unwrap_used, reason = "constant, valid histogram bounds")]
    let mut total = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).unwrap();
    let mut failed = 0;
    for task in tasks {
        let (histogram, task_failed) = task.await?;
        total.add(&histogram)?;
        failed += task_failed;
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    Ok(LoginReport {
        logins: total.len(),
        failed,
        logins_per_second: total.len() as f64 / elapsed,
        login_p50_ms: total.value_at_quantile(0.5) as f64 / 1000.0,
        login_p99_ms: total.value_at_quantile(0.99) as f64 / 1000.0,
        chat_alone,
        chat_with_logins,
    })
}
