//! Accounts: create, find, edit, delete (anonymised, so their messages keep an author), search.

use std::collections::HashMap;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use protocol::UserId;
use protocol::media::MediaId;
use uuid::Uuid;

use super::{like_prefix, lower};
use crate::models::{NewUser, User};
use crate::schema::{blocks, bots, friend_requests, friendships, media, sessions, users};

/// Inserts a new account. A taken username fails with a unique violation.
pub async fn insert(conn: &mut AsyncPgConnection, new: NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table).values(new).returning(User::as_returning()).get_result(conn).await
}

/// Any user by id, deleted ones included.
pub async fn by_id(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<User>> {
    users::table.find(id.0).select(User::as_select()).first(conn).await.optional()
}

/// A live (not deleted) user by username, ignoring case.
pub async fn by_username(conn: &mut AsyncPgConnection, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(lower(users::username).eq(username.to_lowercase()))
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// Users by id, for assembling lists.
pub async fn by_ids(mut conn: &AsyncPgConnection, ids: &[UserId]) -> QueryResult<HashMap<UserId, User>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    let rows: Vec<User> = users::table.filter(users::id.eq_any(ids)).select(User::as_select()).load(&mut conn).await?;
    Ok(rows.into_iter().map(|u| (u.id, u)).collect())
}

/// Profile fields to change.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChanges<'a> {
    /// New display name.
    pub display_name: Option<&'a str>,
    /// New bio.
    pub bio: Option<&'a str>,
    /// New avatar colour.
    pub avatar_color: Option<&'a str>,
}

/// Applies profile changes and returns the updated user.
pub async fn update_profile(
    conn: &mut AsyncPgConnection,
    id: UserId,
    changes: ProfileChanges<'_>,
) -> QueryResult<User> {
    if changes.display_name.is_none() && changes.bio.is_none() && changes.avatar_color.is_none() {
        return users::table.find(id.0).select(User::as_select()).first(conn).await;
    }
    diesel::update(users::table.find(id.0)).set(&changes).returning(User::as_returning()).get_result(conn).await
}

/// Sets or clears the profile photo (an upload the caller checked is the user's own picture).
pub async fn set_avatar(conn: &mut AsyncPgConnection, id: UserId, avatar: Option<MediaId>) -> QueryResult<User> {
    diesel::update(users::table.find(id.0))
        .set((users::avatar_id.eq(avatar.map(|avatar| avatar.0)), users::updated_at.eq(Utc::now())))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// Who sees `user`'s profile: themself, their friends and the members of every conversation
/// they are in.
pub async fn audience(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<UserId>> {
    #[derive(diesel::QueryableByName)]
    struct Viewer {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    let viewers: Vec<Viewer> = crate::prepared::prepared(
        "SELECT $1 AS id \
         UNION SELECT CASE WHEN f.user_a = $1 THEN f.user_b ELSE f.user_a END FROM friendships AS f \
               WHERE f.user_a = $1 OR f.user_b = $1 \
         UNION SELECT other.user_id FROM conversation_members AS mine \
               JOIN conversation_members AS other ON other.conversation_id = mine.conversation_id \
               WHERE mine.user_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(user.0)
    .load(conn)
    .await?;
    Ok(viewers.into_iter().map(|v| UserId(v.id)).collect())
}

/// Replaces the password hash.
pub async fn set_password_hash(conn: &mut AsyncPgConnection, id: UserId, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id.0)).set(users::password_hash.eq(hash)).execute(conn).await.map(|_| ())
}

/// Deletes an account: the row stays (as "Deleted user", unusable, name freed) so messages keep
/// an author; sessions, API tokens, friendships, requests and blocks go. A person's bots are
/// deleted with them: nobody would be left to answer for them. Returns the ids deleted (the
/// account, then its bots), whose live connections the caller closes.
pub async fn soft_delete(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Vec<UserId>> {
    use diesel_async::AsyncConnection;
    conn.transaction(async move |conn| {
        let bots: Vec<Uuid> = bots::table
            .inner_join(users::table.on(users::id.eq(bots::user_id)))
            .filter(bots::owner_id.eq(id.0))
            .filter(users::deleted_at.is_null())
            .select(bots::user_id)
            .load(conn)
            .await?;
        let accounts: Vec<UserId> = std::iter::once(id).chain(bots.into_iter().map(UserId)).collect();
        for &account in &accounts {
            anonymise(conn, account).await?;
        }
        Ok(accounts)
    })
    .await
}

/// One account's part of [`soft_delete`], inside its transaction.
async fn anonymise(conn: &mut AsyncPgConnection, account: UserId) -> QueryResult<()> {
    let id = account.0;
    let now = Utc::now();
    diesel::update(users::table.find(id))
        .set((
            users::username.eq(format!("deleted-{}", id.simple())),
            users::display_name.eq("Deleted user"),
            users::bio.eq(""),
            users::password_hash.eq(""),
            users::deleted_at.eq(now),
        ))
        .execute(conn)
        .await?;
    diesel::update(sessions::table.filter(sessions::user_id.eq(id)).filter(sessions::revoked_at.is_null()))
        .set(sessions::revoked_at.eq(now))
        .execute(conn)
        .await?;
    super::api_tokens::revoke_all_of(conn, account).await?;
    diesel::delete(friendships::table.filter(friendships::user_a.eq(id).or(friendships::user_b.eq(id))))
        .execute(conn)
        .await?;
    diesel::delete(
        friend_requests::table.filter(friend_requests::from_user.eq(id).or(friend_requests::to_user.eq(id))),
    )
    .execute(conn)
    .await?;
    diesel::delete(blocks::table.filter(blocks::blocker_id.eq(id).or(blocks::blocked_id.eq(id)))).execute(conn).await?;
    // Their uploads go with them; the media janitor then removes blobs nothing uses.
    diesel::delete(media::table.filter(media::uploader_id.eq(id))).execute(conn).await?;
    Ok(())
}

/// Live users whose username, or any word of whose display name, starts with `prefix`
/// (ignoring case), excluding `viewer` and anyone blocked either way, ordered by username,
/// after the cursor `after`.
pub async fn search(
    conn: &mut AsyncPgConnection,
    viewer: UserId,
    prefix: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let viewer = viewer.0;
    let pattern = like_prefix(&prefix.to_lowercase());
    // Any word of the display name, not only its first.
    let later_word = format!("% {pattern}");
    let blocked_by_viewer = blocks::table.filter(blocks::blocker_id.eq(viewer)).select(blocks::blocked_id);
    let blocking_viewer = blocks::table.filter(blocks::blocked_id.eq(viewer)).select(blocks::blocker_id);
    let mut query = users::table
        .filter(users::deleted_at.is_null())
        .filter(users::disabled_at.is_null())
        .filter(users::id.ne(viewer))
        .filter(
            lower(users::username)
                .like(pattern.clone())
                .or(lower(users::display_name).like(pattern))
                .or(lower(users::display_name).like(later_word)),
        )
        .filter(users::id.ne_all(blocked_by_viewer))
        .filter(users::id.ne_all(blocking_viewer))
        .select(User::as_select())
        .order(lower(users::username))
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(lower(users::username).gt(after.to_lowercase()));
    }
    query.load(conn).await
}

/// Records that a user was connected until now (their "last seen").
pub async fn touch_last_seen(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<()> {
    diesel::update(users::table.find(id.0)).set(users::last_seen_at.eq(diesel::dsl::now)).execute(conn).await?;
    Ok(())
}
