//! The NATS bus (`--bus nats`): for deployments whose servers should not all hear every change,
//! and whose database should not carry the fan-out (a NOTIFY takes a lock held until commit,
//! so every storing transaction of every server queues on it; see BENCHMARKS.md).
//!
//! Each committed event is published after its commit on its conversation's subject,
//! `confab.conv.<id>`, with that conversation's typing and read markers; notices for users
//! (joins, leaves, friends, frames, closing sessions) on `confab.users` and presence on
//! `confab.presence`, which every server subscribes to. A server subscribes to a conversation's
//! subject only while one of its connections follows it (the hub tells it, [`Interest`]).
//!
//! Why joins and leaves are not on the conversation's subject: the servers that must hear a
//! join are those of the new members, which do not follow the conversation yet, and a server
//! whose connection is joining (its follow under way) must hear a leave published before its
//! subscription. Nor would that subject keep their order with the events: a later event from
//! another server, or a gap filled from the database, may still come first. The order that
//! matters (a removed member gets nothing after their removal) comes from the log instead:
//! the hub applies a membership change at its `member_added` or `member_removed` event, or at
//! its notice when that comes first; both carry the seq, so a member removed and quickly added
//! back is neither left out by the late removal event nor let back in by a late notice
//! (`ws::hub`).
//!
//! Why receivers restore the order, and how: plain NATS keeps one publisher's order, but two
//! servers writing one conversation publish after their commits, so their events may cross, and
//! a server that dies between a commit and its publish leaves a hole. The database is the log,
//! though: a conversation's seqs are assigned under its row lock, so an event that arrives proves
//! every seq before it committed. Each followed conversation keeps the last seq it delivered and
//! drops what is at or below it (a duplicate); an event past the next one first has the missing
//! ones loaded from PostgreSQL and delivered in order (`followers`, `sequence`). So the hub sees
//! every conversation in seq order, without gaps or duplicates, as it does on the other buses.
//! A message too large for the server's max payload travels as its (conversation, seq) and is
//! loaded the same way.
//!
//! Lost messages, and why there are two connections: when a subscription's buffer is full the
//! NATS client drops what comes for it and reports a slow consumer with the subscription's id,
//! which async-nats (0.52) keeps private to its `Subscriber`, so the report cannot name the
//! conversation. It can name the connection, though: the notices every server hears (users,
//! presence) have a connection of their own. What a conversation loses is in the log, so a slow
//! consumer, or a reconnection, on the conversations' connection makes every followed
//! conversation catch up from the database at once (the gap fill above; only what is missing is
//! loaded, and nothing else is disturbed); typing notices and read markers dropped then are not
//! in the log and stay lost, as ephemeral state may. Notices for users are not in any log: a
//! slow consumer or a reconnection on their connection makes every client resync
//! ([`Subscriber::feed_lost`]), as when the PostgreSQL bus's LISTEN connection is cut.

mod followers;
mod sequence;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;

use super::{BusMessage, Interest, Subscriber};

/// The subjects.
mod subject {
    use protocol::ConversationId;

    /// Notices for users, which every server hears.
    pub(super) const USERS: &str = "confab.users";
    /// Presence changes, which every server hears.
    pub(super) const PRESENCE: &str = "confab.presence";

    /// A conversation's events, typing and read markers, heard by the servers following it.
    pub(super) fn conversation(id: ConversationId) -> String {
        format!("confab.conv.{id}")
    }
}

/// How long to wait for NATS at start-up before giving up with an error.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Database connections of the bus's own pool (where conversations stand, gaps, the sweep).
/// Its own, not the server's: a session holds a pooled connection while it waits for the bus
/// to follow its conversations, so with the shared pool a burst of connections took every
/// connection and the bus could not read (found by the 1,000-connection benchmark).
const POOL_SIZE: usize = 4;

/// Publishes to NATS; cheap to clone.
#[derive(Clone)]
pub struct Publisher {
    client: async_nats::Client,
    /// The connection of the notices every server hears, kept open as long as the bus (in an
    /// `Arc`, so that the publisher stays small).
    _broadcast: Arc<async_nats::Client>,
    max_payload: usize,
}

impl Publisher {
    /// Publishes one message on its subject. While NATS is unreachable this waits once the
    /// client's buffer is full (back-pressure on the writers); the receivers resync after.
    pub async fn publish(&self, message: BusMessage) {
        let subject = match &message {
            BusMessage::Event { event } => subject::conversation(event.conversation_id),
            BusMessage::EventRef { conversation_id, .. }
            | BusMessage::Read { conversation_id, .. }
            | BusMessage::Typing { conversation_id, .. } => subject::conversation(*conversation_id),
            BusMessage::Presence { .. } => subject::PRESENCE.to_owned(),
            BusMessage::Joined { .. }
            | BusMessage::Left { .. }
            | BusMessage::ToUsers { .. }
            | BusMessage::FriendAdded { .. }
            | BusMessage::FriendRemoved { .. }
            | BusMessage::CloseSession { .. }
            | BusMessage::CloseUser { .. } => subject::USERS.to_owned(),
        };
        let Some(payload) = encode(&message, self.max_payload) else { return };
        if let Err(e) = self.client.publish(subject, payload.into()).await {
            tracing::error!(error = %e, "cannot publish on NATS");
        }
    }
}

/// The payload of `message`, or of a reference to it when an event is too large.
fn encode(message: &BusMessage, max_payload: usize) -> Option<Vec<u8>> {
    let bytes = serde_json::to_vec(message).ok()?;
    if bytes.len() <= max_payload {
        return Some(bytes);
    }
    match message {
        BusMessage::Event { event } => {
            serde_json::to_vec(&BusMessage::EventRef { conversation_id: event.conversation_id, seq: event.seq }).ok()
        }
        _ => {
            tracing::error!(bytes = bytes.len(), max_payload, "bus message too large to publish; dropped");
            None
        }
    }
}

/// Connects to NATS at `url` (an error if it does not answer), subscribes to the subjects every
/// server hears, and follows conversations as `interests` says, delivering to `local` and
/// reading the database at `database_url`. Each subscription holds up to
/// `subscription_capacity` messages before NATS drops some. Returns the publishing end.
pub async fn start(
    url: &str,
    subscription_capacity: usize,
    database_url: &str,
    local: Arc<dyn Subscriber>,
    interests: mpsc::UnboundedReceiver<Interest>,
) -> anyhow::Result<Publisher> {
    // Several URLs (comma-separated) name the members of a NATS cluster: any one will do.
    let servers = url
        .split(',')
        .map(|u| u.trim().parse::<async_nats::ServerAddr>())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("not a NATS URL: {}", shown(url)))?;
    let (conversation_events, conversation_reports) = mpsc::unbounded_channel();
    let client = connect(url, &servers, "confab", subscription_capacity, conversation_events).await?;
    let (broadcast_events, broadcast_reports) = mpsc::unbounded_channel();
    let broadcast = connect(url, &servers, "confab-broadcast", subscription_capacity, broadcast_events).await?;
    let pool = db::pool::build_pool(database_url, POOL_SIZE).context("cannot make the NATS bus's database pool")?;
    let max_payload = client.server_info().max_payload;
    let (lost, lost_conversations) = mpsc::unbounded_channel();
    tokio::spawn(watch_conversations(conversation_reports, lost));
    tokio::spawn(watch_broadcast(broadcast_reports, local.clone()));
    for subject in [subject::USERS, subject::PRESENCE] {
        let subscription =
            broadcast.subscribe(subject).await.with_context(|| format!("cannot subscribe to {subject}"))?;
        tokio::spawn(relay(subscription, local.clone()));
    }
    broadcast.flush().await.context("NATS did not confirm the subscriptions")?;
    tokio::spawn(followers::run(client.clone(), pool, local, interests, lost_conversations));
    Ok(Publisher { client, _broadcast: Arc::new(broadcast), max_payload })
}

/// One connection to NATS, named `name` (as `nats-server` lists it), reporting its events to
/// `events`.
async fn connect(
    url: &str,
    servers: &[async_nats::ServerAddr],
    name: &str,
    subscription_capacity: usize,
    events: mpsc::UnboundedSender<async_nats::Event>,
) -> anyhow::Result<async_nats::Client> {
    async_nats::ConnectOptions::new()
        .name(name)
        .connection_timeout(CONNECT_TIMEOUT)
        .subscription_capacity(subscription_capacity)
        // Only sends, so that the future the client requires be `Sync` holds nothing else.
        .event_callback(move |event| {
            let _ = events.send(event);
            async {}
        })
        .connect(servers.to_vec())
        .await
        .with_context(|| format!("cannot connect to NATS at {}", shown(url)))
}

/// Hands what every server hears to the hub, as it comes.
async fn relay(mut subscription: async_nats::Subscriber, local: Arc<dyn Subscriber>) {
    use futures_util::StreamExt;
    while let Some(message) = subscription.next().await {
        match serde_json::from_slice::<BusMessage>(&message.payload) {
            Ok(message) => local.deliver(message).await,
            Err(e) => tracing::error!(error = %e, "unreadable NATS message"),
        }
    }
}

/// On the conversations' connection: when messages may have been lost (a reconnection, or
/// messages dropped for a slow subscription), asks the followers to catch every conversation up
/// from the database.
async fn watch_conversations(mut events: mpsc::UnboundedReceiver<async_nats::Event>, lost: mpsc::UnboundedSender<()>) {
    let mut connected_before = false;
    // Drops are reported one message at a time: one log line a second is enough.
    let mut last_logged: Option<std::time::Instant> = None;
    while let Some(event) = events.recv().await {
        match event {
            async_nats::Event::Connected if connected_before => {
                tracing::warn!("reconnected to NATS; followed conversations catch up from the database");
                let _ = lost.send(());
            }
            async_nats::Event::Connected => connected_before = true,
            async_nats::Event::Disconnected => tracing::warn!("disconnected from NATS; reconnecting"),
            async_nats::Event::SlowConsumer(sid) => {
                ::metrics::counter!(crate::telemetry::metrics::BUS_NATS_DROPPED, "feed" => "conversations")
                    .increment(1);
                if last_logged.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                    last_logged = Some(std::time::Instant::now());
                    tracing::warn!(sid, "NATS dropped messages for a slow conversation subscription; catching up");
                }
                let _ = lost.send(());
            }
            other => tracing::info!(event = %other, "NATS"),
        }
    }
}

/// On the connection of the notices every server hears: when messages may have been lost,
/// every client must resync, since no log holds them.
async fn watch_broadcast(mut events: mpsc::UnboundedReceiver<async_nats::Event>, local: Arc<dyn Subscriber>) {
    let mut connected_before = false;
    while let Some(event) = events.recv().await {
        match event {
            async_nats::Event::Connected if connected_before => {
                tracing::warn!("reconnected to NATS; clients resync");
                local.feed_lost().await;
            }
            async_nats::Event::Connected => connected_before = true,
            async_nats::Event::Disconnected => tracing::warn!("disconnected from NATS (notices); reconnecting"),
            async_nats::Event::SlowConsumer(sid) => {
                ::metrics::counter!(crate::telemetry::metrics::BUS_NATS_DROPPED, "feed" => "broadcast").increment(1);
                tracing::error!(sid, "NATS dropped notices for a slow subscription; clients resync");
                local.feed_lost().await;
            }
            other => tracing::info!(event = %other, "NATS"),
        }
    }
}

/// The URLs as they may be logged: each member's password hidden.
fn shown(urls: &str) -> String {
    urls.split(',').map(|u| crate::startup::redact(u.trim())).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_too_large_travels_as_a_reference() {
        let event = protocol::conversations::Event {
            conversation_id: protocol::ConversationId(uuid::Uuid::now_v7()),
            seq: 7,
            at: chrono::Utc::now(),
            kind: protocol::conversations::EventKind::ConversationRenamed {
                title: "x".repeat(2_000),
                by: protocol::UserId(uuid::Uuid::nil()),
            },
        };
        let message = BusMessage::Event { event };
        assert!(encode(&message, 4_096).is_some_and(|p| p.len() > 2_000));
        let reference = encode(&message, 1_000).map(|p| serde_json::from_slice::<BusMessage>(&p).unwrap());
        assert!(matches!(reference, Some(BusMessage::EventRef { seq: 7, .. })), "{reference:?}");
    }
}
