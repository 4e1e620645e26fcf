//! Forwarding: a member copies a message into other conversations they are in. The copy is a
//! new message marked "forwarded" that keeps no link to its source, so the members of the
//! target learn nothing about the conversation it came from.

use db::queries::changes::{Command, NewMessage};
use db::queries::conversations as conversation_queries;
use futures_util::future::try_join_all;
use protocol::conversations::{ForwardMessage, Forwarded, MAX_FORWARD_TARGETS};
use protocol::{ConversationId, MessageId, UserId};
use uuid::Uuid;

use crate::chat::messages::{committed, readable_message};
use crate::error::ApiError;
use crate::state::AppState;

/// Copies message `message` of `conversation` into each of `input.conversation_ids`.
///
/// Every target is checked before anything is stored: one the caller is not in refuses the
/// whole request with 404, as if it did not exist. Each copy's `client_msg_id` is derived from
/// the request's and the target's id, so a retried forward stores nothing twice.
pub async fn forward(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    message: MessageId,
    input: ForwardMessage,
) -> Result<Forwarded, ApiError> {
    let mut targets = input.conversation_ids;
    let mut seen = std::collections::HashSet::new();
    targets.retain(|t| seen.insert(*t));
    if targets.is_empty() || targets.len() > MAX_FORWARD_TARGETS {
        return Err(ApiError::invalid_field("conversation_ids", "give 1 to 10 conversations"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let source = readable_message(&mut conn, conversation, user, message).await?;
    if source.deleted_at.is_some() {
        return Err(ApiError::new(protocol::ErrorCode::Unprocessable, "this message was deleted"));
    }
    for target in &targets {
        conversation_queries::membership(&mut conn, *target, user).await?.ok_or_else(|| {
            ApiError::field(protocol::ErrorCode::NotFound, "conversation_ids", "conversation not found")
        })?;
    }
    // Each copy's files are the forwarder's own uploads of the same bytes (stored once).
    let keys: Vec<Uuid> = targets.iter().map(|target| copy_key(input.client_msg_id, *target)).collect();
    let files = db::queries::media::copy_for_forward(&mut conn, source.id, user, &keys).await?;
    drop(conn);
    let mut queued = Vec::with_capacity(targets.len());
    for ((target, key), attachments) in targets.into_iter().zip(keys).zip(files) {
        let command = Command::Send(NewMessage {
            conversation: target,
            sender: user,
            client_msg_id: key,
            body: source.body.clone(),
            reply_to: None,
            mentions: Vec::new(),
            forwarded: true,
            attachments,
            location: source.location(),
            display_name: None,
            by_webhook: false,
        });
        queued.push(state.writer.queue(command).await?);
    }
    let items = try_join_all(queued.into_iter().map(committed)).await?;
    Ok(Forwarded { items: items.into_iter().map(|(message, _)| message).collect() })
}

/// The idempotency key of a forward's copy in `target`.
fn copy_key(client_msg_id: Uuid, target: ConversationId) -> Uuid {
    Uuid::new_v5(&client_msg_id, target.0.as_bytes())
}
