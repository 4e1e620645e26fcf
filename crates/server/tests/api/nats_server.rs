//! Test NATS server: [`NatsServer::start`] runs Debian's `nats-server` (installed by
//! `scripts/setup.sh`) on a free loopback port, and stops it (by its pid) when dropped.
//! [`NatsServer::restart`] stops it and starts it again on the same port, for outage tests.

#![allow(dead_code, reason = "helpers for the bus tests, which need not use every one")]

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long nats-server may take to accept a client (it starts in a few milliseconds here; the
/// margin is for a loaded CI run).
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How many times to start it when the port picked was taken before it could bind it.
const ATTEMPTS: usize = 3;

/// A running nats-server; stopped (by its pid) when dropped.
pub struct NatsServer {
    addr: SocketAddr,
    child: Child,
    dir: PathBuf,
}

impl NatsServer {
    /// Starts nats-server on a free loopback port and waits until it greets a client.
    ///
    /// Panics, with its log, if it does not come up.
    pub fn start() -> NatsServer {
        let dir = crate::support::unique_dir("nats");
        let mut last_failure = String::new();
        for _ in 0..ATTEMPTS {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
            match launch(addr, &dir) {
                Ok(child) => return NatsServer { addr, child, dir },
                Err(reason) => last_failure = reason,
            }
        }
        panic!("nats-server did not start after {ATTEMPTS} attempts: {last_failure}");
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// Stops the server (clients see the connection drop) and starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match launch(self.addr, &self.dir) {
                Ok(child) => {
                    self.child = child;
                    return;
                }
                // The port may linger for a moment after the kill.
                Err(reason) if Instant::now() >= deadline => panic!("nats-server did not come back: {reason}"),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Its stdout and stderr; kept after a failed (panicking) test.
    pub fn log(&self) -> PathBuf {
        self.dir.join("nats.log")
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!("nats-server's log is kept at {}", self.log().display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Debian installs it in /usr/sbin, which is not on every user's PATH.
fn binary() -> PathBuf {
    let debian = Path::new("/usr/sbin/nats-server");
    if debian.is_file() { debian.to_owned() } else { PathBuf::from("nats-server") }
}

/// Starts nats-server on `addr` and waits for its greeting; the child, or why it failed.
fn launch(addr: SocketAddr, dir: &Path) -> Result<Child, String> {
    let log = dir.join("nats.log");
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", log.display()));
    let err = out.try_clone().expect("clone the log file handle");
    let mut child = Command::new(binary())
        .args(["-a", &addr.ip().to_string(), "-p", &addr.port().to_string()])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start nats-server (run scripts/setup.sh): {e}"));
    match wait_until_ready(&mut child, addr) {
        Ok(()) => {
            crate::support::spawn_guardian(&child, "nats-server", None);
            Ok(child)
        }
        Err(reason) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!("{reason}\n--- {} ---\n{}", log.display(), std::fs::read_to_string(&log).unwrap_or_default()))
        }
    }
}

/// A loopback port free right now (nats-server binds it a moment later; [`ATTEMPTS`] covers a race).
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free loopback port");
    listener.local_addr().expect("local address of the probe socket").port()
}

/// Polls until the server sends its `INFO` greeting, or the child exits, or time is up.
fn wait_until_ready(child: &mut Child, addr: SocketAddr) -> Result<(), String> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("nats-server exited with {status} before listening on {addr}"));
        }
        if greets(addr) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("nats-server did not greet on {addr} within {READY_TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn greets(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut greeting = [0u8; 4];
    stream.read_exact(&mut greeting).is_ok() && &greeting == b"INFO"
}
