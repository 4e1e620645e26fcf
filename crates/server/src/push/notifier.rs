//! Who a committed message wakes, and the pushes themselves. The writer hands over each
//! batch's new messages after its commit (only while some browser has subscribed, so a server
//! without push subscriptions clones nothing); a task of its own finds the members to wake
//! (subscribed, on a live session, not muting the conversation unless mentioned, and with no
//! app connected: an open app shows the message itself) and sends each of their browsers an
//! encrypted notification through the egress guard, a few at a time.
//!
//! Pushes are best effort, as the push services themselves are: a push the service refuses is
//! not retried (the message is in the history either way), and a subscription the service
//! says is gone (404, 410) is deleted. The hand-over from the writer never waits: past a
//! full queue a batch is dropped and logged, so notifications cannot slow the chat.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use db::DbPool;
use db::queries::push::{self as queries, StoredSubscription};
use protocol::conversations::{Event, EventKind, Message};
use protocol::media::MediaKind;
use protocol::push::{PREVIEW_MAX_CHARS, PushNotification};
use tokio::sync::{Semaphore, mpsc};
use url::Url;
use web_push_native::{Auth, WebPushBuilder};

use super::vapid::Vapid;
use crate::egress::EgressClient;
use crate::presence::Presence;

/// Batches of new messages waiting for the notifier; past it, a batch is dropped.
const QUEUE: usize = 1024;
/// Pushes in flight at once.
const CONCURRENT_PUSHES: usize = 8;
/// How long a push service keeps a notification for a browser that is offline.
const TIME_TO_LIVE_SECS: u64 = 24 * 60 * 60;
/// While no subscription is known here, how often the database is asked again: the first
/// browser may register through another server of the deployment.
const RECHECK_WANTED: std::time::Duration = std::time::Duration::from_secs(5);

/// The writer's side of the notifier (cheap to clone).
#[derive(Clone)]
pub struct Notifier {
    queue: mpsc::Sender<Vec<Event>>,
    /// Whether any browser has subscribed (as far as this server knows): until one has, the
    /// writer hands nothing over.
    wanted: Arc<AtomicBool>,
    vapid: Arc<Vapid>,
    client: EgressClient,
}

/// What the sending task needs.
struct Sender {
    pool: DbPool,
    presence: Arc<dyn Presence>,
    vapid: Arc<Vapid>,
    client: EgressClient,
    in_flight: Arc<Semaphore>,
}

impl Notifier {
    /// Starts the sending task. `presence` tells whether a user has an app connected.
    pub async fn start(
        pool: DbPool,
        vapid: Vapid,
        client: EgressClient,
        presence: Arc<dyn Presence>,
    ) -> anyhow::Result<Self> {
        let mut conn = db::pool::checkout(&pool).await?;
        let wanted = Arc::new(AtomicBool::new(queries::any(&mut conn).await?));
        drop(conn);
        let watched = (wanted.clone(), pool.clone());
        tokio::spawn(async move {
            let (wanted, pool) = watched;
            while !wanted.load(Ordering::Relaxed) {
                tokio::time::sleep(RECHECK_WANTED).await;
                if let Ok(mut conn) = db::pool::checkout(&pool).await
                    && queries::any(&mut conn).await.unwrap_or(false)
                {
                    wanted.store(true, Ordering::Relaxed);
                }
            }
        });
        let (queue, mut batches) = mpsc::channel::<Vec<Event>>(QUEUE);
        let vapid = Arc::new(vapid);
        let sender = Arc::new(Sender {
            pool,
            presence,
            vapid: vapid.clone(),
            client: client.clone(),
            in_flight: Arc::new(Semaphore::new(CONCURRENT_PUSHES)),
        });
        tokio::spawn(async move {
            while let Some(batch) = batches.recv().await {
                for event in batch {
                    if let Err(e) = sender.wake_for(event).await {
                        tracing::warn!(error = %e, "could not work out a message's push notifications");
                    }
                }
            }
        });
        Ok(Self { queue, wanted, vapid, client })
    }

    /// Whether the writer should hand new messages over.
    pub fn wanted(&self) -> bool {
        self.wanted.load(Ordering::Relaxed)
    }

    /// A browser subscribed: new messages are wanted from now on (at once on this server;
    /// the others find it within [`RECHECK_WANTED`]).
    pub fn subscribed(&self) {
        self.wanted.store(true, Ordering::Relaxed);
    }

    /// The new messages among a committed batch's events, handed to the sending task (never
    /// waiting: a full queue drops them, with a log line).
    pub fn committed(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        if let Err(mpsc::error::TrySendError::Full(dropped)) = self.queue.try_send(events) {
            tracing::warn!(messages = dropped.len(), "the push queue is full: these messages notify nobody");
        }
    }

    /// The VAPID public key browsers subscribe with.
    pub fn public_key(&self) -> &str {
        self.vapid.public_key()
    }

    /// The guarded client (its policy also judges endpoints when they are registered).
    pub fn client(&self) -> &EgressClient {
        &self.client
    }
}

/// Whether an event is a new message a notification may be about.
pub fn notifies(event: &Event) -> bool {
    matches!(&event.kind, EventKind::MessageCreated { message } if message.deleted_at.is_none())
}

impl Sender {
    async fn wake_for(self: &Arc<Self>, event: Event) -> anyhow::Result<()> {
        let EventKind::MessageCreated { message } = event.kind else { return Ok(()) };
        let conversation = message.conversation_id;
        let sender = message.sender_id;
        let mentioned = &message.mentions;
        let mut conn = db::pool::checkout(&self.pool).await?;
        let subscriptions = queries::recipients(&mut conn, conversation, sender, mentioned).await?;
        if subscriptions.is_empty() {
            return Ok(());
        }
        let Some((kind, title, name)) = queries::heading(&mut conn, conversation, sender).await? else {
            return Ok(());
        };
        drop(conn);
        let name = message.display_name.clone().unwrap_or(name);
        let heading = if kind == "group" { format!("{name} in {title}") } else { name };
        let mut online = std::collections::HashMap::new();
        for subscription in subscriptions {
            let user = subscription.user_id;
            let connected = match online.get(&user) {
                Some(known) => *known,
                None => *online.entry(user).or_insert(self.presence.is_online(user).await),
            };
            if connected {
                continue;
            }
            let notification = PushNotification {
                conversation_id: message.conversation_id,
                seq: event.seq,
                title: heading.clone(),
                body: preview(&message),
                mention: mentioned.contains(&user),
                url: format!("/chat/{conversation}"),
            };
            let urgent = kind == "dm" || notification.mention;
            let permit = self.in_flight.clone().acquire_owned().await?;
            let this = self.clone();
            tokio::spawn(async move {
                this.push(subscription, &notification, urgent).await;
                drop(permit);
            });
        }
        Ok(())
    }

    /// Sends one notification; forgets the subscription if its service says it is gone.
    async fn push(&self, subscription: StoredSubscription, notification: &PushNotification, urgent: bool) {
        let id = subscription.id;
        match self.send(&subscription, notification, urgent).await {
            Ok(status) if status.is_success() => {
                if let Ok(mut conn) = db::pool::checkout(&self.pool).await {
                    let _ = queries::pushed(&mut conn, &[id]).await;
                }
            }
            Ok(status) if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE => {
                tracing::info!(subscription = %id, %status, "the push service forgot a subscription; removing it");
                if let Ok(mut conn) = db::pool::checkout(&self.pool).await {
                    let _ = queries::remove(&mut conn, id).await;
                }
            }
            Ok(status) => tracing::warn!(subscription = %id, %status, "a push service refused a notification"),
            Err(e) => tracing::warn!(subscription = %id, error = %e, "could not send a push notification"),
        }
    }

    async fn send(
        &self,
        subscription: &StoredSubscription,
        notification: &PushNotification,
        urgent: bool,
    ) -> anyhow::Result<reqwest::StatusCode> {
        let endpoint = Url::parse(&subscription.endpoint)?;
        let browser_key = web_push_native::p256::PublicKey::from_sec1_bytes(&subscription.p256dh)?;
        let auth = Auth::clone_from_slice(&subscription.auth);
        let request = WebPushBuilder::new(subscription.endpoint.parse()?, browser_key, auth)
            .with_valid_duration(std::time::Duration::from_secs(TIME_TO_LIVE_SECS))
            .build(serde_json::to_vec(notification)?)
            .map_err(|e| anyhow::anyhow!("cannot encrypt a push: {e}"))?;
        let (parts, body) = request.into_parts();
        let mut post = self.client.post(&endpoint)?;
        for (name, value) in &parts.headers {
            post = post.header(name.as_str(), value.as_bytes());
        }
        let response = post
            .header("Authorization", self.vapid.authorization(&endpoint)?)
            .header("Urgency", if urgent { "high" } else { "normal" })
            .body(body)
            .send()
            .await?;
        Ok(response.status())
    }
}

/// The start of a message, or what it carries.
fn preview(message: &Message) -> String {
    let text = message.body.trim();
    if !text.is_empty() {
        let mut preview: String = text.chars().take(PREVIEW_MAX_CHARS).collect();
        if text.chars().count() > PREVIEW_MAX_CHARS {
            preview.push('…');
        }
        return preview;
    }
    if message.location.is_some() {
        return "Location".into();
    }
    let what = match message.attachments.first().map(|a| &a.kind) {
        Some(MediaKind::Image) => "Photo",
        Some(MediaKind::Video) => "Video",
        Some(MediaKind::Voice) => "Voice message",
        Some(MediaKind::Audio) => "Audio",
        Some(MediaKind::File) => "File",
        None => "Message",
    };
    match message.attachments.len() {
        0 | 1 => what.into(),
        n => format!("{what} and {} more", n - 1),
    }
}
