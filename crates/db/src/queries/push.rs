//! Web Push: the deployment's VAPID key, browsers' subscriptions, and who is to be woken for a
//! new message (members with a subscription on a live session, the conversation not muted for
//! them unless they were mentioned).

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use protocol::{ConversationId, UserId};
use uuid::Uuid;

use crate::schema::{conversation_members, push_subscriptions, sessions, users, vapid_keys};

/// The VAPID private key (a P-256 scalar): the stored one, or `fresh` stored now if there is
/// none (the first server to start wins; every server then reads the same key).
pub async fn vapid_key_or_insert(conn: &mut AsyncPgConnection, fresh: &[u8]) -> QueryResult<Vec<u8>> {
    diesel::insert_into(vapid_keys::table)
        .values(vapid_keys::private_key.eq(fresh))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    vapid_keys::table.select(vapid_keys::private_key).first(conn).await
}

/// A browser's subscription, as stored.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = push_subscriptions)]
pub struct StoredSubscription {
    /// Its id.
    pub id: Uuid,
    /// Whose.
    #[diesel(deserialize_as = Uuid)]
    pub user_id: UserId,
    /// The push service's URL.
    pub endpoint: String,
    /// The browser's public key (65 bytes).
    pub p256dh: Vec<u8>,
    /// The browser's secret (16 bytes).
    pub auth: Vec<u8>,
}

/// Registers (or re-registers: the same endpoint moves to this user and session with its new
/// keys) a browser's subscription; past `max` per user, the oldest others go.
pub async fn subscribe(
    conn: &mut AsyncPgConnection,
    user: UserId,
    session: Uuid,
    endpoint: &str,
    p256dh: &[u8],
    auth: &[u8],
    max: usize,
) -> QueryResult<()> {
    let user = user.0;
    let (endpoint, p256dh, auth) = (endpoint.to_owned(), p256dh.to_vec(), auth.to_vec());
    conn.transaction(async move |conn| {
        diesel::insert_into(push_subscriptions::table)
            .values((
                push_subscriptions::id.eq(Uuid::now_v7()),
                push_subscriptions::user_id.eq(user),
                push_subscriptions::session_id.eq(session),
                push_subscriptions::endpoint.eq(&endpoint),
                push_subscriptions::p256dh.eq(&p256dh),
                push_subscriptions::auth.eq(&auth),
            ))
            .on_conflict(push_subscriptions::endpoint)
            .do_update()
            .set((
                push_subscriptions::user_id.eq(user),
                push_subscriptions::session_id.eq(session),
                push_subscriptions::p256dh.eq(&p256dh),
                push_subscriptions::auth.eq(&auth),
                push_subscriptions::created_at.eq(Utc::now()),
            ))
            .execute(conn)
            .await?;
        let keep: Vec<Uuid> = push_subscriptions::table
            .filter(push_subscriptions::user_id.eq(user))
            .order(push_subscriptions::created_at.desc())
            .select(push_subscriptions::id)
            .limit(max as i64)
            .load(conn)
            .await?;
        diesel::delete(
            push_subscriptions::table
                .filter(push_subscriptions::user_id.eq(user))
                .filter(push_subscriptions::id.ne_all(keep)),
        )
        .execute(conn)
        .await?;
        Ok(())
    })
    .await
}

/// Forgets `user`'s subscription at `endpoint`; false if there was none.
pub async fn unsubscribe(conn: &mut AsyncPgConnection, user: UserId, endpoint: &str) -> QueryResult<bool> {
    let removed = diesel::delete(
        push_subscriptions::table
            .filter(push_subscriptions::user_id.eq(user.0))
            .filter(push_subscriptions::endpoint.eq(endpoint)),
    )
    .execute(conn)
    .await?;
    Ok(removed > 0)
}

/// Forgets a subscription its push service says is gone (404 or 410).
pub async fn remove(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::delete(push_subscriptions::table.find(id)).execute(conn).await.map(drop)
}

/// Notes that pushes reached these subscriptions' services.
pub async fn pushed(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<()> {
    diesel::update(push_subscriptions::table.filter(push_subscriptions::id.eq_any(ids)))
        .set(push_subscriptions::last_pushed_at.eq(Utc::now()))
        .execute(conn)
        .await
        .map(drop)
}

/// Whether any subscription exists (while none does, new messages cost the notifier nothing).
pub async fn any(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(push_subscriptions::table.select(push_subscriptions::id))).get_result(conn).await
}

/// The subscriptions to wake for a new message in `conversation` by `sender`: every other
/// member's, on a live session of a usable account, unless the member muted the conversation
/// and is not in `mentioned`.
pub async fn recipients(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    sender: UserId,
    mentioned: &[UserId],
) -> QueryResult<Vec<StoredSubscription>> {
    let now = Utc::now();
    let mentioned: Vec<Uuid> = mentioned.iter().map(|id| id.0).collect();
    let not_muted = conversation_members::muted_until
        .is_null()
        .or(conversation_members::muted_until.le(now))
        .or(conversation_members::user_id.eq_any(mentioned));
    conversation_members::table
        .inner_join(push_subscriptions::table.on(push_subscriptions::user_id.eq(conversation_members::user_id)))
        .inner_join(sessions::table.on(sessions::id.eq(push_subscriptions::session_id)))
        .inner_join(users::table.on(users::id.eq(conversation_members::user_id)))
        .filter(conversation_members::conversation_id.eq(conversation.0))
        .filter(conversation_members::user_id.ne(sender.0))
        .filter(not_muted)
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::deleted_at.is_null())
        .filter(users::disabled_at.is_null())
        .select(StoredSubscription::as_select())
        .load(conn)
        .await
}

/// What a notification is headed with: the conversation's kind (`dm` or `group`) and title,
/// and the sender's display name.
pub async fn heading(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    sender: UserId,
) -> QueryResult<Option<(String, String, String)>> {
    use crate::schema::conversations;
    let place: Option<(String, String)> = conversations::table
        .find(conversation.0)
        .select((conversations::kind, conversations::title))
        .first(conn)
        .await
        .optional()?;
    let name: Option<String> = users::table.find(sender.0).select(users::display_name).first(conn).await.optional()?;
    Ok(place.zip(name).map(|((kind, title), name)| (kind, title, name)))
}
