//! Bot accounts and API tokens: what a person sends to create and manage their bots and their
//! long-lived tokens (for a bot, or for their own scripts), and what they get back.
//!
//! A token works wherever an access token does (`Authorization: Bearer`, the WebSocket
//! `authenticate` frame), limited to its scopes. It is shown once, at creation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::users::PublicUser;

/// Longest bot description, in characters.
pub const BOT_DESCRIPTION_MAX_CHARS: usize = 500;
/// Longest token name, in characters.
pub const TOKEN_NAME_MAX_CHARS: usize = 64;
/// Most bots one person may own.
pub const MAX_BOTS_PER_OWNER: usize = 20;
/// Most live (unrevoked, unexpired) tokens per account.
pub const MAX_TOKENS_PER_ACCOUNT: usize = 20;
/// Most slash commands one bot may register in one conversation.
pub const MAX_COMMANDS_PER_BOT: usize = 25;
/// Longest slash command name (letters, digits, `_`, `-`; lower case).
pub const COMMAND_NAME_MAX_CHARS: usize = 32;
/// Longest slash command description, and longest argument text.
pub const COMMAND_TEXT_MAX_CHARS: usize = 200;
/// How long after an invocation its bot may still answer it ephemerally, in seconds.
pub const EPHEMERAL_REPLY_WINDOW_SECS: i64 = 15 * 60;

/// Every API token starts with this, so secret scanners can recognise one (with its checksum).
pub const API_TOKEN_PREFIX: &str = "cfb_";

/// Id of an API token (not the secret: safe to show and log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ApiTokenId(pub uuid::Uuid);

/// What a token may do. A person's own session may do everything; a token only what it lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Read: profiles, friends, conversations, history, events, media; receive live events.
    Read,
    /// Write into conversations: send, edit and delete messages, react, mark read, type, upload.
    Send,
    /// Everything else a token may do: friends, blocks, creating and changing conversations and
    /// members, the profile, webhooks. Never: password, account deletion, two-factor
    /// authentication, sessions or tokens, which need a signed-in person.
    Manage,
}

impl TokenScope {
    /// Every scope, in order.
    pub const ALL: [Self; 3] = [Self::Read, Self::Send, Self::Manage];

    /// The name used on the wire and in the database.
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Send => "send",
            Self::Manage => "manage",
        }
    }

    /// The scope with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.name() == name)
    }
}

/// `POST /api/v1/bots`: a new bot owned by the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateBot {
    /// Unique handle (3–32 letters, digits, `_`), as for people.
    pub username: String,
    /// Name shown to others (1–64 characters).
    pub display_name: String,
    /// What the bot does (at most 500 characters).
    #[serde(default)]
    pub description: String,
}

/// `PATCH /api/v1/bots/{id}`: fields to change; absent fields stay.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateBot {
    /// New display name (1–64 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New description (at most 500 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A bot, as its owner (or an admin) sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bot {
    /// The bot's account, as everyone sees it.
    pub user: PublicUser,
    /// What the bot does.
    pub description: String,
    /// The person who owns it.
    pub owner_id: UserId,
    /// Set while an operator has disabled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/tokens`: a new API token for the caller, or for one of their bots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiToken {
    /// A name to recognise it by (1–64 characters).
    pub name: String,
    /// What it may do (at least one, no repeats).
    pub scopes: Vec<TokenScope>,
    /// When it stops working; never, when absent. Must be in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The bot the token is for (one the caller owns); the caller's own account when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_id: Option<UserId>,
}

/// An API token's description (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    /// Id (for revoking it).
    pub id: ApiTokenId,
    /// The account it acts as: the owner's own, or one of their bots.
    pub account_id: UserId,
    /// Its name.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<TokenScope>,
    /// When it stops working, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used (to the minute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// `201` answer to [`CreateApiToken`]: the secret, shown this once, and its description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiToken {
    /// The secret (`cfb_…`). Store it now: the server keeps only its hash.
    pub token: String,
    /// Its description.
    #[serde(flatten)]
    pub info: ApiToken,
}

/// A slash command as a bot declares it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlashCommandSpec {
    /// The name typed after `/` (1–32 of `a-z`, `0-9`, `_`, `-`).
    pub name: String,
    /// What it does, shown in the composer's suggestions (at most 200 characters).
    #[serde(default)]
    pub description: String,
}

/// `PUT /api/v1/conversations/{id}/commands`: the calling bot's commands in that conversation,
/// replacing those it had there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetCommands {
    /// At most 25, names distinct.
    pub commands: Vec<SlashCommandSpec>,
}

/// A slash command available in a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlashCommand {
    /// The name typed after `/`.
    pub name: String,
    /// What it does.
    pub description: String,
    /// The bot that answers it.
    pub bot: PublicUser,
}

/// `POST /api/v1/conversations/{id}/commands/{name}`: invokes a command.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvokeCommand {
    /// What follows the command (at most 200 characters).
    #[serde(default)]
    pub args: String,
}

/// `201` answer to [`InvokeCommand`]: where the invocation sits in the conversation's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandInvocation {
    /// The seq of its `command_invoked` event (the bot answers ephemerally by it).
    pub seq: i64,
}

/// `POST /api/v1/conversations/{id}/commands/invocations/{seq}/reply`: the invoked bot's
/// ephemeral answer, delivered to the invoker's open apps only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EphemeralReply {
    /// The answer (1–4,000 characters).
    pub body: String,
}
