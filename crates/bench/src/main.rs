//! confab-bench, Confab's load generator: drives a running server through the real API with the
//! `client` crate and reports throughput and latency percentiles from HDR histograms.
//!
//! Every scenario is bounded in time and targets the URL it is given (loopback in our runs).

mod changes;
mod connect;
mod fanout;
mod login;
mod population;
mod procfs;
mod uploads;

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use hdrhistogram::Histogram;
use serde::Serialize;

use crate::fanout::Fanout;

/// Load generator for a Confab server. Populations (users, friendships, groups) are created
/// through the API before each measured window; nothing is mocked.
#[derive(Debug, Parser)]
#[command(name = "confab-bench", version, about)]
struct Cli {
    /// Base URL of the server under test.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// Servers the WebSockets connect to, comma-separated, taken in turn per member (e.g.
    /// two processes sharing one database with `--bus postgres`); default: `--url`.
    #[arg(long, value_delimiter = ',')]
    ws_url: Vec<String>,
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
    /// Hold N authenticated idle WebSocket connections: handshake rate and latency, and the
    /// server's resident memory per connection (give --server-pid).
    Connect {
        /// Connections to open.
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// Distinct users they belong to (a user may have many connections).
        #[arg(long, default_value_t = 100)]
        users: usize,
        /// Handshakes in flight.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Seconds to hold them before measuring memory.
        #[arg(long, default_value_t = 3)]
        hold_seconds: u64,
        /// The server's pid, to read its memory from /proc.
        #[arg(long)]
        server_pid: Option<u32>,
        /// First block of source addresses: connections come from 127.0.0.(1 + block), then
        /// the next address every 20,000. Give each of several load generators its own block
        /// so they do not share one address's ephemeral ports.
        #[arg(long, default_value_t = 0)]
        source_block: usize,
    },
    /// R groups of M members sending on an open-loop schedule totalling T commands/s (new
    /// messages, and with --change-share edits and deletes too): throughput, end-to-end
    /// latency, loss, duplicates, order, and storage.
    Fanout {
        #[command(flatten)]
        round: Round,
    },
    /// Raise the fan-out rate step by step until p99 exceeds 100 ms or anything is lost;
    /// report the last good step.
    Max {
        #[command(flatten)]
        groups: Groups,
        #[command(flatten)]
        mix: Mix,
        /// First rate, commands/s (messages/s without --change-share).
        #[arg(long, default_value_t = 500.0)]
        start: f64,
        /// Each step multiplies the rate by this.
        #[arg(long, default_value_t = 1.5)]
        factor: f64,
        /// Seconds per step.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Most steps.
        #[arg(long, default_value_t = 12)]
        steps: usize,
        /// The p99 bound, ms.
        #[arg(long, default_value_t = 100.0)]
        p99_ms: f64,
    },
    /// Logins per second and their p99 while a fan-out round runs, with the chat latency
    /// compared to a round without logins.
    Login {
        #[command(flatten)]
        round: Round,
        /// Clients logging in concurrently, in a loop.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Cap on the logins per second of all clients together (paced); without it they log
        /// in as fast as the server answers.
        #[arg(long)]
        login_rate: Option<f64>,
    },
    /// Upload throughput (MiB/s) and latency of clients uploading files in a loop, and the
    /// chat's latency while they do, compared with a round without uploads.
    Uploads {
        #[command(flatten)]
        round: Round,
        /// Clients uploading concurrently, in a loop.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Size of each file, in KiB (random bytes, stored as they come).
        #[arg(long, default_value_t = 4096)]
        file_kib: usize,
    },
}

/// The population of a fan-out: R groups of M members.
#[derive(Debug, Args)]
struct Groups {
    /// Groups.
    #[arg(long, default_value_t = 10)]
    rooms: usize,
    /// Members per group.
    #[arg(long, default_value_t = 10)]
    members: usize,
}

/// What the members send besides new messages.
#[derive(Debug, Args)]
struct Mix {
    /// Share of each member's commands (0 to 0.5) that change one of its own recent
    /// acknowledged messages instead of sending a new one: alternately an edit and a delete
    /// (never of a deleted message). Counted in the rate.
    #[arg(long, default_value_t = 0.0)]
    change_share: f64,
}

/// One fan-out round: the groups, the total rate, its length and its mix of commands.
#[derive(Debug, Args)]
struct Round {
    #[command(flatten)]
    groups: Groups,
    /// Total commands per second offered.
    #[arg(long, default_value_t = 500.0)]
    rate: f64,
    /// Seconds of sending (of each round, for `login`).
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    #[command(flatten)]
    mix: Mix,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Probe {
    Healthz,
    Readyz,
}

/// The outcome of a probe run.
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

/// Prints a report as a two-column table of its JSON fields.
fn print_table(title: &str, value: &serde_json::Value) {
    println!("== {title}");
    print_fields("", value);
}

fn print_fields(prefix: &str, value: &serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                if value.is_object() {
                    print_fields(&name, value);
                } else {
                    let shown = match value {
                        serde_json::Value::Number(n) if n.is_f64() => format!("{:.2}", n.as_f64().unwrap_or_default()),
                        other => other.to_string(),
                    };
                    println!("  {name:<36} {shown}");
                }
            }
        }
        other => println!("  {prefix:<36} {other}"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Many sockets need many file descriptors.
    // Every connection is a file descriptor; as root, go past the hard limit up to fs.nr_open.
    let nr_open = std::fs::read_to_string("/proc/sys/fs/nr_open").ok().and_then(|s| s.trim().parse().ok());
    if nr_open.is_none_or(|n: u64| rlimit::setrlimit(rlimit::Resource::NOFILE, n, n).is_err()) {
        let _ = rlimit::increase_nofile_limit(u64::MAX);
    }
    let api = client::Client::new(&cli.url)?;
    let ws_urls = if cli.ws_url.is_empty() { vec![cli.url.clone()] } else { cli.ws_url.clone() };
    api.health().await.with_context(|| format!("the server at {} does not answer", cli.url))?;
    let (title, value, ok) = match cli.scenario {
        Scenario::Probe { endpoint, concurrency, seconds } => {
            let report =
                probe(&cli.url, endpoint, concurrency.clamp(1, 10_000), Duration::from_secs(seconds.clamp(1, 3600)))
                    .await?;
            let ok = report.requests > 0 && report.errors == 0;
            ("probe", serde_json::to_value(&report)?, ok)
        }
        Scenario::Connect { connections, users, concurrency, hold_seconds, server_pid, source_block } => {
            let report = connect::run(
                &api,
                connections.clamp(1, 1_000_000),
                users,
                concurrency.clamp(1, 10_000),
                Duration::from_secs(hold_seconds.min(3600)),
                server_pid,
                source_block.min(249),
            )
            .await?;
            let ok = report.failed == 0;
            ("connect", serde_json::to_value(&report)?, ok)
        }
        Scenario::Fanout { round } => {
            let config = fanout_config(&round.groups, round.rate, round.seconds, &round.mix);
            eprintln!("preparing {} users in {} groups…", config.rooms * config.members, config.rooms);
            let mut prepared = fanout::prepare(&api, config.rooms, config.members).await?;
            eprintln!("sending {:.0} msgs/s for {:.0} s…", config.rate, config.seconds);
            let report = fanout::run(&ws_urls, &mut prepared, config).await?;
            let ok = report.clean();
            ("fanout", serde_json::to_value(&report)?, ok)
        }
        Scenario::Max { groups, mix, start, factor, seconds, steps, p99_ms } => {
            let base = fanout_config(&groups, start, seconds, &mix);
            eprintln!("preparing {} users in {} groups…", base.rooms * base.members, base.rooms);
            let mut prepared = fanout::prepare(&api, base.rooms, base.members).await?;
            let mut rate = base.rate;
            let mut steps_run = Vec::new();
            let mut last_good = None;
            for _ in 0..steps.clamp(1, 50) {
                let report = fanout::run(&ws_urls, &mut prepared, Fanout { rate, ..base }).await?;
                eprintln!(
                    "  {:>9.0} msgs/s offered: {:>9.0} stored/s, {:>10.0} delivered/s, p99 {:>8.2} ms, lost {}{}",
                    rate,
                    report.stored_per_second,
                    report.delivered_per_second,
                    report.p99_ms,
                    report.lost,
                    report.changes.as_ref().map(step_changes).unwrap_or_default(),
                );
                let good = report.clean() && report.p99_ms <= p99_ms;
                steps_run.push(report.clone());
                if !good {
                    break;
                }
                last_good = Some(report);
                rate *= factor.max(1.05);
            }
            let ok = last_good.is_some();
            let value = serde_json::json!({ "last_good": last_good, "steps": steps_run });
            ("max", value, ok)
        }
        Scenario::Login { round, concurrency, login_rate } => {
            let config = fanout_config(&round.groups, round.rate, round.seconds, &round.mix);
            let login_rate = login_rate.filter(|r| *r > 0.0);
            let report = login::run(&ws_urls, &api, config, concurrency.clamp(1, 1000), login_rate).await?;
            let ok = report.failed == 0 && report.logins > 0 && report.chat_with_logins.clean();
            ("login", serde_json::to_value(&report)?, ok)
        }
        Scenario::Uploads { round, concurrency, file_kib } => {
            let config = fanout_config(&round.groups, round.rate, round.seconds, &round.mix);
            let file = uploads::random_file(file_kib.clamp(1, 1024 * 1024) * 1024);
            let report = uploads::run(&ws_urls, &api, config, concurrency.clamp(1, 256), file).await?;
            let ok = report.failed == 0 && report.uploads > 0 && report.chat_with_uploads.clean();
            ("uploads", serde_json::to_value(&report)?, ok)
        }
    };
    print_table(title, &value);
    if let Some(path) = cli.json {
        std::fs::write(&path, serde_json::to_vec_pretty(&value)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    anyhow::ensure!(ok, "the {title} run had failures (see the report)");
    Ok(())
}

fn fanout_config(groups: &Groups, rate: f64, seconds: f64, mix: &Mix) -> Fanout {
    Fanout {
        rooms: groups.rooms.clamp(1, 10_000),
        members: groups.members.clamp(2, protocol::conversations::MAX_GROUP_MEMBERS),
        rate: rate.clamp(0.1, 10_000_000.0),
        seconds: seconds.clamp(0.5, 3600.0),
        // `--change-share NaN` parses: it means none.
        change_share: if mix.change_share.is_nan() {
            0.0
        } else {
            mix.change_share.clamp(0.0, changes::MAX_CHANGE_SHARE)
        },
    }
}

/// The edits and deletes of a `max` step, for its progress line.
fn step_changes(changes: &changes::ChangeReport) -> String {
    format!(
        "; {:>9.0} commands acked/s, edits {}/{} acked p99 {:.2} ms, deletes {}/{} acked p99 {:.2} ms",
        changes.commands_acked_per_second,
        changes.edits_acked,
        changes.edits_offered,
        changes.edit_p99_ms,
        changes.deletes_acked,
        changes.deletes_offered,
        changes.delete_p99_ms,
    )
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
