//! The deadpool-backed pool of async PostgreSQL connections shared by every request and
//! session, and the checks that tell whether the database can be reached.

use std::time::{Duration, Instant};

use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// A pool of PostgreSQL connections.
pub type DbPool = Pool<AsyncPgConnection>;

/// A connection checked out of [`DbPool`]; returned to the pool on drop.
pub type PooledConn = Object<AsyncPgConnection>;

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The pool could not be built from the settings.
    #[error("invalid database pool settings: {0}")]
    Build(String),
    /// No connection could be made or checked out.
    #[error("{0}")]
    Unavailable(String),
    /// The database answered with an error.
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
}

/// Builds a pool of at most `max_size` connections to `url`, without connecting yet.
pub fn build_pool(url: &str, max_size: usize) -> Result<DbPool, PoolError> {
    let mut config = ManagerConfig::default();
    // Recycle without a `SELECT 1` per checkout: a connection the server closed is still
    // caught (its client is closed), and one that fails mid-query is marked broken and
    // dropped. The check cost a round trip on every checkout, four per WebSocket handshake.
    config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    Pool::builder(manager)
        .max_size(max_size)
        // A request waits at most this long for a free connection instead of piling up.
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| PoolError::Build(e.to_string()))
}

/// The histogram of time spent waiting in [`checkout`], in seconds.
pub const WAIT_METRIC: &str = "confab_db_pool_wait_seconds";

/// Checks out a connection, mapping pool failures to [`PoolError::Unavailable`], and records
/// how long it waited ([`WAIT_METRIC`]).
pub async fn checkout(pool: &DbPool) -> Result<PooledConn, PoolError> {
    let started = Instant::now();
    let conn = pool.get().await.map_err(|e| PoolError::Unavailable(describe_pool_error(&e)));
    metrics::histogram!(WAIT_METRIC).record(started.elapsed().as_secs_f64());
    conn
}

/// Runs `SELECT 1` and returns its round-trip time: the readiness probe.
pub async fn ping(pool: &DbPool) -> Result<Duration, PoolError> {
    let started = Instant::now();
    let mut conn = checkout(pool).await?;
    diesel::sql_query("SELECT 1").execute(&mut conn).await?;
    Ok(started.elapsed())
}

fn describe_pool_error(e: &diesel_async::pooled_connection::deadpool::PoolError) -> String {
    use diesel_async::pooled_connection::deadpool::PoolError as E;
    match e {
        E::Timeout(_) => "timed out waiting for a database connection".to_owned(),
        E::Backend(inner) => format!("cannot connect to the database: {inner}"),
        other => format!("database pool error: {other}"),
    }
}

/// Creates the database `name` on the server at `admin_url` unless it exists already.
pub async fn create_database_if_missing(admin_url: &str, name: &str) -> Result<(), PoolError> {
    use diesel::sql_types::Text;
    use diesel_async::AsyncConnection;

    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }

    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(PoolError::Build(format!("invalid database name {name:?}")));
    }
    let mut conn = AsyncPgConnection::establish(admin_url)
        .await
        .map_err(|e| PoolError::Unavailable(format!("cannot connect to the database: {e}")))?;
    let found: Exists = diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<Text, _>(name)
        .get_result(&mut conn)
        .await?;
    if !found.exists {
        // The name is checked above: identifiers cannot be bound as parameters.
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
        tracing::info!(database = name, "created the database");
    }
    Ok(())
}
