//! The PostgreSQL advisory locks Confab takes, with their keys in one place so two uses never
//! share a key by accident. Every server of a deployment (and `confab backup`) agrees on them
//! through the database, without any coordination service. The keys start with "Confab" in
//! ASCII, so they are easy to recognise in `pg_locks` (`classid` 0x436F6E66, `objid` 0x6162....).

/// Held (session-level) by whoever applies migrations, so servers starting together apply
/// each migration once: the others wait, then find nothing pending.
pub const MIGRATIONS: i64 = 0x436F_6E66_6162_0001;
