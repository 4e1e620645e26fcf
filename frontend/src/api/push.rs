//! Web Push registration: the server's VAPID key (what a browser subscribes with) and this
//! browser's subscription, registered on turning notifications on and forgotten on turning them
//! off or signing out.

use gloo_net::http::Method;
use protocol::push::{PushSubscription, PushUnsubscribe, VapidPublicKey};

use super::http::{self, ApiError};
use crate::state::session::Session;

const SUBSCRIPTIONS: &str = "/api/v1/push/subscriptions";

/// The server's VAPID public key (base64url), for `pushManager.subscribe`.
pub async fn vapid_key(session: Session) -> Result<VapidPublicKey, ApiError> {
    http::authed::<_, ()>(session, Method::GET, "/api/v1/push/vapid-key", None).await
}

/// Registers this browser's subscription, so the server pushes to it while no app is open.
pub async fn subscribe(session: Session, subscription: &PushSubscription) -> Result<(), ApiError> {
    http::authed_empty(session, Method::POST, SUBSCRIPTIONS, Some(subscription)).await
}

/// Forgets the subscription registered with `endpoint`.
pub async fn unsubscribe(session: Session, endpoint: String) -> Result<(), ApiError> {
    http::authed_empty(session, Method::DELETE, SUBSCRIPTIONS, Some(&PushUnsubscribe { endpoint })).await
}
