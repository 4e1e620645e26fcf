//! Incoming webhooks: a group's owners and admins make one (a bot account of its own and a
//! secret URL, shown once), list and revoke them; a POST to the URL stores a message through
//! the writer like any send.
//!
//! The message's author is the webhook's bot account, which is not a member of the group (so
//! it takes no place in the member list and cannot read anything): the send carries
//! `by_webhook`, and the writer then asks only that the group exists, the webhook having been
//! checked here. Idempotency: the `Idempotency-Key` header becomes the send's `client_msg_id`
//! (a UUIDv5 of the webhook id and the key), so a retried POST finds the stored message and
//! answers it. The URL's secret is kept only as its SHA-256 (256 random bits need no slow
//! hash) and compared in constant time; a wrong secret answers exactly like a missing webhook.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use db::queries::bots::{self, NewBot};
use db::queries::changes::{Command, NewMessage};
use db::queries::conversations as conversation_queries;
use db::queries::webhooks::{self as queries, IncomingRow};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use protocol::conversations::{ConversationKind, Message, check_body};
use protocol::webhooks::{
    CreatedIncomingWebhook, IncomingWebhook, IncomingWebhookPost, IncomingWebhooks, MAX_WEBHOOK_NAME_CHARS,
};
use protocol::{ConversationId, ErrorCode, UserId};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::chat::messages::committed;
use crate::error::ApiError;
use crate::state::AppState;

/// Longest `Idempotency-Key`, in bytes.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 255;

/// What the URL's secret is kept as.
fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Equal bytes, compared without stopping at the first difference.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// A checked name: trimmed, 1 to 64 characters, no control characters.
fn checked_name(field: &str, raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    let count = name.chars().count();
    if count == 0 || count > MAX_WEBHOOK_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(field, "give 1 to 64 characters, without control characters"));
    }
    Ok(name.to_owned())
}

fn view(row: &IncomingRow) -> IncomingWebhook {
    IncomingWebhook {
        id: row.id,
        conversation_id: row.conversation_id,
        name: row.name.clone(),
        account_id: row.account_id,
        created_by: row.created_by,
        created_at: row.created_at,
    }
}

/// Checks `user` may manage `conversation`'s webhooks: 404 unless a member (a stranger learns
/// nothing), 422 for a DM, 403 for a plain member.
async fn require_manager(
    conn: &mut AsyncPgConnection,
    conversation: ConversationId,
    user: UserId,
) -> Result<(), ApiError> {
    let (found, me) = conversation_queries::visible(conn, conversation, user)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation"))?;
    if found.kind != ConversationKind::Group {
        return Err(ApiError::new(ErrorCode::Unprocessable, "only groups have webhooks"));
    }
    if !me.role().can_manage() {
        return Err(ApiError::new(ErrorCode::Forbidden, "only the group's owners and admins manage its webhooks"));
    }
    Ok(())
}

/// Makes an incoming webhook for a group: its bot account, its row and the audit entry, in
/// one transaction. The answer carries the secret URL, which is never shown again.
pub async fn create(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    name: &str,
    ip: &str,
) -> Result<CreatedIncomingWebhook, ApiError> {
    let name = checked_name("name", name)?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    require_manager(&mut conn, conversation, user).await?;
    let id = Uuid::now_v7();
    let mut secret_bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut secret_bytes);
    let secret = URL_SAFE_NO_PAD.encode(secret_bytes);
    // The id's last 12 hex digits are random (UUIDv7), so the handle is unique in practice;
    // a clash fails the transaction as a unique violation and nothing is stored.
    let simple = id.simple().to_string();
    let username = format!("webhook-{}", &simple[simple.len() - 12..]);
    let row = conn
        .transaction(async |conn| {
            let (account, _) = bots::create(
                conn,
                NewBot {
                    id: UserId(Uuid::now_v7()),
                    owner_id: user,
                    username: &username,
                    display_name: &name,
                    avatar_color: crate::validate::default_avatar_color(&username),
                    description: "Posts what an incoming webhook receives",
                },
            )
            .await?;
            let row = IncomingRow {
                id,
                conversation_id: conversation,
                account_id: account.id,
                created_by: user,
                name: name.clone(),
                secret_hash: secret_hash(&secret).to_vec(),
                revoked_at: None,
                created_at: chrono::Utc::now(),
            };
            let row = queries::create_incoming(conn, &row).await?;
            let detail = json!({"webhook_id": id, "name": name, "account_id": account.id});
            db::queries::admin::audit(conn, user, "webhook.create", ("conversation", Some(conversation.0)), detail, ip)
                .await?;
            Ok::<_, diesel::result::Error>(row)
        })
        .await?;
    let path = format!("{}/hooks/{id}/{secret}", protocol::API_PREFIX);
    Ok(CreatedIncomingWebhook { webhook: view(&row), path })
}

/// A group's working webhooks, for its owners and admins.
pub async fn list(state: &AppState, user: UserId, conversation: ConversationId) -> Result<IncomingWebhooks, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    require_manager(&mut conn, conversation, user).await?;
    let rows = queries::incoming_of(&mut conn, conversation).await?;
    Ok(IncomingWebhooks { items: rows.iter().map(view).collect() })
}

/// Revokes a webhook: its URL stops working at once; its messages stay.
pub async fn revoke(
    state: &AppState,
    user: UserId,
    conversation: ConversationId,
    id: Uuid,
    ip: &str,
) -> Result<(), ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    require_manager(&mut conn, conversation, user).await?;
    conn.transaction(async |conn| {
        let row =
            queries::revoke_incoming(conn, conversation, id).await?.ok_or_else(|| ApiError::not_found("webhook"))?;
        let detail = json!({"webhook_id": id, "name": row.name});
        db::queries::admin::audit(conn, user, "webhook.revoke", ("conversation", Some(conversation.0)), detail, ip)
            .await?;
        Ok::<_, ApiError>(())
    })
    .await
}

/// Stores a POSTed message as the webhook's account. `idempotency_key` (the header) makes
/// retries answer the message stored first; the bool says whether it was stored now.
pub async fn post(
    state: &AppState,
    id: Uuid,
    secret: &str,
    idempotency_key: Option<&str>,
    input: IncomingWebhookPost,
) -> Result<(Message, bool), ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let webhook = queries::active_incoming(&mut conn, id)
        .await?
        .filter(|w| same_bytes(&w.secret_hash, &secret_hash(secret)))
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    drop(conn);
    check_body(&input.body).map_err(|why| ApiError::invalid_field("body", why))?;
    let display_name = input.username.as_deref().map(|u| checked_name("username", u)).transpose()?;
    let client_msg_id = match idempotency_key {
        Some(key) if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_BYTES => {
            return Err(ApiError::invalid_field("Idempotency-Key", "give 1 to 255 bytes"));
        }
        // The webhook's id as the namespace: one key names one message per webhook.
        Some(key) => Uuid::new_v5(&webhook.id, key.as_bytes()),
        None => Uuid::now_v7(),
    };
    state.user_limits.check(webhook.account_id)?;
    let command = Command::Send(NewMessage {
        conversation: webhook.conversation_id,
        sender: webhook.account_id,
        client_msg_id,
        body: input.body,
        reply_to: None,
        mentions: Vec::new(),
        forwarded: false,
        attachments: Vec::new(),
        location: None,
        display_name,
        by_webhook: true,
    });
    committed(state.writer.queue(command).await?).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        let hash = secret_hash("abc");
        assert!(same_bytes(&hash, &secret_hash("abc")));
        assert!(!same_bytes(&hash, &secret_hash("abd")));
        assert!(!same_bytes(&hash, &hash[..31]));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(checked_name("name", "  Deploys ").unwrap(), "Deploys");
        assert!(checked_name("name", "   ").is_err());
        assert!(checked_name("name", &"x".repeat(65)).is_err());
        assert!(checked_name("name", "a\u{7}b").is_err());
    }
}
