//! API tokens, managed by a signed-in person (never by a token, so a leaked token cannot mint
//! more): create one for their own scripts or for one of their bots (the secret is in this one
//! answer only), list the live ones, revoke one (its WebSockets close at once). Every creation
//! and revocation goes in the audit log.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::Utc;
use db::queries::api_tokens::{self as token_queries, ApiTokenRow, NewApiToken};
use protocol::bots::{
    ApiToken, ApiTokenId, CreateApiToken, CreatedApiToken, MAX_TOKENS_PER_ACCOUNT, TOKEN_NAME_MAX_CHARS, TokenScope,
};
use protocol::{ErrorBody, ErrorCode};
use serde_json::json;
use uuid::Uuid;

use crate::auth::{SessionUser, api_tokens, signout};
use crate::error::ApiError;
use crate::routes::auth::client_address;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;

/// The description of a token's row (never its secret).
fn token_view(row: &ApiTokenRow) -> ApiToken {
    let mut scopes: Vec<TokenScope> = row.scopes.iter().filter_map(|name| TokenScope::from_name(name)).collect();
    scopes.sort();
    ApiToken {
        id: row.id,
        account_id: row.account_id,
        name: row.name.clone(),
        scopes,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
        created_at: row.created_at,
    }
}

/// A valid token request: a name, at least one scope and none twice, an expiry in the future.
fn validated(body: &CreateApiToken) -> Result<(String, Vec<TokenScope>), ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > TOKEN_NAME_MAX_CHARS {
        return Err(ApiError::invalid_field("name", format!("1 to {TOKEN_NAME_MAX_CHARS} characters")));
    }
    let mut scopes = body.scopes.clone();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() || scopes.len() != body.scopes.len() {
        return Err(ApiError::invalid_field("scopes", "at least one of read, send, manage, each once"));
    }
    if body.expires_at.is_some_and(|at| at <= Utc::now()) {
        // 422, not 400: the time is well formed, only already past (no schema can say "future").
        return Err(ApiError::field(ErrorCode::Unprocessable, "expires_at", "must be in the future"));
    }
    Ok((name.to_owned(), scopes))
}

/// Creates an API token for the caller or one of their bots; the secret is shown this once.
#[utoipa::path(tag = "tokens", path = "/api/v1/tokens", security(("bearer" = [])), request_body = CreateApiToken,
    responses((status = 201, body = CreatedApiToken),
        (status = 400, description = "`invalid_input`: a field breaks a rule", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`: an API token cannot create tokens", body = ErrorBody),
        (status = 404, description = "`not_found`: `bot_id` is not a bot of yours", body = ErrorBody),
        (status = 422, description = "`unprocessable`: the account has the most live tokens allowed, or `expires_at` is past", body = ErrorBody)))]
#[post("/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: SessionUser,
    body: JsonBody<CreateApiToken>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (name, scopes) = validated(&body)?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    let account = match body.bot_id {
        Some(bot) => match db::queries::bots::owned(&mut conn, auth.id(), bot).await? {
            Some(_) => bot,
            None => return Err(ApiError::not_found("bot")),
        },
        None => auth.id(),
    };
    if token_queries::count_live(&mut conn, account).await? >= MAX_TOKENS_PER_ACCOUNT as i64 {
        return Err(ApiError::new(
            ErrorCode::Unprocessable,
            format!("an account may have at most {MAX_TOKENS_PER_ACCOUNT} live tokens: revoke one first"),
        ));
    }
    let (secret, hash) = api_tokens::generate();
    let row = token_queries::insert(
        &mut conn,
        NewApiToken {
            id: ApiTokenId(Uuid::now_v7()),
            account_id: account,
            created_by: auth.id(),
            name: &name,
            token_hash: &hash,
            scopes: scopes.iter().map(|scope| scope.name()).collect(),
            expires_at: body.expires_at,
        },
    )
    .await?;
    let detail = json!({
        "name": row.name,
        "account_id": account,
        "scopes": row.scopes,
        "expires_at": row.expires_at,
    });
    db::queries::admin::audit(
        &mut conn,
        auth.id(),
        "token.create",
        ("api_token", Some(row.id.0)),
        detail,
        &client_address(&req),
    )
    .await?;
    Ok(HttpResponse::Created().json(CreatedApiToken { token: secret, info: token_view(&row) }))
}

/// The live tokens of the caller and of their bots, newest first (never their secrets).
#[utoipa::path(tag = "tokens", path = "/api/v1/tokens", security(("bearer" = [])),
    responses((status = 200, body = [ApiToken]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/tokens")]
pub async fn list_tokens(state: web::Data<AppState>, auth: SessionUser) -> Result<web::Json<Vec<ApiToken>>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let rows = token_queries::managed_by(&mut conn, auth.id()).await?;
    let now = Utc::now();
    Ok(web::Json(rows.iter().filter(|row| row.expires_at.is_none_or(|at| at > now)).map(token_view).collect()))
}

/// Revokes a token of the caller's or of one of their bots: it stops working at once, and the
/// WebSockets it opened close.
#[utoipa::path(tag = "tokens", path = "/api/v1/tokens/{id}", security(("bearer" = [])),
    params(("id" = ApiTokenId, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "`not_found`: no such live token of yours", body = ErrorBody)))]
#[delete("/tokens/{id}")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: SessionUser,
    path: web::Path<ApiTokenId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let Some(row) = token_queries::revoke(&mut conn, auth.id(), id).await? else {
        return Err(ApiError::not_found("token"));
    };
    let detail = json!({ "name": row.name, "account_id": row.account_id });
    db::queries::admin::audit(
        &mut conn,
        auth.id(),
        "token.revoke",
        ("api_token", Some(id.0)),
        detail,
        &client_address(&req),
    )
    .await?;
    drop(conn);
    // Sockets opened with the token are registered under its id.
    signout::session_ended(&state, id.0).await;
    Ok(HttpResponse::NoContent().finish())
}
