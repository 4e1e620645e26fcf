//! Webhooks: incoming ones (found by id, their secret compared by the caller), outgoing
//! subscriptions, and the delivery cursors that make the event log itself the outbox.
//!
//! A cursor is leased with `FOR UPDATE SKIP LOCKED` and a lease time, so servers sharing the
//! database never deliver one (subscription, conversation) at once, and a server that died
//! mid-delivery gives its leases back when they expire. It only moves forward
//! (`GREATEST`), and only after the receiver accepted the event: a restart resumes after the
//! last event accepted, losing nothing and repeating at most the one in flight.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bytea, Double, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use protocol::{ConversationId, UserId};
use uuid::Uuid;

use crate::columns::StoredId;
use crate::schema::{incoming_webhooks, webhook_cursors, webhook_subscriptions};

/// An incoming webhook's row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = incoming_webhooks, check_for_backend(diesel::pg::Pg))]
pub struct IncomingRow {
    /// Its id, the first part of its URL.
    pub id: Uuid,
    /// The group it posts into.
    #[diesel(deserialize_as = StoredId, serialize_as = StoredId)]
    pub conversation_id: ConversationId,
    /// The bot account its messages are stored as.
    #[diesel(deserialize_as = StoredId, serialize_as = StoredId)]
    pub account_id: UserId,
    /// Who created it.
    #[diesel(deserialize_as = StoredId, serialize_as = StoredId)]
    pub created_by: UserId,
    /// The name its messages show.
    pub name: String,
    /// SHA-256 of the URL's secret.
    pub secret_hash: Vec<u8>,
    /// Set when revoked: its URL stops working.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Stores a new incoming webhook and returns it as stored (its time at the database's
/// precision).
pub async fn create_incoming(conn: &mut AsyncPgConnection, row: &IncomingRow) -> QueryResult<IncomingRow> {
    diesel::insert_into(incoming_webhooks::table)
        .values(row.clone())
        .returning(IncomingRow::as_returning())
        .get_result(conn)
        .await
}

/// A webhook that still works (not revoked), by id.
pub async fn active_incoming(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<IncomingRow>> {
    incoming_webhooks::table
        .filter(incoming_webhooks::id.eq(id).and(incoming_webhooks::revoked_at.is_null()))
        .select(IncomingRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A group's working webhooks, oldest first.
pub async fn incoming_of(conn: &mut AsyncPgConnection, conversation: ConversationId) -> QueryResult<Vec<IncomingRow>> {
    incoming_webhooks::table
        .filter(incoming_webhooks::conversation_id.eq(conversation.0).and(incoming_webhooks::revoked_at.is_null()))
        .order((incoming_webhooks::created_at, incoming_webhooks::id))
        .select(IncomingRow::as_select())
        .load(conn)
        .await
}

/// Revokes one of a group's webhooks; `None` if it has no such working webhook.
pub async fn revoke_incoming(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    id: Uuid,
) -> QueryResult<Option<IncomingRow>> {
    diesel::update(incoming_webhooks::table)
        .filter(incoming_webhooks::id.eq(id))
        .filter(incoming_webhooks::conversation_id.eq(conversation.0))
        .filter(incoming_webhooks::revoked_at.is_null())
        .set(incoming_webhooks::revoked_at.eq(diesel::dsl::now))
        .returning(IncomingRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// An outgoing subscription's row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions, check_for_backend(diesel::pg::Pg))]
pub struct SubscriptionRow {
    /// Its id.
    pub id: Uuid,
    /// Whose conversations it delivers.
    #[diesel(deserialize_as = Uuid)]
    pub owner_id: UserId,
    /// Where.
    pub url: String,
    /// The signing key (the bytes behind `whsec_`).
    pub secret: Vec<u8>,
    /// The kinds it delivers, by name.
    pub events: Vec<String>,
    /// Since when deliveries fail.
    pub failing_since: Option<DateTime<Utc>>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was disabled.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Why.
    pub disabled_reason: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Stores a new subscription and returns it.
pub async fn subscribe(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    owner: UserId,
    url: &str,
    secret: &[u8],
    events: &[String],
) -> QueryResult<SubscriptionRow> {
    diesel::insert_into(webhook_subscriptions::table)
        .values((
            webhook_subscriptions::id.eq(id),
            webhook_subscriptions::owner_id.eq(owner.0),
            webhook_subscriptions::url.eq(url),
            webhook_subscriptions::secret.eq(secret),
            webhook_subscriptions::events.eq(events),
        ))
        .returning(SubscriptionRow::as_returning())
        .get_result(conn)
        .await
}

/// An account's subscriptions, oldest first.
pub async fn subscriptions_of(conn: &mut AsyncPgConnection, owner: UserId) -> QueryResult<Vec<SubscriptionRow>> {
    webhook_subscriptions::table
        .filter(webhook_subscriptions::owner_id.eq(owner.0))
        .order((webhook_subscriptions::created_at, webhook_subscriptions::id))
        .select(SubscriptionRow::as_select())
        .load(conn)
        .await
}

/// Deletes one of an account's subscriptions (its cursors go with it); false if none.
pub async fn unsubscribe(conn: &mut AsyncPgConnection, owner: UserId, id: Uuid) -> QueryResult<bool> {
    let deleted = diesel::delete(webhook_subscriptions::table)
        .filter(webhook_subscriptions::id.eq(id).and(webhook_subscriptions::owner_id.eq(owner.0)))
        .execute(conn)
        .await?;
    Ok(deleted > 0)
}

/// Whether any subscription is still delivering (not disabled).
pub async fn any_active(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        webhook_subscriptions::table.filter(webhook_subscriptions::disabled_at.is_null()),
    ))
    .get_result(conn)
    .await
}

/// Opens a cursor for every conversation of every working subscription's owner that has
/// none yet, just after the last event before the later of the subscription's creation and
/// the owner's joining: a subscription delivers what happens from then on, never history.
/// The start depends only on stored facts, so it is the same whenever it is opened.
pub async fn open_cursors(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO webhook_cursors (subscription_id, conversation_id, delivered_seq)
         SELECT s.id, m.conversation_id,
                COALESCE((SELECT max(e.seq) FROM events e WHERE e.conversation_id = m.conversation_id
                            AND e.created_at < GREATEST(s.created_at, m.joined_at)), 0)
         FROM webhook_subscriptions s
         JOIN conversation_members m ON m.user_id = s.owner_id
         WHERE s.disabled_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM webhook_cursors c
                           WHERE c.subscription_id = s.id AND c.conversation_id = m.conversation_id)
         ON CONFLICT DO NOTHING",
    )
    .execute(conn)
    .await
}

/// A cursor leased for delivery, with what delivering needs of its subscription.
#[derive(Debug, Clone, QueryableByName)]
pub struct LeasedCursor {
    /// The subscription.
    #[diesel(sql_type = SqlUuid)]
    pub subscription_id: Uuid,
    /// The conversation.
    #[diesel(sql_type = SqlUuid, deserialize_as = Uuid)]
    pub conversation_id: ConversationId,
    /// Delivered up to this seq.
    #[diesel(sql_type = BigInt)]
    pub delivered_seq: i64,
    /// Failed attempts at the next event so far.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    /// Whose subscription.
    #[diesel(sql_type = SqlUuid, deserialize_as = Uuid)]
    pub owner_id: UserId,
    /// Where to.
    #[diesel(sql_type = Text)]
    pub url: String,
    /// The signing key.
    #[diesel(sql_type = Bytea)]
    pub secret: Vec<u8>,
    /// The kinds, by name.
    #[diesel(sql_type = Array<Text>)]
    pub events: Vec<String>,
    /// Since when its deliveries fail.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub failing_since: Option<DateTime<Utc>>,
}

/// Leases up to `limit` cursors that are due (their backoff over, not leased by a live
/// server) and have events after them, for `lease_secs`.
pub async fn lease_due(conn: &mut AsyncPgConnection, limit: i64, lease_secs: f64) -> QueryResult<Vec<LeasedCursor>> {
    diesel::sql_query(
        "UPDATE webhook_cursors c SET leased_until = now() + make_interval(secs => $2)
         FROM (SELECT c.subscription_id, c.conversation_id, s.owner_id, s.url, s.secret, s.events, s.failing_since
               FROM webhook_cursors c
               JOIN webhook_subscriptions s ON s.id = c.subscription_id
               JOIN conversations v ON v.id = c.conversation_id
               JOIN conversation_members m ON m.conversation_id = c.conversation_id AND m.user_id = s.owner_id
               WHERE s.disabled_at IS NULL AND c.next_attempt_at <= now()
                 AND (c.leased_until IS NULL OR c.leased_until < now())
                 AND v.last_seq > c.delivered_seq
               ORDER BY c.next_attempt_at
               LIMIT $1
               FOR UPDATE OF c SKIP LOCKED) due
         WHERE c.subscription_id = due.subscription_id AND c.conversation_id = due.conversation_id
         RETURNING c.subscription_id, c.conversation_id, c.delivered_seq, c.attempts,
                   due.owner_id, due.url, due.secret, due.events, due.failing_since",
    )
    .bind::<BigInt, _>(limit)
    .bind::<Double, _>(lease_secs)
    .load(conn)
    .await
}

/// Moves a cursor forward to `seq` (never back), clears its failures, and, when `delivered`,
/// marks its subscription healthy again.
pub async fn advance(
    conn: &mut AsyncPgConnection,
    subscription: Uuid,
    conversation: ConversationId,
    seq: i64,
    delivered: bool,
) -> QueryResult<()> {
    diesel::update(webhook_cursors::table.find((subscription, conversation.0)))
        .set((
            webhook_cursors::delivered_seq
                .eq(diesel::dsl::sql::<BigInt>("GREATEST(delivered_seq, ").bind::<BigInt, _>(seq).sql(")")),
            webhook_cursors::attempts.eq(0),
        ))
        .execute(conn)
        .await?;
    if delivered {
        diesel::update(webhook_subscriptions::table.find(subscription))
            .filter(webhook_subscriptions::failing_since.is_not_null())
            .set((webhook_subscriptions::failing_since.eq(None::<DateTime<Utc>>),))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Records a failed attempt: the cursor waits until `retry_at`, the subscription remembers the
/// error and since when it fails.
pub async fn failed(
    conn: &mut AsyncPgConnection,
    subscription: Uuid,
    conversation: ConversationId,
    retry_at: DateTime<Utc>,
    error: &str,
) -> QueryResult<()> {
    diesel::update(webhook_cursors::table.find((subscription, conversation.0)))
        .set((
            webhook_cursors::attempts.eq(webhook_cursors::attempts + 1),
            webhook_cursors::next_attempt_at.eq(retry_at),
            webhook_cursors::leased_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
    diesel::sql_query(
        "UPDATE webhook_subscriptions SET last_error = $2, failing_since = COALESCE(failing_since, now())
         WHERE id = $1",
    )
    .bind::<SqlUuid, _>(subscription)
    .bind::<Text, _>(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives a lease back (the cursor is due again at once if events remain).
pub async fn release(
    conn: &mut AsyncPgConnection,
    subscription: Uuid,
    conversation: ConversationId,
) -> QueryResult<()> {
    diesel::update(webhook_cursors::table.find((subscription, conversation.0)))
        .set(webhook_cursors::leased_until.eq(None::<DateTime<Utc>>))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Disables a subscription that has failed for the whole retry window; true if this call did
/// it (a second server finding it disabled already does nothing).
pub async fn disable(conn: &mut AsyncPgConnection, subscription: Uuid, reason: &str) -> QueryResult<bool> {
    let changed = diesel::update(webhook_subscriptions::table.find(subscription))
        .filter(webhook_subscriptions::disabled_at.is_null())
        .set((
            webhook_subscriptions::disabled_at.eq(diesel::dsl::now),
            webhook_subscriptions::disabled_reason.eq(reason),
        ))
        .execute(conn)
        .await?;
    Ok(changed > 0)
}
