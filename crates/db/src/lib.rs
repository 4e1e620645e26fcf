//! Confab's persistence layer: the connection pool, the embedded migrations, the generated
//! schema, and the private PostgreSQL cluster the server starts when no DATABASE_URL is given.
//!
//! Query functions take `&mut AsyncPgConnection`, so the caller decides the transaction.

pub mod columns;
pub mod embedded;
pub mod locks;
pub mod migrations;
pub mod models;
pub mod pool;
pub mod prepared;
pub mod queries;
pub mod schema;
pub mod search_index;
pub mod statistics;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transaction;

pub use diesel_async::AsyncPgConnection;
pub use pool::{DbPool, PoolError};
