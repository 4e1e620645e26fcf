//! `AuthUser`: the extractor every authenticated handler takes. It accepts either a person's
//! access token (a JWT naming a live session) or an API token (`cfb_…`, for a bot or a script),
//! checks that the session or token is still live and the account usable, so a revoked one or a
//! disabled account stops working at once, and that an API token has the scope the route needs
//! (`scopes`). `SessionUser` is for the routes no API token may use.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::Utc;
use db::models::User;
use diesel_async::AsyncPgConnection;
use protocol::bots::ApiTokenId;
use protocol::bots::TokenScope;
use protocol::{ErrorCode, UserId};
use uuid::Uuid;

use super::{api_tokens, scopes};
use crate::error::ApiError;
use crate::state::AppState;

/// What the caller authenticated with.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A person signed in (an access token of this session): allowed everything.
    Session(Uuid),
    /// An API token: allowed its scopes only.
    ApiToken {
        /// The token's id.
        id: Uuid,
        /// What it may do.
        scopes: Vec<TokenScope>,
    },
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user's row as of this request.
    pub user: User,
    /// How they authenticated.
    pub credential: Credential,
}

impl AuthUser {
    /// The user's id.
    pub fn id(&self) -> UserId {
        self.user.id
    }

    /// What ends this caller's access when revoked: the session's id, or the API token's. Live
    /// WebSockets are registered under it, so revoking either closes them.
    pub fn revocation_key(&self) -> Uuid {
        match &self.credential {
            Credential::Session(id) | Credential::ApiToken { id, .. } => *id,
        }
    }

    /// The API token's id, when the caller used one (it keys the per-token rate limit).
    pub fn api_token_id(&self) -> Option<ApiTokenId> {
        match &self.credential {
            Credential::Session(_) => None,
            Credential::ApiToken { id, .. } => Some(ApiTokenId(*id)),
        }
    }

    /// `Ok` when the credential allows `scope` (a session allows every scope).
    pub fn require(&self, scope: TokenScope) -> Result<(), ApiError> {
        match &self.credential {
            Credential::ApiToken { scopes, .. } if !scopes.contains(&scope) => Err(ApiError::new(
                ErrorCode::InsufficientScope,
                format!("this API token lacks the `{}` scope", scope.name()),
            )),
            _ => Ok(()),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

impl AuthUser {
    /// Checks a credential: an access token's signature and expiry and its live session, or an
    /// API token's checksum, hash, expiry and revocation; then a usable account.
    pub async fn from_token(state: &AppState, token: &str) -> Result<Self, ApiError> {
        Self::from_token_along(state, token, async |_, _| Ok(())).await.map(|(auth, ())| auth)
    }

    /// As [`AuthUser::from_token`], also running `read` for the user on the same pooled
    /// connection, which goes back to the pool before this returns. An access token names its
    /// user in its signed claims, so `read` goes to the database together with the session check
    /// (pipelined: one round trip for both, where a WebSocket handshake's friends and
    /// conversations took two more); for an API token it runs after the lookup that finds the
    /// user. What `read` returns is dropped unless the check passes. Nothing is checked out when
    /// the token itself is bad.
    pub async fn from_token_along<T>(
        state: &AppState,
        token: &str,
        read: impl AsyncFnOnce(&AsyncPgConnection, UserId) -> Result<T, ApiError>,
    ) -> Result<(Self, T), ApiError> {
        if api_tokens::claims_to_be_api_token(token) {
            let (auth, conn) = Self::from_api_token_on(state, token).await?;
            let value = read(&conn, auth.id()).await?;
            return Ok((auth, value));
        }
        let claims = state.tokens.verify(token)?;
        let conn = db::pool::checkout(&state.pool).await?;
        let (found, value) =
            futures_util::join!(db::queries::sessions::active(&conn, claims.sid), read(&conn, claims.sub));
        match found? {
            Some((session, user)) if user.id == claims.sub => {
                if user.disabled_at.is_some() {
                    return Err(ApiError::account_disabled());
                }
                Ok((Self { user, credential: Credential::Session(session.id) }, value?))
            }
            _ => Err(ApiError::session_ended()),
        }
    }

    async fn from_api_token_on(state: &AppState, token: &str) -> Result<(Self, db::pool::PooledConn), ApiError> {
        let refused = || ApiError::new(ErrorCode::Unauthenticated, "the API token is invalid, revoked or expired");
        if !api_tokens::is_well_formed(token) {
            return Err(refused());
        }
        let mut conn = db::pool::checkout(&state.pool).await?;
        let Some((row, user)) = db::queries::api_tokens::by_hash(&mut conn, &api_tokens::hash(token)).await? else {
            return Err(refused());
        };
        if row.expires_at.is_some_and(|at| at <= Utc::now()) || user.deleted_at.is_some() {
            return Err(refused());
        }
        if user.disabled_at.is_some() {
            return Err(ApiError::account_disabled());
        }
        // The row read above says whether a use is due to be recorded: a busy bot's requests
        // cost no write, and no round trip, in between.
        if row.last_used_at.is_none_or(|at| Utc::now() - at >= chrono::Duration::minutes(1)) {
            db::queries::api_tokens::touch(&mut conn, row.id).await?;
        }
        let scopes = row.scopes.iter().filter_map(|name| TokenScope::from_name(name)).collect();
        Ok((Self { user, credential: Credential::ApiToken { id: row.id.0, scopes } }, conn))
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // An extractor used twice in one request (e.g. `Admin` wraps it) checks once.
        if let Some(auth) = req.extensions().get::<Self>().cloned() {
            return Box::pin(async move { Ok(auth) });
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        let needed = scopes::for_route(req.method(), req.match_pattern().as_deref());
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState missing")))?;
            let token = token.ok_or_else(|| {
                ApiError::new(ErrorCode::Unauthenticated, "sign in first (Authorization: Bearer <access token>)")
            })?;
            let auth = AuthUser::from_token(&state, &token).await?;
            if let Some(token_id) = auth.api_token_id() {
                let checked = state.token_limits.check(token_id);
                let (Ok(bucket) | Err((_, bucket))) = &checked;
                req.extensions_mut().insert(*bucket);
                checked.map_err(|(refused, _)| refused)?;
            }
            auth.require(needed)?;
            req.extensions_mut().insert(auth.clone());
            Ok(auth)
        })
    }
}

/// A person signed in with a session: for the routes no API token may use (password, account
/// deletion, two-factor authentication, sessions, API tokens, bots, the admin API), so a
/// leaked token cannot take over the account or mint more tokens.
#[derive(Debug, Clone)]
pub struct SessionUser {
    /// The caller.
    pub auth: AuthUser,
    /// Their session.
    pub session_id: Uuid,
}

impl std::ops::Deref for SessionUser {
    type Target = AuthUser;

    fn deref(&self) -> &AuthUser {
        &self.auth
    }
}

impl FromRequest for SessionUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let auth = auth.await?;
            match auth.credential {
                Credential::Session(session_id) => Ok(Self { auth, session_id }),
                Credential::ApiToken { .. } => Err(ApiError::new(
                    ErrorCode::InsufficientScope,
                    "API tokens cannot do this: sign in as the account's owner",
                )),
            }
        })
    }
}
