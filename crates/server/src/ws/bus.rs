//! The bus carries committed changes to every server's hub. In-process (one server): straight
//! into the local hub. PostgreSQL (several servers on one database): NOTIFY on one channel,
//! and each server LISTENs and feeds its hub, its own messages included, so all servers see
//! one order. NOTIFY payloads are capped at 8,000 bytes: an event too large travels as its
//! (conversation, seq) and the receiving servers read it from the database.
//!
//! Changes made by a transaction (events, membership) go through [`Bus::publishing`]: on the
//! PostgreSQL bus they are NOTIFYed inside that transaction, and PostgreSQL delivers the
//! notifications of different transactions in commit order, which for one conversation is
//! seq order (its row lock serializes them). NOTIFYed after commit instead, two servers'
//! events could reach listeners swapped.

use std::time::Duration;

use diesel_async::{AnsiTransactionManager, AsyncConnection, AsyncPgConnection, RunQueryDsl, TransactionManager};
use futures_util::StreamExt;
use protocol::conversations::Event;
use protocol::social::Friend;
use protocol::ws::{ServerFrame, close};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::hub::Hub;
use crate::error::ApiError;

/// The NOTIFY channel.
const CHANNEL: &str = "confab_bus";
/// Largest payload we NOTIFY (PostgreSQL refuses 8,000 bytes and more).
const MAX_PAYLOAD: usize = 7_900;
/// Messages waiting for the publisher connection.
const PUBLISH_QUEUE: usize = 64 * 1024;
/// Users per `Joined`/`Left` message, so a big group's notice fits a NOTIFY payload.
const USERS_PER_NOTICE: usize = 150;

/// Something the hubs must route.
#[expect(clippy::large_enum_variant, reason = "events are the common case; boxing them would allocate per message")]
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum BusMessage {
    /// A committed conversation event, to every subscribed connection.
    Event {
        /// The event.
        event: Event,
    },
    /// An event too large for a NOTIFY: the receiver loads it.
    EventRef {
        /// Where.
        conversation_id: Uuid,
        /// Which.
        seq: i64,
    },
    /// Users joined a conversation: subscribe their connections and tell them.
    Joined {
        /// Which.
        conversation_id: Uuid,
        /// Who.
        user_ids: Vec<Uuid>,
    },
    /// Users left or were removed: unsubscribe their connections and tell them.
    Left {
        /// Which.
        conversation_id: Uuid,
        /// Who.
        user_ids: Vec<Uuid>,
    },
    /// A read marker moved.
    Read {
        /// Where.
        conversation_id: Uuid,
        /// Who.
        user_id: Uuid,
        /// Up to where.
        seq: i64,
    },
    /// Someone is typing.
    Typing {
        /// Where.
        conversation_id: Uuid,
        /// Who.
        user_id: Uuid,
    },
    /// A user's presence on server `origin` changed.
    Presence {
        /// Who.
        user_id: Uuid,
        /// Connected there now.
        online: bool,
        /// Which server.
        origin: Uuid,
    },
    /// A frame for every connection of some users.
    ToUsers {
        /// Whose.
        user_ids: Vec<Uuid>,
        /// What.
        frame: ServerFrame,
    },
    /// `user_id` has a new friend (the hub adds presence and starts showing it).
    FriendAdded {
        /// Whose friend list.
        user_id: Uuid,
        /// The friend.
        friend: Friend,
    },
    /// `user_id` and `other` are no longer friends.
    FriendRemoved {
        /// Whose friend list.
        user_id: Uuid,
        /// The former friend.
        other: Uuid,
    },
    /// Close the connections of one session (sign-out, revocation).
    CloseSession {
        /// Which.
        session_id: Uuid,
        /// Close code.
        code: u16,
    },
    /// Close a user's connections, but those of `except_session`.
    CloseUser {
        /// Whose.
        user_id: Uuid,
        /// Spared session (a password change keeps the current one).
        except_session: Option<Uuid>,
        /// Close code.
        code: u16,
    },
}

/// Which bus to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BusKind {
    /// One server process.
    InProcess,
    /// Several server processes sharing one PostgreSQL database.
    Postgres,
}

/// Publishes committed changes.
#[derive(Clone)]
pub enum Bus {
    /// Straight into this process's hub.
    InProcess(Hub),
    /// Through PostgreSQL NOTIFY.
    Postgres(mpsc::Sender<BusMessage>),
}

impl Bus {
    /// Publishes something whose order against conversation events does not matter (typing,
    /// presence, read markers, friend notices, closing sessions), after its commit if any;
    /// events and membership changes go through [`Bus::publishing`]. Waits while the bus is
    /// saturated (back-pressure on writers).
    pub async fn publish(&self, message: BusMessage) {
        match self {
            Self::InProcess(hub) => hub.deliver(message).await,
            Self::Postgres(queue) => {
                for part in split(message) {
                    if queue.send(part).await.is_err() {
                        tracing::error!("the bus publisher has stopped");
                    }
                }
            }
        }
    }
}

impl Bus {
    /// Runs `work`, which returns a value and the bus messages its changes produce, and
    /// publishes those messages in commit order (see the module docs): on the PostgreSQL bus
    /// `work` runs in a transaction (a savepoint if one is open) that also NOTIFYs them; on
    /// the in-process bus they go to the hub after `work` (which commits its own changes).
    pub async fn publishing<T>(
        &self,
        conn: &mut AsyncPgConnection,
        work: impl AsyncFnOnce(&mut AsyncPgConnection) -> Result<(T, Vec<BusMessage>), ApiError>,
    ) -> Result<T, ApiError> {
        match self {
            Self::InProcess(hub) => {
                let (value, messages) = work(conn).await?;
                for message in messages {
                    hub.deliver(message).await;
                }
                Ok(value)
            }
            Self::Postgres(_) => {
                // Begun and ended by hand rather than with `conn.transaction`, whose callback
                // must be provably `Send` in general; this future is `Send` whenever `work` is.
                AnsiTransactionManager::begin_transaction(conn).await?;
                let done = async {
                    let (value, messages) = work(conn).await?;
                    notify(conn, messages).await?;
                    Ok(value)
                }
                .await;
                match done {
                    Ok(value) => {
                        AnsiTransactionManager::commit_transaction(conn).await?;
                        Ok(value)
                    }
                    Err(e) => {
                        AnsiTransactionManager::rollback_transaction(conn).await?;
                        Err(e)
                    }
                }
            }
        }
    }
}

/// NOTIFYs `messages` in the open transaction, in order, with one statement. (PostgreSQL
/// folds identical payloads of one transaction into one; ours differ by seq or content.)
async fn notify(conn: &mut AsyncPgConnection, messages: Vec<BusMessage>) -> diesel::QueryResult<()> {
    let payloads: Vec<String> = messages.into_iter().flat_map(split).filter_map(|m| encode_for_notify(&m)).collect();
    if payloads.is_empty() {
        return Ok(());
    }
    db::prepared::prepared("SELECT pg_notify($1, p) FROM unnest($2) AS p")
        .bind::<diesel::sql_types::Text, _>(CHANNEL)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(payloads)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Splits membership notices so each fits a NOTIFY payload.
fn split(message: BusMessage) -> Vec<BusMessage> {
    match message {
        BusMessage::Joined { conversation_id, user_ids } if user_ids.len() > USERS_PER_NOTICE => user_ids
            .chunks(USERS_PER_NOTICE)
            .map(|c| BusMessage::Joined { conversation_id, user_ids: c.to_vec() })
            .collect(),
        BusMessage::Left { conversation_id, user_ids } if user_ids.len() > USERS_PER_NOTICE => user_ids
            .chunks(USERS_PER_NOTICE)
            .map(|c| BusMessage::Left { conversation_id, user_ids: c.to_vec() })
            .collect(),
        other => vec![other],
    }
}

/// Starts the PostgreSQL bus: a publisher task with its own connection, and a listener task
/// that feeds `hub`. Returns the publishing end.
pub fn start_postgres(database_url: String, pool: db::DbPool, hub: Hub) -> mpsc::Sender<BusMessage> {
    let (tx, rx) = mpsc::channel(PUBLISH_QUEUE);
    tokio::spawn(publish_loop(database_url.clone(), rx));
    tokio::spawn(listen_loop(database_url, pool, hub));
    tx
}

async fn connect(url: &str) -> AsyncPgConnection {
    let mut delay = Duration::from_millis(100);
    loop {
        match AsyncPgConnection::establish(url).await {
            Ok(conn) => return conn,
            Err(e) => {
                tracing::error!(error = %e, "bus cannot connect to the database; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

fn encode_for_notify(message: &BusMessage) -> Option<String> {
    let text = serde_json::to_string(message).ok()?;
    if text.len() <= MAX_PAYLOAD {
        return Some(text);
    }
    match message {
        BusMessage::Event { event } => {
            serde_json::to_string(&BusMessage::EventRef { conversation_id: event.conversation_id.0, seq: event.seq })
                .ok()
        }
        _ => {
            tracing::error!(bytes = text.len(), "bus message too large to publish; dropped");
            None
        }
    }
}

async fn publish_loop(url: String, mut rx: mpsc::Receiver<BusMessage>) {
    let mut conn = connect(&url).await;
    while let Some(message) = rx.recv().await {
        let Some(payload) = encode_for_notify(&message) else { continue };
        loop {
            let sent = db::prepared::prepared("SELECT pg_notify($1, $2)")
                .bind::<diesel::sql_types::Text, _>(CHANNEL)
                .bind::<diesel::sql_types::Text, _>(payload.as_str())
                .execute(&mut conn)
                .await;
            match sent {
                Ok(_) => break,
                Err(e) => {
                    tracing::error!(error = %e, "bus publish failed; reconnecting");
                    conn = connect(&url).await;
                }
            }
        }
    }
}

async fn listen_loop(url: String, pool: db::DbPool, hub: Hub) {
    let mut first = true;
    loop {
        let mut conn = connect(&url).await;
        if let Err(e) = diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn).await {
            tracing::error!(error = %e, "bus cannot LISTEN; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        if !first {
            // Notifications sent while we were away are lost: make every client resync.
            hub.close_all(close::GOING_AWAY, "the server lost its event feed; reconnect").await;
        }
        first = false;
        let mut stream = std::pin::pin!(conn.notifications_stream());
        while let Some(item) = stream.next().await {
            let notification = match item {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(error = %e, "bus connection failed");
                    break;
                }
            };
            match serde_json::from_str::<BusMessage>(&notification.payload) {
                Ok(BusMessage::EventRef { conversation_id, seq }) => {
                    if let Some(event) = load_event(&pool, conversation_id, seq).await {
                        hub.deliver(BusMessage::Event { event }).await;
                    }
                }
                Ok(message) => hub.deliver(message).await,
                Err(e) => tracing::error!(error = %e, "unreadable bus message"),
            }
        }
        tracing::warn!("bus listener disconnected; reconnecting");
    }
}

async fn load_event(pool: &db::DbPool, conversation: Uuid, seq: i64) -> Option<Event> {
    let mut conn = db::pool::checkout(pool).await.ok()?;
    db::queries::messages::event_at(&mut conn, conversation, seq).await.ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_membership_notices_are_split_to_fit() {
        let users: Vec<Uuid> = (0..1000).map(|n| Uuid::from_u128(n as u128)).collect();
        let parts = split(BusMessage::Joined { conversation_id: Uuid::nil(), user_ids: users });
        assert_eq!(parts.len(), 7);
        for part in &parts {
            assert!(encode_for_notify(part).is_some_and(|p| p.len() <= MAX_PAYLOAD));
        }
    }
}
