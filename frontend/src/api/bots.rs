//! Bot accounts and API tokens, managed by the signed-in person (the server refuses these
//! calls with an API token): their bots, and the tokens acting as them or as one of their bots.

use gloo_net::http::Method;
use protocol::UserId;
use protocol::bots::{ApiToken, ApiTokenId, Bot, CreateApiToken, CreateBot, CreatedApiToken, UpdateBot};
use protocol::media::MediaId;
use protocol::users::SetPicture;

use super::http::{self, ApiError};
use crate::state::session::Session;

/// The person's bots, oldest first.
pub async fn list(session: Session) -> Result<Vec<Bot>, ApiError> {
    http::authed::<_, ()>(session, Method::GET, "/api/v1/bots", None).await
}

/// Creates a bot owned by the person.
pub async fn create(session: Session, bot: CreateBot) -> Result<Bot, ApiError> {
    http::authed(session, Method::POST, "/api/v1/bots", Some(&bot)).await
}

/// Renames or re-describes one of the person's bots.
pub async fn update(session: Session, id: UserId, changes: UpdateBot) -> Result<Bot, ApiError> {
    http::authed(session, Method::PATCH, &format!("/api/v1/bots/{}", id.0), Some(&changes)).await
}

/// Makes one of the person's picture uploads the bot's avatar (`None` removes it).
pub async fn set_avatar(session: Session, id: UserId, media: Option<MediaId>) -> Result<Bot, ApiError> {
    let path = format!("/api/v1/bots/{}/avatar", id.0);
    match media {
        Some(media_id) => http::authed(session, Method::PUT, &path, Some(&SetPicture { media_id })).await,
        None => http::authed::<_, ()>(session, Method::DELETE, &path, None).await,
    }
}

/// Deletes one of the person's bots; its tokens stop working.
pub async fn delete(session: Session, id: UserId) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::DELETE, &format!("/api/v1/bots/{}", id.0), None).await
}

/// The live tokens of the person and of their bots, newest first (never their secrets).
pub async fn tokens(session: Session) -> Result<Vec<ApiToken>, ApiError> {
    http::authed::<_, ()>(session, Method::GET, "/api/v1/tokens", None).await
}

/// Creates a token; the answer holds its secret, which the server never shows again.
pub async fn create_token(session: Session, token: CreateApiToken) -> Result<CreatedApiToken, ApiError> {
    http::authed(session, Method::POST, "/api/v1/tokens", Some(&token)).await
}

/// Revokes a token at once.
pub async fn revoke_token(session: Session, id: ApiTokenId) -> Result<(), ApiError> {
    http::authed_empty::<()>(session, Method::DELETE, &format!("/api/v1/tokens/{}", id.0), None).await
}
