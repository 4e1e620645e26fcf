//! The bus carries committed changes from the domain to every server's live connections. It
//! belongs to the domain: the chat writer, social and session changes publish here, and the
//! gateway's hub subscribes ([`Subscriber`]); the bus knows nothing of WebSockets.
//!
//! In-process (one server): straight to the local subscriber. PostgreSQL (several servers on
//! one database, `postgres`): NOTIFY on one channel, and each server LISTENs and feeds its
//! subscriber, its own messages included, so all servers see one order.
//!
//! Changes made by a transaction (events, membership) go through [`Bus::publishing`]: on the
//! PostgreSQL bus they are NOTIFYed inside that transaction, and PostgreSQL delivers the
//! notifications of different transactions in commit order, which for one conversation is
//! seq order (its row lock serializes them); in-process they are delivered right after the
//! commit by the writer shard that made them, the only one writing that conversation's log at
//! that moment. Either way a conversation's events arrive in seq order, and nothing is held
//! back to re-sort them.
//!
//! NATS (`nats`): each server subscribes only to the conversations its connections follow
//! ([`Interest`]), and puts each conversation's events in seq order itself, filling gaps from
//! the database (see `nats`), since events published by different servers after their commits
//! may cross.

mod nats;
mod postgres;

use std::sync::Arc;

use diesel_async::{AnsiTransactionManager, AsyncPgConnection, TransactionManager};
use futures_util::future::BoxFuture;
use protocol::conversations::Event;
use protocol::social::Friend;
use protocol::ws::ServerFrame;
use protocol::{ConversationId, UserId};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

pub use nats::{Publisher as NatsPublisher, start as start_nats};
pub use postgres::start as start_postgres;

use crate::error::ApiError;

/// What receives a server's bus messages: the gateway's hub, which routes them to live
/// connections. A trait so that the bus, a domain part, does not depend on the gateway.
pub trait Subscriber: Send + Sync + 'static {
    /// Takes one message; waits while the subscriber is saturated (back-pressure).
    fn deliver(&self, message: BusMessage) -> BoxFuture<'_, ()>;
    /// Messages may have been lost (the feed was cut): every client must resync.
    fn feed_lost(&self) -> BoxFuture<'_, ()>;
}

/// A change in the conversations this server's connections follow, told by the hub to a bus
/// that subscribes per conversation (NATS); the other buses carry everything everywhere.
#[derive(Debug)]
pub enum Interest {
    /// Start delivering these conversations (those already followed are skipped). `done` fires
    /// once every event of each of them committed from then on will be delivered, and after
    /// every earlier `Follow` is done: a session reads its `ready` only then, so nothing
    /// committed after that read can be missed.
    Follow {
        /// Newly followed conversations (may be empty, to wait for earlier ones).
        conversations: Vec<ConversationId>,
        /// Fired when they are followed.
        done: oneshot::Sender<()>,
    },
    /// No connection here follows these any more.
    Unfollow {
        /// The conversations.
        conversations: Vec<ConversationId>,
    },
}

/// Something the hubs must route.
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
        conversation_id: ConversationId,
        /// Which.
        seq: i64,
    },
    /// Users joined a conversation: subscribe their connections and tell them.
    Joined {
        /// Which.
        conversation_id: ConversationId,
        /// Who.
        user_ids: Vec<UserId>,
        /// The seq of the command's last event: a hub that already applied a later change of
        /// these users' membership ignores this notice (it travels apart from the events).
        #[serde(default)]
        seq: i64,
    },
    /// Users left or were removed: unsubscribe their connections and tell them.
    Left {
        /// Which.
        conversation_id: ConversationId,
        /// Who.
        user_ids: Vec<UserId>,
        /// The seq of the command's last event, as for `Joined`.
        #[serde(default)]
        seq: i64,
    },
    /// A read marker moved.
    Read {
        /// Where.
        conversation_id: ConversationId,
        /// Who.
        user_id: UserId,
        /// Up to where.
        seq: i64,
    },
    /// Someone is typing.
    Typing {
        /// Where.
        conversation_id: ConversationId,
        /// Who.
        user_id: UserId,
    },
    /// A user's presence on server `origin` changed.
    Presence {
        /// Who.
        user_id: UserId,
        /// Connected there now.
        online: bool,
        /// Which server.
        origin: Uuid,
    },
    /// A frame for every connection of some users.
    ToUsers {
        /// Whose.
        user_ids: Vec<UserId>,
        /// What.
        frame: ServerFrame,
    },
    /// `user_id` has a new friend (the hub adds presence and starts showing it).
    FriendAdded {
        /// Whose friend list.
        user_id: UserId,
        /// The friend.
        friend: Friend,
    },
    /// `user_id` and `other` are no longer friends.
    FriendRemoved {
        /// Whose friend list.
        user_id: UserId,
        /// The former friend.
        other: UserId,
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
        user_id: UserId,
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
    /// Several server processes sharing one database and a NATS server (`--nats-url`).
    Nats,
}

/// Publishes committed changes.
#[derive(Clone)]
pub enum Bus {
    /// Straight to this process's subscriber.
    InProcess(Arc<dyn Subscriber>),
    /// Through PostgreSQL NOTIFY.
    Postgres(mpsc::Sender<BusMessage>),
    /// Through NATS, after the commit.
    Nats(nats::Publisher),
}

/// Records the bus lag of an event received over the bus: from its batch's clock (the commit)
/// to here. Only for events that came over the bus; those a receiver loads from the database
/// to fill a gap are counted by [`gap_filled`] instead, since their age measures how late the
/// gap was found.
fn received(event: &Event) {
    let lag = (chrono::Utc::now() - event.at).to_std().unwrap_or_default();
    ::metrics::histogram!(crate::telemetry::metrics::BUS_LAG).record(lag.as_secs_f64());
}

/// Counts an event loaded from the database because it never came over the bus.
fn gap_filled() {
    ::metrics::counter!(crate::telemetry::metrics::BUS_GAP_FILLED).increment(1);
}

/// Hands a message to this process's subscriber on the in-process bus (its "receipt").
async fn deliver_in_process(local: &Arc<dyn Subscriber>, message: BusMessage) {
    if let BusMessage::Event { event } = &message {
        received(event);
    }
    local.deliver(message).await;
}

impl Bus {
    /// Publishes something whose order against conversation events does not matter (typing,
    /// presence, read markers, friend notices, closing sessions), after its commit if any;
    /// events and membership changes go through [`Bus::publishing`]. Waits while the bus is
    /// saturated (back-pressure on writers).
    pub async fn publish(&self, message: BusMessage) {
        match self {
            Self::InProcess(local) => deliver_in_process(local, message).await,
            Self::Postgres(queue) => {
                for part in postgres::split(message) {
                    if queue.send(part).await.is_err() {
                        tracing::error!("the bus publisher has stopped");
                    }
                }
            }
            Self::Nats(publisher) => publisher.publish(message).await,
        }
    }
}

impl Bus {
    /// Runs `work`, which returns a value and the bus messages its changes produce, and
    /// publishes those messages in commit order (see the module docs): on the PostgreSQL bus
    /// `work` runs in a transaction (a savepoint if one is open) that also NOTIFYs them; on
    /// the in-process bus they go to the hub after `work` (which commits its own changes), and
    /// on NATS they are published then (receivers restore the order, see `nats`).
    pub async fn publishing<T>(
        &self,
        conn: &mut AsyncPgConnection,
        work: impl AsyncFnOnce(&mut AsyncPgConnection) -> Result<(T, Vec<BusMessage>), ApiError>,
    ) -> Result<T, ApiError> {
        match self {
            Self::InProcess(local) => {
                let (value, messages) = work(conn).await?;
                for message in messages {
                    deliver_in_process(local, message).await;
                }
                Ok(value)
            }
            Self::Nats(publisher) => {
                let (value, messages) = work(conn).await?;
                for message in messages {
                    publisher.publish(message).await;
                }
                Ok(value)
            }
            Self::Postgres(_) => {
                // Begun and ended by hand rather than with `conn.transaction`, whose callback
                // must be provably `Send` in general; this future is `Send` whenever `work` is.
                AnsiTransactionManager::begin_transaction(conn).await?;
                let done = async {
                    let (value, messages) = work(conn).await?;
                    postgres::notify(conn, messages).await?;
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
