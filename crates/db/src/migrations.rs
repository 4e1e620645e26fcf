//! The SQL migrations in `migrations/`, embedded in the binary and applied at start-up, so a
//! new release upgrades its database by itself.

use diesel::Connection;
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
    /// A migration failed to apply.
    #[error("migration failed: {0}")]
    Apply(String),
    /// The migration thread died.
    #[error("migration thread panicked")]
    Panicked,
}

/// Applies every pending migration to the database at `url` and returns the applied versions.
///
/// diesel's migration harness is synchronous; its async wrapper blocks on a runtime of its own,
/// which panics inside actix's current-thread runtime. A plain OS thread has no runtime
/// context, so the wrapper creates one there: this works from any caller, async or not.
pub fn run_pending(url: &str) -> Result<Vec<String>, MigrationError> {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .map_err(|e| MigrationError::Connect(e.to_string()))?;
        let applied = conn.run_pending_migrations(MIGRATIONS).map_err(|e| MigrationError::Apply(e.to_string()))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
    .join()
    .map_err(|_| MigrationError::Panicked)?
}
