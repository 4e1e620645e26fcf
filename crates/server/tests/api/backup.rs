//! `confab backup` and `confab restore` through the binary, on the embedded database: a backup
//! taken while the server runs, restored into a fresh data dir, serves the same history, the
//! same attachment bytes and the same sessions.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use protocol::conversations::SendMessage;
use server::config::Settings;
use server::startup::Application;
use uuid::Uuid;

use crate::support::unique_dir;

/// Runs `confab ARGS --data-dir DATA_DIR` (settings after the sub-command) off the runtime.
async fn confab(args: &[&str], data_dir: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_confab"));
    command.args(args).arg("--data-dir").arg(data_dir).env_remove("DATABASE_URL").env("RUST_LOG", "warn");
    tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
}

/// The application on the embedded database of `data_dir`, and a task running it.
async fn start(data_dir: &Path) -> (String, actix_web::dev::ServerHandle, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let mut settings = Settings::for_tests(data_dir.to_owned(), data_dir.join("no-dist"), String::new());
    settings.database_url = None;
    let app = Application::build(settings).await.expect("the application starts on its embedded database");
    let url = app.url();
    let handle = app.handle();
    (url, handle, tokio::spawn(app.run_until_stopped()))
}

/// A page with its users in one order (they are a set; the order follows the table's).
fn sorted(mut page: protocol::conversations::MessagePage) -> protocol::conversations::MessagePage {
    page.users.sort_by(|a, b| a.username.cmp(&b.username));
    page
}

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..size).map(|i| u8::try_from(i % 251).unwrap()));
    bytes
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_the_history_and_attachments_into_a_fresh_data_dir() {
    let dir = unique_dir("backup");
    let (first_dir, second_dir, file) = (dir.join("first"), dir.join("second"), dir.join("confab.backup"));
    let (url, handle, running) = start(&first_dir).await;
    let api = client::Client::new(&url).unwrap();

    let (alice, alice_auth, bob, bob_auth) = crate::support::two_friends(&api).await;
    let dm = alice.open_dm(bob_auth.user.id).await.unwrap().id;
    let group = alice.create_group("Backups", &[bob_auth.user.id]).await.unwrap().id;
    let original = pdf(200_000);
    let file_upload = alice.upload("plan.pdf", original.clone(), None).await.unwrap();
    let mut with_file = SendMessage::new(Uuid::new_v4(), "the plan");
    with_file.attachments = vec![file_upload.id];
    alice.send_message(dm, &with_file).await.unwrap();
    let edited = bob.send_message(dm, &SendMessage::new(Uuid::new_v4(), "typo")).await.unwrap();
    bob.edit_message(dm, edited.id, "no typo").await.unwrap();
    let gone = alice.send_message(dm, &SendMessage::new(Uuid::new_v4(), "oops")).await.unwrap();
    alice.delete_message(dm, gone.id).await.unwrap();
    for n in 0..20 {
        bob.send_message(group, &SendMessage::new(Uuid::new_v4(), format!("group message {n}"))).await.unwrap();
    }
    let dm_history = sorted(alice.messages(dm, None, None).await.unwrap());
    let group_history = sorted(alice.messages(group, None, None).await.unwrap());
    let dm_events = alice.all_events(dm, 0).await.unwrap();

    // Backed up while the server runs.
    let started = Instant::now();
    let backed_up = confab(&["backup", file.to_str().unwrap()], &first_dir).await;
    let took = started.elapsed();
    assert!(backed_up.status.success(), "{}", String::from_utf8_lossy(&backed_up.stderr));
    let size = std::fs::metadata(&file).unwrap().len();
    // Owner-only: it holds the token secret and every password hash.
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o077, 0, "the archive is readable by others: {mode:o}");
    eprintln!("backup: {size} bytes in {} ms", took.as_millis());
    let said = String::from_utf8_lossy(&backed_up.stdout);
    assert!(said.contains("1 media files"), "{said}");
    assert!(said.contains("the token secret"), "{said}");
    // What happens after the backup is not in it.
    alice.send_message(dm, &SendMessage::new(Uuid::new_v4(), "after the backup")).await.unwrap();
    handle.stop(true).await;
    running.await.unwrap().unwrap();

    let started = Instant::now();
    let restored = confab(&["restore", file.to_str().unwrap()], &second_dir).await;
    eprintln!("restore: {} ms", started.elapsed().as_millis());
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    // A second restore into the same directory is refused, and changes nothing.
    let again = confab(&["restore", file.to_str().unwrap()], &second_dir).await;
    assert!(!again.status.success());
    let refusal = String::from_utf8_lossy(&again.stderr);
    assert!(
        refusal.trim_end().ends_with("is not empty; restore into a new or empty directory (nothing is overwritten)"),
        "{refusal}"
    );

    let (url, handle, running) = start(&second_dir).await;
    let api = client::Client::new(&url).unwrap();
    // The token secret came back: Alice's session from before goes on.
    let alice = api.authenticated(&alice_auth.access_token);
    assert_eq!(alice.me().await.unwrap().username, "alice");
    assert_eq!(sorted(alice.messages(dm, None, None).await.unwrap()), dm_history, "the direct history, identical");
    assert_eq!(sorted(alice.messages(group, None, None).await.unwrap()), group_history, "the group history, identical");
    assert_eq!(alice.all_events(dm, 0).await.unwrap(), dm_events, "the events, edits and deletions included");
    let restored_file = &dm_history.items.iter().find(|m| m.body == "the plan").unwrap().attachments[0];
    let access = alice.media_access().await.unwrap();
    let response = alice.download(&restored_file.url, &access).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), original.as_slice(), "the attachment's bytes, identical");
    // Signing in works too (the password hashes came back).
    api.login("bob", "bob-password-1").await.unwrap();

    handle.stop(true).await;
    running.await.unwrap().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
