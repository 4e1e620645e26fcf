//! What an operator observes: `/metrics` in Prometheus text format with every listed metric
//! present and moving under a short load, and a request id on every answer (the caller's
//! when sane, else a new one).
//!
//! The metrics recorder is one per process and the API tests share a process, so these tests
//! compare a scrape before and after their own load and expect at least their own increments.

use protocol::conversations::SendMessage;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::support::TestApp;

/// The sum of a metric's samples whose labels contain every one of `labels` (for a histogram,
/// pass its `_count` or `_sum` series).
fn sample(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let bare = series.split('{').next()?;
            (bare == name && labels.iter().all(|l| series.contains(l))).then(|| value.parse::<f64>().ok())?
        })
        .sum()
}

async fn scrape(app: &TestApp) -> String {
    let response = app.http.get(app.at("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_are_listed_and_move_under_load() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let (mut bob_socket, _) = bob.client.connect().await.unwrap();
    let before = scrape(&app).await;

    // A short load: a failed sign-in, three sends over the WebSocket, one over REST.
    assert!(app.client.login("alice", "not-her-password").await.is_err());
    let (mut socket, _) = alice.client.connect().await.unwrap();
    for i in 0..3 {
        socket.send_message(dm.id, &format!("hello {i}")).await.unwrap();
    }
    alice.client.send_message(dm.id, &SendMessage::new(Uuid::new_v4(), "over REST")).await.unwrap();
    for _ in 0..4 {
        bob_socket.next().await.unwrap();
    }
    let after = scrape(&app).await;

    let grew = |name: &str, labels: &[&str], by: f64| {
        let (was, is) = (sample(&before, name, labels), sample(&after, name, labels));
        assert!(is - was >= by, "{name}{labels:?}: {was} -> {is}, expected +{by}\n{after}");
    };
    grew("confab_messages_stored_total", &[], 4.0);
    grew("confab_login_failures_total", &[], 1.0);
    grew("confab_http_requests_total", &["route=\"/api/v1/auth/login\"", "status=\"401\""], 1.0);
    grew("confab_http_requests_total", &["route=\"/api/v1/conversations/{id}/messages\"", "status=\"201\""], 1.0);
    grew("confab_http_request_duration_seconds_count", &["route=\"/api/v1/conversations/{id}/messages\""], 1.0);
    grew("confab_ws_frames_received_total", &[], 3.0);
    grew("confab_ws_frames_sent_total", &[], 7.0);
    grew("confab_writer_batch_commands_count", &[], 1.0);
    grew("confab_writer_commit_seconds_count", &[], 1.0);
    grew("confab_bus_lag_seconds_count", &[], 4.0);
    grew("confab_db_pool_wait_seconds_count", &[], 1.0);
    // A gauge other tests move both ways: at least this test's two sockets are open.
    assert!(sample(&after, "confab_ws_connections", &[]) >= 2.0);
    assert_eq!(sample(&after, "confab_database_up", &[]), 1.0);
    assert_eq!(sample(&after, "confab_database_embedded", &[]), 0.0);
    for listed in [
        "confab_ws_slow_consumer_closes_total",
        "confab_password_hash_queue",
        "confab_db_pool_connections",
        "confab_writer_commit_seconds_bucket",
    ] {
        assert!(after.contains(listed), "{listed} missing from\n{after}");
    }
    // Routes are labelled by pattern: no series per conversation id.
    assert!(!after.contains(&dm.id.0.to_string()));
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let generated = app.http.get(app.at("/healthz")).send().await.unwrap();
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert!(Uuid::parse_str(id).is_ok(), "{id}");

    let passed = app.http.get(app.at("/api/v1/users/me")).header("x-request-id", "edge-42:7").send().await.unwrap();
    assert_eq!(passed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(passed.headers()["x-request-id"], "edge-42:7");

    let forged = app.http.get(app.at("/healthz")).header("x-request-id", "a b\tc").send().await.unwrap();
    let replaced = forged.headers()["x-request-id"].to_str().unwrap();
    assert!(Uuid::parse_str(replaced).is_ok(), "{replaced}");
}
