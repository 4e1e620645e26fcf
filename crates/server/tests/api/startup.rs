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
