//! The PostgreSQL bus: NOTIFY on one channel inside the storing transaction, LISTEN on a
//! connection of its own. NOTIFY payloads are capped at 8,000 bytes: an event too large
//! travels as its (conversation, seq) and the receiving servers read it from the database.

use std::sync::Arc;
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use protocol::ConversationId;
use protocol::conversations::Event;
use tokio::sync::mpsc;

use super::{BusMessage, Subscriber};

/// The NOTIFY channel.
const CHANNEL: &str = "confab_bus";
/// Largest payload we NOTIFY (PostgreSQL refuses 8,000 bytes and more).
const MAX_PAYLOAD: usize = 7_900;
/// Messages waiting for the publisher connection.
const PUBLISH_QUEUE: usize = 64 * 1024;
/// Users per `Joined`/`Left` message, so a big group's notice fits a NOTIFY payload.
const USERS_PER_NOTICE: usize = 150;

/// NOTIFYs `messages` in the open transaction, in order, with one statement. (PostgreSQL
/// folds identical payloads of one transaction into one; ours differ by seq or content.)
pub(super) async fn notify(conn: &mut AsyncPgConnection, messages: Vec<BusMessage>) -> diesel::QueryResult<()> {
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
pub(super) fn split(message: BusMessage) -> Vec<BusMessage> {
    match message {
        BusMessage::Joined { conversation_id, user_ids, seq } if user_ids.len() > USERS_PER_NOTICE => user_ids
            .chunks(USERS_PER_NOTICE)
            .map(|c| BusMessage::Joined { conversation_id, user_ids: c.to_vec(), seq })
            .collect(),
        BusMessage::Left { conversation_id, user_ids, seq } if user_ids.len() > USERS_PER_NOTICE => user_ids
            .chunks(USERS_PER_NOTICE)
            .map(|c| BusMessage::Left { conversation_id, user_ids: c.to_vec(), seq })
            .collect(),
        other => vec![other],
    }
}

/// Starts the PostgreSQL bus: a publisher task with its own connection, and a listener task
/// that feeds `local`. Returns the publishing end.
pub fn start(database_url: String, pool: db::DbPool, local: Arc<dyn Subscriber>) -> mpsc::Sender<BusMessage> {
    let (tx, rx) = mpsc::channel(PUBLISH_QUEUE);
    tokio::spawn(publish_loop(database_url.clone(), rx));
    tokio::spawn(listen_loop(database_url, pool, local));
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
            serde_json::to_string(&BusMessage::EventRef { conversation_id: event.conversation_id, seq: event.seq }).ok()
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

async fn listen_loop(url: String, pool: db::DbPool, local: Arc<dyn Subscriber>) {
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
            local.feed_lost().await;
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
                        // Announced over the bus; its read is part of the hop.
                        super::received(&event);
                        local.deliver(BusMessage::Event { event }).await;
                    }
                }
                Ok(message) => {
                    if let BusMessage::Event { event } = &message {
                        super::received(event);
                    }
                    local.deliver(message).await;
                }
                Err(e) => tracing::error!(error = %e, "unreadable bus message"),
            }
        }
        tracing::warn!("bus listener disconnected; reconnecting");
    }
}

async fn load_event(pool: &db::DbPool, conversation: ConversationId, seq: i64) -> Option<Event> {
    let mut conn = db::pool::checkout(pool).await.ok()?;
    db::queries::messages::event_at(&mut conn, conversation, seq).await.ok().flatten()
}

#[cfg(test)]
mod tests {
    use protocol::UserId;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn big_membership_notices_are_split_to_fit() {
        let users: Vec<UserId> = (0..1000).map(|n| UserId(Uuid::from_u128(n as u128))).collect();
        let parts = split(BusMessage::Joined { conversation_id: ConversationId(Uuid::nil()), user_ids: users, seq: 1 });
        assert_eq!(parts.len(), 7);
        for part in &parts {
            assert!(encode_for_notify(part).is_some_and(|p| p.len() <= MAX_PAYLOAD));
        }
    }
}
