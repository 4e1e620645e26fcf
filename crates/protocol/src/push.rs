//! Web Push: what a browser registers so the server can wake it with a notification while no
//! app of the user is connected, and what that notification carries (RFC 8030 delivery,
//! RFC 8291 encryption, RFC 8292 VAPID identification of the server).

use serde::{Deserialize, Serialize};

use crate::ids::ConversationId;

/// Longest push endpoint URL the server stores, in bytes.
pub const ENDPOINT_MAX_BYTES: usize = 1024;
/// Most push subscriptions one account keeps (a device each); the oldest goes past it.
pub const MAX_SUBSCRIPTIONS_PER_USER: usize = 20;
/// Longest message preview a notification carries, in characters.
pub const PREVIEW_MAX_CHARS: usize = 140;

/// The server's VAPID public key: a browser's `pushManager.subscribe` takes it as
/// `applicationServerKey`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VapidPublicKey {
    /// The uncompressed P-256 point (65 bytes), base64url without padding.
    pub public_key: String,
}

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushSubscription {
    /// The push service's URL for this browser (`https://`, at most 1,024 bytes).
    pub endpoint: String,
    /// The browser's keys.
    pub keys: PushKeys,
}

/// The keys a push message is encrypted to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushKeys {
    /// The browser's P-256 public key (uncompressed, 65 bytes), base64url.
    pub p256dh: String,
    /// The browser's authentication secret (16 bytes), base64url.
    pub auth: String,
}

/// Which subscription to forget (this browser's, on turning notifications off).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushUnsubscribe {
    /// The endpoint it was registered with.
    pub endpoint: String,
}

/// What a push message carries, encrypted, to the service worker: enough to show the
/// notification and open the conversation on a click.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushNotification {
    /// Where the message is.
    pub conversation_id: ConversationId,
    /// Its seq.
    pub seq: i64,
    /// The sender's name, and the group's title in a group ("Ann in Team").
    pub title: String,
    /// The start of the message, or what it carries ("Photo", "Voice message").
    pub body: String,
    /// Whether the recipient was mentioned.
    pub mention: bool,
    /// The app's path of the conversation (`/chat/{id}`), to open on a click.
    pub url: String,
}
