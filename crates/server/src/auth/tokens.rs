//! Access tokens (HS256 JWTs, 15 minutes, claims {sub, sid, iat, exp, typ}; no other algorithm
//! is accepted) and refresh tokens (256 random bits, only their SHA-256 is stored).

use base64::Engine;
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::ApiError;
use protocol::{ErrorCode, UserId};

/// Lifetime of an access token.
pub const ACCESS_TTL_SECS: u64 = 15 * 60;
/// Lifetime of a session without sign-in (refresh window).
pub const SESSION_TTL_DAYS: i64 = 30;
const TYP_ACCESS: &str = "access";

/// JWT claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user.
    pub sub: UserId,
    /// The session.
    pub sid: Uuid,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Token type; always `access`.
    pub typ: String,
}

/// Keys and validation rules for access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    /// Keys derived from the server's secret.
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        Self { encoding: EncodingKey::from_secret(bytes), decoding: DecodingKey::from_secret(bytes), validation }
    }

    /// A signed access token for `user` in `session`.
    pub fn issue(&self, user: UserId, session: Uuid) -> Result<String, ApiError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user,
            sid: session,
            iat: now,
            exp: now + i64::try_from(ACCESS_TTL_SECS).unwrap_or(900),
            typ: TYP_ACCESS.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(ApiError::internal)
    }

    /// The claims of a valid, unexpired access token; anything else is `unauthenticated`.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let invalid = || ApiError::new(ErrorCode::Unauthenticated, "the access token is invalid or expired");
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|_| invalid())?;
        if data.claims.typ != TYP_ACCESS {
            return Err(invalid());
        }
        Ok(data.claims)
    }
}

/// A new refresh token and the hash to store.
pub fn new_refresh_token() -> (String, [u8; 32]) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// The stored form of a refresh token.
pub fn hash_refresh_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&SecretString::from("k".repeat(64)))
    }

    #[test]
    fn issued_tokens_verify() {
        let (user, session) = (UserId(Uuid::now_v7()), Uuid::now_v7());
        let token = keys().issue(user, session).unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!((claims.sub, claims.sid, claims.typ.as_str()), (user, session, "access"));
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn tampered_foreign_and_alg_none_tokens_are_refused() {
        let token = keys().issue(UserId(Uuid::now_v7()), Uuid::now_v7()).unwrap();
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(keys().verify(&tampered).is_err());
        let other = TokenKeys::new(&SecretString::from("z".repeat(64)));
        assert!(other.verify(&token).is_err());
        // alg=none with the same claims.
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = token.split('.').nth(1).unwrap();
        let none = format!("{}.{payload}.", b64.encode(br#"{"alg":"none","typ":"JWT"}"#));
        assert!(keys().verify(&none).is_err());
    }

    #[test]
    fn expired_tokens_are_refused() {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: UserId(Uuid::now_v7()),
            sid: Uuid::now_v7(),
            iat: now - 2000,
            exp: now - 1000,
            typ: "access".into(),
        };
        let k = keys();
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &k.encoding).unwrap();
        assert!(k.verify(&token).is_err());
    }

    #[test]
    fn refresh_tokens_carry_256_bits_and_hash_stably() {
        let (token, hash) = new_refresh_token();
        assert_eq!(token.len(), 43);
        assert_eq!(hash_refresh_token(&token), hash);
        assert_ne!(new_refresh_token().0, token);
    }
}
