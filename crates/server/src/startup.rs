//! Builds and runs the application: binds the port (first, to fail fast), starts the embedded
//! database or connects to DATABASE_URL, migrates, and serves until SIGINT/SIGTERM, after which
//! the embedded database is stopped too.

use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpServer};
use anyhow::{Context, anyhow};
use db::embedded::{EmbeddedPostgres, Options};
use secrecy::ExposeSecret;

use crate::auth::password::Passwords;
use crate::auth::rate_limit::LoginLimiter;
use crate::auth::tokens::TokenKeys;
use crate::bus::{Bus, BusKind};
use crate::chat::writer::Writer;
use crate::config::Settings;
use crate::error;
use crate::healing::{self, Liveness, SharedCluster};
use crate::media::Media;
use crate::rate_limits::{TokenLimits, UserLimits};
use crate::routes;
use crate::secrets;
use crate::security;
use crate::spa::Spa;
use crate::state::AppState;
use crate::ws::draining::Draining;
use crate::ws::hub::Hub;

/// Largest JSON body any route accepts; routes with bigger needs configure their own.
const JSON_LIMIT: usize = 64 * 1024;
/// Seconds in-flight requests get to finish after a shutdown signal.
const SHUTDOWN_TIMEOUT_SECS: u64 = 10;
/// Password hashes running at once: each takes 19 MiB and a core for ~20-50 ms. Two keep
/// ≥ 60 logins/s possible on two cores while leaving room for chat traffic (BENCHMARKS.md).
const MAX_CONCURRENT_HASHES: usize = 2;
/// Name of the database Confab uses inside its embedded cluster.
pub const EMBEDDED_DATABASE: &str = "confab";

/// A built, listening application.
pub struct Application {
    server: Server,
    port: u16,
    host: std::net::IpAddr,
    embedded: Option<SharedCluster>,
    state: AppState,
    shutdown: Shutdown,
    /// Tells the background deliveries (webhooks) to stop once the server has stopped.
    stop_deliveries: tokio::sync::watch::Sender<bool>,
}

impl Application {
    /// Prepares everything and starts listening; requests are served once awaited.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((settings.host, settings.port))
            .with_context(|| format!("cannot listen on {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr().context("cannot read the bound address")?.port();

        let needs_data_dir = settings.database_url.is_none() || settings.jwt_secret.is_none();
        if needs_data_dir {
            create_data_dir(&settings.data_dir)?;
        }

        let (database_url, embedded) = open_database(&settings).await?;
        let embedded: Option<SharedCluster> = embedded.map(|cluster| Arc::new(Mutex::new(cluster)));

        let workers = worker_threads(settings.workers);
        // One home for each HTTP worker and one for the main thread (writer, hub, deliveries).
        let pool = db::pool::build_pool_per_thread(&database_url, settings.db_pool_size, workers + 1)?;
        pool.claim_home();
        let jwt_secret = secrets::load_or_create_jwt_secret(settings.jwt_secret.as_ref(), &settings.data_dir)?;
        let mut doc = crate::openapi::document();
        doc.merge(<crate::ws::session::GatewayApi as utoipa::OpenApi>::openapi());
        let server_id = uuid::Uuid::now_v7();
        // Committed events reaching this server's subscriber also wake the webhook dispatcher.
        let wake = crate::webhooks::dispatch::Wake::default();
        let (hub, bus) = match settings.bus {
            BusKind::InProcess => {
                let hub = Hub::start(server_id, None, settings.ws_queue);
                (hub.clone(), Bus::InProcess(wake.around(Arc::new(hub))))
            }
            BusKind::Postgres => {
                // The hub's presence changes go out through the same publisher; the hub is
                // given its sender once the bus exists.
                let (presence_tx, mut presence_rx) = tokio::sync::mpsc::channel(4096);
                let hub = Hub::start(server_id, Some(presence_tx), settings.ws_queue);
                let publisher =
                    crate::bus::start_postgres(database_url.clone(), pool.clone(), wake.around(Arc::new(hub.clone())));
                let forward = publisher.clone();
                tokio::spawn(async move {
                    while let Some(message) = presence_rx.recv().await {
                        if forward.send(message).await.is_err() {
                            break;
                        }
                    }
                });
                (hub, Bus::Postgres(publisher))
            }
            BusKind::Nats => {
                // As above, and the hub tells the bus which conversations to follow.
                let (presence_tx, mut presence_rx) = tokio::sync::mpsc::channel(4096);
                let (interest_tx, interest_rx) = tokio::sync::mpsc::unbounded_channel();
                let hub = Hub::start_with_interest(server_id, Some(presence_tx), settings.ws_queue, Some(interest_tx));
                let publisher = crate::bus::start_nats(
                    &settings.nats_url,
                    settings.nats_subscription_capacity,
                    &database_url,
                    wake.around(Arc::new(hub.clone())),
                    interest_rx,
                )
                .await?;
                let forward = publisher.clone();
                tokio::spawn(async move {
                    while let Some(message) = presence_rx.recv().await {
                        forward.publish(message).await;
                    }
                });
                (hub, Bus::Nats(publisher))
            }
        };
        let media = Media::open(&settings, &jwt_secret)?;
        media.janitor.start(pool.clone(), media.store.clone());
        // One guarded client for everything Confab sends out on users' behalf.
        let egress = crate::egress::EgressClient::new(crate::egress::EgressPolicy::new(settings.egress_allow.clone()))
            .context("cannot build the outgoing HTTP client")?;
        let vapid = crate::push::vapid::Vapid::load(&pool, settings.push_contact.clone()).await?;
        let push = crate::push::notifier::Notifier::start(pool.clone(), vapid, egress.clone(), Arc::new(hub.clone()))
            .await
            .context("cannot start the push notifier")?;
        let search_index = crate::chat::search_index::SearchIndexMerger::default();
        search_index.start(pool.clone());
        let writer = Writer::start(
            pool.clone(),
            bus.clone(),
            writer_shards(settings.writers),
            media.janitor.clone(),
            push.clone(),
            search_index,
        );
        let state = AppState {
            presence: Arc::new(hub.clone()),
            bus,
            writer,
            media,
            pool,
            tokens: TokenKeys::new(&jwt_secret),
            passwords: Passwords::new(MAX_CONCURRENT_HASHES),
            login_limiter: Arc::new(LoginLimiter::default()),
            user_limits: Arc::new(UserLimits::new(settings.user_requests_per_sec)),
            token_limits: Arc::new(TokenLimits::new(settings.token_requests_per_sec)),
            openapi_json: Bytes::from(
                serde_json::to_vec(&crate::openapi::document_value())
                    .context("cannot serialize the OpenAPI document")?,
            ),
            docs_html: Bytes::from(routes::docs::render_docs(&doc)),
            settings: Arc::new(settings.clone()),
            liveness: Liveness::default(),
            push,
        };

        tokio::spawn(crate::telemetry::metrics::upkeep(crate::telemetry::metrics::install()));
        let spa = Spa::load(&settings.static_dir);
        let draining = Draining::default();
        let server = serve(listener, state.clone(), hub.clone(), draining.clone(), spa, workers)?;
        let shutdown = Shutdown { server: server.handle(), hub: hub.clone(), draining };
        if let Some(cluster) = &embedded {
            let give_up = stop_after_failure(shutdown.clone());
            healing::supervise(cluster.clone(), state.liveness.clone(), tokio::runtime::Handle::current(), give_up)
                .context("cannot start the embedded database's supervisor")?;
        }
        tokio::spawn(stop_on_signal(shutdown.clone()));
        tokio::spawn(crate::admin::retention::run(state.clone()));
        tokio::spawn(crate::rate_limits::sweep(state.user_limits.clone(), state.token_limits.clone()));
        let (stop_deliveries, stopped) = tokio::sync::watch::channel(false);
        let dispatcher = crate::webhooks::dispatch::Dispatcher {
            pool: state.pool.clone(),
            client: egress,
            bus: state.bus.clone(),
            retry_window: std::time::Duration::from_secs(settings.webhook_retry_window),
        };
        tokio::spawn(dispatcher.run(wake, stopped));
        Ok(Self { server, port, host: settings.host, embedded, state, shutdown, stop_deliveries })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The base URL clients should use.
    pub fn url(&self) -> String {
        let host = if self.host.is_unspecified() { "127.0.0.1".to_owned() } else { self.host.to_string() };
        format!("http://{host}:{}", self.port)
    }

    /// The shared state (for tests that inspect the database).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// What a signal runs: no new WebSockets, the open ones closed, then a graceful stop.
    pub fn shutdown(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// A handle that stops the server gracefully.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until a shutdown signal (or the handle's stop), then stops the embedded database.
    /// Ends with an error when the server stopped because it could not recover (see
    /// [`healing`]).
    pub async fn run_until_stopped(mut self) -> anyhow::Result<()> {
        let result = (&mut self.server).await.context("the HTTP server failed");
        tracing::info!("HTTP server stopped");
        // A delivery under way finishes; no new one starts.
        let _ = self.stop_deliveries.send(true);
        if let Some(cluster) = self.embedded.take() {
            web::block(move || healing::lock(&cluster).stop())
                .await
                .map_err(|e| anyhow!("stopping the embedded database was interrupted: {e}"))?
                .context("cannot stop the embedded PostgreSQL")?;
        }
        if let Some(reason) = self.state.liveness.failure() {
            return Err(anyhow!(reason));
        }
        result
    }
}

/// Connects to DATABASE_URL, or starts the embedded cluster, and applies pending migrations.
/// Returns the URL and the cluster to stop at the end (when embedded).
pub async fn open_database(settings: &Settings) -> anyhow::Result<(String, Option<EmbeddedPostgres>)> {
    let (database_url, embedded) = match &settings.database_url {
        Some(url) => (url.expose_secret().to_owned(), None),
        None => {
            let root = settings.data_dir.join("postgres");
            let cluster =
                web::block(move || EmbeddedPostgres::start(&Options { root, bin_dir: None, ephemeral: false }))
                    .await
                    .map_err(|e| anyhow!("the embedded database start-up was interrupted: {e}"))?
                    .context("cannot start the embedded PostgreSQL")?;
            db::pool::create_database_if_missing(&cluster.url("postgres"), EMBEDDED_DATABASE)
                .await
                .context("cannot prepare the embedded database")?;
            (cluster.url(EMBEDDED_DATABASE), Some(cluster))
        }
    };

    let shown_url = redact(&database_url);
    let migrate_url = database_url.clone();
    let applied = web::block(move || db::migrations::run_pending(&migrate_url))
        .await
        .map_err(|e| anyhow!("migrations were interrupted: {e}"))?
        .with_context(|| format!("database {shown_url}"))?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied database migrations");
    }

    Ok((database_url, embedded))
}

/// The HTTP worker threads to start: as asked, or actix's default of one per available CPU.
fn worker_threads(asked: usize) -> usize {
    if asked > 0 { asked } else { std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get) }
}

/// The writer shards to start: as asked, or one per available CPU, from two to four. Under
/// load a batch is bound by PostgreSQL's CPU, not by the WAL flush: more shards than cores
/// only cut the same traffic into smaller batches, each paying its own commit and statements
/// (on two cores, 3,430 msgs/s had p50 25–29 ms with 4 shards and 13–19 ms with 2;
/// BENCHMARKS.md, session 21). Two keep one batch computing while another waits for its
/// flush; more than four (the former default) were not measured with this writer.
fn writer_shards(asked: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    if asked > 0 { asked } else { cores.clamp(2, 4) }
}

fn serve(
    listener: TcpListener,
    state: AppState,
    hub: Hub,
    draining: Draining,
    spa: Spa,
    workers: usize,
) -> anyhow::Result<Server> {
    let inline_hashes = spa.inline_hashes.clone();
    let map_tiles_origin = state.settings.map_tiles_url.as_ref().map(|tiles| tiles.origin().to_owned());
    let data = web::Data::new(state);
    let gateway = web::Data::new(hub);
    let draining = web::Data::new(draining);
    let server = HttpServer::new(move || {
        // Called on each worker's thread as it starts: each takes a home of its own.
        data.pool.claim_home();
        App::new()
            .app_data(data.clone())
            .app_data(web::JsonConfig::default().limit(JSON_LIMIT).error_handler(error::json_error))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .wrap(from_fn(crate::rate_limits::rate_limit_headers))
            .wrap(from_fn(routes::address_guard::refuse_nul_in_address))
            .wrap(security::headers(&inline_hashes, map_tiles_origin.as_deref()))
            .wrap(from_fn(crate::telemetry::requests::observe))
            .app_data(gateway.clone())
            .app_data(draining.clone())
            .configure(routes::configure_root)
            .configure(crate::ws::session::configure)
            .configure(routes::configure_api)
            .configure(|cfg| spa.configure(cfg))
    })
    .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
    // Small frames must leave at once: without it Nagle's algorithm meeting the peer's delayed
    // ACK held some WebSocket frames for ~40 ms (measured: p99 46 ms at 400 msgs/s).
    .tcp_nodelay(true)
    // Signals are ours (see `stop_on_signal`), so WebSockets are closed politely first.
    .disable_signals()
    .workers(workers);
    Ok(server.listen(listener).context("cannot start the HTTP server")?.run())
}

/// Stops serving politely: no new WebSockets, the open ones closed with "going away" (clients
/// reconnect to another server, or after the restart), then the HTTP server stopped
/// gracefully, in-flight requests finishing.
#[derive(Clone)]
pub struct Shutdown {
    server: actix_web::dev::ServerHandle,
    hub: Hub,
    draining: Draining,
}

impl Shutdown {
    /// Runs the shutdown; `reason` goes to clients in the close frames.
    pub async fn run(self, reason: &'static str) {
        tracing::info!(reason, "shutting down: closing WebSockets, then the HTTP server");
        // First: a client reconnecting on the close below must find the door shut, or its new
        // socket would hold the graceful stop up until its timeout.
        self.draining.start();
        self.hub.shut_down(protocol::ws::close::GOING_AWAY, reason).await;
        // Let the close frames go out before the workers stop.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        self.server.stop(true).await;
    }
}

/// On SIGINT or SIGTERM: shut down.
async fn stop_on_signal(shutdown: Shutdown) {
    wait_for_signal().await;
    shutdown.run("the server is restarting; reconnect shortly").await;
}

/// After the supervisor gave up on the embedded database: keep answering a moment (`/healthz`
/// says why it fails), then shut down as on a signal.
async fn stop_after_failure(shutdown: Shutdown) {
    tokio::time::sleep(healing::FAILED_GRACE).await;
    shutdown.run("the server cannot reach its database; reconnect shortly").await;
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

fn create_data_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    // Probe that it is writable now rather than failing half-way through start-up.
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok").with_context(|| format!("the data directory {} is not writable", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// The URL with its password replaced, safe for logs and error messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "<unparseable database URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_the_password() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("not a url"), "<unparseable database URL>");
    }

    #[test]
    fn writer_shards_follow_the_cores_unless_asked() {
        assert_eq!(writer_shards(7), 7);
        assert!((2..=4).contains(&writer_shards(0)), "{}", writer_shards(0));
    }
}
