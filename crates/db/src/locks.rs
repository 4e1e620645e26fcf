//! The PostgreSQL advisory locks Confab takes, with their keys in one place so two uses never
//! share a key by accident. Every server of a deployment (and `confab backup`) agrees on them
//! through the database, without any coordination service. The keys start with "Confab" in
//! ASCII, so they are easy to recognise in `pg_locks` (`classid` 0x436F6E66, `objid` 0x6162....).

/// Held (session-level) by whoever applies migrations, so servers starting together apply
/// each migration once: the others wait, then find nothing pending.
pub const MIGRATIONS: i64 = 0x436F_6E66_6162_0001;

/// Held exclusively (session-level) by `confab backup` from its snapshot until it has copied
/// the blobs the snapshot names; the media janitor takes it shared for each removal
/// transaction and skips its turn while a backup holds it, so no blob a backup is about to
/// copy disappears. Removal resumes at the janitor's next wake-up or period.
pub const MEDIA_BLOBS: i64 = 0x436F_6E66_6162_0002;

#[derive(diesel::QueryableByName)]
struct Taken {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    taken: bool,
}

/// Takes `key` shared until the current transaction ends, unless someone holds it exclusively:
/// then returns `false` at once instead of waiting.
pub async fn try_share_in_transaction(
    conn: &mut diesel_async::AsyncPgConnection,
    key: i64,
) -> diesel::QueryResult<bool> {
    use diesel_async::RunQueryDsl;
    let row: Taken = diesel::sql_query("SELECT pg_try_advisory_xact_lock_shared($1) AS taken")
        .bind::<diesel::sql_types::BigInt, _>(key)
        .get_result(conn)
        .await?;
    Ok(row.taken)
}

/// Takes `key` exclusively for the session (until unlocked or the connection closes), waiting
/// for its holders to let go.
pub async fn lock_for_session(conn: &mut diesel_async::AsyncPgConnection, key: i64) -> diesel::QueryResult<()> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query("SELECT pg_advisory_lock($1)").bind::<diesel::sql_types::BigInt, _>(key).execute(conn).await?;
    Ok(())
}
