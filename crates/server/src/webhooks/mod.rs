//! Webhooks both ways. Incoming (`incoming`): a group's admins make a secret URL whose POSTs
//! become messages through the writer, the one write path, idempotent per `Idempotency-Key`.
//! Outgoing (`outgoing`, `dispatch`): an account subscribes a URL to its conversations'
//! events; the dispatcher delivers them signed as the Standard Webhooks specification says
//! (this module), in seq order per conversation, from durable cursors, through the egress
//! guard (`crate::egress`).

pub mod dispatch;
pub mod incoming;
pub mod outgoing;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Prefix of a Standard Webhooks signing secret; the base64 of the key follows.
pub const SECRET_PREFIX: &str = "whsec_";
/// Bytes of a new signing key (the specification asks for 24 to 64).
const SECRET_BYTES: usize = 32;

/// A fresh signing key.
pub fn new_signing_key() -> Vec<u8> {
    let mut key = vec![0_u8; SECRET_BYTES];
    rand::fill(&mut key[..]);
    key
}

/// The key as the subscriber is shown it: `whsec_<base64>`.
pub fn secret_text(key: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The `webhook-signature` header of one delivery: `v1,<base64 of HMAC-SHA256 over
/// "{id}.{timestamp}.{body}">`.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    // unwrap: HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key"));
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_the_specifications_example() {
        // The example of the Standard Webhooks specification and its reference libraries.
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(secret_text(&key), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }
}
