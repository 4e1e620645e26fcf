//! A private PostgreSQL cluster run from the system's binaries (initdb, pg_ctl, postgres):
//! Confab's default database when no DATABASE_URL is given, and the test suite's database.
//!
//! The cluster listens on a free loopback port only, with a generated password. Running as root
//! works: PostgreSQL refuses root, so the cluster is owned and run by the `postgres` user.
//! A cluster keeps the major version that created it (`PG_VERSION` in its data directory) and
//! is always run by that major's binaries: when only a newer major is installed, start-up stops
//! with the `pg_upgrade` command that converts it (see [`choose_bin_dir`]).
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
    /// The cluster was made by a PostgreSQL major whose binaries are not installed.
    #[error("{0}")]
    Version(String),
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
    /// The postmaster's pid once started, to notice its death.
    postmaster: Option<u32>,
    // Held for the cluster's lifetime: two processes never drive the same cluster.
    _lock: File,
}

impl EmbeddedPostgres {
    /// Initialises the cluster if needed, recovers from a previous crash, and starts it.
    pub fn start(options: &Options) -> Result<Self, EmbeddedError> {
        let run_as = RunAs::detect()?;
        let root = prepare_root(&options.root, &run_as)?;
        let lock = lock_root(&root)?;
        let pgdata = root.join("pgdata");
        let configured = options.bin_dir.clone().or_else(|| std::env::var_os("CONFAB_PG_BIN_DIR").map(PathBuf::from));
        let search_path = std::env::var_os("PATH").unwrap_or_default();
        let bin_dir = choose_bin_dir(configured, &pgdata, Path::new(DEBIAN_PG_ROOT), &search_path, &run_as)?;
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
            postmaster: None,
            _lock: lock,
        };
        if !cluster.pgdata.join("PG_VERSION").exists() {
            cluster.init()?;
        }
        cluster.recover_from_crash()?;
        cluster.launch(None)?;
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

    /// Whether the cluster should be running: started and not stopped since. A cluster that
    /// died by itself still counts, so its supervisor knows to restart it.
    pub fn should_run(&self) -> bool {
        self.running
    }

    /// Whether the postmaster started last is alive (a cheap look at `/proc`).
    pub fn is_alive(&self) -> bool {
        self.postmaster.is_some_and(os::is_postgres_process)
    }

    /// The postmaster's pid, while it runs.
    pub fn postmaster_pid(&self) -> Option<u32> {
        self.postmaster.filter(|pid| os::is_postgres_process(*pid))
    }

    /// Starts the cluster again after its postmaster died, on the same port, so every URL
    /// handed out (the pool's, a running admin command's) works again as it was.
    ///
    /// The dead postmaster's `postmaster.pid` stays where it is: PostgreSQL reads the shared
    /// memory key in it and refuses to start while a backend of the dead postmaster still holds
    /// that memory (they exit within moments of noticing the death), which is the interlock
    /// that keeps two generations of processes off one data directory. The caller retries with
    /// a backoff. A pid file naming a live process that is not PostgreSQL (a reused pid) is
    /// removed, as at start-up.
    pub fn restart(&mut self) -> Result<(), EmbeddedError> {
        let pid_file = self.pgdata.join("postmaster.pid");
        if let Some(pid) = self.read_postmaster_pid()
            && pid_is_alive(pid)
            && !os::is_postgres_process(pid)
        {
            fs::remove_file(&pid_file).map_err(io_err("cannot remove", &pid_file))?;
        }
        self.launch(Some(self.port))?;
        self.spawn_guardian()
    }

    fn read_postmaster_pid(&self) -> Option<u32> {
        fs::read_to_string(self.pgdata.join("postmaster.pid")).ok()?.lines().next()?.trim().parse().ok()
    }

    /// Stops the cluster (fast shutdown: clients are disconnected, data is flushed).
    pub fn stop(&mut self) -> Result<(), EmbeddedError> {
        if !self.running {
            return Ok(());
        }
        self.running = false;
        if !self.is_alive() && self.postmaster.is_some() {
            // It died and was not restarted: nothing to stop.
            tracing::warn!("the embedded database was not running");
        } else if let Err(e) = self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "30", "-s"]) {
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

    /// Starts the postmaster on `fixed_port`, or on a free port when `None` (retrying: the port
    /// is free when picked but could be taken before postgres binds it).
    fn launch(&mut self, fixed_port: Option<u16>) -> Result<(), EmbeddedError> {
        let log = self.root.join("postgres.log");
        let log_arg = log.to_string_lossy().into_owned();
        let mut last_error = None;
        for _ in 0..if fixed_port.is_some() { 1 } else { 5 } {
            let port = match fixed_port {
                Some(port) => port,
                None => free_port().map_err(io_err("cannot find a free port on", Path::new("127.0.0.1")))?,
            };
            let opts = format!("-p {port}");
            match self.pg_ctl(&["start", "-w", "-t", "60", "-s", "-l", &log_arg, "-o", &opts]) {
                Ok(()) => {
                    self.port = port;
                    self.running = true;
                    self.postmaster = self.read_postmaster_pid();
                    tracing::info!(port, pid = self.postmaster, "embedded database started");
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
    ///
    /// One guardian per postmaster: it also ends when the postmaster it guards dies while this
    /// process lives (the supervisor then starts a new postmaster with a guardian of its own),
    /// so restarts leave no guardian behind. A postmaster counts as dead as it does for the
    /// supervisor: once `/proc/<pid>/exe` is gone, which is also true of an unreaped zombie.
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
            while kill -0 "$1" 2>/dev/null && [ -e "/proc/$3/exe" ]; do sleep 1; done
            if kill -0 "$1" 2>/dev/null; then exit 0; fi
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
         # After a crash, one syncfs() of the file system instead of an fsync() per file before\n\
         # recovery: measured 3.4 s of a 4.8 s restart on a fresh cluster with fsync per file.\n\
         recovery_init_sync_method = syncfs\n\
         log_min_messages = warning\n\
         log_line_prefix = '%m [%p] '\n",
    );
    if ephemeral {
        // Test clusters are thrown away: durability buys nothing there and costs seconds.
        settings.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
    }
    settings
}

/// Where Debian installs each PostgreSQL major's binaries: `<this>/<major>/bin`.
const DEBIAN_PG_ROOT: &str = "/usr/lib/postgresql";

/// The binaries that may run the cluster in `pgdata`: those of the major that made it (read
/// from its `PG_VERSION`), or the newest installed for a new cluster. A configured directory
/// (`CONFAB_PG_BIN_DIR`) is used as given once its major is checked. PostgreSQL cannot open a
/// data directory of another major, so a cluster whose major is gone is an error that says
/// what to do: with a newer major installed, the exact `pg_upgrade` command.
fn choose_bin_dir(
    configured: Option<PathBuf>,
    pgdata: &Path,
    debian_root: &Path,
    search_path: &std::ffi::OsStr,
    run_as: &RunAs,
) -> Result<PathBuf, EmbeddedError> {
    let cluster = cluster_major(pgdata);
    if let Some(dir) = configured {
        if let (Some(wanted), Some(found)) = (cluster, binaries_major(&dir))
            && wanted != found
        {
            return Err(EmbeddedError::Version(format!(
                "the embedded database {} was made by PostgreSQL {wanted} but CONFAB_PG_BIN_DIR ({}) holds \
                 PostgreSQL {found}; point it at PostgreSQL {wanted}'s binaries",
                pgdata.display(),
                dir.display()
            )));
        }
        return Ok(dir);
    }
    let installed = installed_majors(debian_root);
    let on_path =
        || std::env::split_paths(search_path).find(|dir| dir.join("pg_ctl").exists() && dir.join("initdb").exists());
    let Some(wanted) = cluster else {
        // A new cluster: the newest major installed.
        return installed
            .last()
            .map(|(_, bin)| bin.clone())
            .or_else(on_path)
            .ok_or_else(|| EmbeddedError::BinariesNotFound(format!("{}/*/bin and PATH", debian_root.display())));
    };
    if let Some((_, bin)) = installed.iter().find(|(major, _)| *major == wanted) {
        return Ok(bin.clone());
    }
    if let Some(bin) = on_path().filter(|dir| binaries_major(dir) == Some(wanted)) {
        return Ok(bin);
    }
    match installed.last() {
        Some((newest, _)) if *newest > wanted => {
            Err(EmbeddedError::Version(upgrade_advice(pgdata, wanted, *newest, debian_root, run_as)))
        }
        _ => Err(EmbeddedError::Version(format!(
            "the embedded database {} was made by PostgreSQL {wanted}, whose server binaries are not installed \
             (looked in {}/{wanted}/bin and PATH); install PostgreSQL {wanted} (Debian: apt-get install postgresql-{wanted})",
            pgdata.display(),
            debian_root.display()
        ))),
    }
}

/// The line that tells an operator how to move the cluster in `pgdata` from major `old` to
/// `new` with `pg_upgrade`: keep the old cluster aside, make an empty one with the new
/// binaries (same superuser, encoding and locale, as pg_upgrade requires), convert, and carry
/// Confab's settings and access rules over. Confab must be stopped (cleanly) while it runs.
fn upgrade_advice(pgdata: &Path, old: u32, new: u32, debian_root: &Path, run_as: &RunAs) -> String {
    let root = pgdata.parent().unwrap_or(pgdata).display();
    let (old_bin, new_bin) =
        (debian_root.join(old.to_string()).join("bin"), debian_root.join(new.to_string()).join("bin"));
    let (old_bin, new_bin) = (old_bin.display(), new_bin.display());
    let as_pg = match run_as {
        RunAs::Current => "",
        RunAs::Postgres { .. } => "runuser -u postgres -- ",
    };
    format!(
        "the embedded database {pgdata} was made by PostgreSQL {old}, but only PostgreSQL {new} is installed; \
         with Confab stopped, install PostgreSQL {old}'s binaries again (apt-get install postgresql-{old}) and upgrade \
         the cluster with pg_upgrade: cd {root} && mv pgdata pgdata-{old} && {as_pg}{new_bin}/initdb -D pgdata -U {SUPERUSER} \
         --auth=trust --encoding=UTF8 --locale=C && PGPASSWORD=\"$(cat superuser-password)\" {as_pg}{new_bin}/pg_upgrade \
         -b {old_bin} -B {new_bin} -d pgdata-{old} -D pgdata -U {SUPERUSER} && cp pgdata-{old}/postgresql.conf \
         pgdata-{old}/pg_hba.conf pgdata/ (README: \"Upgrading the embedded PostgreSQL\")",
        pgdata = pgdata.display()
    )
}

/// A PostgreSQL client program (`pg_dump`, `pg_restore`): from `CONFAB_PG_BIN_DIR`, else the
/// newest major installed (a newer pg_dump reads older servers, a newer pg_restore older
/// dumps), else PATH.
pub fn client_tool(tool: &str) -> Result<PathBuf, EmbeddedError> {
    if let Some(dir) = std::env::var_os("CONFAB_PG_BIN_DIR") {
        return Ok(PathBuf::from(dir).join(tool));
    }
    let installed = installed_majors(Path::new(DEBIAN_PG_ROOT));
    if let Some(found) = installed.iter().rev().map(|(_, bin)| bin.join(tool)).find(|p| p.exists()) {
        return Ok(found);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|p| p.exists())
        .ok_or_else(|| EmbeddedError::BinariesNotFound(format!("{tool} in {DEBIAN_PG_ROOT}/*/bin and PATH")))
}

/// The major version that made the cluster in `pgdata`, from its `PG_VERSION` file; `None`
/// for a directory that holds no cluster yet.
pub fn cluster_major(pgdata: &Path) -> Option<u32> {
    fs::read_to_string(pgdata.join("PG_VERSION")).ok()?.trim().parse().ok()
}

/// The installed majors under Debian's root, oldest first, each with its `bin` directory.
fn installed_majors(debian_root: &Path) -> Vec<(u32, PathBuf)> {
    let mut found: Vec<(u32, PathBuf)> = fs::read_dir(debian_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("pg_ctl").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
}

/// The major version of the binaries in `bin_dir`, from `pg_ctl --version`
/// ("pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)").
fn binaries_major(bin_dir: &Path) -> Option<u32> {
    let output = Command::new(bin_dir.join("pg_ctl")).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text.split_whitespace().nth(2)?;
    version.split('.').next()?.parse().ok()
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

/// Whether any process has `pid`.
fn pid_is_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
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

    fn fake_install(root: &Path, majors: &[u32]) {
        for major in majors {
            let bin = root.join(major.to_string()).join("bin");
            fs::create_dir_all(&bin).unwrap();
            fs::write(bin.join("pg_ctl"), "").unwrap();
        }
    }

    fn scratch(label: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "confab-pgver-{label}-{}-{}",
            std::process::id(),
            Alphanumeric.sample_string(&mut rand::rng(), 8)
        ));
        fs::create_dir_all(dir.join("pgdata")).unwrap();
        dir
    }

    #[test]
    fn a_cluster_runs_with_the_binaries_of_its_own_major() {
        let dir = scratch("own");
        fake_install(&dir.join("lib"), &[14, 15, 16]);
        fs::write(dir.join("pgdata/PG_VERSION"), "15\n").unwrap();
        let bin = choose_bin_dir(None, &dir.join("pgdata"), &dir.join("lib"), "".as_ref(), &RunAs::Current).unwrap();
        assert_eq!(bin, dir.join("lib/15/bin"));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_new_cluster_takes_the_newest_major() {
        let dir = scratch("new");
        fake_install(&dir.join("lib"), &[9, 15, 16]);
        let bin = choose_bin_dir(None, &dir.join("pgdata"), &dir.join("lib"), "".as_ref(), &RunAs::Current).unwrap();
        assert_eq!(bin, dir.join("lib/16/bin"));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_cluster_of_a_removed_older_major_gets_the_pg_upgrade_command() {
        let dir = scratch("upgrade");
        fake_install(&dir.join("lib"), &[16]);
        fs::write(dir.join("pgdata/PG_VERSION"), "15\n").unwrap();
        let run_as = RunAs::Postgres { uid: 1, gid: 1 };
        let err =
            choose_bin_dir(None, &dir.join("pgdata"), &dir.join("lib"), "".as_ref(), &run_as).unwrap_err().to_string();
        assert!(!err.contains('\n'), "one line: {err}");
        assert!(err.contains("made by PostgreSQL 15, but only PostgreSQL 16 is installed"), "{err}");
        let lib = dir.join("lib");
        let expected = format!(
            "runuser -u postgres -- {lib}/16/bin/pg_upgrade -b {lib}/15/bin -B {lib}/16/bin -d pgdata-15 -D pgdata -U confab",
            lib = lib.display()
        );
        assert!(err.contains(&expected), "{err}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_cluster_newer_than_every_installed_major_says_what_to_install() {
        let dir = scratch("newer");
        fake_install(&dir.join("lib"), &[15]);
        fs::write(dir.join("pgdata/PG_VERSION"), "17\n").unwrap();
        let err = choose_bin_dir(None, &dir.join("pgdata"), &dir.join("lib"), "".as_ref(), &RunAs::Current)
            .unwrap_err()
            .to_string();
        assert!(err.contains("made by PostgreSQL 17"), "{err}");
        assert!(err.contains("apt-get install postgresql-17"), "{err}");
        assert!(!err.contains("pg_upgrade"), "no downgrade advice: {err}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn ephemeral_settings_turn_durability_off_and_regular_keep_it() {
        assert!(cluster_settings(true).contains("fsync = off"));
        assert!(!cluster_settings(false).contains("fsync = off"));
        assert!(cluster_settings(false).contains("synchronous_commit = on"));
    }
}
