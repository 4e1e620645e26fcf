//! Test S3 server: [`S3Server::start`] runs moto's `moto_server` (installed by `scripts/setup.sh`
//! in `.tools/moto`) on a free loopback port with one bucket made, and stops it when dropped.
//!
//! moto speaks the real S3 protocol over plain HTTP, path-style (`{endpoint}/{bucket}/{key}`). It
//! checks no signature, so the credentials below only have to be present; but it refuses unsigned
//! object reads (403), so a raw GET needs some `Authorization` header (object_store signs).

#![allow(dead_code, reason = "helpers for the media-store tests, which need not use every one")]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Access key id the test server accepts (any is accepted; this is the one to configure).
pub const ACCESS_KEY_ID: &str = "test";

/// Secret access key to pair with [`ACCESS_KEY_ID`].
pub const SECRET_ACCESS_KEY: &str = "test";

/// Region to sign for.
pub const REGION: &str = "us-east-1";

/// How long moto may take to answer. It is ready in about 0.5 s on this machine's kind; the margin
/// is for a loaded CI run compiling and testing on two cores.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How many times to start moto when the port picked was taken before it could bind it.
const ATTEMPTS: usize = 3;

/// A running moto S3 server with one bucket; stopped (by its pid) when dropped.
pub struct S3Server {
    /// Base URL, such as `http://127.0.0.1:41234`.
    pub endpoint: String,
    /// The bucket made at start.
    pub bucket: String,
    child: Child,
    dir: PathBuf,
}

impl S3Server {
    /// Starts moto on a free loopback port, waits until it answers, and creates `bucket`.
    ///
    /// Blocks for about half a second. Panics, with moto's log, if it does not come up.
    pub fn start(bucket: &str) -> S3Server {
        let binary = moto_server_path();
        assert!(binary.is_file(), "run scripts/setup.sh: moto_server not installed at {}", binary.display());
        let dir = crate::support::unique_dir("s3");
        let log = dir.join("moto.log");
        let mut last_failure = String::new();
        for _ in 0..ATTEMPTS {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
            let mut child = spawn(&binary, addr, &log);
            match wait_until_ready(&mut child, addr) {
                Ok(()) => {
                    crate::support::spawn_guardian(&child, "moto_server", Some(&dir));
                    let server = S3Server { endpoint: format!("http://{addr}"), bucket: bucket.to_owned(), child, dir };
                    server.create_bucket(bucket);
                    return server;
                }
                Err(reason) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_failure = format!("{reason}\n--- {} ---\n{}", log.display(), read_log(&log));
                }
            }
        }
        panic!("moto_server did not start after {ATTEMPTS} attempts: {last_failure}");
    }

    /// Creates another bucket (moto checks no signature, so a bare request does).
    pub fn create_bucket(&self, bucket: &str) {
        let addr = self.addr();
        match request(addr, "PUT", &format!("/{bucket}")) {
            Ok(200) => {}
            Ok(status) => panic!("moto answered {status} to creating bucket {bucket:?}; log: {}", self.log().display()),
            Err(e) => panic!("cannot create bucket {bucket:?} on {addr}: {e}; log: {}", self.log().display()),
        }
    }

    /// URL of an object, path-style, as a raw client would fetch it.
    pub fn object_url(&self, key: &str) -> String {
        format!("{}/{}/{}", self.endpoint, self.bucket, key.trim_start_matches('/'))
    }

    /// moto's stdout and stderr; kept after a failed (panicking) test.
    pub fn log(&self) -> PathBuf {
        self.dir.join("moto.log")
    }

    fn addr(&self) -> SocketAddr {
        self.endpoint
            .trim_start_matches("http://")
            .parse()
            .unwrap_or_else(|e| panic!("bad endpoint {}: {e}", self.endpoint))
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        // SIGKILL to the pid we started, then reap it; moto keeps everything in memory.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("moto's log is kept at {}", self.log().display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// `<repo>/.tools/moto/bin/moto_server`, from this crate's manifest dir (`<repo>/crates/server`).
fn moto_server_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/moto/bin/moto_server")
}

/// A loopback port free right now (moto binds it a moment later; [`ATTEMPTS`] covers a race).
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free loopback port");
    listener.local_addr().expect("local address of the probe socket").port()
}

fn spawn(binary: &Path, addr: SocketAddr, log: &Path) -> Child {
    let out = std::fs::File::create(log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
    let err = out.try_clone().expect("clone the log file handle");
    Command::new(binary)
        .args(["-H", &addr.ip().to_string(), "-p", &addr.port().to_string()])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()))
}

/// Polls until `GET /` answers 200, or the child exits, or [`READY_TIMEOUT`] passes.
fn wait_until_ready(child: &mut Child, addr: SocketAddr) -> Result<(), String> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("moto_server exited with {status} before answering on {addr}"));
        }
        if let Ok(200) = request(addr, "GET", "/") {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("moto_server did not answer on {addr} within {READY_TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A bodiless HTTP/1.0 request (the server closes the connection after answering); its status.
fn request(addr: SocketAddr, method: &str, path: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n")?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let head = String::from_utf8_lossy(&response);
    head.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {:?}", head.lines().next())))
}

fn read_log(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_else(|e| format!("(cannot read: {e})"))
}
