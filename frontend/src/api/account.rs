//! Accounts, sessions and the own profile. Browsers ask for the refresh token as an HttpOnly
//! cookie, so no script can read it; the access token lives only in memory.

use gloo_net::http::Method;
use protocol::auth::{
    AuthResponse, ChangePasswordRequest, DeleteAccountRequest, DisableTwoFactorRequest, EnableTwoFactorRequest,
    LoginRequest, RecoveryCodes, RefreshRequest, RegisterRequest, SessionInfo, TokenDelivery, TwoFactorSetup,
    TwoFactorSetupRequest, TwoFactorStatus,
};
use protocol::media::MediaId;
use protocol::users::{Me, SetPicture, UpdateProfileRequest};
use uuid::Uuid;

use super::http::{self, ApiError};
use crate::state::session::Session;

/// Creates an account and signs in.
pub async fn register(username: String, display_name: String, password: String) -> Result<AuthResponse, ApiError> {
    let body = RegisterRequest { username, display_name, password, token_delivery: TokenDelivery::Cookie };
    http::public(Method::POST, "/api/v1/auth/register", Some(&body)).await
}

/// Signs in. An account with two-factor authentication on is answered `two_factor_required`
/// until `totp_code` (the authenticator's code, or a recovery code) comes along.
pub async fn login(username: String, password: String, totp_code: Option<String>) -> Result<AuthResponse, ApiError> {
    let body = LoginRequest { username, password, token_delivery: TokenDelivery::Cookie, totp_code };
    http::public(Method::POST, "/api/v1/auth/login", Some(&body)).await
}

/// The refresh `index.html` started for a returning visitor while the wasm was still
/// downloading (its inline script), taken once: a round trip less before the first screen on a
/// slow network. `None` if there was none, or it could not be sent.
pub async fn early_refresh() -> Option<Result<AuthResponse, ApiError>> {
    use wasm_bindgen::{JsCast, JsValue};

    let window = web_sys::window()?;
    let key = JsValue::from_str("confabEarlyRefresh");
    let pending = js_sys::Reflect::get(&window, &key).ok()?;
    // Taken once: a later restore in this page asks the server itself.
    let _ = js_sys::Reflect::delete_property(&window, &key);
    let promise = pending.dyn_into::<js_sys::Promise>().ok()?;
    // The script's promise never rejects: `{status, body}`, or null when nothing was sent.
    let answer = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let status = js_sys::Reflect::get(&answer, &JsValue::from_str("status")).ok()?.as_f64()?;
    let body = js_sys::Reflect::get(&answer, &JsValue::from_str("body")).ok()?.as_string()?;
    Some(http::answer(status, &body))
}

/// Spends the refresh cookie for a new access token (and a new cookie).
pub async fn refresh() -> Result<AuthResponse, ApiError> {
    let body = RefreshRequest { refresh_token: None, token_delivery: TokenDelivery::Cookie };
    http::public(Method::POST, "/api/v1/auth/refresh", Some(&body)).await
}

/// Signs out this browser.
pub async fn logout(session: Session) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::POST, "/api/v1/auth/logout", None).await
}

/// Signed-in devices.
pub async fn sessions(session: Session) -> Result<Vec<SessionInfo>, ApiError> {
    http::authed::<_, ()>(session, Method::GET, "/api/v1/auth/sessions", None).await
}

/// Signs out another device.
pub async fn revoke_session(session: Session, id: Uuid) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::DELETE, &format!("/api/v1/auth/sessions/{id}"), None).await
}

/// Saves profile changes.
pub async fn update_me(session: Session, changes: UpdateProfileRequest) -> Result<Me, ApiError> {
    http::authed(session, Method::PATCH, "/api/v1/users/me", Some(&changes)).await
}

/// Makes one of the user's picture uploads their profile photo (`None` removes it).
pub async fn set_avatar(session: Session, media: Option<MediaId>) -> Result<Me, ApiError> {
    match media {
        Some(media_id) => {
            http::authed(session, Method::PUT, "/api/v1/users/me/avatar", Some(&SetPicture { media_id })).await
        }
        None => http::authed::<_, ()>(session, Method::DELETE, "/api/v1/users/me/avatar", None).await,
    }
}

/// Changes the password (other devices are signed out).
pub async fn change_password(session: Session, current_password: String, new_password: String) -> Result<(), ApiError> {
    let body = ChangePasswordRequest { current_password, new_password };
    http::authed_empty(session, Method::PUT, "/api/v1/users/me/password", Some(&body)).await
}

/// Whether two-factor authentication is on, and how many recovery codes are left.
pub async fn two_factor(session: Session) -> Result<TwoFactorStatus, ApiError> {
    http::authed::<_, ()>(session, Method::GET, "/api/v1/users/me/two-factor", None).await
}

/// Begins setting up two-factor authentication: a new secret and its QR code, pending until
/// [`enable_two_factor`] confirms a code made from it.
pub async fn setup_two_factor(session: Session, password: String) -> Result<TwoFactorSetup, ApiError> {
    let body = TwoFactorSetupRequest { password };
    http::authed(session, Method::POST, "/api/v1/users/me/two-factor/setup", Some(&body)).await
}

/// Puts two-factor authentication in force with the app's first code; the answer holds the
/// recovery codes, which the server never shows again.
pub async fn enable_two_factor(session: Session, code: String) -> Result<RecoveryCodes, ApiError> {
    let body = EnableTwoFactorRequest { code };
    http::authed(session, Method::POST, "/api/v1/users/me/two-factor/enable", Some(&body)).await
}

/// Turns two-factor authentication off, with the password and a current or recovery code.
pub async fn disable_two_factor(session: Session, password: String, code: String) -> Result<(), ApiError> {
    let body = DisableTwoFactorRequest { password, code };
    http::authed_empty(session, Method::DELETE, "/api/v1/users/me/two-factor", Some(&body)).await
}

/// Deletes the account.
pub async fn delete_account(session: Session, password: String) -> Result<(), ApiError> {
    http::authed_empty(session, Method::DELETE, "/api/v1/users/me", Some(&DeleteAccountRequest { password })).await
}

/// Everything the server keeps about the user, as the JSON text to save.
pub async fn export(session: Session) -> Result<String, ApiError> {
    http::authed_text(session, "/api/v1/users/me/export").await
}
