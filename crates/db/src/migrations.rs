//! The SQL migrations in `migrations/`, embedded in the binary and applied at start-up, so a
//! new release upgrades its database by itself. Servers starting together take turns through
//! an advisory lock ([`crate::locks::MIGRATIONS`]), so each migration is applied once.

use diesel::sql_types::BigInt;
use diesel::{Connection, RunQueryDsl};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// Every migration of the workspace's `migrations/` directory.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Why migrating failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The database could not be reached.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// The migration lock could not be taken.
    #[error("cannot take the migration lock: {0}")]
    Lock(String),
    /// A migration failed to apply.
    #[error("migration failed: {0}")]
    Apply(String),
    /// The migration thread died.
    #[error("migration thread panicked")]
    Panicked,
}

/// Applies every pending migration to the database at `url` and returns the applied versions.
///
/// The migrating connection holds the session advisory lock [`crate::locks::MIGRATIONS`]: a
/// second server starting at the same moment waits for it, then finds nothing pending (without
/// it several applied the first migration at once and all but one failed on a duplicate key). The lock
/// goes with the connection, so a migrator that dies releases it.
///
/// diesel's migration harness is synchronous; its async wrapper blocks on a runtime of its own,
/// which panics inside actix's current-thread runtime. A plain OS thread has no runtime
/// context, so the wrapper creates one there: this works from any caller, async or not.
pub fn run_pending(url: &str) -> Result<Vec<String>, MigrationError> {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .map_err(|e| MigrationError::Connect(e.to_string()))?;
        diesel::sql_query("SELECT pg_advisory_lock($1)")
            .bind::<BigInt, _>(crate::locks::MIGRATIONS)
            .execute(&mut conn)
            .map_err(|e| MigrationError::Lock(e.to_string()))?;
        let applied = conn.run_pending_migrations(MIGRATIONS).map_err(|e| MigrationError::Apply(e.to_string()))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
    .join()
    .map_err(|_| MigrationError::Panicked)?
}
