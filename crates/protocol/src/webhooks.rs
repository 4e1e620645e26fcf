//! Webhooks: incoming ones (a secret URL that posts a message into a group), outgoing
//! subscriptions (a conversation's events POSTed to a program, signed as the Standard Webhooks
//! specification says), and the body of each delivery, so a Rust receiver parses it with the
//! same types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::conversations::Event;
use crate::ids::{ConversationId, UserId};

/// Longest webhook name, in characters (also the longest per-message `username`).
pub const MAX_WEBHOOK_NAME_CHARS: usize = 64;
/// Longest outgoing webhook URL, in bytes.
pub const MAX_WEBHOOK_URL_BYTES: usize = 2_048;
/// Most outgoing subscriptions one account may have.
pub const MAX_SUBSCRIPTIONS: usize = 20;

/// `POST /api/v1/conversations/{id}/webhooks`: a new incoming webhook for a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateIncomingWebhook {
    /// The name its messages are shown under (1 to 64 characters).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub name: String,
}

/// An incoming webhook, as its group's admins see it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncomingWebhook {
    /// Its id, the first part of its URL.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    /// The group it posts into.
    pub conversation_id: ConversationId,
    /// The name its messages are shown under.
    pub name: String,
    /// The account its messages are stored as (a bot account of its own).
    pub account_id: UserId,
    /// Who created it.
    pub created_by: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The answer to creating an incoming webhook: the only time its secret URL is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedIncomingWebhook {
    /// The webhook.
    pub webhook: IncomingWebhook,
    /// Where to POST messages, relative to the server's origin
    /// (`/api/v1/hooks/{id}/{secret}`); whoever has it can post, so keep it secret.
    pub path: String,
}

/// `GET /api/v1/conversations/{id}/webhooks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncomingWebhooks {
    /// The group's webhooks that are not revoked, oldest first.
    pub items: Vec<IncomingWebhook>,
}

/// `POST /api/v1/hooks/{id}/{secret}`: a message for the webhook's group. With an
/// `Idempotency-Key` header, a retry stores nothing new and answers the same message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncomingWebhookPost {
    /// The text (1 to 4,000 characters).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 4000))]
    pub body: String,
    /// A name shown for this message instead of the webhook's (1 to 64 characters).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub username: Option<String>,
}

/// What an outgoing subscription delivers. Newer servers may add kinds; an older client reads
/// them as `Unknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WebhookEventKind {
    /// Every new message in the account's conversations, but its own.
    Message,
    /// New messages that mention the account.
    Mention,
    /// Invocations of the account's slash commands (`command_invoked` events naming it).
    Command,
    /// A kind this client does not know.
    #[serde(other)]
    Unknown,
}

impl WebhookEventKind {
    /// The name stored and sent (`type` of a delivery).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Mention => "mention",
            Self::Command => "command",
            Self::Unknown => "unknown",
        }
    }

    /// The kind a stored name stands for.
    pub fn parse(name: &str) -> Self {
        match name {
            "message" => Self::Message,
            "mention" => Self::Mention,
            "command" => Self::Command,
            _ => Self::Unknown,
        }
    }
}

/// `POST /api/v1/webhooks/subscriptions`: deliver the caller's conversations' events of some
/// kinds to a URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateSubscription {
    /// Where to POST them: `https://`, or `http://` for an address the operator allowed.
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub url: String,
    /// Which kinds (at least one).
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub events: Vec<WebhookEventKind>,
}

/// An outgoing subscription, as its owner sees it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subscription {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    /// Where deliveries go.
    pub url: String,
    /// What it delivers.
    pub events: Vec<WebhookEventKind>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Since when deliveries have been failing (none while they succeed).
    pub failing_since: Option<DateTime<Utc>>,
    /// The last failure, as a sentence (an HTTP status, a timeout, an egress refusal).
    pub last_error: Option<String>,
    /// Set once it failed for the whole retry window: nothing is delivered any more.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
}

/// The answer to subscribing: the only time the signing secret is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedSubscription {
    /// The subscription.
    pub subscription: Subscription,
    /// The signing secret, `whsec_` and base64 (Standard Webhooks): verify every delivery's
    /// `webhook-signature` with it.
    pub secret: String,
}

/// `GET /api/v1/webhooks/subscriptions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subscriptions {
    /// The caller's subscriptions, oldest first.
    pub items: Vec<Subscription>,
}

/// The body of one delivery (Standard Webhooks' `type`, `timestamp`, `data`). Its
/// `webhook-id` header is the same on every retry of it, so a receiver can drop repeats.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// Why it was delivered (`mention` when the subscription takes mentions and the message
    /// mentions its owner, `command` for an invocation of its slash command, else `message`).
    #[serde(rename = "type")]
    pub kind: WebhookEventKind,
    /// When this attempt was made.
    pub timestamp: DateTime<Utc>,
    /// The event.
    pub data: DeliveryData,
}

/// What a delivery carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryData {
    /// The subscription it was delivered for.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub subscription_id: Uuid,
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The event's seq there: deliveries of one conversation come in seq order.
    pub seq: i64,
    /// The event, as the WebSocket and `/events` carry it.
    pub event: Event,
}
