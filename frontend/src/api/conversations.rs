//! Conversations over REST: the list, creating DMs and groups, members, history pages, the
//! event log a reconnecting client replays, and message search. Live traffic (sending, typing,
//! read markers) goes over the WebSocket in [`super::ws`].

use gloo_net::http::Method;
use protocol::conversations::{
    AddMembers, ConversationDetail, ConversationSettings, ConversationSummary, CreateConversation, EditMessage,
    EventPage, ForwardMessage, Forwarded, Member, MemberRole, Message, MessagePage, MessageReaders, PinnedMessages,
    SearchResults, SetRole, UpdateConversation, UpdateConversationSettings,
};
use protocol::media::MediaId;
use protocol::users::SetPicture;
use protocol::{ConversationId, MessageId, UserId};

use super::http::{self, ApiError, encode};
use crate::state::session::Session;

/// Page size for history and event pages: large enough that a reconnect usually needs one.
const PAGE: u32 = 100;

/// Opens the DM with a friend (the existing one if there is one) or creates a group.
pub async fn create(session: Session, body: CreateConversation) -> Result<ConversationSummary, ApiError> {
    http::authed(session, Method::POST, "/api/v1/conversations", Some(&body)).await
}

/// The conversation and its members.
pub async fn detail(session: Session, id: ConversationId) -> Result<ConversationDetail, ApiError> {
    http::authed::<_, ()>(session, Method::GET, &format!("/api/v1/conversations/{id}"), None).await
}

/// Renames a group.
pub async fn rename(session: Session, id: ConversationId, title: String) -> Result<ConversationSummary, ApiError> {
    let body = UpdateConversation { title: Some(title), description: None };
    http::authed(session, Method::PATCH, &format!("/api/v1/conversations/{id}"), Some(&body)).await
}

/// Changes a group's description (empty removes it).
pub async fn describe(
    session: Session,
    id: ConversationId,
    description: String,
) -> Result<ConversationSummary, ApiError> {
    let body = UpdateConversation { title: None, description: Some(description) };
    http::authed(session, Method::PATCH, &format!("/api/v1/conversations/{id}"), Some(&body)).await
}

/// Makes one of the caller's picture uploads the group's photo (`None` removes it).
pub async fn set_photo(
    session: Session,
    id: ConversationId,
    media: Option<MediaId>,
) -> Result<ConversationSummary, ApiError> {
    let path = format!("/api/v1/conversations/{id}/photo");
    match media {
        Some(media_id) => http::authed(session, Method::PUT, &path, Some(&SetPicture { media_id })).await,
        None => http::authed::<_, ()>(session, Method::DELETE, &path, None).await,
    }
}

/// Adds friends to a group.
pub async fn add_members(
    session: Session,
    id: ConversationId,
    user_ids: Vec<UserId>,
) -> Result<ConversationDetail, ApiError> {
    http::authed(session, Method::POST, &format!("/api/v1/conversations/{id}/members"), Some(&AddMembers { user_ids }))
        .await
}

/// Removes someone from a group.
pub async fn remove_member(session: Session, id: ConversationId, user: UserId) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::DELETE, &format!("/api/v1/conversations/{id}/members/{user}"), None).await
}

/// Makes a member an admin or a plain member again.
pub async fn set_role(
    session: Session,
    id: ConversationId,
    user: UserId,
    role: MemberRole,
) -> Result<Member, ApiError> {
    let path = format!("/api/v1/conversations/{id}/members/{user}/role");
    http::authed(session, Method::PUT, &path, Some(&SetRole { role })).await
}

/// Leaves a conversation.
pub async fn leave(session: Session, id: ConversationId) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::POST, &format!("/api/v1/conversations/{id}/leave"), None).await
}

/// A page of history, newest first: the latest messages, or those before `before_seq`.
pub async fn messages(session: Session, id: ConversationId, before_seq: Option<i64>) -> Result<MessagePage, ApiError> {
    let path = match before_seq {
        Some(before) => format!("/api/v1/conversations/{id}/messages?limit={PAGE}&before_seq={before}"),
        None => format!("/api/v1/conversations/{id}/messages?limit={PAGE}"),
    };
    http::authed::<_, ()>(session, Method::GET, &path, None).await
}

/// Events after `after_seq`, oldest first: what a client missed.
pub async fn events(session: Session, id: ConversationId, after_seq: i64) -> Result<EventPage, ApiError> {
    let path = format!("/api/v1/conversations/{id}/events?limit={PAGE}&after_seq={after_seq}");
    http::authed::<_, ()>(session, Method::GET, &path, None).await
}

/// Edits one of the caller's messages.
pub async fn edit(session: Session, id: ConversationId, message: MessageId, body: String) -> Result<Message, ApiError> {
    let path = format!("/api/v1/conversations/{id}/messages/{message}");
    http::authed(session, Method::PATCH, &path, Some(&EditMessage { body })).await
}

/// Deletes a message, leaving a tombstone.
pub async fn delete(session: Session, id: ConversationId, message: MessageId) -> Result<Message, ApiError> {
    http::authed::<_, ()>(session, Method::DELETE, &format!("/api/v1/conversations/{id}/messages/{message}"), None)
        .await
}

/// Adds (`add`) or takes back the user's reaction with `emoji`; the change arrives as an event.
pub async fn react(
    session: Session,
    id: ConversationId,
    message: MessageId,
    emoji: &str,
    add: bool,
) -> Result<Message, ApiError> {
    let method = if add { Method::PUT } else { Method::DELETE };
    let path = format!("/api/v1/conversations/{id}/messages/{message}/reactions/{}", encode(emoji));
    http::authed::<_, ()>(session, method, &path, None).await
}

/// Pins or unpins a message.
pub async fn pin(session: Session, id: ConversationId, message: MessageId, pinned: bool) -> Result<Message, ApiError> {
    let method = if pinned { Method::PUT } else { Method::DELETE };
    http::authed::<_, ()>(session, method, &format!("/api/v1/conversations/{id}/pins/{message}"), None).await
}

/// The pinned messages, most recently pinned first.
pub async fn pins(session: Session, id: ConversationId) -> Result<PinnedMessages, ApiError> {
    http::authed::<_, ()>(session, Method::GET, &format!("/api/v1/conversations/{id}/pins"), None).await
}

/// Copies a message into other conversations of the user's.
pub async fn forward(
    session: Session,
    id: ConversationId,
    message: MessageId,
    body: ForwardMessage,
) -> Result<Forwarded, ApiError> {
    let path = format!("/api/v1/conversations/{id}/messages/{message}/forward");
    http::authed(session, Method::POST, &path, Some(&body)).await
}

/// Changes the user's own settings of a conversation (muted, archived).
pub async fn update_settings(
    session: Session,
    id: ConversationId,
    body: UpdateConversationSettings,
) -> Result<ConversationSettings, ApiError> {
    http::authed(session, Method::PUT, &format!("/api/v1/conversations/{id}/settings"), Some(&body)).await
}

/// Who has read one of the user's messages, and who has not yet.
pub async fn readers(session: Session, id: ConversationId, message: MessageId) -> Result<MessageReaders, ApiError> {
    let path = format!("/api/v1/conversations/{id}/messages/{message}/readers");
    http::authed::<_, ()>(session, Method::GET, &path, None).await
}

/// Full-text search over every conversation the user belongs to, best match first.
pub async fn search(session: Session, query: &str) -> Result<SearchResults, ApiError> {
    http::authed::<_, ()>(session, Method::GET, &format!("/api/v1/search?q={}", encode(query)), None).await
}
