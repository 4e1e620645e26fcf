//! Outgoing subscriptions: an account (a person, or a bot through its token) asks for its
//! conversations' events of some kinds to be POSTed to a URL. Creating one checks the URL
//! against the egress guard at once (scheme, and the address when the host is one; a name is
//! checked at every connection, see `crate::egress`) and shows the signing secret once. The
//! deliveries themselves are the dispatcher's (`dispatch`).

use db::queries::webhooks::{self as queries, SubscriptionRow};
use diesel_async::AsyncConnection;
use protocol::webhooks::{
    CreateSubscription, CreatedSubscription, MAX_SUBSCRIPTIONS, MAX_WEBHOOK_URL_BYTES, Subscription, Subscriptions,
    WebhookEventKind,
};
use protocol::{ErrorCode, UserId};
use serde_json::json;
use url::Url;
use uuid::Uuid;

use crate::egress::EgressPolicy;
use crate::error::ApiError;
use crate::state::AppState;

/// The protocol view (never the secret).
pub fn view(row: &SubscriptionRow) -> Subscription {
    Subscription {
        id: row.id,
        url: row.url.clone(),
        events: row.events.iter().map(|e| WebhookEventKind::parse(e)).collect(),
        created_at: row.created_at,
        failing_since: row.failing_since,
        last_error: row.last_error.clone(),
        disabled_at: row.disabled_at,
        disabled_reason: row.disabled_reason.clone(),
    }
}

/// The URL, parsed and accepted by the egress guard as far as it can be before connecting.
fn checked_url(raw: &str, policy: &EgressPolicy) -> Result<Url, ApiError> {
    if raw.len() > MAX_WEBHOOK_URL_BYTES {
        return Err(ApiError::invalid_field("url", "at most 2,048 bytes"));
    }
    let url = Url::parse(raw).map_err(|e| ApiError::invalid_field("url", format!("not a URL: {e}")))?;
    policy.check_url(&url).map_err(|e| ApiError::field(ErrorCode::Unprocessable, "url", e))?;
    Ok(url)
}

/// Subscribes `owner` and answers the secret, shown this once.
pub async fn subscribe(
    state: &AppState,
    owner: UserId,
    input: CreateSubscription,
    ip: &str,
) -> Result<CreatedSubscription, ApiError> {
    let policy = EgressPolicy::new(state.settings.egress_allow.clone());
    let url = checked_url(&input.url, &policy)?;
    let mut kinds = input.events;
    if kinds.is_empty() || kinds.contains(&WebhookEventKind::Unknown) {
        return Err(ApiError::invalid_field("events", "give one or more of: message, mention, command"));
    }
    kinds.sort_unstable();
    kinds.dedup();
    let events: Vec<String> = kinds.iter().map(|k| k.as_str().to_owned()).collect();
    let key = super::new_signing_key();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let row = conn
        .transaction(async |conn| {
            if queries::subscriptions_of(conn, owner).await?.len() >= MAX_SUBSCRIPTIONS {
                return Err(ApiError::new(ErrorCode::Unprocessable, "an account can have at most 20 subscriptions"));
            }
            let row = queries::subscribe(conn, Uuid::now_v7(), owner, url.as_str(), &key, &events).await?;
            let detail = json!({"url": row.url, "events": events});
            db::queries::admin::audit(conn, owner, "webhook.subscribe", ("subscription", Some(row.id)), detail, ip)
                .await?;
            Ok(row)
        })
        .await?;
    Ok(CreatedSubscription { subscription: view(&row), secret: super::secret_text(&key) })
}

/// The caller's subscriptions, with their health.
pub async fn list(state: &AppState, owner: UserId) -> Result<Subscriptions, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let rows = queries::subscriptions_of(&mut conn, owner).await?;
    Ok(Subscriptions { items: rows.iter().map(view).collect() })
}

/// Deletes one of the caller's subscriptions; nothing more is delivered for it.
pub async fn unsubscribe(state: &AppState, owner: UserId, id: Uuid, ip: &str) -> Result<(), ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    conn.transaction(async |conn| {
        if !queries::unsubscribe(conn, owner, id).await? {
            return Err(ApiError::not_found("subscription"));
        }
        db::queries::admin::audit(conn, owner, "webhook.unsubscribe", ("subscription", Some(id)), json!({}), ip)
            .await?;
        Ok(())
    })
    .await
}
