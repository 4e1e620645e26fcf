//! The `confab` binary with its embedded PostgreSQL, as a user runs it: it starts, keeps its
//! data across restarts, recovers after being killed, and leaves no postgres process behind.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed unwrap fails the test, with its location")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Running {
    child: Child,
    url: String,
    log: PathBuf,
}

fn start(data_dir: &Path) -> Running {
    let log = data_dir.with_file_name(format!(
        "{}-{}.log",
        data_dir.file_name().unwrap().to_string_lossy(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    ));
    let mut child = Command::new(env!("CARGO_BIN_EXE_confab"))
        .args(["--port", "0", "--static-dir", "/nonexistent"])
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("Confab is running at ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}; log: {}", std::fs::read_to_string(&log).unwrap()))
        .to_owned();
    Running { child, url, log }
}

fn ready(url: &str) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async { client::Client::new(url).unwrap().ready().await.is_ok() })
}

fn signal(child: &Child, sig: &str) {
    assert!(Command::new("kill").args([sig, &child.id().to_string()]).status().unwrap().success());
}

/// Pids of postgres server processes whose command line names `pgdata`.
fn postgres_processes(pgdata: &Path) -> Vec<u32> {
    let needle = pgdata.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let exe = std::fs::read_link(entry.path().join("exe")).ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            (exe.file_name()? == "postgres" && cmdline.contains(&needle)).then_some(pid)
        })
        .collect()
}

fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn embedded_database_survives_restarts_and_crashes_and_stops_with_the_server() {
    let base = std::env::temp_dir().join(format!("confab-embedded-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let data_dir = base.join("data");
    let pgdata = std::fs::canonicalize(&base).unwrap().join("data/postgres/pgdata");

    // First start: initialises the cluster and migrates.
    let mut first = start(&data_dir);
    assert!(ready(&first.url));
    // Shutdown closes live WebSockets with "going away" before stopping.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut socket = runtime.block_on(async {
        let api = client::Client::new(&first.url).unwrap();
        let auth = api.register("shutdown", "Shutdown", "shutdown-password-1").await.unwrap();
        api.authenticated(&auth.access_token).connect().await.unwrap().0
    });
    signal(&first.child, "-TERM");
    let closed = runtime.block_on(async {
        loop {
            match socket.next_within(Duration::from_secs(10)).await {
                Ok(Some(_)) => continue,
                Ok(None) => return None,
                Err(client::ws::SocketError::Closed { code, .. }) => return Some(code),
                Err(e) => panic!("{e}"),
            }
        }
    });
    assert_eq!(closed, Some(protocol::ws::close::GOING_AWAY));
    assert!(first.child.wait().unwrap().success(), "graceful shutdown exits 0");
    let log = std::fs::read_to_string(&first.log).unwrap();
    assert!(log.contains("initialising the embedded database cluster"), "{log}");
    assert!(log.contains("applied database migrations"), "{log}");
    assert!(log.contains("embedded database stopped"), "{log}");
    assert!(postgres_processes(&pgdata).is_empty(), "postgres left running after shutdown");
    let secret = std::fs::read_to_string(data_dir.join("jwt-secret")).unwrap();

    // Restart: same cluster, already migrated, same secret.
    let mut second = start(&data_dir);
    assert!(ready(&second.url));
    let log = std::fs::read_to_string(&second.log).unwrap();
    assert!(!log.contains("initialising"), "the cluster was re-created: {log}");
    assert!(!log.contains("applied database migrations"), "the data was lost: {log}");
    assert_eq!(std::fs::read_to_string(data_dir.join("jwt-secret")).unwrap(), secret);

    // Crash: SIGKILL leaves postgres and its pid file behind; an immediate restart recovers.
    signal(&second.child, "-KILL");
    second.child.wait().unwrap();
    let mut third = start(&data_dir);
    assert!(ready(&third.url), "restart after a crash");

    // And after a crash with nobody restarting, the guardian stops the orphaned cluster.
    signal(&third.child, "-KILL");
    third.child.wait().unwrap();
    wait_until("the guardian stops the orphaned cluster", Duration::from_secs(15), || {
        postgres_processes(&pgdata).is_empty()
    });

    // A stale pid file naming a live non-postgres process (our own pid) is recognised.
    std::fs::write(pgdata.join("postmaster.pid"), format!("{}\n", std::process::id())).unwrap();
    let mut fourth = start(&data_dir);
    assert!(ready(&fourth.url), "start with a stale pid file");
    signal(&fourth.child, "-INT");
    assert!(fourth.child.wait().unwrap().success());
    assert!(postgres_processes(&pgdata).is_empty());

    // The first admin comes from the command line: a new account, or a promoted one.
    // The data dir comes after the sub-command (a global flag), or from the environment.
    let admin_command = |args: &[&str], stdin: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_confab"));
        command.arg("admin").args(args).env_remove("DATABASE_URL");
        if args[0] == "promote" {
            command.env("CONFAB_DATA_DIR", &data_dir);
        } else {
            command.arg("--data-dir").arg(&data_dir);
        }
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let created = admin_command(&["create", "boss"], "boss-password-1\n");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(String::from_utf8_lossy(&created.stdout).contains("created administrator boss"));
    let promoted = admin_command(&["promote", "shutdown"], "");
    assert!(promoted.status.success(), "{}", String::from_utf8_lossy(&promoted.stderr));
    let missing = admin_command(&["promote", "nobody"], "");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no user named"));
    let mut fifth = start(&data_dir);
    let stats_status = runtime.block_on(async {
        let api = client::Client::new(&fifth.url).unwrap();
        let mut statuses = Vec::new();
        for (user, password) in [("boss", "boss-password-1"), ("shutdown", "shutdown-password-1")] {
            let auth = api.login(user, password).await.unwrap();
            let response =
                api.authenticated(&auth.access_token).request(reqwest::Method::GET, "/api/v1/admin/stats").unwrap();
            statuses.push(response.send().await.unwrap().status().as_u16());
        }
        statuses
    });
    assert_eq!(stats_status, [200, 200]);
    // Promoting works while the server runs too (through the running cluster).
    let live = runtime.block_on(async {
        client::Client::new(&fifth.url).unwrap().register("live", "Live", "live-password-1").await.unwrap()
    });
    let promoted = admin_command(&["promote", "live"], "");
    assert!(promoted.status.success(), "{}", String::from_utf8_lossy(&promoted.stderr));
    let status = runtime.block_on(async {
        let api = client::Client::new(&fifth.url).unwrap().authenticated(&live.access_token);
        api.request(reqwest::Method::GET, "/api/v1/admin/stats").unwrap().send().await.unwrap().status().as_u16()
    });
    assert_eq!(status, 200, "the role is read per request, so the promotion applies at once");
    signal(&fifth.child, "-TERM");
    assert!(fifth.child.wait().unwrap().success());

    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn a_cluster_of_another_postgres_major_stops_start_up_with_the_upgrade_command() {
    let base = std::env::temp_dir().join(format!("confab-pgmajor-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let data_dir = base.join("data");
    let pgdata = data_dir.join("postgres/pgdata");
    std::fs::create_dir_all(&pgdata).unwrap();
    // Made by PostgreSQL 14, whose binaries are not installed here (15 is).
    std::fs::write(pgdata.join("PG_VERSION"), "14\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_confab"))
        .args(["--port", "0", "--static-dir", "/nonexistent", "--log-format", "json"])
        .arg("--data-dir")
        .arg(&data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("confab: error: "), "{stderr}");
    assert!(stderr.contains("made by PostgreSQL 14, but only PostgreSQL 15 is installed"), "{stderr}");
    assert!(
        stderr.contains(
            "/usr/lib/postgresql/15/bin/pg_upgrade -b /usr/lib/postgresql/14/bin -B /usr/lib/postgresql/15/bin"
        ),
        "{stderr}"
    );
    assert!(!pgdata.join("postmaster.pid").exists(), "nothing was started");
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn an_embedded_database_that_cannot_be_restarted_fails_health_and_exits_with_one_line() {
    let base = std::env::temp_dir().join(format!("confab-giveup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let data_dir = base.join("data");
    let pgdata = std::fs::canonicalize(&base).unwrap().join("data/postgres/pgdata");
    let mut running = start(&data_dir);
    assert!(ready(&running.url));

    // Break the cluster so no restart can work, then kill its postmaster.
    let pid: u32 =
        std::fs::read_to_string(pgdata.join("postmaster.pid")).unwrap().lines().next().unwrap().parse().unwrap();
    std::fs::remove_file(pgdata.join("PG_VERSION")).unwrap();
    assert!(Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap().success());
    let killed = Instant::now();

    // While it gives up and drains, /healthz says why (503); then the process exits non-zero.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let api = client::Client::new(&running.url).unwrap();
    let unhealthy = runtime.block_on(async {
        loop {
            match api.health().await {
                Err(e) if e.code() == Some(protocol::ErrorCode::DatabaseUnavailable) => return e.to_string(),
                Ok(_) => {}
                Err(e) => panic!("unexpected /healthz answer: {e}"),
            }
            assert!(killed.elapsed() < Duration::from_secs(60), "/healthz never failed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    assert!(unhealthy.contains("could not be restarted"), "{unhealthy}");
    let status = running.child.wait().unwrap();
    assert!(!status.success(), "a server that cannot heal exits non-zero");
    let log = std::fs::read_to_string(&running.log).unwrap();
    let last = log.trim_end().lines().last().unwrap();
    assert!(
        last.starts_with("confab: error: the embedded PostgreSQL died and could not be restarted (6 attempts in "),
        "{last}"
    );
    assert!(last.contains("is not a database cluster directory"), "the cause is named: {last}");
    eprintln!("gave up and exited {} ms after the kill", killed.elapsed().as_millis());
    std::fs::remove_dir_all(&base).unwrap();
}
