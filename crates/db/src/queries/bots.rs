//! Bot accounts: a user row of kind `bot` plus the `bots` row naming its owner, made together
//! in one transaction, and read back together for their owner and for admins.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::UserId;
use protocol::users::AccountKind;
use uuid::Uuid;

use crate::columns::StoredAccountKind;
use crate::models::{NewUser, User};
use crate::schema::{bots, users};

/// A bot's own row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bots, check_for_backend(diesel::pg::Pg))]
pub struct BotRow {
    /// The bot's user id.
    #[diesel(deserialize_as = Uuid)]
    pub user_id: UserId,
    /// The person who owns it.
    #[diesel(deserialize_as = Uuid)]
    pub owner_id: UserId,
    /// What it does.
    pub description: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// A new bot's fields.
#[derive(Debug, Clone, Copy)]
pub struct NewBot<'a> {
    /// Its id (UUIDv7).
    pub id: UserId,
    /// The person who owns it.
    pub owner_id: UserId,
    /// Its unique handle.
    pub username: &'a str,
    /// Name shown to others.
    pub display_name: &'a str,
    /// Avatar colour.
    pub avatar_color: &'a str,
    /// What it does.
    pub description: &'a str,
}

/// Makes the bot's account and its `bots` row; a taken username is a unique violation.
pub async fn create(conn: &mut AsyncPgConnection, new: NewBot<'_>) -> QueryResult<(User, BotRow)> {
    conn.transaction(async |conn| {
        let user = diesel::insert_into(users::table)
            .values(NewUser {
                id: new.id,
                username: new.username,
                display_name: new.display_name,
                avatar_color: new.avatar_color,
                // No password verifies an empty hash: a bot signs in only with its tokens.
                password_hash: "",
                kind: StoredAccountKind(AccountKind::Bot),
            })
            .returning(User::as_returning())
            .get_result(conn)
            .await?;
        let bot = diesel::insert_into(bots::table)
            .values((
                bots::user_id.eq(new.id.0),
                bots::owner_id.eq(new.owner_id.0),
                bots::description.eq(new.description),
            ))
            .returning(BotRow::as_returning())
            .get_result(conn)
            .await?;
        Ok((user, bot))
    })
    .await
}

/// How many live (not deleted) bots `owner` has.
pub async fn count_owned(conn: &mut AsyncPgConnection, owner: UserId) -> QueryResult<i64> {
    bots::table
        .inner_join(users::table.on(users::id.eq(bots::user_id)))
        .filter(bots::owner_id.eq(owner.0))
        .filter(users::deleted_at.is_null())
        .count()
        .get_result(conn)
        .await
}

/// `owner`'s live bots, oldest first.
pub async fn owned_by(conn: &mut AsyncPgConnection, owner: UserId) -> QueryResult<Vec<(User, BotRow)>> {
    bots::table
        .inner_join(users::table.on(users::id.eq(bots::user_id)))
        .filter(bots::owner_id.eq(owner.0))
        .filter(users::deleted_at.is_null())
        .order(users::created_at.asc())
        .select((User::as_select(), BotRow::as_select()))
        .load(conn)
        .await
}

/// Every live bot, oldest first, for operators; `limit` rows after `after` (a bot id).
pub async fn all(conn: &mut AsyncPgConnection, after: Option<UserId>, limit: i64) -> QueryResult<Vec<(User, BotRow)>> {
    let mut query = bots::table
        .inner_join(users::table.on(users::id.eq(bots::user_id)))
        .filter(users::deleted_at.is_null())
        .order(bots::user_id.asc())
        .select((User::as_select(), BotRow::as_select()))
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(bots::user_id.gt(after.0));
    }
    query.load(conn).await
}

/// A live bot that `owner` owns; `None` for anyone else's, a deleted one, or a person.
pub async fn owned(conn: &mut AsyncPgConnection, owner: UserId, bot: UserId) -> QueryResult<Option<(User, BotRow)>> {
    bots::table
        .inner_join(users::table.on(users::id.eq(bots::user_id)))
        .filter(bots::user_id.eq(bot.0))
        .filter(bots::owner_id.eq(owner.0))
        .filter(users::deleted_at.is_null())
        .select((User::as_select(), BotRow::as_select()))
        .first(conn)
        .await
        .optional()
}

/// Changes a bot's display name and/or description.
pub async fn update(
    conn: &mut AsyncPgConnection,
    bot: UserId,
    display_name: Option<&str>,
    description: Option<&str>,
) -> QueryResult<()> {
    let bot = bot.0;
    if let Some(name) = display_name {
        diesel::update(users::table.find(bot))
            .set((users::display_name.eq(name), users::updated_at.eq(diesel::dsl::now)))
            .execute(conn)
            .await?;
    }
    if let Some(description) = description {
        diesel::update(bots::table.find(bot)).set(bots::description.eq(description)).execute(conn).await?;
    }
    Ok(())
}
