//! Account and session bodies: register, login, refresh, password change, sessions list.
//!
//! Browsers ask for `token_delivery: "cookie"` and get the refresh token only as an HttpOnly
//! cookie; API clients get it in the JSON body.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::users::Me;

/// Limits of account fields, shared so the browser validates like the server.
pub mod limits {
    /// Shortest username, in characters.
    pub const USERNAME_MIN: usize = 3;
    /// Longest username, in characters.
    pub const USERNAME_MAX: usize = 32;
    /// Longest display name, in characters.
    pub const DISPLAY_NAME_MAX: usize = 64;
    /// Shortest password, in characters.
    pub const PASSWORD_MIN_CHARS: usize = 8;
    /// Longest password, in characters (argon2 cost grows with it; nobody needs more). Counted
    /// in characters, as JSON Schema's `maxLength` counts, so the OpenAPI document can say it.
    pub const PASSWORD_MAX_CHARS: usize = 256;
    /// Longest bio, in characters.
    pub const BIO_MAX: usize = 500;
}

/// Where the server should put the refresh token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenDelivery {
    /// In the JSON body (API clients).
    #[default]
    Json,
    /// In an HttpOnly, SameSite=Strict cookie scoped to the auth routes (browsers).
    Cookie,
}

/// `POST /api/v1/auth/register`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    /// 3–32 letters, digits, `_`, `.` or `-`; unique ignoring case.
    pub username: String,
    /// Name shown to others, 1–64 characters.
    pub display_name: String,
    /// At least 8 characters, at most 256 bytes.
    pub password: String,
    /// Where to deliver the refresh token.
    #[serde(default)]
    pub token_delivery: TokenDelivery,
}

/// `POST /api/v1/auth/login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// Username, any case.
    pub username: String,
    /// Password.
    pub password: String,
    /// Where to deliver the refresh token.
    #[serde(default)]
    pub token_delivery: TokenDelivery,
    /// With two-factor authentication on: the authenticator app's 6-digit code, or one of the
    /// recovery codes. Without it such an account is answered `two_factor_required`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_code: Option<String>,
}

/// `POST /api/v1/users/me/two-factor/setup`: begins setting up two-factor authentication.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorSetupRequest {
    /// The current password, confirming it is the account's owner.
    pub password: String,
}

/// What an authenticator app needs: scan `qr_code`, or type `secret`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorSetup {
    /// The shared secret, base32 (for typing into an app).
    pub secret: String,
    /// The `otpauth://totp/...` URL the QR code holds.
    pub otpauth_url: String,
    /// The QR code, a `data:image/png;base64,...` URL for an `<img>`.
    pub qr_code: String,
}

/// `POST /api/v1/users/me/two-factor/enable`: the first code, proving the app is set up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnableTwoFactorRequest {
    /// The app's current 6-digit code.
    pub code: String,
}

/// One-time recovery codes, shown once: each signs in once in place of a code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    /// The codes, `xxxxx-xxxxx`.
    pub codes: Vec<String>,
}

/// `DELETE /api/v1/users/me/two-factor`: turns it off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisableTwoFactorRequest {
    /// The current password.
    pub password: String,
    /// A current code, or a recovery code.
    pub code: String,
}

/// `GET /api/v1/users/me/two-factor`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorStatus {
    /// Whether sign-in asks for a code.
    pub enabled: bool,
    /// Recovery codes not used yet.
    pub recovery_codes_left: i64,
}

/// `POST /api/v1/auth/refresh`: the refresh token, unless it travels in the cookie.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// The current refresh token (absent when the cookie carries it).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Where to deliver the next refresh token.
    #[serde(default)]
    pub token_delivery: TokenDelivery,
}

/// A new session or a refreshed one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthResponse {
    /// The signed-in user.
    pub user: Me,
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The refresh token, when delivered in JSON; single use.
    pub refresh_token: Option<String>,
    /// The session this token belongs to.
    pub session_id: Uuid,
}

/// `PUT /api/v1/users/me/password`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    /// The current password, to confirm.
    pub current_password: String,
    /// The new password.
    pub new_password: String,
}

/// `DELETE /api/v1/users/me`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeleteAccountRequest {
    /// The password, to confirm.
    pub password: String,
}

/// One signed-in device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// Session id (for `DELETE /auth/sessions/{id}`).
    pub id: Uuid,
    /// The device's user agent.
    pub user_agent: String,
    /// When it signed in.
    pub created_at: DateTime<Utc>,
    /// When it last refreshed its token.
    pub last_used_at: DateTime<Utc>,
    /// Whether this is the session making the request.
    pub current: bool,
}
