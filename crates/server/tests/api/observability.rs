//! What an operator observes: `/metrics` in Prometheus text format with every listed metric
//! present and moving under a short load, and a request id on every answer (the caller's
//! when sane, else a new one).
//!
//! The metrics recorder is one per process and the API tests share a process, so these tests
//! compare a scrape before and after their own load and expect at least their own increments.
//! The log test runs the binary, since the log subscriber is one per process.

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

#[tokio::test]
async fn the_log_lines_of_a_request_carry_its_id() {
    use std::io::BufRead;

    let db = db::testing::TestDatabase::create().await;
    let dir = crate::support::unique_dir("logs");
    std::fs::create_dir_all(&dir).unwrap();
    let log_path = dir.join("server.log");
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_confab"))
        .args(["--port", "0", "--log-format", "json", "--data-dir"])
        .arg(dir.join("data"))
        .arg("--static-dir")
        .arg(dir.join("dist"))
        .env("DATABASE_URL", db.url())
        .env("RUST_LOG", "info,server=debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let url = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("Confab is running at ").map(str::to_owned))
    })
    .await
    .unwrap()
    .expect("the server starts");

    let answered = reqwest::Client::new()
        .get(format!("{url}/api/v1/users/me"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(answered.headers()["x-request-id"], "trace-me-42");
    server.kill().unwrap();
    server.wait().unwrap();

    // The request's own line, in JSON, inside the span that names its id, method and path.
    let log = std::fs::read_to_string(&log_path).unwrap();
    let line = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["span"]["request_id"] == "trace-me-42")
        .unwrap_or_else(|| panic!("no log line carries the request id:\n{log}"));
    assert_eq!(line["span"]["name"], "request");
    assert_eq!(line["span"]["path"], "/api/v1/users/me");
    assert_eq!(line["fields"]["status"], 401);
}
