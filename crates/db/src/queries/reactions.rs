//! Reading reactions, which live in their own table (one row per user and emoji) and are
//! attached to messages where a read shows them. They are written only through `changes`.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use protocol::conversations::{Event, Message, Reaction};
use protocol::{MessageId, UserId};
use uuid::Uuid;

use crate::schema::message_reactions;

/// The reactions of each of `messages` that has any, one entry per emoji in the order each
/// was first used, and within it the users in the order they reacted.
pub async fn of_messages(
    conn: &mut AsyncPgConnection,
    messages: &[MessageId],
) -> QueryResult<HashMap<MessageId, Vec<Reaction>>> {
    if messages.is_empty() {
        return Ok(HashMap::new());
    }
    let messages: Vec<Uuid> = messages.iter().map(|id| id.0).collect();
    let rows: Vec<(Uuid, String, Uuid)> = message_reactions::table
        .filter(message_reactions::message_id.eq_any(messages))
        .order((message_reactions::created_at, message_reactions::user_id))
        .select((message_reactions::message_id, message_reactions::emoji, message_reactions::user_id))
        .load(conn)
        .await?;
    let mut found: HashMap<MessageId, Vec<Reaction>> = HashMap::new();
    for (message, emoji, user) in rows {
        let reactions = found.entry(MessageId(message)).or_default();
        match reactions.iter_mut().find(|r| r.emoji == emoji) {
            Some(reaction) => reaction.user_ids.push(UserId(user)),
            None => reactions.push(Reaction { emoji, user_ids: vec![UserId(user)] }),
        }
    }
    Ok(found)
}

/// Fills in the reactions of `messages`.
pub async fn attach(conn: &mut AsyncPgConnection, messages: &mut [Message]) -> QueryResult<()> {
    let ids: Vec<MessageId> = messages.iter().filter(|m| m.deleted_at.is_none()).map(|m| m.id).collect();
    let mut found = of_messages(conn, &ids).await?;
    for message in messages {
        message.reactions = found.remove(&message.id).unwrap_or_default();
    }
    Ok(())
}

/// Fills in the reactions of the messages that `events` carry.
pub async fn attach_to_events(conn: &mut AsyncPgConnection, events: &mut [Event]) -> QueryResult<()> {
    let mut carried: Vec<&mut Message> = events.iter_mut().filter_map(|e| e.kind.carried_message_mut()).collect();
    let ids: Vec<MessageId> = carried.iter().filter(|m| m.deleted_at.is_none()).map(|m| m.id).collect();
    let found = of_messages(conn, &ids).await?;
    for message in &mut carried {
        message.reactions = found.get(&message.id).cloned().unwrap_or_default();
    }
    Ok(())
}
