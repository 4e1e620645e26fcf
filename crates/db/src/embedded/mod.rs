//! A private PostgreSQL cluster run from the system's binaries (initdb, pg_ctl, postgres):
//! Confab's default database when no DATABASE_URL is given, and the test suite's database.
//!
//! The cluster listens on a free loopback port only, with a generated password. Running as root
//! works: PostgreSQL refuses root, so the cluster is owned and run by the `postgres` user.
//! A guardian process stops the cluster if its owner dies without stopping it (a crash or
//! SIGKILL), and a stale pid file left by a crash is recognised and removed at the next start.

mod os;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rand::distr::{Alphanumeric, SampleString};

use os::RunAs;

/// Superuser of the embedded cluster.
const SUPERUSER: &str = "confab";

/// Why the embedded cluster could not be started or stopped.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// No PostgreSQL server binaries were found.
    #[error("no PostgreSQL server binaries found (looked in {0}); install Debian's postgresql-15 or set DATABASE_URL")]
    BinariesNotFound(String),
    /// A file or directory could not be created or read.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Another process holds the cluster's lock.
    #[error("the database directory {0} is in use by another Confab process")]
    Locked(PathBuf),
    /// A PostgreSQL tool failed.
    #[error("{tool} failed: {detail}")]
    Tool {
        /// The binary that failed.
        tool: &'static str,
        /// Its output (the last lines of its log where that helps).
        detail: String,
    },
    /// Running as root needs the `postgres` user.
    #[error("{0}")]
    User(String),
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> EmbeddedError {
    let path = path.to_path_buf();
    move |source| EmbeddedError::Io { action, path, source }
}

/// How to start a cluster.
#[derive(Clone, Debug)]
pub struct Options {
    /// Directory holding the cluster (created if missing): `pgdata/`, its log and its password.
    pub root: PathBuf,
    /// Directory of initdb/pg_ctl/postgres; found automatically when `None`.
    pub bin_dir: Option<PathBuf>,
    /// A throwaway cluster (tests): durability settings off for speed, directory deleted on stop.
    pub ephemeral: bool,
}

/// A running private PostgreSQL cluster; stopped when dropped.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    root: PathBuf,
    pgdata: PathBuf,
    bin_dir: PathBuf,
    port: u16,
    password: String,
    run_as: RunAs,
    ephemeral: bool,
    running: bool,
    // Held for the cluster's lifetime: two processes never drive the same cluster.
    _lock: File,
}

impl EmbeddedPostgres {
    /// Initialises the cluster if needed, recovers from a previous crash, and starts it.
    pub fn start(options: &Options) -> Result<Self, EmbeddedError> {
        let bin_dir = match &options.bin_dir {
            Some(dir) => dir.clone(),
            None => find_bin_dir()?,
        };
        let run_as = RunAs::detect()?;
        let root = prepare_root(&options.root, &run_as)?;
        let lock = lock_root(&root)?;
        let pgdata = root.join("pgdata");
        let password = ensure_password(&root)?;

        let mut cluster = Self {
            root,
            pgdata,
            bin_dir,
            port: 0,
            password,
            run_as,
            ephemeral: options.ephemeral,
            running: false,
            _lock: lock,
        };
        if !cluster.pgdata.join("PG_VERSION").exists() {
            cluster.init()?;
        }
        cluster.recover_from_crash()?;
        cluster.launch()?;
        cluster.spawn_guardian()?;
        Ok(cluster)
    }

    /// The URL of a cluster another process (a running server) has started under `root`: the
    /// port from its `postmaster.pid`, the password from the file beside it.
    pub fn url_of_running(root: &Path, database: &str) -> Option<String> {
        let password = fs::read_to_string(root.join("superuser-password")).ok()?;
        let pid_file = fs::read_to_string(root.join("pgdata").join("postmaster.pid")).ok()?;
        let port: u16 = pid_file.lines().nth(3)?.trim().parse().ok()?;
        Some(format!("postgres://{SUPERUSER}:{}@127.0.0.1:{port}/{database}", password.trim()))
    }

    /// Starts a throwaway cluster in a fresh directory under the system temp dir.
    pub fn start_ephemeral() -> Result<Self, EmbeddedError> {
        let name = format!(
            "confab-pg-{}-{}",
            std::process::id(),
            Alphanumeric.sample_string(&mut rand::rng(), 8).to_lowercase()
        );
        let root = std::env::temp_dir().join(name);
        Self::start(&Options { root, bin_dir: None, ephemeral: true })
    }

    /// The loopback port the cluster listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL for `database` as the cluster's superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}", self.password, self.port)
    }

    /// Stops the cluster (fast shutdown: clients are disconnected, data is flushed).
    pub fn stop(&mut self) -> Result<(), EmbeddedError> {
        if !self.running {
            return Ok(());
        }
        self.running = false;
        let fast = self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "30", "-s"]);
        if let Err(e) = fast {
            tracing::warn!(error = %e, "fast shutdown of the embedded database failed; forcing it");
            self.pg_ctl(&["stop", "-m", "immediate", "-w", "-t", "10", "-s"])?;
        }
        if self.ephemeral {
            fs::remove_dir_all(&self.root).map_err(io_err("cannot remove", &self.root))?;
        }
        tracing::info!("embedded database stopped");
        Ok(())
    }

    fn init(&self) -> Result<(), EmbeddedError> {
        tracing::info!(dir = %self.pgdata.display(), "initialising the embedded database cluster");
        // initdb reads the password from a file the cluster's user can read; it is deleted after.
        let pwfile = self.root.join(".initdb-password");
        write_private(&pwfile, &self.password)?;
        self.run_as.give(&pwfile)?;
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        let pwarg = format!("--pwfile={}", pwfile.display());
        let mut args = vec![
            "-D",
            &pgdata,
            "-U",
            SUPERUSER,
            &pwarg,
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-instructions",
        ];
        if self.ephemeral {
            args.push("--no-sync");
        }
        let result = self.tool("initdb", &args);
        let _ = fs::remove_file(&pwfile);
        result?;
        let conf = self.pgdata.join("postgresql.conf");
        let mut file = OpenOptions::new().append(true).open(&conf).map_err(io_err("cannot open", &conf))?;
        file.write_all(cluster_settings(self.ephemeral).as_bytes()).map_err(io_err("cannot write", &conf))?;
        Ok(())
    }

    /// After a crash the cluster may still run (orphaned) or have left a stale pid file.
    fn recover_from_crash(&self) -> Result<(), EmbeddedError> {
        let pid_file = self.pgdata.join("postmaster.pid");
        let Ok(contents) = fs::read_to_string(&pid_file) else {
            return Ok(());
        };
        let pid = contents.lines().next().and_then(|l| l.trim().parse::<u32>().ok());
        match pid {
            Some(pid) if os::is_postgres_process(pid) => {
                tracing::warn!(pid, "an orphaned embedded database is still running; stopping it");
                self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "30", "-s"])?;
            }
            _ => {
                tracing::warn!("removing a stale postmaster.pid left by a crash");
                fs::remove_file(&pid_file).map_err(io_err("cannot remove", &pid_file))?;
            }
        }
        Ok(())
    }

    fn launch(&mut self) -> Result<(), EmbeddedError> {
        let log = self.root.join("postgres.log");
        let log_arg = log.to_string_lossy().into_owned();
        // The port is free when picked but could be taken before postgres binds it: retry.
        let mut last_error = None;
        for _ in 0..5 {
            let port = free_port().map_err(io_err("cannot find a free port on", Path::new("127.0.0.1")))?;
            let opts = format!("-p {port}");
            match self.pg_ctl(&["start", "-w", "-t", "60", "-s", "-l", &log_arg, "-o", &opts]) {
                Ok(()) => {
                    self.port = port;
                    self.running = true;
                    tracing::info!(port, "embedded database started");
                    return Ok(());
                }
                Err(e) => last_error = Some(e),
            }
        }
        let tail = tail_of(&log, 8);
        Err(match last_error {
            Some(EmbeddedError::Tool { tool, detail }) => {
                EmbeddedError::Tool { tool, detail: format!("{detail}; log: {tail}") }
            }
            Some(other) => other,
            None => EmbeddedError::Tool { tool: "pg_ctl", detail: tail },
        })
    }

    /// Starts a small process, in its own process group so a terminal's Ctrl-C does not reach
    /// it, that waits for this process to exit and then stops the cluster if it still runs.
    fn spawn_guardian(&self) -> Result<(), EmbeddedError> {
        let pid_file = self.pgdata.join("postmaster.pid");
        let pg_pid = fs::read_to_string(&pid_file)
            .map_err(io_err("cannot read", &pid_file))?
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let cleanup = if self.ephemeral { self.root.to_string_lossy().into_owned() } else { String::new() };
        let script = r#"
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            if [ "$(head -n 1 "$2" 2>/dev/null)" = "$3" ]; then
                kill -INT "$3" 2>/dev/null
                while kill -0 "$3" 2>/dev/null; do sleep 0.2; done
            fi
            if [ -n "$4" ]; then rm -rf "$4"; fi
        "#;
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("confab-pg-guardian")
            .arg(std::process::id().to_string())
            .arg(&pid_file)
            .arg(&pg_pid)
            .arg(cleanup)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(io_err("cannot start the guardian for", &self.pgdata))?;
        Ok(())
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<(), EmbeddedError> {
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        let mut all = vec!["-D", pgdata.as_str()];
        all.extend_from_slice(args);
        self.tool("pg_ctl", &all)
    }

    fn tool(&self, tool: &'static str, args: &[&str]) -> Result<(), EmbeddedError> {
        let program = self.bin_dir.join(tool);
        let output: Output = self
            .run_as
            .command(&program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(io_err("cannot run", &program))?;
        if output.status.success() {
            return Ok(());
        }
        let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        if detail.is_empty() {
            detail = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        }
        Err(EmbeddedError::Tool { tool, detail: detail.replace('\n', " ") })
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::error!(error = %e, "cannot stop the embedded database");
        }
    }
}

/// Settings appended to postgresql.conf at initdb time.
fn cluster_settings(ephemeral: bool) -> String {
    let mut settings = String::from(
        "\n# --- Confab embedded cluster ---\n\
         listen_addresses = '127.0.0.1'\n\
         unix_socket_directories = ''\n\
         max_connections = 200\n\
         shared_buffers = 256MB\n\
         wal_buffers = 16MB\n\
         # Durability stays on: a message is acknowledged only after its commit reached disk.\n\
         synchronous_commit = on\n\
         # Lets concurrent commits share one WAL flush (group commit) under load.\n\
         commit_delay = 0\n\
         log_min_messages = warning\n\
         log_line_prefix = '%m [%p] '\n",
    );
    if ephemeral {
        // Test clusters are thrown away: durability buys nothing there and costs seconds.
        settings.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
    }
    settings
}

fn find_bin_dir() -> Result<PathBuf, EmbeddedError> {
    if let Some(dir) = std::env::var_os("CONFAB_PG_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let mut candidates: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("pg_ctl").exists().then_some((version, bin))
        })
        .collect();
    candidates.sort();
    if let Some((_, bin)) = candidates.pop() {
        return Ok(bin);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| dir.join("pg_ctl").exists() && dir.join("initdb").exists())
        .ok_or_else(|| EmbeddedError::BinariesNotFound("/usr/lib/postgresql/*/bin and PATH".into()))
}

fn prepare_root(root: &Path, run_as: &RunAs) -> Result<PathBuf, EmbeddedError> {
    fs::create_dir_all(root).map_err(io_err("cannot create the database directory", root))?;
    let root = fs::canonicalize(root).map_err(io_err("cannot resolve", root))?;
    fs::set_permissions(&root, fs::Permissions::from_mode(0o700))
        .map_err(io_err("cannot set permissions of", &root))?;
    run_as.give(&root)?;
    run_as.ensure_reachable(&root)?;
    Ok(root)
}

fn lock_root(root: &Path) -> Result<File, EmbeddedError> {
    let path = root.join(".confab.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(io_err("cannot open", &path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(EmbeddedError::Locked(root.to_path_buf())),
        Err(std::fs::TryLockError::Error(e)) => Err(io_err("cannot lock", &path)(e)),
    }
}

fn ensure_password(root: &Path) -> Result<String, EmbeddedError> {
    let path = root.join("superuser-password");
    match fs::read_to_string(&path) {
        Ok(existing) if !existing.trim().is_empty() => Ok(existing.trim().to_owned()),
        _ => {
            let password = Alphanumeric.sample_string(&mut rand::rng(), 32);
            write_private(&path, &password)?;
            Ok(password)
        }
    }
}

fn write_private(path: &Path, contents: &str) -> Result<(), EmbeddedError> {
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err("cannot create", path))?;
    file.write_all(contents.as_bytes()).map_err(io_err("cannot write", path))
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

fn tail_of(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ephemeral_settings_turn_durability_off_and_regular_keep_it() {
        assert!(cluster_settings(true).contains("fsync = off"));
        assert!(!cluster_settings(false).contains("fsync = off"));
        assert!(cluster_settings(false).contains("synchronous_commit = on"));
    }
}
