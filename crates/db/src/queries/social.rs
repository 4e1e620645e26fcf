//! Friendships, friend requests and blocks, with the rules that must hold atomically: every
//! change between two users first locks both user rows (in id order), so concurrent requests,
//! accepts and blocks between the same pair are serialised.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::UserId;
use uuid::Uuid;

use crate::models::User;
use crate::schema::{blocks, friend_requests, friendships, users};

/// A pending request row.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = friend_requests, check_for_backend(diesel::pg::Pg))]
pub struct RequestRow {
    /// Id.
    pub id: Uuid,
    /// Sender.
    #[diesel(deserialize_as = Uuid)]
    pub from_user: UserId,
    /// Recipient.
    #[diesel(deserialize_as = Uuid)]
    pub to_user: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The pair's ids as a friendship row stores them: the lower first.
fn pair(a: UserId, b: UserId) -> (Uuid, Uuid) {
    if a < b { (a.0, b.0) } else { (b.0, a.0) }
}

/// Locks both users' rows, in id order; every change between two users starts here.
pub async fn lock_pair(conn: &mut AsyncPgConnection, a: UserId, b: UserId) -> QueryResult<Vec<User>> {
    let (low, high) = pair(a, b);
    users::table
        .filter(users::id.eq_any([low, high]))
        .order(users::id)
        .select(User::as_select())
        .for_update()
        .load(conn)
        .await
}

/// Whether `a` and `b` are friends.
pub async fn are_friends(conn: &mut AsyncPgConnection, a: UserId, b: UserId) -> QueryResult<bool> {
    let (low, high) = pair(a, b);
    diesel::select(diesel::dsl::exists(friendships::table.find((low, high)))).get_result(conn).await
}

/// Ids of all of a user's friends.
pub async fn friend_ids(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<UserId>> {
    let as_a: Vec<Uuid> =
        friendships::table.filter(friendships::user_a.eq(user.0)).select(friendships::user_b).load(conn).await?;
    let as_b: Vec<Uuid> =
        friendships::table.filter(friendships::user_b.eq(user.0)).select(friendships::user_a).load(conn).await?;
    Ok(as_a.into_iter().chain(as_b).map(UserId).collect())
}

/// Whether `blocker` has blocked `blocked`.
pub async fn has_blocked(conn: &mut AsyncPgConnection, blocker: UserId, blocked: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(blocks::table.find((blocker.0, blocked.0)))).get_result(conn).await
}

/// The outcome of sending a friend request.
#[derive(Debug)]
pub enum SendOutcome {
    /// A new pending request to `recipient` (read under the pair lock, so callers need not
    /// load it again).
    Pending {
        /// The request.
        row: RequestRow,
        /// Whom it was sent to.
        recipient: Box<User>,
    },
    /// The recipient had asked already: now friends, since this time.
    Accepted {
        /// When the friendship began.
        since: DateTime<Utc>,
        /// The new friend.
        recipient: Box<User>,
    },
    /// They are friends already.
    AlreadyFriends,
    /// The same request is pending already.
    AlreadyRequested,
    /// The sender blocked the recipient.
    SenderBlocked,
    /// The recipient blocked the sender, or does not exist (indistinguishable to the sender).
    NotFound,
}

/// Sends a friend request from `from` to `to`, applying every rule atomically. A request to a
/// bot is accepted at once (that is how a person adds a bot).
pub async fn send_request(conn: &mut AsyncPgConnection, from: UserId, to: UserId) -> QueryResult<SendOutcome> {
    conn.transaction(async move |conn| {
        let recipient = lock_pair(conn, from, to)
            .await?
            .into_iter()
            .find(|u| u.id == to && u.deleted_at.is_none() && u.disabled_at.is_none());
        let Some(recipient) = recipient else {
            return Ok(SendOutcome::NotFound);
        };
        if has_blocked(conn, to, from).await? {
            return Ok(SendOutcome::NotFound);
        }
        if has_blocked(conn, from, to).await? {
            return Ok(SendOutcome::SenderBlocked);
        }
        if are_friends(conn, from, to).await? {
            return Ok(SendOutcome::AlreadyFriends);
        }
        let reverse: Option<Uuid> = friend_requests::table
            .filter(friend_requests::from_user.eq(to.0))
            .filter(friend_requests::to_user.eq(from.0))
            .select(friend_requests::id)
            .first(conn)
            .await
            .optional()?;
        if let Some(reverse) = reverse {
            diesel::delete(friend_requests::table.find(reverse)).execute(conn).await?;
            let since = befriend(conn, from, to).await?;
            return Ok(SendOutcome::Accepted { since, recipient: Box::new(recipient) });
        }
        // Adding a bot needs no answer from it: anyone who has not blocked it may talk to it.
        if recipient.is_bot() {
            let since = befriend(conn, from, to).await?;
            return Ok(SendOutcome::Accepted { since, recipient: Box::new(recipient) });
        }
        let inserted = diesel::insert_into(friend_requests::table)
            .values((
                friend_requests::id.eq(Uuid::now_v7()),
                friend_requests::from_user.eq(from.0),
                friend_requests::to_user.eq(to.0),
            ))
            .on_conflict_do_nothing()
            .returning(RequestRow::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        Ok(match inserted {
            Some(row) => SendOutcome::Pending { row, recipient: Box::new(recipient) },
            None => SendOutcome::AlreadyRequested,
        })
    })
    .await
}

async fn befriend(conn: &mut AsyncPgConnection, a: UserId, b: UserId) -> QueryResult<DateTime<Utc>> {
    let (low, high) = pair(a, b);
    diesel::insert_into(friendships::table)
        .values((friendships::user_a.eq(low), friendships::user_b.eq(high)))
        .returning(friendships::created_at)
        .get_result(conn)
        .await
}

/// Accepts the request `id` addressed to `recipient`; returns the sender and the friendship's
/// start, or `None` if there is no such pending request for them.
pub async fn accept_request(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    recipient: UserId,
) -> QueryResult<Option<(User, DateTime<Utc>)>> {
    conn.transaction(async move |conn| {
        let pending = friend_requests::table
            .filter(friend_requests::id.eq(id))
            .filter(friend_requests::to_user.eq(recipient.0))
            .select(RequestRow::as_select())
            .first(conn)
            .await
            .optional()?;
        let Some(row) = pending else {
            return Ok(None);
        };
        let sender = lock_pair(conn, row.from_user, row.to_user).await?.into_iter().find(|u| u.id == row.from_user);
        // Re-read under the lock: a concurrent block or cancel may have removed it.
        let deleted = diesel::delete(friend_requests::table.find(id)).execute(conn).await?;
        let Some(sender) = sender.filter(|_| deleted == 1) else {
            return Ok(None);
        };
        let since = befriend(conn, row.from_user, row.to_user).await?;
        Ok(Some((sender, since)))
    })
    .await
}

/// Removes the request `id` if `recipient` is its recipient (decline). Returns the row.
pub async fn decline_request(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    recipient: UserId,
) -> QueryResult<Option<RequestRow>> {
    diesel::delete(
        friend_requests::table.filter(friend_requests::id.eq(id)).filter(friend_requests::to_user.eq(recipient.0)),
    )
    .returning(RequestRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Removes the request `id` if `sender` sent it (cancel). Returns the row.
pub async fn cancel_request(conn: &mut AsyncPgConnection, id: Uuid, sender: UserId) -> QueryResult<Option<RequestRow>> {
    diesel::delete(
        friend_requests::table.filter(friend_requests::id.eq(id)).filter(friend_requests::from_user.eq(sender.0)),
    )
    .returning(RequestRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Pending requests involving `user`, newest first, at most `limit` each way.
pub async fn requests_of(
    mut conn: &AsyncPgConnection,
    user: UserId,
    limit: i64,
) -> QueryResult<(Vec<RequestRow>, Vec<RequestRow>)> {
    // One statement for both directions: every WebSocket handshake reads them, and a round
    // trip costs PostgreSQL more than these few rows do.
    let newest = |rows: &mut Vec<RequestRow>| rows.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    let incoming = friend_requests::table
        .filter(friend_requests::to_user.eq(user.0))
        .order(friend_requests::created_at.desc())
        .limit(limit)
        .select(RequestRow::as_select());
    let outgoing = friend_requests::table
        .filter(friend_requests::from_user.eq(user.0))
        .order(friend_requests::created_at.desc())
        .limit(limit)
        .select(RequestRow::as_select());
    let rows: Vec<RequestRow> = incoming.union_all(outgoing).load(&mut conn).await?;
    let (mut incoming, mut outgoing): (Vec<RequestRow>, Vec<RequestRow>) =
        rows.into_iter().partition(|r| r.to_user == user);
    newest(&mut incoming);
    newest(&mut outgoing);
    Ok((incoming, outgoing))
}

/// A friend and when the friendship began.
#[derive(QueryableByName)]
struct FriendRow {
    #[diesel(embed)]
    user: User,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    since: DateTime<Utc>,
}

/// Friends of `user` with when each friendship began, ordered by friend id after the cursor
/// `after`. A friendship is stored once, so the friend is on either side of the row.
///
/// Every WebSocket handshake runs this, so its plan must not depend on fresh statistics: the
/// two sides are two index lookups (the primary key's `user_a`, `friendships_user_b`) and each
/// friend of the page one primary-key lookup (`OFFSET 0` keeps the planner from turning those
/// into a join it may choose to hash over all of `users`). The earlier single join with an OR
/// condition let a planner that believed `users` small walk every user instead; right after 9,000 friendships were
/// made in bulk, handshakes fell from 1,736/s to 245/s until autovacuum analysed the tables
/// (`crates/db/tests/handshake_plans.rs`).
pub async fn friends_of(
    mut conn: &AsyncPgConnection,
    user: UserId,
    after: Option<UserId>,
    limit: i64,
) -> QueryResult<Vec<(User, DateTime<Utc>)>> {
    use diesel::sql_types::{BigInt, Uuid as SqlUuid};
    let rows: Vec<FriendRow> = crate::prepared::prepared(
        "SELECT u.*, f.since FROM ( \
             SELECT friend, since FROM ( \
                 SELECT user_b AS friend, created_at AS since FROM friendships WHERE user_a = $1 AND user_b > $2 \
                 UNION ALL \
                 SELECT user_a, created_at FROM friendships WHERE user_b = $1 AND user_a > $2 \
             ) sides ORDER BY friend LIMIT $3 \
         ) f CROSS JOIN LATERAL (SELECT * FROM users WHERE users.id = f.friend OFFSET 0) u \
         ORDER BY f.friend",
    )
    .bind::<SqlUuid, _>(user.0)
    .bind::<SqlUuid, _>(after.map_or(Uuid::nil(), |after| after.0))
    .bind::<BigInt, _>(limit)
    .load(&mut conn)
    .await?;
    Ok(rows.into_iter().map(|row| (row.user, row.since)).collect())
}

/// Ends the friendship of `a` and `b`; false if there was none.
pub async fn unfriend(conn: &mut AsyncPgConnection, a: UserId, b: UserId) -> QueryResult<bool> {
    let (low, high) = pair(a, b);
    Ok(diesel::delete(friendships::table.find((low, high))).execute(conn).await? == 1)
}

/// `blocker` blocks `blocked`: ends their friendship and pending requests both ways.
/// Idempotent. Returns false if `blocked` does not exist (or is deleted).
pub async fn block(conn: &mut AsyncPgConnection, blocker: UserId, blocked: UserId) -> QueryResult<bool> {
    conn.transaction(async move |conn| {
        let locked = lock_pair(conn, blocker, blocked).await?;
        if !locked.iter().any(|u| u.id == blocked && u.deleted_at.is_none()) {
            return Ok(false);
        }
        diesel::insert_into(blocks::table)
            .values((blocks::blocker_id.eq(blocker.0), blocks::blocked_id.eq(blocked.0)))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        unfriend(conn, blocker, blocked).await?;
        diesel::delete(
            friend_requests::table.filter(
                (friend_requests::from_user.eq(blocker.0).and(friend_requests::to_user.eq(blocked.0)))
                    .or(friend_requests::from_user.eq(blocked.0).and(friend_requests::to_user.eq(blocker.0))),
            ),
        )
        .execute(conn)
        .await?;
        Ok(true)
    })
    .await
}

/// Lifts a block; false if there was none.
pub async fn unblock(conn: &mut AsyncPgConnection, blocker: UserId, blocked: UserId) -> QueryResult<bool> {
    Ok(diesel::delete(blocks::table.find((blocker.0, blocked.0))).execute(conn).await? == 1)
}

/// Users `blocker` has blocked, with when, newest first.
pub async fn blocked_by(
    conn: &mut AsyncPgConnection,
    blocker: UserId,
    limit: i64,
) -> QueryResult<Vec<(User, DateTime<Utc>)>> {
    blocks::table
        .inner_join(users::table.on(users::id.eq(blocks::blocked_id)))
        .filter(blocks::blocker_id.eq(blocker.0))
        .order(blocks::created_at.desc())
        .limit(limit)
        .select((User::as_select(), blocks::created_at))
        .load(conn)
        .await
}
