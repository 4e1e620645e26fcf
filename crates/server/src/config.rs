//! Every setting of the server in one struct, from command-line flags or environment variables
//! (flags win), with defaults that run Confab on a laptop with nothing configured.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::map_tiles::MapTilesUrl;

/// Frames queued per WebSocket before a too-slow client is closed (the default of `--ws-queue`).
pub const DEFAULT_WS_QUEUE: usize = 512;
/// Where `--bus nats` finds NATS by default.
pub const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";
/// async-nats's own default.
pub const DEFAULT_NATS_SUBSCRIPTION_CAPACITY: usize = 64 * 1024;

/// Confab: a real-time chat server.
#[derive(Debug, Parser)]
#[command(name = "confab", version, about)]
pub struct Cli {
    /// What to do; serving is the default.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Server settings.
    #[command(flatten)]
    pub settings: Settings,
}

/// Sub-commands of the `confab` binary.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API, the WebSocket gateway and the web app (the default).
    Serve,
    /// Manage administrators; works whether the server is running or not.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Back up the database, the local media files and the generated token secret into one
    /// file (a tar), consistently, while the server runs or not.
    Backup {
        /// The archive to write.
        file: PathBuf,
    },
    /// Restore a backup made by `confab backup` into an empty data dir (and, with
    /// DATABASE_URL, an empty database); then start the server on it.
    Restore {
        /// The archive to read.
        file: PathBuf,
    },
}

/// `confab admin ...`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator account; the password is prompted for (or read from stdin).
    Create {
        /// The new account's username.
        username: String,
        /// Display name (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Make an existing user an administrator.
    Promote {
        /// Their username.
        username: String,
    },
    /// Turn off a user's two-factor authentication (a lost phone and lost recovery codes);
    /// they sign in with their password alone and may set it up again.
    ResetTwoFactor {
        /// Their username.
        username: String,
    },
}

/// Server settings. Every one is global, so it may come before or after a sub-command
/// (`confab admin create alice --data-dir X`).
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on. Loopback by default; put a TLS-terminating proxy in front to expose it.
    #[arg(global = true, long, env = "CONFAB_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port to listen on (0 picks a free one).
    #[arg(global = true, long, short, env = "CONFAB_PORT", default_value_t = 8080)]
    pub port: u16,

    /// PostgreSQL URL. When absent, Confab runs its own private PostgreSQL under the data dir.
    #[arg(global = true, long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,

    /// Directory for Confab's state: the embedded database and the generated secret.
    #[arg(global = true, long, env = "CONFAB_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Directory of the built web app (trunk's output).
    #[arg(global = true, long, env = "CONFAB_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// Secret that signs access tokens. Generated and kept in the data dir when absent.
    #[arg(global = true, long, env = "CONFAB_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,

    /// Browser origins allowed to call the API and open WebSockets, comma-separated.
    /// The server's own origin is always allowed.
    #[arg(global = true, long, env = "CONFAB_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// How committed changes reach live connections: `in-process` for one server, `postgres`
    /// (LISTEN/NOTIFY) or `nats` (with `--nats-url`) for several server processes sharing one
    /// database.
    #[arg(global = true, long, env = "CONFAB_BUS", value_enum, default_value = "in-process")]
    pub bus: crate::bus::BusKind,

    /// The NATS server of `--bus nats` (the members of a NATS cluster, comma-separated).
    #[arg(global = true, long, env = "CONFAB_NATS_URL", default_value = DEFAULT_NATS_URL)]
    pub nats_url: String,

    /// Messages the NATS client holds for each subscription before it drops new ones for a
    /// slow consumer. Drops in a conversation are loaded from the database; drops in the
    /// notices every server hears make its clients resync.
    #[arg(global = true, long, env = "CONFAB_NATS_SUBSCRIPTION_CAPACITY", default_value_t = DEFAULT_NATS_SUBSCRIPTION_CAPACITY)]
    pub nats_subscription_capacity: usize,

    /// Frames queued for each WebSocket before a client that reads too slowly is disconnected
    /// (close code 4008; it resyncs on reconnect).
    #[arg(global = true, long, env = "CONFAB_WS_QUEUE", default_value_t = DEFAULT_WS_QUEUE)]
    pub ws_queue: usize,

    /// Writer shards storing every conversation change; each stores a whole batch per commit
    /// and holds one pooled connection while it does (0 = one per CPU core, from 2 to 4).
    #[arg(global = true, long, env = "CONFAB_WRITERS", default_value_t = 0)]
    pub writers: usize,

    /// Maximum number of pooled database connections, split evenly between the HTTP workers
    /// and the main thread (each keeps to connections it drives itself).
    #[arg(global = true, long, env = "CONFAB_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: usize,

    /// HTTP worker threads (0 = one per CPU core).
    #[arg(global = true, long, env = "CONFAB_WORKERS", default_value_t = 0)]
    pub workers: usize,

    /// Where uploads are stored: files under `<data-dir>/media/` when unset, or an
    /// S3-compatible bucket, `s3://bucket/prefix`.
    #[arg(global = true, long, env = "CONFAB_MEDIA_URL")]
    pub media_url: Option<String>,

    /// The S3 endpoint (MinIO, Garage, Ceph…; AWS when unset). `http://` is allowed for a
    /// store on the same host or network.
    #[arg(global = true, long, env = "AWS_ENDPOINT_URL")]
    pub s3_endpoint: Option<String>,

    /// The S3 region.
    #[arg(global = true, long, env = "AWS_REGION", default_value = "us-east-1")]
    pub s3_region: String,

    /// The S3 access key id (with the secret below; else the usual AWS credential chain).
    #[arg(global = true, long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    pub s3_access_key_id: Option<String>,

    /// The S3 secret access key.
    #[arg(global = true, long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<SecretString>,

    /// Largest upload, in bytes (default 25 MiB).
    #[arg(global = true, long, env = "CONFAB_MEDIA_MAX_BYTES", default_value_t = 25 * 1024 * 1024)]
    pub media_max_bytes: u64,

    /// Most bytes one user's uploads may take (default 1 GiB).
    #[arg(global = true, long, env = "CONFAB_MEDIA_QUOTA_BYTES", default_value_t = 1024 * 1024 * 1024)]
    pub media_quota_bytes: u64,

    /// A tile server for the small map on shared locations: a URL template with `{z}`, `{x}`
    /// and `{y}` (https, or http to this machine). Members' browsers then fetch tiles from that
    /// host, which sees which area they look at; unset, no map is drawn and nothing is fetched
    /// from third parties.
    #[arg(global = true, long, env = "CONFAB_MAP_TILES_URL", value_parser = MapTilesUrl::parse)]
    pub map_tiles_url: Option<MapTilesUrl>,

    /// The credit the tile host asks for, shown under every map (e.g. "© OpenStreetMap
    /// contributors").
    #[arg(global = true, long, env = "CONFAB_MAP_ATTRIBUTION", value_parser = crate::map_tiles::parse_attribution)]
    pub map_attribution: Option<String>,

    /// Networks (CIDR, comma-separated) whose clients may read `/metrics`, besides loopback.
    #[arg(global = true, long, env = "CONFAB_METRICS_ALLOW", value_delimiter = ',')]
    pub metrics_allow: Vec<ipnet::IpNet>,

    /// Reverse proxies (CIDR, comma-separated) whose `X-Forwarded-For` is believed: client
    /// addresses (rate limits, audit log, sessions, `/metrics`) are read from it only when
    /// the request comes from one of them.
    #[arg(global = true, long, env = "CONFAB_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// WebSocket frames one connection may send per second (twice that in a burst); past it a
    /// frame is answered `rate_limited` and the connection stays open.
    #[arg(global = true, long, env = "CONFAB_WS_FRAMES_PER_SEC", default_value_t = 100)]
    pub ws_frames_per_sec: u32,

    /// WebSocket frames and REST sends one user may make per second, over all their
    /// connections (twice that in a burst).
    #[arg(global = true, long, env = "CONFAB_USER_REQUESTS_PER_SEC", default_value_t = 200)]
    pub user_requests_per_sec: u32,

    /// REST requests one API token may make per second (twice that in a burst); its answers
    /// carry `X-RateLimit-Limit`, `-Remaining` and `-Reset`, and a 429 `Retry-After`.
    #[arg(global = true, long, env = "CONFAB_TOKEN_REQUESTS_PER_SEC", default_value_t = 20)]
    pub token_requests_per_sec: u32,

    /// Log output: `pretty` for people, `json` for log collectors.
    #[arg(global = true, long, env = "CONFAB_LOG_FORMAT", default_value = "pretty")]
    pub log_format: LogFormat,

    /// Networks (CIDR, comma-separated) that outgoing webhooks may reach although they are
    /// private, loopback, link-local or otherwise not public; `http://` webhook URLs are
    /// accepted only for addresses inside them (see docs/webhooks.md, "Egress guard").
    #[arg(global = true, long, env = "CONFAB_EGRESS_ALLOW", value_delimiter = ',')]
    pub egress_allow: Vec<ipnet::IpNet>,

    /// Seconds an outgoing webhook subscription may keep failing, its deliveries retried with
    /// backoff, before it is disabled (default: 24 hours).
    #[arg(global = true, long, env = "CONFAB_WEBHOOK_RETRY_WINDOW", default_value_t = 86_400)]
    pub webhook_retry_window: u64,

    /// Who push services may contact about this server's notifications (a `mailto:` or
    /// `https:` URL, put in every push's VAPID signature; some services ask for one).
    #[arg(global = true, long, env = "CONFAB_PUSH_CONTACT", value_parser = push_contact)]
    pub push_contact: Option<String>,
}

/// A `--push-contact`: a `mailto:` or `https:` URL.
fn push_contact(raw: &str) -> Result<String, String> {
    let ok = (raw.starts_with("mailto:") && raw.len() > 7) || url::Url::parse(raw).is_ok_and(|u| u.scheme() == "https");
    if ok { Ok(raw.to_owned()) } else { Err("a mailto: or https: URL".into()) }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

impl Settings {
    /// Settings for tests and embedding: loopback, port 0, everything else default.
    pub fn for_tests(data_dir: PathBuf, static_dir: PathBuf, database_url: String) -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            database_url: Some(SecretString::from(database_url)),
            data_dir,
            static_dir,
            jwt_secret: None,
            allowed_origins: Vec::new(),
            bus: crate::bus::BusKind::InProcess,
            nats_url: DEFAULT_NATS_URL.to_owned(),
            nats_subscription_capacity: DEFAULT_NATS_SUBSCRIPTION_CAPACITY,
            ws_queue: DEFAULT_WS_QUEUE,
            writers: 2,
            db_pool_size: 8,
            workers: 1,
            log_format: LogFormat::Pretty,
            metrics_allow: Vec::new(),
            trusted_proxies: Vec::new(),
            // Out of the way of tests that load the server on purpose; the rate-limit tests set
            // their own.
            ws_frames_per_sec: 1_000_000,
            user_requests_per_sec: 1_000_000,
            token_requests_per_sec: 1_000_000,
            media_url: None,
            s3_endpoint: None,
            s3_region: "us-east-1".to_owned(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            media_max_bytes: 25 * 1024 * 1024,
            media_quota_bytes: 1024 * 1024 * 1024,
            map_tiles_url: None,
            map_attribution: None,
            egress_allow: Vec::new(),
            webhook_retry_window: 86_400,
            push_contact: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_listen_on_loopback_8080_with_embedded_database() {
        let cli = Cli::try_parse_from(["confab"]).unwrap();
        assert_eq!(cli.settings.port, 8080);
        assert!(cli.settings.host.is_loopback());
        assert_eq!(cli.settings.data_dir, PathBuf::from("data"));
        assert!(cli.command.is_none());
    }

    #[test]
    fn origins_are_comma_separated() {
        let cli = Cli::try_parse_from(["confab", "--allowed-origins", "http://a.test,http://b.test"]).unwrap();
        assert_eq!(cli.settings.allowed_origins, vec!["http://a.test", "http://b.test"]);
    }

    #[test]
    fn settings_may_follow_a_sub_command() {
        let cli =
            Cli::try_parse_from(["confab", "admin", "create", "alice", "--data-dir", "/srv/confab", "--port", "9000"])
                .unwrap();
        assert_eq!(cli.settings.data_dir, PathBuf::from("/srv/confab"));
        assert_eq!(cli.settings.port, 9000);
        assert!(
            matches!(cli.command, Some(Command::Admin(AdminCommand::Create { username, .. })) if username == "alice")
        );
    }

    #[test]
    fn settings_before_a_sub_command_are_not_reset_by_its_defaults() {
        let cli = Cli::try_parse_from(["confab", "--data-dir", "/srv/confab", "admin", "promote", "bob"]).unwrap();
        assert_eq!(cli.settings.data_dir, PathBuf::from("/srv/confab"));
        assert_eq!(cli.settings.port, 8080);
    }

    #[test]
    fn admin_help_says_the_server_may_keep_running() {
        use clap::CommandFactory;
        let mut command = Cli::command();
        let admin = command.find_subcommand_mut("admin").unwrap();
        let help = admin.render_help().to_string();
        assert!(help.contains("whether the server is running or not"), "{help}");
        assert!(!help.contains("stopped"), "{help}");
    }

    #[test]
    fn a_map_tile_template_is_checked_at_start() {
        let cli =
            Cli::try_parse_from(["confab", "--map-tiles-url", "https://tiles.example.org/{z}/{x}/{y}.png"]).unwrap();
        assert_eq!(cli.settings.map_tiles_url.unwrap().origin(), "https://tiles.example.org");
        assert!(Cli::try_parse_from(["confab"]).unwrap().settings.map_tiles_url.is_none());
        let err = Cli::try_parse_from(["confab", "--map-tiles-url", "http://tiles.example.org/{z}/{x}/{y}.png"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--map-tiles-url") && err.contains("must use https"), "{err}");
        let err =
            Cli::try_parse_from(["confab", "--map-tiles-url", "https://tiles.example.org/{z}/{x}.png"]).unwrap_err();
        assert!(err.to_string().contains("{y}"), "{err}");
    }

    #[test]
    fn a_bad_port_is_a_clear_error() {
        let err = Cli::try_parse_from(["confab", "--port", "99999"]).unwrap_err();
        assert!(err.to_string().contains("--port"), "{err}");
    }
}
