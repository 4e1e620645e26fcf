//! Prometheus metrics: the names Confab records (one place, so the README's list and the code
//! agree), the process-wide recorder, and `GET /metrics` in Prometheus text format.
//!
//! Recording goes through the `metrics` facade (`counter!`, `gauge!`, `histogram!` at the spot
//! where the thing happens); `metrics-exporter-prometheus` aggregates and renders. Its own
//! HTTP listener is not used: `/metrics` is served on the main port, and answers only
//! loopback peers unless `--metrics-allow` lists more networks, since it tells an outsider
//! how busy the server is and which routes exist.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use ::metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use actix_web::{HttpRequest, HttpResponse, get, web};
use ipnet::IpNet;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use protocol::ErrorCode;

use crate::error::ApiError;
use crate::state::AppState;

/// HTTP requests answered, by method, route pattern and status.
pub const HTTP_REQUESTS: &str = "confab_http_requests_total";
/// Time to answer an HTTP request, by method and route pattern.
pub const HTTP_DURATION: &str = "confab_http_request_duration_seconds";
/// WebSocket connections past their handshake.
pub const WS_CONNECTIONS: &str = "confab_ws_connections";
/// WebSocket frames received from clients.
pub const WS_FRAMES_IN: &str = "confab_ws_frames_received_total";
/// WebSocket frames sent to clients.
pub const WS_FRAMES_OUT: &str = "confab_ws_frames_sent_total";
/// Connections closed with 4008 because they read too slowly.
pub const WS_SLOW_CLOSES: &str = "confab_ws_slow_consumer_closes_total";
/// Messages stored (new sends; retries of a stored send are not counted twice).
pub const MESSAGES_STORED: &str = "confab_messages_stored_total";
/// Commands in each batch the writer commits.
pub const WRITER_BATCH: &str = "confab_writer_batch_commands";
/// Time from a batch's first statement to its commit.
pub const WRITER_COMMIT: &str = "confab_writer_commit_seconds";
/// Time from an event's commit to its receipt over the bus by this server (events loaded from
/// the database to fill a gap are not in it: their age says how late the gap was found, not
/// how fast the bus is; they are counted in [`BUS_GAP_FILLED`]).
pub const BUS_LAG: &str = "confab_bus_lag_seconds";
/// Events a NATS receiver loaded from the database because they had not come over the bus
/// (crossed or dead publishers, messages NATS dropped for a slow subscription).
pub const BUS_GAP_FILLED: &str = "confab_bus_gap_filled_events_total";
/// Messages the NATS client dropped because a subscription's buffer was full (a slow consumer),
/// by `feed`: `conversations` (caught up from the database) or `broadcast` (clients resync).
pub const BUS_NATS_DROPPED: &str = "confab_bus_nats_dropped_messages_total";
/// Failed sign-ins (wrong username or password).
pub const LOGIN_FAILURES: &str = "confab_login_failures_total";
/// Time spent waiting for a pooled database connection.
pub const POOL_WAIT: &str = db::pool::WAIT_METRIC;
/// Pooled database connections, by state (`idle`, `in_use`).
pub const POOL_CONNECTIONS: &str = "confab_db_pool_connections";
/// Password hashes waiting for a hashing thread.
pub const HASH_QUEUE: &str = "confab_password_hash_queue";
/// 1 when the database answers, 0 when it does not (measured at each scrape).
pub const DATABASE_UP: &str = "confab_database_up";
/// 1 when Confab runs its embedded PostgreSQL, 0 with `DATABASE_URL`.
pub const DATABASE_EMBEDDED: &str = "confab_database_embedded";
/// Times the embedded PostgreSQL was found dead while Confab ran.
pub const EMBEDDED_DATABASE_DEATHS: &str = "confab_embedded_database_deaths_total";
/// Times the supervisor restarted it.
pub const EMBEDDED_DATABASE_RESTARTS: &str = "confab_embedded_database_restarts_total";

/// Latency buckets, in seconds: 0.5 ms to 10 s.
const LATENCY_BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Batch-size buckets, in commands.
const BATCH_BUCKETS: [f64; 10] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];
/// How long a scrape waits for the database's answer before reporting it down.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder once and returns its handle (tests run several servers
/// in one process; they share it, as they share the process).
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(WRITER_BATCH.into()), &BATCH_BUCKETS));
            let recorder = match builder {
                Ok(builder) => builder.build_recorder(),
                // Only an empty bucket list fails, and ours are constants.
                Err(e) => unreachable!("metric buckets: {e}"),
            };
            let handle = recorder.handle();
            if ::metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed; /metrics will be empty");
            }
            describe();
            handle
        })
        .clone()
}

/// Keeps the histograms' windows moving between scrapes (the exporter's own listener would).
pub async fn upkeep(handle: PrometheusHandle) {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    loop {
        every.tick().await;
        handle.run_upkeep();
    }
}

fn describe() {
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by method, route and status");
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "Time to answer an HTTP request");
    describe_gauge!(WS_CONNECTIONS, "WebSocket connections past their handshake");
    describe_counter!(WS_FRAMES_IN, "WebSocket frames received from clients");
    describe_counter!(WS_FRAMES_OUT, "WebSocket frames sent to clients");
    describe_counter!(WS_SLOW_CLOSES, "Connections closed with 4008 for reading too slowly");
    describe_counter!(MESSAGES_STORED, "Messages stored");
    describe_histogram!(WRITER_BATCH, Unit::Count, "Commands per batch the writer commits");
    describe_histogram!(WRITER_COMMIT, Unit::Seconds, "Time to store and commit one writer batch");
    describe_histogram!(BUS_LAG, Unit::Seconds, "Time from an event's commit to its receipt here over the bus");
    describe_counter!(BUS_GAP_FILLED, "Events loaded from the database because they never came over the bus");
    describe_counter!(BUS_NATS_DROPPED, "Messages NATS dropped for a slow subscription, by feed");
    describe_counter!(LOGIN_FAILURES, "Failed sign-ins");
    describe_histogram!(POOL_WAIT, Unit::Seconds, "Time waiting for a pooled database connection");
    describe_gauge!(POOL_CONNECTIONS, "Pooled database connections, by state");
    describe_gauge!(HASH_QUEUE, "Password hashes waiting for a hashing thread");
    describe_gauge!(DATABASE_UP, "Whether the database answers (1) or not (0)");
    describe_gauge!(DATABASE_EMBEDDED, "Whether Confab runs its embedded PostgreSQL");
    describe_counter!(EMBEDDED_DATABASE_DEATHS, "Times the embedded PostgreSQL was found dead");
    describe_counter!(EMBEDDED_DATABASE_RESTARTS, "Times the embedded PostgreSQL was restarted");
    // Listed from the start, at zero: a series that appears only on its first event makes
    // `rate()` and alerts on it blind until then.
    let counters = [
        WS_FRAMES_IN,
        WS_FRAMES_OUT,
        WS_SLOW_CLOSES,
        MESSAGES_STORED,
        BUS_GAP_FILLED,
        LOGIN_FAILURES,
        EMBEDDED_DATABASE_DEATHS,
        EMBEDDED_DATABASE_RESTARTS,
    ];
    for counter in counters {
        ::metrics::counter!(counter).absolute(0);
    }
    for gauge in [WS_CONNECTIONS, HASH_QUEUE] {
        ::metrics::gauge!(gauge).set(0.0);
    }
}

/// Whether `peer` may read the metrics: loopback always, others when listed.
pub fn allowed(peer: Option<IpAddr>, allow: &[IpNet]) -> bool {
    peer.is_some_and(|ip| {
        let ip = ip.to_canonical();
        ip.is_loopback() || allow.iter().any(|net| net.contains(&ip))
    })
}

/// Prometheus text format, to allowed peers only.
#[utoipa::path(tag = "ops", path = "/metrics",
    description = "Prometheus metrics (text format). Answers loopback, and the networks of `--metrics-allow`.",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain"),
              (status = 403, description = "`forbidden`: the caller's address is not allowed", body = protocol::ErrorBody)))]
#[get("/metrics")]
pub async fn get_metrics(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // Through a proxy the peer is the proxy (often on loopback): the client behind it counts,
    // and a forwarded request from an untrusted peer is not a local scrape.
    // An unknown client (a trusted proxy forwarded something unreadable) is refused.
    let client = crate::client_address::client_ip(&req, &state.settings.trusted_proxies);
    let forged = crate::client_address::was_forwarded(&req) && !crate::client_address::from_trusted_proxy(&req);
    if forged || !allowed(client, &state.settings.metrics_allow) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "metrics are served to loopback and the networks of --metrics-allow only",
        ));
    }
    sample(&state).await;
    let text = install().render();
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text))
}

/// Gauges read at scrape time rather than kept up to date on every change.
async fn sample(state: &AppState) {
    let status = state.pool.status();
    let in_use = status.size.saturating_sub(status.available);
    ::metrics::gauge!(POOL_CONNECTIONS, "state" => "idle").set(status.available as f64);
    ::metrics::gauge!(POOL_CONNECTIONS, "state" => "in_use").set(in_use as f64);
    let up = matches!(tokio::time::timeout(PING_TIMEOUT, db::pool::ping(&state.pool)).await, Ok(Ok(_)));
    ::metrics::gauge!(DATABASE_UP).set(if up { 1.0 } else { 0.0 });
    let embedded = state.settings.database_url.is_none();
    ::metrics::gauge!(DATABASE_EMBEDDED).set(if embedded { 1.0 } else { 0.0 });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_and_listed_networks_may_read() {
        let allow: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert!(allowed(Some("127.0.0.1".parse().unwrap()), &[]));
        assert!(allowed(Some("::1".parse().unwrap()), &[]));
        assert!(allowed(Some("::ffff:127.0.0.1".parse().unwrap()), &[]));
        assert!(!allowed(Some("10.1.2.3".parse().unwrap()), &[]));
        assert!(allowed(Some("10.1.2.3".parse().unwrap()), &allow));
        assert!(!allowed(Some("192.168.1.1".parse().unwrap()), &allow));
        assert!(!allowed(None, &allow));
    }
}
