//! Webhooks: a group's incoming webhooks (its owners and admins list, create and revoke them;
//! the secret URL comes once, in the creation's answer) and the signed-in person's outgoing
//! subscriptions (the signing secret likewise comes once).

use gloo_net::http::Method;
use protocol::ConversationId;
use protocol::webhooks::{
    CreateIncomingWebhook, CreateSubscription, CreatedIncomingWebhook, CreatedSubscription, IncomingWebhooks,
    Subscriptions,
};
use uuid::Uuid;

use super::http::{self, ApiError};
use crate::state::session::Session;

fn incoming_path(conversation: ConversationId) -> String {
    format!("/api/v1/conversations/{}/webhooks", conversation.0)
}

/// The group's incoming webhooks that are not revoked, oldest first (never their secrets).
pub async fn incoming(session: Session, conversation: ConversationId) -> Result<IncomingWebhooks, ApiError> {
    http::authed::<_, ()>(session, Method::GET, &incoming_path(conversation), None).await
}

/// Makes an incoming webhook; the answer's `path` is the only copy of its secret URL.
pub async fn create_incoming(
    session: Session,
    conversation: ConversationId,
    name: String,
) -> Result<CreatedIncomingWebhook, ApiError> {
    let body = CreateIncomingWebhook { name };
    http::authed(session, Method::POST, &incoming_path(conversation), Some(&body)).await
}

/// Revokes an incoming webhook: its URL stops working, its messages stay.
pub async fn revoke_incoming(session: Session, conversation: ConversationId, webhook: Uuid) -> Result<(), ApiError> {
    let path = format!("{}/{webhook}", incoming_path(conversation));
    http::authed_empty::<()>(session, Method::DELETE, &path, None).await
}

/// The person's outgoing subscriptions with their health, oldest first.
pub async fn subscriptions(session: Session) -> Result<Subscriptions, ApiError> {
    http::authed::<_, ()>(session, Method::GET, "/api/v1/webhooks/subscriptions", None).await
}

/// Subscribes a URL; the answer holds the signing secret, which the server never shows again.
pub async fn subscribe(session: Session, subscription: CreateSubscription) -> Result<CreatedSubscription, ApiError> {
    http::authed(session, Method::POST, "/api/v1/webhooks/subscriptions", Some(&subscription)).await
}

/// Deletes a subscription: nothing more is delivered to its URL.
pub async fn unsubscribe(session: Session, id: Uuid) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::DELETE, &format!("/api/v1/webhooks/subscriptions/{id}"), None).await
}
