//! Start-up failures end with a clear error instead of a panic.

use server::config::Settings;
use server::startup::Application;

use crate::support::{TestApp, unique_dir};

async fn start_error(settings: Settings) -> String {
    match Application::build(settings).await {
        Ok(_) => panic!("start-up should have failed"),
        Err(e) => format!("{e:#}"),
    }
}

#[tokio::test]
async fn a_port_in_use_is_a_clear_error() {
    let app = TestApp::spawn().await;
    let port: u16 = app.url.rsplit(':').next().unwrap().parse().unwrap();
    let dir = unique_dir("port");
    let mut settings = Settings::for_tests(dir.join("data"), dir.join("dist"), app.db.url().to_owned());
    settings.port = port;
    let message = start_error(settings).await;
    assert!(message.contains(&format!("cannot listen on 127.0.0.1:{port}")), "{message}");
    assert!(message.contains("in use"), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_error_without_the_password() {
    let dir = unique_dir("nodb");
    // Nothing listens on port 1 of loopback.
    let settings =
        Settings::for_tests(dir.join("data"), dir.join("dist"), "postgres://confab:s3cret@127.0.0.1:1/confab".into());
    let message = start_error(settings).await;
    assert!(message.contains("cannot connect to the database"), "{message}");
    assert!(message.contains("postgres://confab:***@127.0.0.1:1/confab"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn an_unwritable_data_dir_is_a_clear_error() {
    let dir = unique_dir("ro");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let mut settings = Settings::for_tests(file.join("data"), dir.join("dist"), String::new());
    settings.database_url = None;
    let message = start_error(settings).await;
    assert!(message.contains("cannot create the data directory"), "{message}");
    assert!(message.contains("Not a directory"), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn shutdown_refuses_new_websockets_before_closing_the_open_ones() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (mut socket, _) = alice.client.connect().await.unwrap();

    let stopping = tokio::spawn(app.shutdown.clone().run("test shutdown"));
    let code = loop {
        match socket.next().await {
            Err(client::ws::SocketError::Closed { code, .. }) => break code,
            Ok(_) => {}
            Err(e) => panic!("expected a close frame, got {e}"),
        }
    };
    assert_eq!(code, protocol::ws::close::GOING_AWAY);
    // A client reconnects at once, as clients do on 1001: refused, not a socket that would
    // keep the graceful stop waiting for its whole timeout.
    let upgrade = app
        .http
        .get(app.at("/api/v1/ws"))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await;
    if let Ok(response) = upgrade {
        assert_eq!(response.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
        let body: protocol::ErrorBody = response.json().await.unwrap();
        assert_eq!(body.error, protocol::ErrorCode::ShuttingDown);
    } // else the listener had already stopped: refused all the same.
    assert!(alice.client.connect().await.is_err(), "a new WebSocket was accepted during shutdown");
    // With nothing left open, the stop finishes well inside its 10 s allowance.
    tokio::time::timeout(std::time::Duration::from_secs(8), stopping)
        .await
        .expect("stopped before the timeout")
        .unwrap();
}
