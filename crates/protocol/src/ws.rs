//! The WebSocket protocol at `/api/v1/ws`: one JSON text frame per message, `ClientFrame` up
//! and `ServerFrame` down, tagged by `"type"`. docs/protocol.md tells the whole procedure.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::conversations::{ConversationSettings, ConversationSummary, Event, Message, SendMessage};
use crate::error::ErrorCode;
use crate::ids::{ConversationId, MessageId, UserId};
use crate::social::{Friend, FriendRequest, FriendRequests};
use crate::users::{Me, PublicUser};

/// Path of the gateway.
pub const WS_PATH: &str = "/api/v1/ws";
/// Largest client frame, in bytes; larger ones close the socket with [`close::TOO_BIG`].
pub const MAX_CLIENT_FRAME_BYTES: usize = 64 * 1024;
/// Seconds a client has to send `authenticate` after connecting.
pub const AUTH_TIMEOUT_SECS: u64 = 10;
/// The server pings this often; a client silent for three intervals is closed.
pub const HEARTBEAT_SECS: u64 = 15;
/// The protocol's version, announced in `ready`. Additions (new frame types, event kinds,
/// error codes, fields) keep it; a change older clients would misread raises it.
pub const PROTOCOL_VERSION: u32 = 1;

/// WebSocket close codes the server uses (RFC 6455 codes plus our 4xxx range).
pub mod close {
    /// The server is shutting down or restarting: reconnect after a short pause.
    pub const GOING_AWAY: u16 = 1001;
    /// A frame was larger than [`super::MAX_CLIENT_FRAME_BYTES`].
    pub const TOO_BIG: u16 = 1009;
    /// No frame or pong for three heartbeat intervals.
    pub const HEARTBEAT_TIMEOUT: u16 = 4000;
    /// No valid `authenticate` within [`super::AUTH_TIMEOUT_SECS`], or a bad token: get a new
    /// access token (refresh) and reconnect.
    pub const UNAUTHENTICATED: u16 = 4001;
    /// The session was signed out or revoked: do not reconnect with it.
    pub const SESSION_ENDED: u16 = 4002;
    /// An administrator disabled the account: do not reconnect.
    pub const ACCOUNT_DISABLED: u16 = 4003;
    /// The API token lacks the `read` scope a WebSocket needs: do not reconnect with it.
    pub const INSUFFICIENT_SCOPE: u16 = 4004;
    /// The client read too slowly and its outbound queue filled: reconnect and resync.
    pub const TOO_SLOW: u16 = 4008;
}

/// Frames a client sends. Every request carries a `req_id` the server echoes in its `ack` or
/// `error`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Must be the first frame.
    Authenticate {
        /// Echoed in the answer.
        req_id: u64,
        /// An access token (as from `/auth/login`), or an API token (`cfb_…`) with the `read`
        /// scope.
        token: String,
    },
    /// Sends a message; acknowledged with the stored message once committed.
    SendMessage {
        /// Echoed in the answer.
        req_id: u64,
        /// Where.
        conversation_id: ConversationId,
        /// The message.
        #[serde(flatten)]
        message: SendMessage,
    },
    /// Edits the sender's own message.
    EditMessage {
        /// Echoed in the answer.
        req_id: u64,
        /// Where.
        conversation_id: ConversationId,
        /// Which.
        message_id: MessageId,
        /// New text.
        body: String,
    },
    /// Deletes a message (own, or any as a group owner or admin).
    DeleteMessage {
        /// Echoed in the answer.
        req_id: u64,
        /// Where.
        conversation_id: ConversationId,
        /// Which.
        message_id: MessageId,
    },
    /// Moves the caller's read marker forward.
    MarkRead {
        /// Echoed in the answer.
        req_id: u64,
        /// Where.
        conversation_id: ConversationId,
        /// Up to which seq.
        seq: i64,
    },
    /// How far this device has received conversations' events: what read-by's "delivered to"
    /// is made of. Send it coalesced (every few seconds at most, only the conversations whose
    /// received seq moved, at most [`MAX_DELIVERED_PER_FRAME`]); markers only move forward,
    /// and conversations the caller is not in are skipped (the answer is the same).
    Delivered {
        /// Echoed in the answer.
        req_id: u64,
        /// The highest seq received, per conversation.
        up_to: Vec<DeliveredUpTo>,
    },
    /// "I am typing" (send at most every few seconds while typing; not stored).
    Typing {
        /// Echoed in the answer.
        req_id: u64,
        /// Where.
        conversation_id: ConversationId,
    },
    /// Application-level liveness check; answered with an `ack`.
    Ping {
        /// Echoed in the answer.
        req_id: u64,
    },
}

impl ClientFrame {
    /// The frame's request id.
    pub fn req_id(&self) -> u64 {
        match self {
            Self::Authenticate { req_id, .. }
            | Self::SendMessage { req_id, .. }
            | Self::EditMessage { req_id, .. }
            | Self::DeleteMessage { req_id, .. }
            | Self::MarkRead { req_id, .. }
            | Self::Delivered { req_id, .. }
            | Self::Typing { req_id, .. }
            | Self::Ping { req_id } => *req_id,
        }
    }
}

/// Most conversations one `delivered` frame names.
pub const MAX_DELIVERED_PER_FRAME: usize = 100;

/// One conversation of a `delivered` frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveredUpTo {
    /// Where.
    pub conversation_id: ConversationId,
    /// The highest seq this device has received there.
    pub seq: i64,
}

/// A friend and whether they are online now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FriendPresence {
    /// The friendship.
    #[serde(flatten)]
    pub friend: Friend,
    /// Connected right now.
    pub online: bool,
    /// When they were last connected (when offline).
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// What an `ack` carries, by request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum AckResult {
    /// `send_message`, `edit_message`, `delete_message`: the message as stored now.
    Message(Box<Message>),
    /// `mark_read`: the marker as stored (it never moves back).
    Read {
        /// The marker.
        read_seq: i64,
    },
    /// Requests with nothing to return.
    Done {},
}

/// Frames the server sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// After `authenticate`: the connection is subscribed; this is the state to sync from.
    Ready {
        /// Echoes the `authenticate` request.
        req_id: u64,
        /// The caller.
        user: Me,
        /// Friends, with presence.
        friends: Vec<FriendPresence>,
        /// Pending requests both ways.
        requests: FriendRequests,
        /// Every conversation, newest activity first, with `last_seq`, `read_seq`, `unread`.
        conversations: Vec<ConversationSummary>,
        /// Seconds between server pings.
        heartbeat_secs: u64,
        /// [`PROTOCOL_VERSION`] of the server (absent from servers before it was announced: 1).
        #[serde(default = "first_version")]
        protocol_version: u32,
    },
    /// A request succeeded.
    Ack {
        /// The request's id.
        req_id: u64,
        /// Its result.
        result: AckResult,
    },
    /// A request failed, or a frame could not be read (then `req_id` is absent).
    Error {
        /// The request's id, when the frame had one.
        req_id: Option<u64>,
        /// Stable code, as in REST errors.
        error: ErrorCode,
        /// Human-readable explanation.
        message: String,
        /// The input field that was wrong, when one was (as in REST error bodies).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<String>,
    },
    /// A stored change in a conversation the caller belongs to.
    Event {
        /// The change.
        event: Event,
    },
    /// The caller joined a conversation (created it, or was added).
    ConversationAdded {
        /// It, from the caller's point of view.
        conversation: Box<ConversationSummary>,
    },
    /// The caller left or was removed: forget it.
    ConversationRemoved {
        /// Which.
        conversation_id: ConversationId,
    },
    /// The caller changed their own settings of a conversation (on this or another device).
    ConversationSettingsChanged {
        /// Which.
        conversation_id: ConversationId,
        /// The settings now.
        settings: ConversationSettings,
    },
    /// A member's read marker moved.
    Read {
        /// Where.
        conversation_id: ConversationId,
        /// Who.
        user_id: UserId,
        /// Up to where.
        seq: i64,
    },
    /// A member is typing (show for a few seconds).
    Typing {
        /// Where.
        conversation_id: ConversationId,
        /// Who.
        user_id: UserId,
    },
    /// A friend came online or went offline.
    Presence {
        /// Who.
        user_id: UserId,
        /// Now online.
        online: bool,
        /// Set when offline.
        last_seen_at: Option<DateTime<Utc>>,
    },
    /// Someone asked the caller to be friends.
    FriendRequestReceived {
        /// The request.
        request: FriendRequest,
    },
    /// A friendship began (the caller's request was accepted, or the caller accepted).
    FriendAdded {
        /// The new friend.
        friend: Friend,
        /// Whether they are online now.
        online: bool,
    },
    /// A pending request disappeared: declined by its recipient or cancelled by its sender.
    FriendRequestRemoved {
        /// Which.
        request_id: Uuid,
    },
    /// A friendship ended (unfriended or blocked).
    FriendRemoved {
        /// The former friend.
        user_id: UserId,
    },
    /// A profile the caller can see changed.
    UserUpdated {
        /// The profile now.
        user: PublicUser,
    },
    /// One of the caller's outgoing webhook subscriptions failed for its whole retry window
    /// and was disabled: nothing more is delivered until it is made again.
    WebhookDisabled {
        /// Which subscription.
        subscription_id: Uuid,
        /// Why, with the last error.
        reason: String,
    },
    /// A bot's ephemeral answer to a slash command the caller invoked: shown to the caller only,
    /// never stored (it is gone after a reload).
    EphemeralMessage {
        /// Where the command was invoked.
        conversation_id: ConversationId,
        /// The seq of the `command_invoked` event it answers.
        invocation_seq: i64,
        /// The bot.
        sender: PublicUser,
        /// The answer.
        body: String,
    },
    /// A frame type this client does not know, from a newer server: ignore it. Never sent
    /// (so never serialized, and absent from the frame schema).
    #[serde(other, skip_serializing)]
    Unknown,
}

fn first_version() -> u32 {
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_message_frame_is_flat() {
        let json = r#"{"type":"send_message","req_id":7,"conversation_id":"00000000-0000-0000-0000-000000000001",
            "client_msg_id":"00000000-0000-0000-0000-000000000002","body":"hi"}"#;
        let frame: ClientFrame = serde_json::from_str(json).unwrap();
        assert_eq!(frame.req_id(), 7);
        let ClientFrame::SendMessage { message, .. } = frame else { panic!("wrong variant") };
        assert_eq!(message.body, "hi");
        assert_eq!(message.reply_to, None);
    }

    #[test]
    fn acks_distinguish_their_results() {
        let done = serde_json::to_string(&AckResult::Done {}).unwrap();
        assert_eq!(done, "{}");
        let read: AckResult = serde_json::from_str(r#"{"read_seq":4}"#).unwrap();
        assert_eq!(read, AckResult::Read { read_seq: 4 });
        let back: AckResult = serde_json::from_str("{}").unwrap();
        assert_eq!(back, AckResult::Done {});
    }
}
