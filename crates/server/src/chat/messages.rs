//! Message operations: send (idempotent, acknowledged after commit), edit, delete, read
//! markers, typing, history pages, the events catch-up read, and search. Every read checks
//! membership first, so a conversation the caller is not in answers 404.

use std::collections::HashSet;

use db::models::User;
use db::queries::changes::{Command, Deleter, NewMessage, Outcome};
use db::queries::conversations as conversation_queries;
use db::queries::messages::{self as queries, MessageRow};
use db::queries::{media, reactions};

use crate::chat::writer::Committed;
use db::queries::users as user_queries;
use diesel_async::AsyncPgConnection;
use protocol::conversations::{
    EventKind, EventPage, MAX_MENTIONS, MAX_PAGE, MAX_PAGE_EVENTS, Message, MessagePage, SearchHit, SearchResults,
    SendMessage, check_body,
};
use protocol::media::MAX_ATTACHMENTS;
use protocol::users::PublicUser;
use protocol::ws::{DeliveredUpTo, MAX_DELIVERED_PER_FRAME};
use protocol::{ConversationId, MessageId, UserId};

use crate::bus::BusMessage;
use crate::error::ApiError;
use crate::state::AppState;

/// Longest search query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most search hits returned.
const MAX_HITS: i64 = 50;

fn body_error(e: &str) -> ApiError {
    ApiError::invalid_field("body", e)
}

/// Sends a message through the writer; the bool is true when it was stored now (false: a
/// replay of a `client_msg_id` already stored, answered with the stored message and published
/// nowhere). The writer publishes the event after commit.
pub async fn send(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    input: SendMessage,
) -> Result<(Message, bool), ApiError> {
    committed(queue_send(state, user, conversation, input).await?).await
}

/// Checks and queues a send without waiting for its commit, so a WebSocket can go on
/// delivering while its own sends are stored; [`committed`] gives the answer.
pub async fn queue_send(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    input: SendMessage,
) -> Result<Committed, ApiError> {
    // A message of attachments or a location alone may have no text.
    if !input.body.is_empty() || (input.attachments.is_empty() && input.location.is_none()) {
        check_body(&input.body).map_err(body_error)?;
    }
    if let Some(location) = &input.location {
        location.check().map_err(|why| ApiError::invalid_field("location", why))?;
    }
    let mut attachments = input.attachments;
    let count = attachments.len();
    attachments.dedup();
    if count > MAX_ATTACHMENTS || attachments.len() != count {
        return Err(ApiError::invalid_field("attachments", "at most 10 different uploads per message"));
    }
    let mut mentions = input.mentions;
    mentions.sort_unstable();
    mentions.dedup();
    if mentions.len() > MAX_MENTIONS {
        return Err(ApiError::invalid_field("mentions", "a message can mention at most 50 people"));
    }
    state
        .writer
        .queue(Command::Send(NewMessage {
            conversation,
            sender: user,
            client_msg_id: input.client_msg_id,
            body: input.body,
            reply_to: input.reply_to,
            mentions,
            forwarded: false,
            attachments,
            location: input.location,
            display_name: None,
            by_webhook: false,
        }))
        .await
}

/// The answer to a queued send: the stored message, and whether it was stored now.
pub async fn committed(queued: Committed) -> Result<(Message, bool), ApiError> {
    match queued.wait().await? {
        Outcome::Sent { message, attachments, created } => {
            Ok((Message { attachments, ..message.to_protocol() }, created))
        }
        other => Err(unexpected(other)),
    }
}

/// Queues an edit of the caller's own message without waiting for its commit.
pub async fn queue_edit(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    message: MessageId,
    body: String,
) -> Result<Committed, ApiError> {
    check_body(&body).map_err(body_error)?;
    let command = Command::Edit { conversation, editor: user, message, body };
    state.writer.queue(command).await
}

/// Edits the caller's own message.
pub async fn edit(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    message: MessageId,
    body: String,
) -> Result<Message, ApiError> {
    changed_message(queue_edit(state, user, conversation, message, body).await?).await
}

/// Queues the deletion of a message (own, or any as a group owner or admin), leaving a
/// tombstone, without waiting for its commit.
pub async fn queue_delete(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    message: MessageId,
) -> Result<Committed, ApiError> {
    let command = Command::Delete { conversation, by: Deleter::Member(user), message };
    state.writer.queue(command).await
}

/// Deletes a message (own, or any as a group owner or admin), leaving a tombstone.
pub async fn delete(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    message: MessageId,
) -> Result<Message, ApiError> {
    changed_message(queue_delete(state, user, conversation, message).await?).await
}

/// Removes any message as an operator (no membership needed); members see it deleted live,
/// marked as moderated.
pub async fn moderate(
    state: &AppState,
    admin: UserId,
    conversation: ConversationId,
    message: MessageId,
) -> Result<Message, ApiError> {
    let command = Command::Delete { conversation, by: Deleter::Operator(admin), message };
    changed_message(state.writer.queue(command).await?).await
}

/// The answer to a queued edit or deletion: the message after it.
pub async fn changed_message(queued: Committed) -> Result<Message, ApiError> {
    match queued.wait().await? {
        Outcome::Message(message) => Ok(*message),
        other => Err(unexpected(other)),
    }
}

/// A writer answer of the wrong kind for its command: a bug, reported as one.
pub(crate) fn unexpected(outcome: Outcome) -> ApiError {
    ApiError::internal(anyhow::anyhow!("the writer answered a command with {outcome:?}"))
}

/// Moves the caller's read marker forward and tells the other members.
pub async fn mark_read(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    seq: i64,
) -> Result<i64, ApiError> {
    if seq < 0 {
        return Err(ApiError::invalid_field("seq", "must be 0 or more"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let read = queries::mark_read(&mut conn, conversation, user, seq)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation"))?;
    drop(conn);
    state.bus.publish(BusMessage::Read { conversation_id: conversation, user_id: user, seq: read }).await;
    Ok(read)
}

/// Moves `user`'s delivery markers forward (see `ClientFrame::Delivered`).
pub async fn mark_delivered(state: &AppState, user: UserId, up_to: &[DeliveredUpTo]) -> Result<(), ApiError> {
    if up_to.len() > MAX_DELIVERED_PER_FRAME {
        return Err(ApiError::invalid_field("up_to", format!("at most {MAX_DELIVERED_PER_FRAME} conversations")));
    }
    if up_to.iter().any(|d| d.seq < 0) {
        return Err(ApiError::invalid_field("up_to", "seqs are 0 or more"));
    }
    let pairs: Vec<(ConversationId, i64)> = up_to.iter().map(|d| (d.conversation_id, d.seq)).collect();
    let mut conn = db::pool::checkout(&state.pool).await?;
    queries::mark_delivered(&mut conn, user, &pairs).await?;
    Ok(())
}

/// Checks the caller is a member and, when `relay`, tells the other members they are typing
/// (not stored; the caller throttles how often).
pub async fn typing(state: &AppState, user: UserId, conversation: ConversationId, relay: bool) -> Result<(), ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    conversation_queries::membership(&mut conn, conversation, user)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation"))?;
    drop(conn);
    if relay {
        state.bus.publish(BusMessage::Typing { conversation_id: conversation, user_id: user }).await;
    }
    Ok(())
}

pub(crate) async fn require_member(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    user: UserId,
) -> Result<(), ApiError> {
    conversation_queries::membership(conn, conversation, user)
        .await?
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found("conversation"))
}

/// Message `message` of `conversation`, read by `user`: 404 unless they are a member and the
/// message is in that conversation (whichever is wrong, the answer is the same).
pub(crate) async fn readable_message(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    user: UserId,
    message: MessageId,
) -> Result<MessageRow, ApiError> {
    require_member(conn, conversation, user).await?;
    queries::by_ids(conn, &[message])
        .await?
        .remove(&message)
        .filter(|m| m.conversation_id == conversation)
        .ok_or_else(|| ApiError::not_found("message"))
}

/// Profiles of the given users; deleted accounts show as "Deleted user".
pub(crate) async fn authors(
    conn: &mut AsyncPgConnection,
    ids: impl Iterator<Item = UserId>,
) -> Result<Vec<PublicUser>, ApiError> {
    let ids: Vec<UserId> = ids.collect::<HashSet<_>>().into_iter().collect();
    let users = user_queries::by_ids(conn, &ids).await?;
    Ok(users.values().map(User::to_public).collect())
}

/// Clamps a requested page size into 1..=MAX_PAGE.
pub fn page_size(limit: Option<u32>) -> i64 {
    i64::from(limit.unwrap_or(protocol::conversations::DEFAULT_PAGE).clamp(1, MAX_PAGE))
}

/// A page of history, newest first.
pub async fn history(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    before_seq: Option<i64>,
    limit: Option<u32>,
) -> Result<MessagePage, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    require_member(&mut conn, conversation, user).await?;
    history_page(&mut conn, conversation, before_seq, limit).await
}

/// A page of any conversation's history, newest first, with the conversation's own events
/// between its messages (the caller has checked who may read it).
pub(crate) async fn history_page(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    before_seq: Option<i64>,
    limit: Option<u32>,
) -> Result<MessagePage, ApiError> {
    let limit = page_size(limit);
    let mut rows = queries::history(conn, conversation, before_seq, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_before_seq = if more { rows.last().map(|m| m.seq) } else { None };
    // The lines between this page's oldest message and the next page's newest belong here; the
    // first page also takes those after its newest message.
    let after = next_before_seq.unwrap_or(0);
    let events = queries::conversation_lines(
        conn,
        conversation,
        after,
        before_seq.unwrap_or(i64::MAX),
        i64::from(MAX_PAGE_EVENTS),
    )
    .await?;
    let mut items: Vec<Message> = rows.iter().map(MessageRow::to_protocol).collect();
    reactions::attach(conn, &mut items).await?;
    media::fill(conn, &mut items).await?;
    let named = rows.iter().map(|m| m.sender_id).chain(events.iter().flat_map(|e| named_users(&e.kind)));
    let users = authors(conn, named).await?;
    Ok(MessagePage { items, users, next_before_seq, events })
}

/// The users an event names besides a message's author, whose profiles a client needs to
/// show it.
fn named_users(kind: &EventKind) -> Vec<UserId> {
    match kind {
        EventKind::ConversationCreated { by, .. }
        | EventKind::ConversationRenamed { by, .. }
        | EventKind::DescriptionChanged { by, .. }
        | EventKind::PhotoChanged { by, .. }
        | EventKind::MessagePinned { by, .. }
        | EventKind::MessageUnpinned { by, .. } => vec![*by],
        EventKind::CommandInvoked { by, bot_id, .. } => vec![*by, *bot_id],
        EventKind::MemberAdded { user, by, .. } => vec![user.id, *by],
        EventKind::MemberRemoved { user_id, by } | EventKind::MemberRoleChanged { user_id, by, .. } => {
            vec![*user_id, *by]
        }
        EventKind::MessageCreated { message } | EventKind::MessageEdited { message } => vec![message.sender_id],
        EventKind::ReactionAdded { user_id, .. } | EventKind::ReactionRemoved { user_id, .. } => vec![*user_id],
        EventKind::MessageDeleted { .. } | EventKind::Unknown => Vec::new(),
    }
}

/// What the caller missed: events after `after_seq`, oldest first.
pub async fn events(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    after_seq: i64,
    limit: Option<u32>,
) -> Result<EventPage, ApiError> {
    if after_seq < 0 {
        return Err(ApiError::invalid_field("after_seq", "must be 0 or more"));
    }
    let limit = page_size(limit);
    let mut conn = db::pool::checkout(&state.pool).await?;
    let (row, _) = conversation_queries::visible(&mut conn, conversation, user)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation"))?;
    let mut items = queries::events_after(&mut conn, conversation, after_seq, limit + 1).await?;
    let has_more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    reactions::attach_to_events(&mut conn, &mut items).await?;
    media::fill_events(&mut conn, &mut items).await?;
    let named: Vec<UserId> = items.iter().flat_map(|e| named_users(&e.kind)).filter(|u| !u.0.is_nil()).collect();
    let users = authors(&mut conn, named.into_iter()).await?;
    Ok(EventPage { items, users, last_seq: row.last_seq, has_more })
}

/// Full-text search in the caller's conversations.
pub async fn search(state: &AppState, user: UserId, q: &str) -> Result<SearchResults, ApiError> {
    let q = q.trim();
    if q.is_empty() || q.chars().count() > MAX_QUERY_CHARS || q.contains('\0') {
        return Err(ApiError::invalid_field("q", "give 1 to 200 characters"));
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    let rows = queries::search(&mut conn, user, q, MAX_HITS).await?;
    let ids: Vec<UserId> = rows.iter().map(|m| m.sender_id).collect();
    let users = user_queries::by_ids(&conn, &ids).await?;
    let items = rows
        .iter()
        .filter_map(|m| Some(SearchHit { message: m.to_protocol(), sender: users.get(&m.sender_id)?.to_public() }))
        .collect();
    Ok(SearchResults { items })
}
