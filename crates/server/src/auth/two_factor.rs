//! Two-factor authentication with TOTP (RFC 6238, through `totp-rs`): set-up with a QR code,
//! the first code putting it in force with ten one-time recovery codes, the check at sign-in,
//! and turning it off. A code is accepted once (the step is recorded atomically), and wrong
//! codes count as failed sign-ins, so the login limits bound guessing.
//!
//! The secret is stored as the app shows it would be: like the password hash, it is as safe
//! as the database; recovery codes are stored as SHA-256 hashes only.

use base64::Engine;
use db::models::User;
use db::queries::two_factor as queries;
use diesel_async::AsyncPgConnection;
use protocol::auth::{RecoveryCodes, TwoFactorSetup, TwoFactorStatus};
use protocol::{ErrorCode, UserId};
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Totp};

use crate::error::ApiError;
use crate::state::AppState;
use crate::validate;

/// The name authenticator apps show above the code.
const ISSUER: &str = "Confab";
/// Recovery codes handed out when the factor is enabled.
const RECOVERY_CODES: usize = 10;
/// Characters of recovery codes: no 0/o, 1/l/i to misread.
const RECOVERY_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// Confirms `password` is the account's, as every change to its second factor requires.
async fn confirm_password(state: &AppState, user: &User, password: String) -> Result<(), ApiError> {
    validate::presented_password(&password)?;
    if state.passwords.verify(password, Some(user.password_hash.clone())).await? {
        Ok(())
    } else {
        Err(ApiError::field(ErrorCode::WrongPassword, "password", "wrong password"))
    }
}

fn totp(secret: Vec<u8>, account: &str) -> Result<Totp, ApiError> {
    // SHA-1, 6 digits, 30 s: what every authenticator app reads from a QR code.
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| ApiError::internal(anyhow::anyhow!("totp: {e}")))
}

/// Begins set-up: a new secret, pending until [`enable`] sees a code made from it.
pub async fn setup(state: &AppState, user: &User, password: String) -> Result<TwoFactorSetup, ApiError> {
    confirm_password(state, user, password).await?;
    let mut secret = vec![0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    let mut conn = db::pool::checkout(&state.pool).await?;
    if !queries::begin(&mut conn, user.id, &secret).await? {
        return Err(ApiError::new(ErrorCode::Conflict, "two-factor authentication is already on; turn it off first"));
    }
    drop(conn);
    let totp = totp(secret, &user.username)?;
    let otpauth_url = totp.to_url().map_err(|e| ApiError::internal(anyhow::anyhow!("otpauth url: {e}")))?;
    let png = totp.to_qr_png().map_err(|e| ApiError::internal(anyhow::anyhow!("qr code: {e}")))?;
    Ok(TwoFactorSetup {
        secret: totp.secret().to_base32(),
        otpauth_url,
        qr_code: format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png)),
    })
}

/// Puts the pending factor in force once `code` matches it; returns the recovery codes,
/// which are never shown again.
pub async fn enable(state: &AppState, user: &User, code: &str) -> Result<RecoveryCodes, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let pending = queries::of(&mut conn, user.id).await?.filter(|f| f.enabled_at.is_none());
    let Some(pending) = pending else {
        return Err(ApiError::new(ErrorCode::Conflict, "start the set-up first (or it is already on)"));
    };
    let step = totp(pending.secret, &user.username)?.check_current(code.trim()).ok_or_else(wrong_code)?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<[u8; 32]> = codes.iter().map(|c| hash_recovery_code(c)).collect();
    if !queries::enable(&mut conn, user.id, step_number(step), &hashes).await? {
        return Err(ApiError::new(ErrorCode::Conflict, "two-factor authentication is already on"));
    }
    tracing::info!(user = %user.id, "two-factor authentication turned on");
    Ok(RecoveryCodes { codes })
}

/// Whether it is on, and how many recovery codes are left.
pub async fn status(state: &AppState, user: UserId) -> Result<TwoFactorStatus, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let enabled = is_enabled(&mut conn, user).await?;
    let recovery_codes_left = if enabled { queries::recovery_codes_left(&mut conn, user).await? } else { 0 };
    Ok(TwoFactorStatus { enabled, recovery_codes_left })
}

/// Turns it off, with the password and a current (or recovery) code.
pub async fn disable(state: &AppState, user: &User, password: String, code: &str) -> Result<(), ApiError> {
    confirm_password(state, user, password).await?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    if !is_enabled(&mut conn, user.id).await? {
        return Err(ApiError::new(ErrorCode::Conflict, "two-factor authentication is not on"));
    }
    verify(state, &mut conn, user, code).await?;
    queries::disable(&mut conn, user.id).await?;
    tracing::info!(user = %user.id, "two-factor authentication turned off");
    Ok(())
}

/// Whether `user` has a second factor in force.
pub async fn is_enabled(conn: &mut AsyncPgConnection, user: UserId) -> Result<bool, ApiError> {
    Ok(queries::of(conn, user).await?.is_some_and(|f| f.enabled_at.is_some()))
}

/// Checks a code at sign-in or when turning the factor off: every attempt is counted against
/// the account's login limit before it is checked (429 once they are used up, even for many
/// attempts racing in parallel), and a right code clears the count.
pub async fn verify(state: &AppState, conn: &mut AsyncPgConnection, user: &User, code: &str) -> Result<(), ApiError> {
    state.login_limiter.reserve_attempt(&user.username).map_err(ApiError::rate_limited)?;
    if accept_code(conn, user, code).await? {
        state.login_limiter.record_success(&user.username);
        Ok(())
    } else {
        ::metrics::counter!(crate::telemetry::metrics::LOGIN_FAILURES).increment(1);
        Err(wrong_code())
    }
}

/// Accepts a current code (once) or an unused recovery code; `false` for anything else.
async fn accept_code(conn: &mut AsyncPgConnection, user: &User, code: &str) -> Result<bool, ApiError> {
    let code = code.trim();
    if code.len() > 32 {
        return Ok(false);
    }
    let Some(factor) = queries::of(conn, user.id).await?.filter(|f| f.enabled_at.is_some()) else {
        return Ok(false);
    };
    if code.chars().all(|c| c.is_ascii_digit() || c == ' ') {
        let digits: String = code.chars().filter(char::is_ascii_digit).collect();
        return match totp(factor.secret, &user.username)?.check_current(&digits) {
            Some(step) => Ok(queries::accept_step(conn, user.id, step_number(step)).await?),
            None => Ok(false),
        };
    }
    Ok(queries::use_recovery_code(conn, user.id, &hash_recovery_code(code)).await?)
}

fn wrong_code() -> ApiError {
    ApiError::field(ErrorCode::InvalidCredentials, "totp_code", "wrong or already used code")
}

/// A 30-second step as stored (steps since 1970 fit an i64 for billions of years).
fn step_number(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

/// `xxxxx-xxxxx` from an unambiguous alphabet: 50 bits, too many to guess in the attempts the
/// login limits allow.
fn recovery_code() -> String {
    let mut rng = rand::rng();
    let mut pick = || RECOVERY_ALPHABET[(rng.next_u32() as usize) % RECOVERY_ALPHABET.len()] as char;
    let half = |pick: &mut dyn FnMut() -> char| (0..5).map(|_| pick()).collect::<String>();
    format!("{}-{}", half(&mut pick), half(&mut pick))
}

/// The stored form of a recovery code, forgiving case, spaces and a missing dash.
fn hash_recovery_code(code: &str) -> [u8; 32] {
    let normal: String = code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    Sha256::digest(normal.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_unambiguous_and_forgiving_to_type() {
        let code = recovery_code();
        assert_eq!(code.len(), 11);
        assert!(code.chars().all(|c| c == '-' || RECOVERY_ALPHABET.contains(&(c as u8))), "{code}");
        let typed = code.to_uppercase().replace('-', " ");
        assert_eq!(hash_recovery_code(&typed), hash_recovery_code(&code));
        assert_ne!(recovery_code(), recovery_code());
    }

    #[test]
    fn codes_match_the_rfc_6238_reference() {
        // RFC 6238, appendix B: SHA-1, secret "12345678901234567890", T = 59 s -> 94287082
        // (8 digits); our 6-digit codes are its last six.
        let totp = totp(b"12345678901234567890".to_vec(), "alice").unwrap();
        assert_eq!(totp.generate(59).to_string(), "287082");
        assert_eq!(totp.check("287082", 59), Some(1));
        assert_eq!(totp.check("287083", 59), None);
    }
}
