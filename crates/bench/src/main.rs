//! confab-bench, Confab's load generator: drives a running server through the real API with the
//! `client` crate and reports throughput and latency percentiles from HDR histograms.
//!
//! Every scenario is bounded in time and targets the URL it is given (loopback in our runs).

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use hdrhistogram::Histogram;
use serde::Serialize;

/// Load generator for a Confab server.
#[derive(Debug, Parser)]
#[command(name = "confab-bench", version, about)]
struct Cli {
    /// Base URL of the server under test.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// Closed-loop HTTP requests to a probe endpoint: the floor cost of one request.
    Probe {
        /// Which probe: `healthz` (no database) or `readyz` (one query).
        #[arg(long, value_enum, default_value_t = Probe::Healthz)]
        endpoint: Probe,
        /// Concurrent requests in flight.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// How long to run, in seconds.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Probe {
    Healthz,
    Readyz,
}

/// The outcome of a run, printed as a table and optionally written as JSON.
#[derive(Debug, Serialize)]
struct Report {
    scenario: String,
    requests: u64,
    errors: u64,
    seconds: f64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    max_ms: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let report = match cli.scenario {
        Scenario::Probe { endpoint, concurrency, seconds } => {
            probe(&cli.url, endpoint, concurrency.clamp(1, 10_000), Duration::from_secs(seconds.clamp(1, 3600))).await?
        }
    };
    println!(
        "{:<24} {:>10} {:>8} {:>12} {:>9} {:>9} {:>9} {:>9}",
        "scenario", "requests", "errors", "per second", "p50 ms", "p99 ms", "p99.9 ms", "max ms"
    );
    println!(
        "{:<24} {:>10} {:>8} {:>12.0} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
        report.scenario,
        report.requests,
        report.errors,
        report.per_second,
        report.p50_ms,
        report.p99_ms,
        report.p999_ms,
        report.max_ms
    );
    if let Some(path) = cli.json {
        std::fs::write(&path, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if report.requests == 0 || report.errors > 0 {
        anyhow::bail!("{} of {} requests failed", report.errors, report.requests + report.errors);
    }
    Ok(())
}

async fn probe(url: &str, endpoint: Probe, concurrency: usize, duration: Duration) -> anyhow::Result<Report> {
    let client = client::Client::new(url)?;
    client.health().await.with_context(|| format!("the server at {url} does not answer"))?;
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            // 1 µs to 60 s, 3 significant digits. unwrap: constant, valid bounds.
            #[expect(clippy::unwrap_used, reason = "constant, valid histogram bounds")]
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let sent = Instant::now();
                let ok = match endpoint {
                    Probe::Healthz => client.health().await.is_ok(),
                    Probe::Readyz => client.ready().await.is_ok(),
                };
                if ok {
                    histogram.saturating_record(u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX));
                } else {
                    errors += 1;
                }
            }
            (histogram, errors)
        }));
    }
    #[expect(clippy::unwrap_used, reason = "constant, valid histogram bounds")]
    let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    let mut errors = 0;
    for task in tasks {
        let (histogram, task_errors) = task.await?;
        total.add(&histogram)?;
        errors += task_errors;
    }
    let seconds = started.elapsed().as_secs_f64();
    let ms = |q: f64| total.value_at_quantile(q) as f64 / 1000.0;
    Ok(Report {
        scenario: format!("probe {endpoint:?} x{concurrency}").to_lowercase(),
        requests: total.len(),
        errors,
        seconds,
        per_second: total.len() as f64 / seconds,
        p50_ms: ms(0.5),
        p99_ms: ms(0.99),
        p999_ms: ms(0.999),
        max_ms: total.max() as f64 / 1000.0,
    })
}
