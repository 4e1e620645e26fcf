//! Operators' API (`/api/v1/admin/...`): user management, chat history, retention, stats and
//! the append-only audit log. Every route requires the `admin` role.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::conversations::{ConversationKind, Member, Message};
use crate::ids::{ConversationId, UserId};
use crate::users::{PublicUser, Role};

/// A user as operators see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUser {
    /// Id.
    pub id: UserId,
    /// Handle.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// `user` or `admin`.
    pub role: Role,
    /// When an operator disabled the account.
    pub disabled_at: Option<DateTime<Utc>>,
    /// When the account was deleted.
    pub deleted_at: Option<DateTime<Utc>>,
    /// When the user was last connected.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Sign-up time.
    pub created_at: DateTime<Utc>,
}

/// `GET /api/v1/admin/users/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUserDetail {
    /// The account.
    pub user: AdminUser,
    /// Bio.
    pub bio: String,
    /// Live sessions.
    pub sessions: i64,
    /// Conversations they belong to.
    pub conversations: i64,
    /// Messages they sent.
    pub messages: i64,
    /// Connected now.
    pub online: bool,
}

/// `POST /api/v1/admin/users`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminCreateUser {
    /// Handle (same rules as sign-up).
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Initial password (the user should change it).
    pub password: String,
    /// Role (default `user`).
    #[serde(default)]
    pub role: Option<Role>,
}

/// `PATCH /api/v1/admin/users/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUpdateUser {
    /// New handle.
    #[serde(default)]
    pub username: Option<String>,
    /// New display name.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `POST /api/v1/admin/users/{id}/password`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminResetPassword {
    /// The new password; every session of the user is signed out.
    pub password: String,
}

/// `PUT /api/v1/admin/users/{id}/role`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminSetRole {
    /// `admin` or `user`.
    pub role: Role,
}

/// A conversation as operators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminConversation {
    /// Id.
    pub id: ConversationId,
    /// DM or group.
    pub kind: ConversationKind,
    /// Title (groups).
    pub title: String,
    /// Up to 20 members.
    pub members: Vec<PublicUser>,
    /// All members.
    pub member_count: i64,
    /// Messages stored (tombstones included).
    pub message_count: i64,
    /// Newest activity.
    pub last_activity_at: DateTime<Utc>,
    /// Creation.
    pub created_at: DateTime<Utc>,
}

/// `GET /api/v1/admin/conversations/{id}/export`: the whole history as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationExport {
    /// The conversation.
    pub conversation: AdminConversation,
    /// Its members now.
    pub members: Vec<Member>,
    /// Authors of the messages.
    pub users: Vec<PublicUser>,
    /// Every message, oldest first (tombstones included).
    pub messages: Vec<Message>,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
}

/// `GET/PUT /api/v1/admin/retention`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Retention {
    /// Keep messages this many days; `null` keeps them forever.
    pub days: Option<u32>,
}

/// `GET/PUT /api/v1/admin/security`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityPolicy {
    /// Administrators must have two-factor authentication on to use the admin API.
    pub require_two_factor_for_admins: bool,
}

/// `GET /api/v1/admin/stats`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// Accounts (deleted excluded).
    pub users_total: i64,
    /// Users connected to this server now.
    pub users_online: i64,
    /// Conversations.
    pub conversations: i64,
    /// Messages stored since midnight UTC.
    pub messages_today: i64,
    /// Messages stored.
    pub messages_total: i64,
    /// WebSocket connections on this server.
    pub websocket_connections: i64,
    /// Size of the database, in bytes.
    pub database_bytes: i64,
    /// The retention policy.
    pub retention_days: Option<u32>,
    /// Messages removed by retention so far.
    pub retention_removed_total: i64,
    /// When retention last ran.
    pub retention_last_run_at: Option<DateTime<Utc>>,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Id.
    pub id: Uuid,
    /// The admin who acted.
    pub actor: PublicUser,
    /// What they did, such as `user.disable`.
    pub action: String,
    /// `user`, `conversation`, `message` or `settings`.
    pub target_type: String,
    /// The target's id.
    pub target_id: Option<Uuid>,
    /// Details (such as the new role).
    pub detail: serde_json::Value,
    /// The client address.
    pub ip: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A user's own data (`GET /api/v1/users/me/export`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonalExport {
    /// The profile.
    pub profile: crate::users::Me,
    /// Friends.
    pub friends: Vec<crate::social::Friend>,
    /// Conversations the user is in.
    pub conversations: Vec<crate::conversations::ConversationSummary>,
    /// Every message the user sent (tombstones included).
    pub messages: Vec<Message>,
    /// Every file the user uploaded (photos, voice messages, documents), attached or not.
    #[serde(default)]
    pub files: Vec<crate::media::Attachment>,
    /// Fetches the files: add `?access=<token>` to their `url` (valid until `expires_at`).
    pub media_access: crate::media::MediaAccess,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
}
