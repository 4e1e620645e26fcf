//! Download tokens: `?access=<token>` on an attachment URL lets its holder fetch it with a
//! plain GET (`<img>`, `<audio>`, `<video>` and downloads cannot send a bearer token). A token
//! names a user and an expiry and is signed with HMAC-SHA256 under a key derived from the
//! token-signing secret, so every server of a deployment accepts it. It only identifies the
//! user: each download still checks their membership, so a token outliving a membership opens
//! nothing.
//!
//! Tokens are cut per time window (everyone's token for a window is stable), so attachment
//! URLs stay the same for a while and the browser's cache keeps working.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use protocol::UserId;
use protocol::media::MediaAccess;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use uuid::Uuid;

/// A window's length: tokens are the same within one, and live to the end of the next.
const WINDOW_SECS: i64 = 30 * 60;
/// Bytes of the signature kept (128 bits).
const MAC_BYTES: usize = 16;

/// Issues and checks download tokens.
#[derive(Clone)]
pub struct AccessKeys {
    key: [u8; 32],
}

impl AccessKeys {
    /// Keys derived from the token-signing secret (never the secret itself).
    pub fn new(secret: &SecretString) -> Self {
        let mut mac = keyed(secret.expose_secret().as_bytes());
        mac.update(b"confab media access v1");
        Self { key: mac.finalize().into_bytes().into() }
    }

    /// The user's token at `now`: valid until the end of the next window.
    pub fn issue(&self, user: UserId, now: DateTime<Utc>) -> MediaAccess {
        let window_start = now.timestamp().div_euclid(WINDOW_SECS) * WINDOW_SECS;
        let expires = window_start + 2 * WINDOW_SECS;
        let mut token = Vec::with_capacity(16 + 8 + MAC_BYTES);
        token.extend_from_slice(user.0.as_bytes());
        token.extend_from_slice(&expires.to_be_bytes());
        let mac = self.sign(&token);
        token.extend_from_slice(&mac);
        MediaAccess {
            token: URL_SAFE_NO_PAD.encode(token),
            expires_at: Utc.timestamp_opt(expires, 0).single().unwrap_or(now),
        }
    }

    /// The user a token names, if it is genuine and not expired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<UserId> {
        let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
        if raw.len() != 16 + 8 + MAC_BYTES {
            return None;
        }
        let (signed, mac) = raw.split_at(24);
        let mut check = keyed(&self.key);
        check.update(signed);
        // Constant-time comparison of the truncated tag.
        check.verify_truncated_left(mac).ok()?;
        let expires = i64::from_be_bytes(signed[16..24].try_into().ok()?);
        if now.timestamp() >= expires {
            return None;
        }
        Some(UserId(Uuid::from_slice(&signed[..16]).ok()?))
    }

    fn sign(&self, data: &[u8]) -> [u8; MAC_BYTES] {
        let mut mac = keyed(&self.key);
        mac.update(data);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; MAC_BYTES];
        out.copy_from_slice(&full[..MAC_BYTES]);
        out
    }
}

/// HMAC-SHA256 under `key`.
#[allow(clippy::expect_used, reason = "HMAC takes keys of any length: this cannot fail")]
fn keyed(key: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn keys(secret: &str) -> AccessKeys {
        AccessKeys::new(&SecretString::from(secret.to_owned()))
    }

    #[test]
    fn a_token_names_its_user_until_it_expires() {
        let keys = keys("a secret of at least thirty-two bytes!!");
        let alice = UserId(Uuid::now_v7());
        let now = Utc::now();
        let access = keys.issue(alice, now);
        assert_eq!(keys.verify(&access.token, now), Some(alice));
        assert!(access.expires_at > now + Duration::minutes(29), "lives at least one window");
        assert_eq!(keys.verify(&access.token, access.expires_at), None, "expired");
        assert_eq!(keys.issue(alice, now).token, access.token, "stable within a window");
    }

    #[test]
    fn forged_or_foreign_tokens_name_nobody() {
        let (ours, theirs) =
            (keys("ours: thirty-two bytes or more, surely"), keys("theirs: another secret entirely!!!"));
        let now = Utc::now();
        let token = theirs.issue(UserId(Uuid::now_v7()), now).token;
        assert_eq!(ours.verify(&token, now), None);
        let mut raw = URL_SAFE_NO_PAD.decode(ours.issue(UserId(Uuid::now_v7()), now).token).unwrap();
        raw[0] ^= 1; // another user, same signature
        assert_eq!(ours.verify(&URL_SAFE_NO_PAD.encode(raw), now), None);
        assert_eq!(ours.verify("not base64 !", now), None);
        assert_eq!(ours.verify("", now), None);
    }
}
