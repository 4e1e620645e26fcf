//! What a browser registers: checked (an endpoint the egress guard lets us reach, a real P-256
//! key, a 16-byte secret) before it is stored against the session that registered it.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use protocol::push::{ENDPOINT_MAX_BYTES, MAX_SUBSCRIPTIONS_PER_USER, PushSubscription};
use protocol::{ErrorCode, UserId};
use url::Url;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// Base64url as browsers write keys: padding optional, and the unused low bits of the last
/// character not checked (so every string the documented pattern allows decodes).
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn base64url(text: &str) -> Option<Vec<u8>> {
    BASE64URL.decode(text).ok()
}

/// Stores `subscription` for `user`'s `session`.
pub async fn subscribe(
    state: &AppState,
    user: UserId,
    session: Uuid,
    subscription: &PushSubscription,
) -> Result<(), ApiError> {
    let endpoint = subscription.endpoint.trim();
    if endpoint.len() > ENDPOINT_MAX_BYTES {
        return Err(ApiError::invalid_field("endpoint", format!("at most {ENDPOINT_MAX_BYTES} bytes")));
    }
    let url = Url::parse(endpoint).map_err(|_| ApiError::invalid_field("endpoint", "not a URL"))?;
    state.push.client().policy().check_url(&url).map_err(|refused| {
        ApiError::field(ErrorCode::Unprocessable, "endpoint", format!("cannot be reached: {refused}"))
    })?;
    let p256dh = base64url(&subscription.keys.p256dh)
        .filter(|key| key.len() == 65)
        .ok_or_else(|| ApiError::invalid_field("keys.p256dh", "65 bytes in base64url"))?;
    // Well formed, but not a point of the curve: nothing could be encrypted to it.
    if web_push_native::p256::PublicKey::from_sec1_bytes(&p256dh).is_err() {
        return Err(ApiError::field(ErrorCode::Unprocessable, "keys.p256dh", "not an uncompressed P-256 public key"));
    }
    let auth = base64url(&subscription.keys.auth)
        .filter(|secret| secret.len() == 16)
        .ok_or_else(|| ApiError::invalid_field("keys.auth", "16 bytes, base64url"))?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    db::queries::push::subscribe(&mut conn, user, session, endpoint, &p256dh, &auth, MAX_SUBSCRIPTIONS_PER_USER)
        .await?;
    state.push.subscribed();
    Ok(())
}

/// Forgets `user`'s subscription at `endpoint`.
pub async fn unsubscribe(state: &AppState, user: UserId, endpoint: &str) -> Result<(), ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    if db::queries::push::unsubscribe(&mut conn, user, endpoint.trim()).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("push subscription"))
    }
}
