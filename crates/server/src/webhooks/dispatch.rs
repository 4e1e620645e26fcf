//! The dispatcher: delivers outgoing subscriptions' events, signed, in seq order per
//! conversation, at least once and, short of a crash mid-request, exactly once.
//!
//! The event log is the outbox. Each (subscription, conversation) has a cursor in PostgreSQL,
//! the seq delivered up to; a round opens cursors for conversations that have none, leases the
//! due ones (`SKIP LOCKED` plus a lease time, so servers sharing the database never deliver one
//! conversation at once), and for each walks the events after its cursor in order: events the
//! subscription does not take are stepped over, the next one it takes is POSTed, and the
//! cursor moves past it only once the receiver answered 2xx. A failure leaves the cursor where
//! it is and waits (exponential backoff with jitter, from 1 s up to an hour) before the same
//! event is tried again, so later events of that conversation never overtake it. A
//! subscription failing for the whole retry window (`--webhook-retry-window`, 24 h by default)
//! is disabled: the list shows when and why, the audit log records it, and the owner's
//! connections get a `webhook_disabled` frame.
//!
//! A round runs when the bus brings a committed event ([`WakeOnEvents`] wraps the local
//! subscriber, so events from every server on the PostgreSQL bus wake it) and every
//! [`SWEEP_EVERY`] regardless (retries falling due, events this server's bus does not carry).

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use db::DbPool;
use db::queries::webhooks::{self as queries, LeasedCursor};
use futures_util::future::BoxFuture;
use protocol::conversations::{Event, EventKind};
use protocol::webhooks::{DeliveryData, WebhookDelivery, WebhookEventKind};
use protocol::ws::ServerFrame;
use protocol::{ConversationId, UserId};
use rand::Rng;
use tokio::sync::Notify;
use url::Url;
use uuid::Uuid;

use crate::bus::{Bus, BusMessage, Subscriber};
use crate::egress::{self, EgressClient};

/// How often a round runs without being woken.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// Pause after a wake-up, so a burst of events costs one round.
const SETTLE: Duration = Duration::from_millis(20);
/// Cursors leased per round.
const LEASE_BATCH: i64 = 32;
/// How long a lease keeps other servers off a cursor; longer than a request may take
/// (`egress` bounds it at 10 s), so only a server that stopped holds one past its work.
const LEASE_SECS: f64 = 60.0;
/// Deliveries made under one lease before the cursor is given back to the queue.
const MAX_PER_LEASE: usize = 100;
/// Time a walk may start new deliveries under one lease: with a request bounded at 10 s, the
/// last one ends well inside [`LEASE_SECS`], so no other server can take the cursor meanwhile.
const LEASE_WORK: Duration = Duration::from_secs(30);
/// Events read per page while walking a cursor.
const PAGE: i64 = 50;
/// First retry delay, doubled per failed attempt up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Bytes of a failing receiver's answer kept in `last_error`.
const ERROR_BODY_BYTES: usize = 200;

/// Wakes the dispatcher.
#[derive(Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    /// Wraps this server's bus subscriber so that every committed event it receives also wakes
    /// the dispatcher.
    pub fn around(&self, inner: Arc<dyn Subscriber>) -> Arc<dyn Subscriber> {
        Arc::new(WakeOnEvents { inner, wake: self.clone() })
    }

    fn wake(&self) {
        self.0.notify_one();
    }
}

/// A bus subscriber that passes everything on and wakes the dispatcher on events.
pub struct WakeOnEvents {
    inner: Arc<dyn Subscriber>,
    wake: Wake,
}

impl Subscriber for WakeOnEvents {
    fn deliver(&self, message: BusMessage) -> BoxFuture<'_, ()> {
        if matches!(message, BusMessage::Event { .. } | BusMessage::EventRef { .. }) {
            self.wake.wake();
        }
        self.inner.deliver(message)
    }

    fn feed_lost(&self) -> BoxFuture<'_, ()> {
        self.wake.wake();
        self.inner.feed_lost()
    }
}

/// What the dispatcher needs.
#[derive(Clone)]
pub struct Dispatcher {
    /// Database connections.
    pub pool: DbPool,
    /// The guarded HTTP client.
    pub client: EgressClient,
    /// To tell an owner their subscription was disabled.
    pub bus: Bus,
    /// How long a subscription may fail before it is disabled.
    pub retry_window: Duration,
}

impl Dispatcher {
    /// Runs rounds on each wake-up and every [`SWEEP_EVERY`] until `stop` turns true (the
    /// server stopped); a round under way finishes first.
    pub async fn run(self, wake: Wake, mut stop: tokio::sync::watch::Receiver<bool>) {
        // Whether any subscription is active, as the last sweep found: while none is, a wake-up
        // (every committed event) costs nothing, and a new subscription is found by the next
        // sweep (its cursors start from stored facts, so nothing is missed meanwhile).
        let mut any_active = true;
        loop {
            let woken = tokio::select! {
                () = wake.0.notified() => {
                    tokio::time::sleep(SETTLE).await;
                    true
                }
                () = tokio::time::sleep(SWEEP_EVERY) => false,
                changed = stop.changed() => {
                    if changed.is_err() {
                        return; // the application is gone
                    }
                    false
                }
            };
            if *stop.borrow() {
                return;
            }
            if !woken {
                any_active = match self.any_active().await {
                    Ok(any) => any,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read the webhook subscriptions; retrying at the next sweep");
                        continue;
                    }
                };
            }
            if !any_active {
                continue;
            }
            // A full round may leave more due: go on until one finds nothing.
            loop {
                match self.round().await {
                    Ok(leased) if leased as i64 == LEASE_BATCH => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "a webhook delivery round failed; retrying at the next sweep");
                        break;
                    }
                }
            }
        }
    }

    async fn any_active(&self) -> anyhow::Result<bool> {
        let mut conn = db::pool::checkout(&self.pool).await?;
        Ok(queries::any_active(&mut conn).await?)
    }

    /// Opens missing cursors, leases the due ones and delivers them concurrently; answers how
    /// many it leased.
    async fn round(&self) -> anyhow::Result<usize> {
        let mut conn = db::pool::checkout(&self.pool).await?;
        queries::open_cursors(&mut conn).await?;
        let leased = queries::lease_due(&mut conn, LEASE_BATCH, LEASE_SECS).await?;
        drop(conn);
        let count = leased.len();
        let mut tasks = tokio::task::JoinSet::new();
        for cursor in leased {
            let this = self.clone();
            tasks.spawn(async move {
                let (subscription, conversation) = (cursor.subscription_id, cursor.conversation_id);
                if let Err(e) = this.walk(cursor).await {
                    tracing::warn!(error = %e, %subscription, %conversation, "webhook cursor not advanced");
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        Ok(count)
    }

    /// Delivers the events after one leased cursor, in order, until they run out, one fails,
    /// or the lease's share of work is done; then gives the lease back.
    async fn walk(&self, cursor: LeasedCursor) -> anyhow::Result<()> {
        let kinds: Vec<WebhookEventKind> = cursor.events.iter().map(|e| WebhookEventKind::parse(e)).collect();
        let url = Url::parse(&cursor.url)?;
        let (subscription, conversation) = (cursor.subscription_id, cursor.conversation_id);
        let mut conn = db::pool::checkout(&self.pool).await?;
        let mut delivered_up_to = cursor.delivered_seq;
        let mut stepped_to = delivered_up_to;
        let mut sent = 0;
        let leased_at = std::time::Instant::now();
        'pages: while sent < MAX_PER_LEASE && leased_at.elapsed() < LEASE_WORK {
            let mut events = db::queries::messages::events_after(&mut conn, conversation, stepped_to, PAGE).await?;
            // Attachments live in their own table: filled in as the WebSocket carries them.
            db::queries::media::fill_events(&mut conn, &mut events).await?;
            let Some(last) = events.last().map(|e| e.seq) else { break };
            for event in events {
                let Some(kind) = delivery_kind(&event, cursor.owner_id, &kinds) else {
                    stepped_to = event.seq;
                    continue;
                };
                if stepped_to > delivered_up_to {
                    // Step over what it does not take before trying this one, so a failure
                    // below retries this event, not those.
                    queries::advance(&mut conn, subscription, conversation, stepped_to, false).await?;
                }
                match self.deliver(&cursor, &url, kind, event).await {
                    Ok(seq) => {
                        queries::advance(&mut conn, subscription, conversation, seq, true).await?;
                        delivered_up_to = seq;
                        stepped_to = seq;
                        sent += 1;
                        if sent >= MAX_PER_LEASE || leased_at.elapsed() >= LEASE_WORK {
                            break 'pages;
                        }
                    }
                    Err(error) => {
                        self.failed(&mut conn, &cursor, &error).await?;
                        return Ok(());
                    }
                }
            }
            stepped_to = stepped_to.max(last);
        }
        if stepped_to > delivered_up_to {
            queries::advance(&mut conn, subscription, conversation, stepped_to, false).await?;
        }
        queries::release(&mut conn, subscription, conversation).await?;
        Ok(())
    }

    /// POSTs one event, signed; answers its seq once the receiver accepted it.
    async fn deliver(
        &self,
        cursor: &LeasedCursor,
        url: &Url,
        kind: WebhookEventKind,
        event: Event,
    ) -> Result<i64, String> {
        let seq = event.seq;
        // The same id on every attempt at this event, so receivers can drop repeats.
        let id = delivery_id(cursor.subscription_id, cursor.conversation_id, seq);
        let now = Utc::now();
        let payload = WebhookDelivery {
            kind,
            timestamp: now,
            data: DeliveryData {
                subscription_id: cursor.subscription_id,
                conversation_id: cursor.conversation_id,
                seq,
                event,
            },
        };
        let body = serde_json::to_vec(&payload).map_err(|e| e.to_string())?;
        let signature = super::signature(&cursor.secret, &id, now.timestamp(), &body);
        let request = self.client.post(url).map_err(|e| e.to_string())?;
        let response = request
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", now.timestamp().to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| egress::describe(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(seq);
        }
        let answer = egress::read_limited(response, ERROR_BODY_BYTES).await;
        let answer = String::from_utf8_lossy(&answer);
        Err(format!("the receiver answered {status}: {}", answer.trim()))
    }

    /// Records a failed attempt and schedules the next, or disables the subscription once it
    /// has failed for the whole retry window.
    async fn failed(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        cursor: &LeasedCursor,
        error: &str,
    ) -> anyhow::Result<()> {
        let now = Utc::now();
        let failing_since = cursor.failing_since.unwrap_or(now);
        let window = TimeDelta::from_std(self.retry_window).unwrap_or(TimeDelta::MAX);
        let (subscription, conversation) = (cursor.subscription_id, cursor.conversation_id);
        tracing::info!(%subscription, %conversation, attempt = cursor.attempts + 1, error, "webhook delivery failed");
        if now - failing_since >= window {
            let reason = format!("deliveries failed for {}; last error: {error}", describe_window(self.retry_window));
            queries::failed(conn, subscription, conversation, now, error).await?;
            if queries::disable(conn, subscription, &reason).await? {
                let detail = serde_json::json!({"reason": reason});
                let target = ("subscription", Some(subscription));
                db::queries::admin::audit(conn, cursor.owner_id, "webhook.disabled", target, detail, "").await?;
                let frame = ServerFrame::WebhookDisabled { subscription_id: subscription, reason };
                self.bus.publish(BusMessage::ToUsers { user_ids: vec![cursor.owner_id], frame }).await;
                tracing::warn!(%subscription, "webhook subscription disabled after failing for its whole retry window");
            }
            return Ok(());
        }
        let retry_at = (now + backoff(cursor.attempts)).min(failing_since + window);
        queries::failed(conn, subscription, conversation, retry_at, error).await?;
        Ok(())
    }
}

/// The `webhook-id` of the delivery of one event to one subscription.
pub fn delivery_id(subscription: Uuid, conversation: ConversationId, seq: i64) -> String {
    let name = format!("{conversation}:{seq}");
    format!("msg_{}", Uuid::new_v5(&subscription, name.as_bytes()).simple())
}

/// Whether a subscription takes an event, and as what: new messages of others, as a mention
/// when it mentions the owner and mentions are wanted; invocations of the owner's slash
/// commands. Deleted messages are not delivered.
fn delivery_kind(event: &Event, owner: UserId, kinds: &[WebhookEventKind]) -> Option<WebhookEventKind> {
    if let EventKind::CommandInvoked { bot_id, .. } = &event.kind {
        let wanted = *bot_id == owner && kinds.contains(&WebhookEventKind::Command);
        return wanted.then_some(WebhookEventKind::Command);
    }
    let EventKind::MessageCreated { message } = &event.kind else { return None };
    if message.sender_id == owner || message.deleted_at.is_some() {
        return None;
    }
    if kinds.contains(&WebhookEventKind::Mention) && message.mentions.contains(&owner) {
        return Some(WebhookEventKind::Mention);
    }
    kinds.contains(&WebhookEventKind::Message).then_some(WebhookEventKind::Message)
}

/// The wait before the attempt after `attempts` failed ones: doubling from one second, at most
/// an hour, with jitter (50-100 %) so receivers coming back are not hit by every retry at once.
fn backoff(attempts: i32) -> TimeDelta {
    let doubling = FIRST_BACKOFF.saturating_mul(1_u32 << attempts.clamp(0, 20)).min(MAX_BACKOFF);
    let jittered = doubling.mul_f64(rand::rng().random_range(0.5..=1.0));
    TimeDelta::from_std(jittered).unwrap_or(TimeDelta::MAX)
}

fn describe_window(window: Duration) -> String {
    let secs = window.as_secs();
    if secs.is_multiple_of(3600) { format!("{} h", secs / 3600) } else { format!("{secs} s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_an_hour() {
        for attempts in 0..5 {
            let wait = backoff(attempts).num_milliseconds();
            let full = 1000_i64 << attempts;
            assert!(wait >= full / 2 && wait <= full, "attempt {attempts}: {wait} ms");
        }
        assert!(backoff(40).num_seconds() <= 3600);
        assert!(backoff(40).num_seconds() >= 1800);
    }

    #[test]
    fn delivery_ids_are_stable_per_event() {
        let (s, c) = (Uuid::now_v7(), ConversationId(Uuid::now_v7()));
        assert_eq!(delivery_id(s, c, 3), delivery_id(s, c, 3));
        assert_ne!(delivery_id(s, c, 3), delivery_id(s, c, 4));
    }
}
