//! The operating-system side of the embedded cluster: which user runs PostgreSQL (root may not,
//! so `postgres` does), handing files to that user, and recognising a live postmaster.
//!
//! Kept apart so the cluster logic reads without uid plumbing.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{EmbeddedError, io_err};

/// The user PostgreSQL runs as: ourselves, or `postgres` when we are root.
#[derive(Debug, Clone)]
pub(super) enum RunAs {
    /// This process's own user.
    Current,
    /// The `postgres` system user, through `runuser`.
    Postgres {
        /// Its uid.
        uid: u32,
        /// Its primary gid.
        gid: u32,
    },
}

impl RunAs {
    pub(super) fn detect() -> Result<Self, EmbeddedError> {
        let euid = fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(u32::MAX);
        if euid != 0 {
            return Ok(Self::Current);
        }
        let passwd = fs::read_to_string("/etc/passwd").map_err(io_err("cannot read", Path::new("/etc/passwd")))?;
        passwd
            .lines()
            .find_map(|line| {
                let fields: Vec<&str> = line.split(':').collect();
                (fields.first() == Some(&"postgres") && fields.len() > 3)
                    .then(|| Some(Self::Postgres { uid: fields[2].parse().ok()?, gid: fields[3].parse().ok()? }))?
            })
            .ok_or_else(|| {
                EmbeddedError::User(
                    "PostgreSQL refuses to run as root and there is no `postgres` user; \
                     install Debian's postgresql-15 (it creates one) or run Confab as a normal user"
                        .into(),
                )
            })
    }

    /// A command that runs `program` as this user.
    pub(super) fn command(&self, program: &Path) -> Command {
        match self {
            Self::Current => Command::new(program),
            Self::Postgres { .. } => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", "postgres", "--"]).arg(program);
                cmd
            }
        }
    }

    /// Makes `path` owned by this user.
    pub(super) fn give(&self, path: &Path) -> Result<(), EmbeddedError> {
        match self {
            Self::Current => Ok(()),
            Self::Postgres { uid, gid } => std::os::unix::fs::chown(path, Some(*uid), Some(*gid))
                .map_err(io_err("cannot hand to the postgres user", path)),
        }
    }

    /// Makes sure this user can traverse every parent of `dir`. A parent that is closed to
    /// others (such as /root, mode 0700) gets one ACL entry letting `postgres` pass through it,
    /// nothing more; without `setfacl` the error says what to do.
    pub(super) fn ensure_reachable(&self, dir: &Path) -> Result<(), EmbeddedError> {
        let Self::Postgres { uid, .. } = self else {
            return Ok(());
        };
        let closed: Vec<PathBuf> = dir
            .ancestors()
            .skip(1)
            .filter(|p| fs::metadata(p).map(|m| m.mode() & 0o001 == 0 && m.uid() != *uid).unwrap_or(false))
            .map(Path::to_path_buf)
            .collect();
        for parent in closed {
            let status = Command::new("setfacl").args(["-m", "u:postgres:--x"]).arg(&parent).status();
            match status {
                Ok(s) if s.success() => {
                    tracing::info!(dir = %parent.display(), "let the postgres user traverse this directory (ACL)");
                }
                _ => {
                    return Err(EmbeddedError::User(format!(
                        "the postgres user cannot reach {} because {} is closed to others; \
                         choose a --data-dir elsewhere or run `setfacl -m u:postgres:--x {}`",
                        dir.display(),
                        parent.display(),
                        parent.display()
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Whether `pid` is a live PostgreSQL server process (not a reused pid of something else).
pub(super) fn is_postgres_process(pid: u32) -> bool {
    fs::read_link(format!("/proc/{pid}/exe"))
        .map(|exe| exe.file_name().is_some_and(|name| name == "postgres"))
        .unwrap_or(false)
}
