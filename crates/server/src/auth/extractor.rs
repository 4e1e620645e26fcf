//! `AuthUser`: the extractor every authenticated handler takes. It checks the bearer token's
//! signature and expiry, then that its session is still live and the account usable, so a
//! revoked session or a disabled account stops working at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use db::models::User;
use protocol::ErrorCode;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user's row as of this request.
    pub user: User,
    /// The session the token belongs to.
    pub session_id: Uuid,
}

impl AuthUser {
    /// The user's id.
    pub fn id(&self) -> Uuid {
        self.user.id
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

impl AuthUser {
    /// Checks an access token: signature and expiry, a live session, a usable account.
    pub async fn from_token(state: &AppState, token: &str) -> Result<Self, ApiError> {
        // The connection goes back to the pool here.
        Self::from_token_on(state, token).await.map(|(auth, _)| auth)
    }

    /// As [`AuthUser::from_token`], on a connection the caller goes on using (a WebSocket
    /// handshake reads everything for `ready` on the same one). Nothing is checked out when
    /// the token itself is bad.
    pub async fn from_token_on(state: &AppState, token: &str) -> Result<(Self, db::pool::PooledConn), ApiError> {
        let claims = state.tokens.verify(token)?;
        let mut conn = db::pool::checkout(&state.pool).await?;
        match db::queries::sessions::active(&mut conn, claims.sid).await? {
            Some((session, user)) if user.id == claims.sub => {
                if user.disabled_at.is_some() {
                    return Err(ApiError::account_disabled());
                }
                Ok((Self { user, session_id: session.id }, conn))
            }
            _ => Err(ApiError::session_ended()),
        }
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState missing")))?;
            let token = token.ok_or_else(|| {
                ApiError::new(ErrorCode::Unauthenticated, "sign in first (Authorization: Bearer <access token>)")
            })?;
            AuthUser::from_token(&state, &token).await
        })
    }
}
