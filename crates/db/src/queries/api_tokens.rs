//! API tokens' rows: made with only the secret's SHA-256, found by that hash on every request
//! (one index lookup, joined with the account), listed and revoked by the person who owns them
//! (their own tokens and their bots').

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use protocol::UserId;
use protocol::bots::ApiTokenId;
use uuid::Uuid;

use crate::columns::StoredId;
use crate::models::User;
use crate::schema::{api_tokens, bots, users};

/// A row of `api_tokens`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
pub struct ApiTokenRow {
    /// Id.
    #[diesel(deserialize_as = StoredId)]
    pub id: ApiTokenId,
    /// The account it acts as.
    #[diesel(deserialize_as = Uuid)]
    pub account_id: UserId,
    /// The person who made it.
    #[diesel(deserialize_as = Uuid)]
    pub created_by: UserId,
    /// Its name.
    pub name: String,
    /// Scope names (`read`, `send`, `manage`).
    pub scopes: Vec<String>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Set once revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// A new token.
#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken<'a> {
    /// Id (UUIDv7).
    #[diesel(serialize_as = StoredId)]
    pub id: ApiTokenId,
    /// The account it acts as.
    #[diesel(serialize_as = StoredId)]
    pub account_id: UserId,
    /// The person making it.
    #[diesel(serialize_as = StoredId)]
    pub created_by: UserId,
    /// Its name.
    pub name: &'a str,
    /// SHA-256 of the secret.
    pub token_hash: &'a [u8],
    /// Scope names.
    pub scopes: Vec<&'a str>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Stores a new token.
pub async fn insert(conn: &mut AsyncPgConnection, new: NewApiToken<'_>) -> QueryResult<ApiTokenRow> {
    diesel::insert_into(api_tokens::table).values(new).returning(ApiTokenRow::as_returning()).get_result(conn).await
}

/// How many of `account`'s tokens still work (unrevoked, unexpired).
pub async fn count_live(conn: &mut AsyncPgConnection, account: UserId) -> QueryResult<i64> {
    api_tokens::table
        .filter(api_tokens::account_id.eq(account.0))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.is_null().or(api_tokens::expires_at.gt(diesel::dsl::now)))
        .count()
        .get_result(conn)
        .await
}

/// The unrevoked token with this hash and the account it acts as (expiry is the caller's to
/// check, so an expired token can be told apart in the log).
pub async fn by_hash(conn: &mut AsyncPgConnection, hash: &[u8]) -> QueryResult<Option<(ApiTokenRow, User)>> {
    api_tokens::table
        .inner_join(users::table.on(users::id.eq(api_tokens::account_id)))
        .filter(api_tokens::token_hash.eq(hash))
        .filter(api_tokens::revoked_at.is_null())
        .select((ApiTokenRow::as_select(), User::as_select()))
        .first(conn)
        .await
        .optional()
}

/// Records a use, at most once a minute per token, so a busy bot does not write on every call.
pub async fn touch(conn: &mut AsyncPgConnection, id: ApiTokenId) -> QueryResult<()> {
    let a_minute_ago = Utc::now() - chrono::Duration::minutes(1);
    diesel::update(
        api_tokens::table
            .find(id.0)
            .filter(api_tokens::last_used_at.is_null().or(api_tokens::last_used_at.lt(a_minute_ago))),
    )
    .set(api_tokens::last_used_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
    .map(drop)
}

/// The unrevoked tokens `owner` may manage: their own account's and their live bots', newest
/// first.
pub async fn managed_by(conn: &mut AsyncPgConnection, owner: UserId) -> QueryResult<Vec<ApiTokenRow>> {
    let owned_bots = bots::table.filter(bots::owner_id.eq(owner.0)).select(bots::user_id);
    api_tokens::table
        .filter(api_tokens::account_id.eq(owner.0).or(api_tokens::account_id.eq_any(owned_bots)))
        .filter(api_tokens::revoked_at.is_null())
        .order(api_tokens::created_at.desc())
        .select(ApiTokenRow::as_select())
        .load(conn)
        .await
}

/// Revokes a token `owner` may manage; `None` when there is no such live token (someone else's
/// included, so its existence is not told).
pub async fn revoke(conn: &mut AsyncPgConnection, owner: UserId, id: ApiTokenId) -> QueryResult<Option<ApiTokenRow>> {
    let owned_bots = bots::table.filter(bots::owner_id.eq(owner.0)).select(bots::user_id);
    diesel::update(
        api_tokens::table
            .find(id.0)
            .filter(api_tokens::revoked_at.is_null())
            .filter(api_tokens::account_id.eq(owner.0).or(api_tokens::account_id.eq_any(owned_bots))),
    )
    .set(api_tokens::revoked_at.eq(diesel::dsl::now))
    .returning(ApiTokenRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Revokes every token of `account` (a deleted account, a deleted bot).
pub async fn revoke_all_of(conn: &mut AsyncPgConnection, account: UserId) -> QueryResult<usize> {
    diesel::update(
        api_tokens::table.filter(api_tokens::account_id.eq(account.0)).filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}
