//! Self-healing: the server on its embedded PostgreSQL survives a `kill -9` of the postmaster
//! (the supervisor starts it again, the pool reconnects, the writer and the PostgreSQL bus
//! carry on), without a restart of its own.

use std::path::Path;
use std::time::{Duration, Instant};

use protocol::conversations::{EventKind, SendMessage};
use protocol::ws::ServerFrame;
use server::config::Settings;
use server::startup::Application;
use uuid::Uuid;

use crate::support::unique_dir;

/// The postmaster's pid, from the cluster's `postmaster.pid`.
pub fn postmaster_pid(data_dir: &Path) -> u32 {
    let pid_file = std::fs::read_to_string(data_dir.join("postgres/pgdata/postmaster.pid")).unwrap();
    pid_file.lines().next().unwrap().trim().parse().unwrap()
}

fn kill_9(pid: u32) {
    let status = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
    assert!(status.success(), "kill -9 {pid}");
}

#[tokio::test]
async fn a_killed_embedded_postgres_is_restarted_and_later_messages_are_stored() {
    let dir = unique_dir("healing");
    let data_dir = dir.join("data");
    let mut settings = Settings::for_tests(data_dir.clone(), dir.join("dist"), String::new());
    settings.database_url = None;
    // The PostgreSQL bus has a LISTEN connection of its own to lose and win back.
    settings.bus = server::bus::BusKind::Postgres;
    let app = Application::build(settings).await.expect("the application starts on its embedded database");
    let url = app.url();
    let handle = app.handle();
    let running = tokio::spawn(app.run_until_stopped());
    let api = client::Client::new(&url).unwrap();

    let (alice, _, bob, bob_auth) = crate::support::two_friends(&api).await;
    let dm = alice.open_dm(bob_auth.user.id).await.unwrap().id;
    alice.send_message(dm, &SendMessage::new(Uuid::new_v4(), "before the crash")).await.unwrap();
    let (mut bob_socket, _ready) = bob.connect().await.unwrap();

    let old_pid = postmaster_pid(&data_dir);
    kill_9(old_pid);
    let killed = Instant::now();
    // Ready again without anyone restarting Confab.
    loop {
        if api.ready().await.is_ok() && postmaster_pid(&data_dir) != old_pid {
            break;
        }
        assert!(killed.elapsed() < Duration::from_secs(30), "the embedded database was not restarted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let healed_after = killed.elapsed();
    eprintln!("ready again {} ms after kill -9 of the postmaster", healed_after.as_millis());
    assert_eq!(api.health().await.unwrap().status, "ok", "a healed server is live");
    // The operator sees it in the metrics (counted once the restart has returned, which may be
    // a moment after the database answers).
    let counted = |name: &str, metrics: &str| -> f64 {
        let line = metrics.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' '));
        line.and_then(|v| v.parse().ok()).unwrap_or_default()
    };
    loop {
        let metrics = reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap();
        if counted("confab_embedded_database_restarts_total", &metrics) >= 1.0 {
            assert!(counted("confab_embedded_database_deaths_total", &metrics) >= 1.0);
            break;
        }
        assert!(killed.elapsed() < Duration::from_secs(30), "restarts not counted:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The first send after the heal is stored (no retry), and later ones reach Bob live
    // through the bus once its listener is back.
    let after = alice.send_message(dm, &SendMessage::new(Uuid::new_v4(), "after the crash")).await.unwrap();
    assert_eq!(after.body, "after the crash");
    let mut live = None;
    let mut reconnects = 0;
    for attempt in 0..20 {
        let body = format!("live {attempt}");
        alice.send_message(dm, &SendMessage::new(Uuid::new_v4(), body.clone())).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(1);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match bob_socket.next_within(left).await {
                Ok(Some(ServerFrame::Event { event })) => {
                    if let EventKind::MessageCreated { message } = event.kind
                        && message.body == body
                    {
                        live = Some(body.clone());
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                // The PostgreSQL bus lost its feed: the server says "reconnect" (events may
                // have been missed), and a client does, then fetches what it missed.
                Err(client::ws::SocketError::Closed { code, .. }) if code == protocol::ws::close::GOING_AWAY => {
                    reconnects += 1;
                    bob_socket = bob.connect().await.unwrap().0;
                    break;
                }
                Err(e) => panic!("Bob's socket failed across the database restart: {e}"),
            }
            if live.is_some() {
                break;
            }
        }
        if live.is_some() {
            break;
        }
    }
    assert!(live.is_some(), "no message reached Bob live after the restart");
    eprintln!("live again {} ms after kill -9 ({reconnects} reconnect)", killed.elapsed().as_millis());
    assert!(reconnects <= 1, "Bob was told to reconnect {reconnects} times");

    let history = bob.messages(dm, None, None).await.unwrap();
    let bodies: Vec<&str> = history.items.iter().rev().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies[..2], ["before the crash", "after the crash"], "{bodies:?}");
    assert_eq!(bodies.last().copied(), live.as_deref(), "{bodies:?}");

    drop(bob_socket);
    handle.stop(true).await;
    running.await.unwrap().expect("a healed server stops cleanly, exit 0");
    std::fs::remove_dir_all(dir).unwrap();
}

/// The guardian processes (`confab-pg-guardian`) watching the cluster under `data_dir`.
fn guardians_of(data_dir: &Path) -> Vec<u32> {
    let pid_file = data_dir.join("postgres/pgdata/postmaster.pid");
    let pid_file = pid_file.to_string_lossy();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let args: Vec<String> =
                cmdline.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            args.iter().any(|a| a == "confab-pg-guardian") && args.iter().any(|a| *a == pid_file)
        })
        .collect()
}

#[tokio::test]
async fn restarts_of_the_embedded_postgres_leave_one_guardian() {
    let dir = unique_dir("guardians");
    let data_dir = dir.join("data");
    let mut settings = Settings::for_tests(data_dir.clone(), dir.join("dist"), String::new());
    settings.database_url = None;
    let app = Application::build(settings).await.expect("the application starts on its embedded database");
    let api = client::Client::new(&app.url()).unwrap();
    let handle = app.handle();
    let running = tokio::spawn(app.run_until_stopped());
    assert_eq!(guardians_of(&data_dir).len(), 1, "one guardian at start");

    for round in 1..=2 {
        let old_pid = postmaster_pid(&data_dir);
        kill_9(old_pid);
        let killed = Instant::now();
        loop {
            if api.ready().await.is_ok() && postmaster_pid(&data_dir) != old_pid {
                break;
            }
            assert!(killed.elapsed() < Duration::from_secs(30), "restart {round} did not happen");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // A guardian looks at its postmaster once a second.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut guardians = guardians_of(&data_dir);
    while guardians.len() != 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        guardians = guardians_of(&data_dir);
    }
    assert_eq!(guardians.len(), 1, "guardians after two restarts: {guardians:?}");

    handle.stop(true).await;
    running.await.unwrap().expect("the server stops cleanly");
    std::fs::remove_dir_all(dir).unwrap();
}
