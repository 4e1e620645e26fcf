//! Two-factor authentication's rows: the TOTP secret (pending until enabled), the newest step
//! accepted (so a code works once), and the one-time recovery codes (SHA-256 hashes).
//! Accepting a step or a recovery code is one conditional UPDATE, so two sign-ins racing with
//! the same code cannot both win.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::UserId;

use crate::schema::{two_factor, two_factor_recovery};

/// A user's second factor.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = two_factor)]
pub struct TwoFactor {
    /// The TOTP secret (20 random bytes).
    pub secret: Vec<u8>,
    /// When it came into force; `None` while set-up awaits its first code.
    pub enabled_at: Option<DateTime<Utc>>,
    /// The newest 30-second step accepted.
    pub last_step: i64,
}

/// `user`'s second factor, enabled or pending.
pub async fn of(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Option<TwoFactor>> {
    two_factor::table.find(user.0).select(TwoFactor::as_select()).first(conn).await.optional()
}

/// Starts (or restarts) set-up with a new secret; `false` when a factor is already enabled,
/// which set-up never replaces (disable it first).
pub async fn begin(conn: &mut AsyncPgConnection, user: UserId, secret: &[u8]) -> QueryResult<bool> {
    // diesel's upsert has no WHERE on its DO UPDATE: the statement is written out.
    let stored = diesel::sql_query(
        "INSERT INTO two_factor (user_id, secret) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, last_step = 0, created_at = now() \
         WHERE two_factor.enabled_at IS NULL",
    )
    .bind::<diesel::sql_types::Uuid, _>(user.0)
    .bind::<diesel::sql_types::Bytea, _>(secret)
    .execute(conn)
    .await?;
    Ok(stored == 1)
}

/// Puts a pending factor in force, its first code at `step`, with new recovery codes
/// (replacing any); `false` if there was nothing pending.
pub async fn enable(
    conn: &mut AsyncPgConnection,
    user: UserId,
    step: i64,
    recovery_hashes: &[[u8; 32]],
) -> QueryResult<bool> {
    conn.transaction(async move |conn| {
        let enabled = diesel::update(two_factor::table.find(user.0))
            .filter(two_factor::enabled_at.is_null())
            .set((two_factor::enabled_at.eq(diesel::dsl::now), two_factor::last_step.eq(step)))
            .execute(conn)
            .await?;
        if enabled != 1 {
            return Ok(false);
        }
        diesel::delete(two_factor_recovery::table.filter(two_factor_recovery::user_id.eq(user.0)))
            .execute(conn)
            .await?;
        let rows: Vec<_> = recovery_hashes
            .iter()
            .map(|hash| (two_factor_recovery::user_id.eq(user.0), two_factor_recovery::code_hash.eq(hash.as_slice())))
            .collect();
        diesel::insert_into(two_factor_recovery::table).values(rows).execute(conn).await?;
        Ok(true)
    })
    .await
}

/// Accepts a code of `step` if no code of that step or a later one was accepted before.
pub async fn accept_step(conn: &mut AsyncPgConnection, user: UserId, step: i64) -> QueryResult<bool> {
    let accepted = diesel::update(two_factor::table.find(user.0))
        .filter(two_factor::enabled_at.is_not_null().and(two_factor::last_step.lt(step)))
        .set(two_factor::last_step.eq(step))
        .execute(conn)
        .await?;
    Ok(accepted == 1)
}

/// Uses up a recovery code; `false` if it is unknown or was used.
pub async fn use_recovery_code(conn: &mut AsyncPgConnection, user: UserId, hash: &[u8; 32]) -> QueryResult<bool> {
    let used = diesel::update(two_factor_recovery::table.find((user.0, hash.as_slice())))
        .filter(two_factor_recovery::used_at.is_null())
        .set(two_factor_recovery::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(used == 1)
}

/// Recovery codes not used yet.
pub async fn recovery_codes_left(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<i64> {
    two_factor_recovery::table
        .filter(two_factor_recovery::user_id.eq(user.0).and(two_factor_recovery::used_at.is_null()))
        .count()
        .get_result(conn)
        .await
}

/// Removes the factor and its recovery codes.
pub async fn disable(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<()> {
    conn.transaction(async move |conn| {
        diesel::delete(two_factor_recovery::table.filter(two_factor_recovery::user_id.eq(user.0)))
            .execute(conn)
            .await?;
        diesel::delete(two_factor::table.find(user.0)).execute(conn).await?;
        Ok(())
    })
    .await
}
