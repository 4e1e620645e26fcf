//! The pool of async PostgreSQL connections shared by every request and session, and the
//! checks that tell whether the database can be reached.
//!
//! The pool is a set of deadpool pools, one per *home* thread. A diesel-async connection's I/O
//! runs as a task on the runtime of the thread that opened it, so a connection opened on one
//! actix worker and used by another wakes a second thread on every round trip (measured on a
//! WebSocket handshake: handshakes/s 6 % lower in six pairs of six; BENCHMARKS.md, session 17).
//! The server's threads claim their homes as they start ([`DbPool::claim_home`]); any other
//! thread is given one, round robin, at its first checkout. A checkout takes a connection of
//! its own home when one is free, else an idle one of another home, and only then waits for
//! its own: homes are a preference, never a reason to wait while connections sit idle. deadpool
//! has no notion of thread affinity, hence this thin layer over it.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use deadpool::managed::{TimeoutType, Timeouts};
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError as DeadpoolError};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Connections to PostgreSQL, kept per home thread; cheap to clone (all clones share them).
#[derive(Clone)]
pub struct DbPool {
    homes: Arc<Homes>,
}

struct Homes {
    /// Tells this pool's entries apart in each thread's [`HOME_OF`] cache.
    id: usize,
    pools: Box<[Pool<AsyncPgConnection>]>,
    /// The home the next newcomer thread is given.
    next: AtomicUsize,
}

/// How many connections a pool holds and lends, summed over its homes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections it may hold at most.
    pub max_size: usize,
    /// Connections open now.
    pub size: usize,
    /// Open connections not lent out.
    pub available: usize,
}

/// Numbers each pool built, for [`HOME_OF`].
static NEXT_POOL_ID: AtomicUsize = AtomicUsize::new(0);
/// Pools a thread keeps in its cache of homes; older entries (pools of finished tests, the
/// only process with many pools) are forgotten and would be given a new home if used again.
const REMEMBERED_POOLS: usize = 8;

thread_local! {
    /// This thread's home in each pool it has used: (pool id, home index).
    static HOME_OF: RefCell<Vec<(usize, usize)>> = const { RefCell::new(Vec::new()) };
}

/// A connection checked out of [`DbPool`]; returned to its home on drop.
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

/// Builds a pool of at most `max_size` connections to `url` with a single home, without
/// connecting yet: for tools and tests that use it from one thread.
pub fn build_pool(url: &str, max_size: usize) -> Result<DbPool, PoolError> {
    build_pool_per_thread(url, max_size, 1)
}

/// Builds a pool of at most `max_size` connections to `url` split evenly over `homes` home
/// threads (fewer homes when there are fewer connections than that), without connecting yet.
pub fn build_pool_per_thread(url: &str, max_size: usize, homes: usize) -> Result<DbPool, PoolError> {
    if max_size == 0 {
        return Err(PoolError::Build("the pool needs at least one connection".to_owned()));
    }
    let homes = homes.clamp(1, max_size);
    let pools =
        (0..homes).map(|home| build_home(url, share(max_size, homes, home))).collect::<Result<Box<[_]>, _>>()?;
    let id = NEXT_POOL_ID.fetch_add(1, Ordering::Relaxed);
    Ok(DbPool { homes: Arc::new(Homes { id, pools, next: AtomicUsize::new(0) }) })
}

/// Home `home`'s part of `total` connections split over `homes` (at most `total`): the
/// remainder goes to the first homes.
fn share(total: usize, homes: usize, home: usize) -> usize {
    total / homes + usize::from(home < total % homes)
}

fn build_home(url: &str, max_size: usize) -> Result<Pool<AsyncPgConnection>, PoolError> {
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

impl DbPool {
    /// Makes the calling thread the next home's (round robin), unless it has one already: the
    /// server's main thread and each HTTP worker call it as they start, so each has its own.
    pub fn claim_home(&self) {
        let _ = self.home_index();
    }

    /// The index of the calling thread's home, given one on first use.
    fn home_index(&self) -> usize {
        let homes = &self.homes;
        if homes.pools.len() == 1 {
            return 0;
        }
        HOME_OF.with_borrow_mut(|known| {
            if let Some(&(_, home)) = known.iter().find(|(id, _)| *id == homes.id) {
                return home;
            }
            let home = homes.next.fetch_add(1, Ordering::Relaxed) % homes.pools.len();
            if known.len() == REMEMBERED_POOLS {
                known.remove(0);
            }
            known.push((homes.id, home));
            home
        })
    }

    /// A connection: one of this thread's home if it has one free (or room to open one), else
    /// an idle one of another home, else the first of its home's to come free.
    async fn get(&self) -> Result<PooledConn, DeadpoolError> {
        let pools = &self.homes.pools;
        let own = &pools[self.home_index()];
        let now = |pool: &Pool<AsyncPgConnection>| Timeouts { wait: Some(Duration::ZERO), ..pool.timeouts() };
        match own.timeout_get(&now(own)).await {
            Err(DeadpoolError::Timeout(TimeoutType::Wait)) => {}
            done => return done,
        }
        // Only idle connections are borrowed: one opened here for another home would be driven
        // by this thread for the rest of its life.
        for other in pools.iter().filter(|p| !std::ptr::eq(*p, own) && p.status().available > 0) {
            if let Ok(conn) = other.timeout_get(&now(other)).await {
                return Ok(conn);
            }
        }
        own.get().await
    }

    /// Connections held and lent, over every home.
    pub fn status(&self) -> PoolStatus {
        self.homes.pools.iter().map(Pool::status).fold(
            PoolStatus { max_size: 0, size: 0, available: 0 },
            |sum, home| PoolStatus {
                max_size: sum.max_size + home.max_size,
                size: sum.size + home.size,
                available: sum.available + home.available,
            },
        )
    }
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

fn describe_pool_error(e: &DeadpoolError) -> String {
    use DeadpoolError as E;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Building connects to nothing, so any well-formed URL does.
    const URL: &str = "postgres://nobody@127.0.0.1:1/none";

    #[test]
    fn connections_are_split_evenly_and_never_exceed_the_size() {
        let sizes = |total, homes| (0..homes).map(|home| share(total, homes, home)).collect::<Vec<_>>();
        assert_eq!(sizes(16, 3), [6, 5, 5]);
        assert_eq!(sizes(16, 4), [4, 4, 4, 4]);
        assert_eq!(build_pool_per_thread(URL, 16, 3).unwrap().status().max_size, 16);
        let few = build_pool_per_thread(URL, 2, 3).unwrap();
        assert_eq!(few.homes.pools.len(), 2, "fewer homes than threads rather than more connections");
        assert_eq!(few.status().max_size, 2);
        assert!(build_pool_per_thread(URL, 0, 3).is_err());
        let empty = PoolStatus { max_size: 16, size: 0, available: 0 };
        assert_eq!(build_pool(URL, 16).unwrap().status(), empty);
    }

    #[test]
    fn each_thread_keeps_its_own_home_and_newcomers_take_turns() {
        let pool = build_pool_per_thread(URL, 6, 3).unwrap();
        let home_of = |pool: &DbPool| {
            let home = pool.home_index();
            assert_eq!(pool.home_index(), home, "a thread stays at home");
            home
        };
        let homes: Vec<usize> = (0..4)
            .map(|_| {
                let pool = pool.clone();
                std::thread::spawn(move || home_of(&pool)).join().unwrap()
            })
            .collect();
        assert_eq!(homes, [0, 1, 2, 0], "round robin, the fourth sharing the first's");
        let other = build_pool_per_thread(URL, 6, 3).unwrap();
        let _ = home_of(&other);
        assert_eq!(home_of(&pool), 1, "a second pool does not move this thread's home");
    }

    #[test]
    fn a_claim_keeps_a_home_already_given() {
        let pool = build_pool_per_thread(URL, 6, 3).unwrap();
        pool.claim_home();
        pool.claim_home();
        assert_eq!(pool.home_index(), 0);
        let worker = pool.clone();
        let claimed = std::thread::spawn(move || {
            worker.claim_home();
            worker.home_index()
        });
        assert_eq!(claimed.join().unwrap(), 1, "the next thread claims the next home");
    }
}
