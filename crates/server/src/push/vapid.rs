//! The deployment's VAPID key pair (RFC 8292): made once and kept in the database, so every
//! server signs with the key browsers subscribed with, and the `Authorization: vapid` header
//! each push carries (an ES256 JWT naming the push service's origin, valid 12 hours).

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use db::DbPool;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use serde::Serialize;
use url::Url;

/// How long a push's signature is valid (the most RFC 8292 allows is 24 hours).
const SIGNATURE_VALID_SECS: i64 = 12 * 60 * 60;

/// The key pair and who to contact about this server's pushes.
pub struct Vapid {
    signing: EncodingKey,
    /// The public key as browsers take it: the uncompressed point, base64url.
    public_key: String,
    contact: Option<String>,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key.
        f.debug_struct("Vapid").field("public_key", &self.public_key).finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: String,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
}

impl Vapid {
    /// The stored key pair, made now if this is the deployment's first start. `contact` (a
    /// `mailto:` or `https:` URL) goes into every signature for push services to reach the
    /// operator.
    pub async fn load(pool: &DbPool, contact: Option<String>) -> anyhow::Result<Self> {
        let fresh = loop {
            let mut bytes = [0_u8; 32];
            rand::fill(&mut bytes);
            // Nearly every 32 bytes are a valid scalar; the rare one that is not is redrawn.
            if p256::SecretKey::from_slice(&bytes).is_ok() {
                break bytes;
            }
        };
        let mut conn = db::pool::checkout(&pool.clone()).await.context("cannot read the VAPID key")?;
        let stored = db::queries::push::vapid_key_or_insert(&mut conn, &fresh).await?;
        Self::from_scalar(&stored, contact)
    }

    fn from_scalar(scalar: &[u8], contact: Option<String>) -> anyhow::Result<Self> {
        let secret = p256::SecretKey::from_slice(scalar).context("the stored VAPID key is not a P-256 key")?;
        let der = secret.to_pkcs8_der().context("cannot encode the VAPID key")?;
        let public_key = URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes());
        Ok(Self { signing: EncodingKey::from_ec_der(der.as_bytes()), public_key, contact })
    }

    /// The public key, for `pushManager.subscribe`'s `applicationServerKey`.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The `Authorization` header of a push to `endpoint`.
    pub fn authorization(&self, endpoint: &Url) -> anyhow::Result<String> {
        let claims = Claims {
            aud: endpoint.origin().ascii_serialization(),
            exp: chrono::Utc::now().timestamp() + SIGNATURE_VALID_SECS,
            sub: self.contact.as_deref(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.signing)
            .context("cannot sign the VAPID token")?;
        Ok(format!("vapid t={token}, k={}", self.public_key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn the_signature_verifies_with_the_public_key_and_names_the_push_services_origin() {
        let vapid = Vapid::from_scalar(&[7_u8; 32], Some("mailto:ops@example.com".into())).unwrap();
        let endpoint = Url::parse("https://push.example.net:8443/send/abc?x=1").unwrap();
        let header = vapid.authorization(&endpoint).unwrap();
        let (token, key) = header.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
        assert_eq!(key, vapid.public_key());
        let point = URL_SAFE_NO_PAD.decode(key).unwrap();
        assert_eq!((point.len(), point[0]), (65, 4), "an uncompressed P-256 point");
        let (x, y) = (URL_SAFE_NO_PAD.encode(&point[1..33]), URL_SAFE_NO_PAD.encode(&point[33..]));
        let decoding = DecodingKey::from_ec_components(&x, &y).unwrap();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&["https://push.example.net:8443"]);
        let claims = jsonwebtoken::decode::<serde_json::Value>(token, &decoding, &validation).unwrap().claims;
        assert_eq!(claims["sub"], "mailto:ops@example.com");
        let left = claims["exp"].as_i64().unwrap() - chrono::Utc::now().timestamp();
        assert!((SIGNATURE_VALID_SECS - 60..=SIGNATURE_VALID_SECS).contains(&left), "{left}");
    }
}
