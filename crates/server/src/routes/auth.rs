//! Sign-up, sign-in, token refresh, sign-out and the sessions list.
//!
//! A session is one signed-in device. Its refresh token is single-use: refreshing rotates it,
//! and presenting an old one again revokes the session (it was copied by someone).

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::Utc;
use db::models::User;
use db::queries::sessions::{self as session_queries, NewSession, Rotation};
use protocol::ErrorBody;
use protocol::ErrorCode;
use protocol::auth::{AuthResponse, LoginRequest, RefreshRequest, RegisterRequest, SessionInfo, TokenDelivery};
use uuid::Uuid;

use crate::auth::SessionUser;
use crate::auth::accounts;
use crate::auth::signout;
use crate::auth::tokens::{self, ACCESS_TTL_SECS, SESSION_TTL_DAYS};
use crate::auth::two_factor;
use crate::error::ApiError;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;
use crate::validate;

/// Name of the refresh-token cookie used by browsers.
pub const REFRESH_COOKIE: &str = "confab_refresh";
/// Seconds during which a just-spent cookie token is refused without revoking its session.
const COOKIE_REUSE_GRACE_SECS: i64 = 30;
/// The cookie is only sent to the auth routes.
const REFRESH_COOKIE_PATH: &str = "/api/v1/auth";

/// Creates an account and signs it in.
#[utoipa::path(
    tag = "auth", path = "/api/v1/auth/register", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created and signed in", body = AuthResponse),
        (status = 400, description = "`invalid_input` or `malformed_json`", body = ErrorBody),
        (status = 409, description = "`username_taken`", body = ErrorBody),
    )
)]
#[post("/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let account = accounts::prepare(&state.passwords, &body.username, &body.display_name, body.password).await?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    let user = accounts::insert(&mut conn, &account).await?;
    tracing::info!(user = %user.id, "account created");
    start_session(&state, &req, &mut conn, user, body.token_delivery, true).await
}

/// Signs in with username and password.
#[utoipa::path(
    tag = "auth", path = "/api/v1/auth/login", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 401, description = "`invalid_credentials`: wrong username or password, or (field `totp_code`) a wrong or used second-factor code", body = ErrorBody),
        (status = 403, description = "`account_disabled`, or `two_factor_required` (field `totp_code`): send the authenticator's code", body = ErrorBody),
        (status = 429, description = "`rate_limited`, with Retry-After", body = ErrorBody),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    validate::presented_password(&body.password)?;
    let address = client_address(&req);
    let account = body.username.trim().to_owned();
    if let Err(wait) = state.login_limiter.check(&account, &address) {
        return Err(ApiError::rate_limited(wait));
    }
    // The connection goes back to the pool before hashing: a login burst waits on the hash
    // semaphore, and must not hold database connections while it does.
    let user = db::queries::users::by_username(&mut *db::pool::checkout(&state.pool).await?, &account).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    // verify() is only true for an existing user's real hash.
    let user = match (state.passwords.verify(body.password, hash).await?, user) {
        (true, Some(user)) => user,
        _ => {
            state.login_limiter.record_failure(&account, &address);
            ::metrics::counter!(crate::telemetry::metrics::LOGIN_FAILURES).increment(1);
            return Err(ApiError::new(ErrorCode::InvalidCredentials, "wrong username or password"));
        }
    };
    if user.disabled_at.is_some() {
        return Err(ApiError::account_disabled());
    }
    let mut conn = db::pool::checkout(&state.pool).await?;
    if two_factor::is_enabled(&mut conn, user.id).await? {
        let Some(code) = body.totp_code.as_deref() else {
            return Err(ApiError::field(
                ErrorCode::TwoFactorRequired,
                "totp_code",
                "enter the code from your authenticator app (or a recovery code)",
            ));
        };
        two_factor::verify(&state, &mut conn, &user, code).await?;
    }
    state.login_limiter.record_success(&account);
    start_session(&state, &req, &mut conn, user, body.token_delivery, false).await
}

/// Exchanges a refresh token (from the body or the cookie) for new tokens.
#[utoipa::path(
    tag = "auth", path = "/api/v1/auth/refresh", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens; the old refresh token is now spent", body = AuthResponse),
        (status = 401, description = "`unauthenticated`: unknown, expired or reused token (a reused token ends its session)", body = ErrorBody),
        (status = 403, description = "`account_disabled`", body = ErrorBody),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Option<JsonBody<RefreshRequest>>,
) -> Result<HttpResponse, ApiError> {
    let body = body.map(JsonBody::into_inner).unwrap_or_default();
    // Cookies are shared by a browser's tabs, which may refresh at the same moment.
    let (presented, grace) = match body.refresh_token {
        Some(token) => (token, chrono::Duration::zero()),
        None => (
            req.cookie(REFRESH_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default(),
            chrono::Duration::seconds(COOKIE_REUSE_GRACE_SECS),
        ),
    };
    if presented.is_empty() || presented.len() > 128 {
        return Err(ApiError::new(ErrorCode::Unauthenticated, "no refresh token presented"));
    }
    let (next, next_hash) = tokens::new_refresh_token();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let rotation =
        session_queries::rotate(&mut conn, &tokens::hash_refresh_token(&presented), &next_hash, grace).await?;
    match rotation {
        Rotation::Rotated { session, user } => {
            if user.disabled_at.is_some() {
                return Err(ApiError::account_disabled());
            }
            Ok(token_response(&state, &req, &user, session.id, next, body.token_delivery, false)?)
        }
        Rotation::Reused { session_id } => {
            drop(conn);
            tracing::warn!("a spent refresh token was presented again; its session is revoked");
            signout::session_ended(&state, session_id).await;
            Err(ApiError::session_ended())
        }
        Rotation::Invalid => Err(ApiError::session_ended()),
    }
}

/// Signs out the current session.
#[utoipa::path(
    tag = "auth", path = "/api/v1/auth/logout", security(("bearer" = [])),
    responses((status = 204, description = "Signed out"), (status = 401, description = "`unauthenticated`", body = ErrorBody))
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, auth: SessionUser) -> Result<HttpResponse, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    session_queries::revoke(&mut conn, auth.id(), auth.session_id).await?;
    drop(conn);
    signout::session_ended(&state, auth.session_id).await;
    Ok(HttpResponse::NoContent().cookie(expired_cookie()).finish())
}

/// Lists the caller's signed-in devices.
#[utoipa::path(
    tag = "auth", path = "/api/v1/auth/sessions", security(("bearer" = [])),
    responses((status = 200, description = "Live sessions, most recent first", body = [SessionInfo]), (status = 401, body = ErrorBody))
)]
#[get("/auth/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    auth: SessionUser,
) -> Result<web::Json<Vec<SessionInfo>>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let sessions = session_queries::list(&mut conn, auth.id()).await?;
    Ok(web::Json(
        sessions
            .into_iter()
            .map(|s| SessionInfo {
                id: s.id,
                user_agent: s.user_agent,
                created_at: s.created_at,
                last_used_at: s.last_used_at,
                current: s.id == auth.session_id,
            })
            .collect(),
    ))
}

/// Signs out one of the caller's sessions (another device, or this one).
#[utoipa::path(
    tag = "auth", path = "/api/v1/auth/sessions/{id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "`not_found`: not one of yours", body = ErrorBody))
)]
#[delete("/auth/sessions/{id}")]
pub async fn revoke_session(
    state: web::Data<AppState>,
    auth: SessionUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let session_id = path.into_inner();
    if !session_queries::revoke(&mut conn, auth.id(), session_id).await? {
        return Err(ApiError::not_found("session"));
    }
    drop(conn);
    signout::session_ended(&state, session_id).await;
    Ok(HttpResponse::NoContent().finish())
}

async fn start_session(
    state: &AppState,
    req: &HttpRequest,
    conn: &mut db::AsyncPgConnection,
    user: User,
    delivery: TokenDelivery,
    created: bool,
) -> Result<HttpResponse, ApiError> {
    let (refresh_token, refresh_hash) = tokens::new_refresh_token();
    let user_agent = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let session = session_queries::create(
        conn,
        NewSession {
            user_id: user.id,
            user_agent,
            ip: &client_address(req),
            expires_at: Utc::now() + chrono::Duration::days(SESSION_TTL_DAYS),
            token_hash: &refresh_hash,
        },
    )
    .await?;
    token_response(state, req, &user, session.id, refresh_token, delivery, created)
}

fn token_response(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    session_id: Uuid,
    next_refresh: String,
    delivery: TokenDelivery,
    created: bool,
) -> Result<HttpResponse, ApiError> {
    let access_token = state.tokens.issue(user.id, session_id)?;
    let mut response = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
    // Tokens must never sit in a browser's or a proxy's cache.
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    let refresh_token = match delivery {
        TokenDelivery::Json => Some(next_refresh),
        TokenDelivery::Cookie => {
            let secure = req.connection_info().scheme() == "https";
            response.cookie(
                Cookie::build(REFRESH_COOKIE, next_refresh)
                    .path(REFRESH_COOKIE_PATH)
                    .http_only(true)
                    .same_site(SameSite::Strict)
                    .secure(secure)
                    .max_age(CookieDuration::days(SESSION_TTL_DAYS))
                    .finish(),
            );
            None
        }
    };
    Ok(response.json(AuthResponse {
        user: user.to_me(),
        access_token,
        expires_in: ACCESS_TTL_SECS,
        refresh_token,
        session_id,
    }))
}

fn expired_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(REFRESH_COOKIE, "").path(REFRESH_COOKIE_PATH).http_only(true).finish();
    cookie.make_removal();
    cookie
}

pub use crate::client_address::client_address;
