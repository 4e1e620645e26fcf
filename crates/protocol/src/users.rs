//! Profiles: the signed-in user's own (`Me`), what others see (`PublicUser`), and edits.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UserId;

/// A user's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An ordinary user.
    User,
    /// An operator with access to the admin API.
    Admin,
}

/// Whether an account is a person's or a bot's. Bots are owned by a person, sign in only with
/// API tokens, and are shown with a "BOT" badge; everything else about them (membership,
/// authorship, blocks) is as for anyone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A person (the default, and what servers before bots existed meant).
    #[default]
    Person,
    /// A program, owned by a person.
    Bot,
}

/// The signed-in user's own profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// Id.
    pub id: UserId,
    /// Unique handle.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Short self-description.
    pub bio: String,
    /// Avatar background, `#rrggbb`.
    pub avatar_color: String,
    /// Role.
    pub role: Role,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// The profile photo's thumbnail (fetch with `?access=`); initials on `avatar_color` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// A person or a bot (absent from older servers: a person).
    #[serde(default)]
    pub kind: AccountKind,
}

/// What other users see of a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicUser {
    /// Id.
    pub id: UserId,
    /// Unique handle.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Short self-description.
    pub bio: String,
    /// Avatar background, `#rrggbb`.
    pub avatar_color: String,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// The profile photo's thumbnail (fetch with `?access=`); initials on `avatar_color` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// A person or a bot (absent from older servers: a person).
    #[serde(default)]
    pub kind: AccountKind,
}

/// `PUT /api/v1/users/me/avatar`: one of the caller's own picture uploads becomes their profile
/// photo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetPicture {
    /// A picture the caller uploaded (not attached to a message).
    pub media_id: crate::media::MediaId,
}

/// `PATCH /api/v1/users/me`: fields to change; absent fields stay.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateProfileRequest {
    /// New display name (1–64 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New bio (at most 500 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    /// New avatar colour, `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_color: Option<String>,
}

/// A page of a list, with the cursor of the next page (absent on the last page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page.
    pub next_cursor: Option<String>,
}
