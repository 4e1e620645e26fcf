//! Sessions and their single-use refresh tokens (stored as SHA-256 hashes only).
//! Rotation marks the presented token used; presenting a used token revokes the session.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::UserId;
use uuid::Uuid;

use crate::models::{Session, User};
use crate::schema::{refresh_tokens, sessions, users};

/// Hard cap on listed sessions (a user has a handful).
const MAX_LISTED: i64 = 200;

/// What a new session starts with.
#[derive(Debug)]
pub struct NewSession<'a> {
    /// Owner.
    pub user_id: UserId,
    /// Device description.
    pub user_agent: &'a str,
    /// Client address.
    pub ip: &'a str,
    /// End of the refresh window.
    pub expires_at: DateTime<Utc>,
    /// Hash of the first refresh token.
    pub token_hash: &'a [u8],
}

/// Creates a session with its first refresh token.
pub async fn create(conn: &mut AsyncPgConnection, new: NewSession<'_>) -> QueryResult<Session> {
    let id = Uuid::now_v7();
    let token_hash = new.token_hash.to_vec();
    let user_agent: String = new.user_agent.chars().take(256).collect();
    let ip = new.ip.to_owned();
    conn.transaction(async move |conn| {
        let session = diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(id),
                sessions::user_id.eq(new.user_id.0),
                sessions::user_agent.eq(user_agent),
                sessions::ip.eq(ip),
                sessions::expires_at.eq(new.expires_at),
            ))
            .returning(Session::as_returning())
            .get_result(conn)
            .await?;
        diesel::insert_into(refresh_tokens::table)
            .values((refresh_tokens::token_hash.eq(token_hash), refresh_tokens::session_id.eq(id)))
            .execute(conn)
            .await?;
        Ok(session)
    })
    .await
}

/// The result of presenting a refresh token.
#[derive(Debug)]
pub enum Rotation {
    /// The token was current: it is now used, and `new_hash` is the session's next token.
    Rotated {
        /// The session.
        session: Session,
        /// Its user (boxed: the other variants are empty).
        user: Box<User>,
    },
    /// The token had been used before: stolen or replayed. This session is now revoked.
    Reused {
        /// The revoked session, whose live sockets must close too.
        session_id: Uuid,
    },
    /// No such token, or its session has ended.
    Invalid,
}

/// Exchanges the token hashing to `old_hash` for the one hashing to `new_hash`.
///
/// A token spent less than `grace` ago is refused without revoking the session: browser tabs
/// share one cookie, and two tabs refreshing at once present the same token; the loser retries
/// with the cookie the winner received. Outside the grace, reuse means theft.
pub async fn rotate(
    conn: &mut AsyncPgConnection,
    old_hash: &[u8],
    new_hash: &[u8],
    grace: chrono::Duration,
) -> QueryResult<Rotation> {
    let old_hash = old_hash.to_vec();
    let new_hash = new_hash.to_vec();
    conn.transaction(async move |conn| {
        let now = Utc::now();
        // Row lock: two concurrent refreshes with one token cannot both succeed.
        let found: Option<(Option<DateTime<Utc>>, Uuid)> = refresh_tokens::table
            .find(&old_hash)
            .select((refresh_tokens::used_at, refresh_tokens::session_id))
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let Some((used_at, session_id)) = found else {
            return Ok(Rotation::Invalid);
        };
        if let Some(used_at) = used_at {
            if now - used_at < grace {
                return Ok(Rotation::Invalid);
            }
            diesel::update(sessions::table.find(session_id).filter(sessions::revoked_at.is_null()))
                .set(sessions::revoked_at.eq(now))
                .execute(conn)
                .await?;
            return Ok(Rotation::Reused { session_id });
        }
        let Some((session, user)) = active(conn, session_id).await? else {
            return Ok(Rotation::Invalid);
        };
        diesel::update(refresh_tokens::table.find(&old_hash))
            .set(refresh_tokens::used_at.eq(now))
            .execute(conn)
            .await?;
        diesel::insert_into(refresh_tokens::table)
            .values((refresh_tokens::token_hash.eq(new_hash), refresh_tokens::session_id.eq(session_id)))
            .execute(conn)
            .await?;
        let session = diesel::update(sessions::table.find(session.id))
            .set(sessions::last_used_at.eq(now))
            .returning(Session::as_returning())
            .get_result(conn)
            .await?;
        Ok(Rotation::Rotated { session, user: Box::new(user) })
    })
    .await
}

/// The session and its user, if the session is live and the account usable (not deleted).
/// Disabled accounts are returned so callers can say so. Takes a shared connection so it can
/// be pipelined with other reads (a WebSocket handshake sends it with the friends query).
pub async fn active(mut conn: &AsyncPgConnection, session_id: Uuid) -> QueryResult<Option<(Session, User)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(session_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(Utc::now()))
        .filter(users::deleted_at.is_null())
        .select((Session::as_select(), User::as_select()))
        .first(&mut conn)
        .await
        .optional()
}

/// Revokes one of `user_id`'s sessions; false if it is not theirs or already ended.
pub async fn revoke(conn: &mut AsyncPgConnection, user_id: UserId, session_id: Uuid) -> QueryResult<bool> {
    let changed = diesel::update(
        sessions::table
            .filter(sessions::id.eq(session_id))
            .filter(sessions::user_id.eq(user_id.0))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Utc::now()))
    .execute(conn)
    .await?;
    Ok(changed == 1)
}

/// Revokes every live session of `user_id` except `keep`; returns the revoked ids.
pub async fn revoke_all_except(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    keep: Option<Uuid>,
) -> QueryResult<Vec<Uuid>> {
    let keep = keep.unwrap_or(Uuid::nil());
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id.0))
            .filter(sessions::id.ne(keep))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Utc::now()))
    .returning(sessions::id)
    .get_results(conn)
    .await
}

/// Live sessions of `user_id`, most recently used first.
pub async fn list(conn: &mut AsyncPgConnection, user_id: UserId) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id.0))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(Utc::now()))
        .order(sessions::last_used_at.desc())
        .limit(MAX_LISTED)
        .select(Session::as_select())
        .load(conn)
        .await
}
