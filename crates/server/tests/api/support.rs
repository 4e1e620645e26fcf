//! Test harness: [`TestApp::spawn`] starts the whole application on a free port against a fresh
//! database cloned from the migrated template, with a small built web app to serve.

use std::path::PathBuf;

use db::testing::TestDatabase;
use server::config::Settings;
use server::startup::Application;

/// Inline script of the fixture web app, to check its CSP hash.
pub const INLINE_SCRIPT: &str = "import init from '/app.js'; init();";

/// Inline style sheet of the fixture web app (like the loading shell's), to check its CSP hash.
pub const INLINE_STYLE: &str = "#app-shell { display: grid; }";

/// A content-hashed asset of the fixture web app, as trunk names them, built with `.br` and
/// `.gz` siblings as `scripts/compress-assets.sh` makes them.
pub const HASHED_ASSET: &str = "/app-6f0c1d2e3a4b5c6d_bg.js";

/// The bytes of [`HASHED_ASSET`]: repetitive, so both encodings shrink it.
pub fn hashed_asset_bytes() -> Vec<u8> {
    "export function add(a, b) { return a + b; }\n".repeat(200).into_bytes()
}

/// A running application and what it runs on.
pub struct TestApp {
    /// SDK pointed at the server.
    pub client: client::Client,
    /// Base URL, such as `http://127.0.0.1:41234`.
    pub url: String,
    /// The test's database (dropped after the test).
    pub db: TestDatabase,
    /// Plain HTTP client for raw requests.
    pub http: reqwest::Client,
    /// The server's shared state (its hub, for connection counts).
    pub state: server::state::AppState,
    /// What a signal would run to stop it.
    pub shutdown: server::startup::Shutdown,
    handle: actix_web::dev::ServerHandle,
    dir: PathBuf,
}

impl TestApp {
    /// Starts the app with default test settings.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the app after letting `adjust` change the settings.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        let db = TestDatabase::create().await;
        let dir = unique_dir("app");
        let static_dir = dir.join("dist");
        std::fs::create_dir_all(&static_dir).unwrap();
        std::fs::write(
            static_dir.join("index.html"),
            format!(
                "<!doctype html><html><head><style>{INLINE_STYLE}</style><script type=\"module\">{INLINE_SCRIPT}</script></head>\
                 <body>confab test app</body></html>"
            ),
        )
        .unwrap();
        std::fs::write(static_dir.join("app.js"), "export default function init() {}").unwrap();
        write_precompressed(&static_dir.join(HASHED_ASSET.trim_start_matches('/')), &hashed_asset_bytes());
        let mut settings = Settings::for_tests(dir.join("data"), static_dir, db.url().to_owned());
        adjust(&mut settings);
        let app = Application::build(settings).await.expect("the application starts");
        let url = app.url();
        let handle = app.handle();
        let state = app.state().clone();
        let shutdown = app.shutdown();
        tokio::spawn(app.run_until_stopped());
        let client = client::Client::new(&url).unwrap();
        Self { client, url, db, http: reqwest::Client::new(), state, shutdown, handle, dir }
    }

    /// Starts a second server process's worth of application on the same database (the test
    /// runs both in one process, but they share nothing except PostgreSQL).
    pub async fn spawn_peer(&self, adjust: impl FnOnce(&mut Settings)) -> Peer {
        let dir = unique_dir("peer");
        let mut settings = Settings::for_tests(dir.join("data"), dir.join("dist"), self.db.url().to_owned());
        adjust(&mut settings);
        let app = Application::build(settings).await.expect("the peer starts");
        let url = app.url();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        Peer { client: client::Client::new(&url).unwrap(), handle }
    }

    /// Two servers of one deployment: the same database and token secret, the PostgreSQL bus.
    pub async fn spawn_two_servers() -> (Self, Peer) {
        let shared = |s: &mut Settings| {
            s.bus = server::bus::BusKind::Postgres;
            s.jwt_secret = Some("a-secret-shared-by-both-servers-0123456789".to_owned().into());
        };
        let app = Self::spawn_with(shared).await;
        let peer = app.spawn_peer(shared).await;
        (app, peer)
    }

    /// Makes two users friends.
    pub async fn befriend(&self, a: &Account, b: &Account) {
        match a.client.send_friend_request(b.id()).await.unwrap() {
            protocol::social::SendFriendRequestOutcome::Pending { request } => {
                b.client.accept_friend_request(request.id).await.unwrap();
            }
            other => panic!("expected a pending request, got {other:?}"),
        }
    }

    /// Absolute URL of `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

/// Another server on the test's database.
pub struct Peer {
    /// SDK pointed at it.
    pub client: client::Client,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Peer {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl Account {
    /// The same user through another server.
    pub fn via(&self, other: &client::Client) -> client::Client {
        other.authenticated(&self.auth.access_token)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the runtime ends with the test anyway.
        drop(self.handle.stop(false));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes `bytes` at `path` with its `.br` and `.gz` siblings.
fn write_precompressed(path: &std::path::Path, bytes: &[u8]) {
    use std::io::Write;
    std::fs::write(path, bytes).unwrap();
    let sibling = |extension: &str| {
        let mut name = path.file_name().unwrap().to_owned();
        name.push(extension);
        path.with_file_name(name)
    };
    let mut br = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut br, &brotli::enc::BrotliEncoderParams::default()).unwrap();
    std::fs::write(sibling(".br"), br).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    std::fs::write(sibling(".gz"), gz.finish().unwrap()).unwrap();
}

/// A fresh directory under the system temp dir.
pub fn unique_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("confab-{label}-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{}-{nanos}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// A registered user and a client signed in as them.
pub struct Account {
    /// SDK calling as this user.
    pub client: client::Client,
    /// What registration returned (tokens, profile).
    pub auth: protocol::auth::AuthResponse,
    /// The password used.
    pub password: String,
}

impl Account {
    /// The user's id.
    pub fn id(&self) -> protocol::UserId {
        self.auth.user.id
    }

    /// A bot owned by this account, `username` shown as `display_name`.
    pub async fn make_bot(&self, username: &str, display_name: &str) -> protocol::bots::Bot {
        let bot = protocol::bots::CreateBot {
            username: username.into(),
            display_name: display_name.into(),
            description: String::new(),
        };
        self.client.create_bot(&bot).await.unwrap()
    }

    /// An API token of this account, or of its bot `bot`, with `scopes` and no expiry.
    pub async fn make_token(
        &self,
        bot: Option<protocol::UserId>,
        scopes: &[protocol::bots::TokenScope],
    ) -> protocol::bots::CreatedApiToken {
        let token = protocol::bots::CreateApiToken {
            name: "test".into(),
            scopes: scopes.to_vec(),
            expires_at: None,
            bot_id: bot,
        };
        self.client.create_token(&token).await.unwrap()
    }
}

impl TestApp {
    /// Registers `username` (display name: capitalised username) and signs in.
    pub async fn register(&self, username: &str) -> Account {
        let password = format!("{username}-password-1");
        let mut display = username.to_owned();
        if let Some(first) = display.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        let auth = self.client.register(username, &display, &password).await.unwrap();
        Account { client: self.client.authenticated(&auth.access_token), auth, password }
    }
}

/// Starts a guardian that kills `child` (a test server of ours: nats-server, moto) if this
/// test process dies without stopping it (a crash, an abort, a killed `cargo test`), and then
/// removes `dir` if one is given. It exits by itself within a second of `child` stopping, and
/// checks the pid still runs a command line containing `marker` before killing it.
pub fn spawn_guardian(child: &std::process::Child, marker: &str, dir: Option<&std::path::Path>) {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let script = r#"
        while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
        if ! kill -0 "$1" 2>/dev/null && grep -q "$3" "/proc/$2/cmdline" 2>/dev/null; then
            kill -9 "$2" 2>/dev/null
            [ -n "$4" ] && rm -rf "$4"
        fi
    "#;
    let spawned = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(format!("confab-{marker}-guardian"))
        .arg(std::process::id().to_string())
        .arg(child.id().to_string())
        .arg(marker)
        .arg(dir.map(|d| d.as_os_str().to_owned()).unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    if let Err(e) = spawned {
        eprintln!("cannot start the guardian for {marker} (pid {}): {e}", child.id());
    }
}

/// Two users of `api` who are friends, with their clients and what registering returned:
/// `(alice, alice's auth, bob, bob's auth)`.
pub async fn two_friends(
    api: &client::Client,
) -> (client::Client, protocol::auth::AuthResponse, client::Client, protocol::auth::AuthResponse) {
    let alice_auth = api.register("alice", "Alice", "alice-password-1").await.unwrap();
    let bob_auth = api.register("bob", "Bob", "bob-password-1").await.unwrap();
    let alice = api.authenticated(&alice_auth.access_token);
    let bob = api.authenticated(&bob_auth.access_token);
    match alice.send_friend_request(bob_auth.user.id).await.unwrap() {
        protocol::social::SendFriendRequestOutcome::Pending { request } => {
            bob.accept_friend_request(request.id).await.unwrap();
        }
        other => panic!("expected a pending request, got {other:?}"),
    }
    (alice, alice_auth, bob, bob_auth)
}
