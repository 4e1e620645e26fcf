//! Bot accounts, managed by the person who owns them (a signed-in session, never an API
//! token): create, list, rename and describe, give a picture, delete. A bot is a user of kind `bot`: people add
//! it as a friend (it accepts at once), group admins add it to groups, and it acts through its
//! API tokens (`routes/tokens.rs`). Operators list every bot under `/admin/bots` and disable one
//! like any account.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use db::models::User;
use db::queries::bots::{self as bot_queries, BotRow, NewBot};
use protocol::bots::{BOT_DESCRIPTION_MAX_CHARS, Bot, CreateBot, MAX_BOTS_PER_OWNER, UpdateBot};
use protocol::media::MediaId;
use protocol::users::SetPicture;
use protocol::ws::close;
use protocol::{ErrorBody, ErrorCode, UserId};
use serde_json::json;
use uuid::Uuid;

use crate::auth::{SessionUser, signout};
use crate::error::{ApiError, is_unique_violation};
use crate::routes::auth::client_address;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;
use crate::validate;

/// The owner's (and the admin's) view of a bot.
pub fn bot_view(user: &User, bot: &BotRow) -> Bot {
    Bot {
        user: user.to_public(),
        description: bot.description.clone(),
        owner_id: bot.owner_id,
        disabled_at: user.disabled_at,
    }
}

fn description(raw: &str) -> Result<String, ApiError> {
    let description = raw.trim();
    if description.chars().count() > BOT_DESCRIPTION_MAX_CHARS {
        return Err(ApiError::invalid_field("description", format!("at most {BOT_DESCRIPTION_MAX_CHARS} characters")));
    }
    Ok(description.to_owned())
}

/// Creates a bot owned by the caller.
#[utoipa::path(tag = "bots", path = "/api/v1/bots", security(("bearer" = [])), request_body = CreateBot,
    responses((status = 201, body = Bot),
        (status = 400, description = "`invalid_input`: a field breaks a rule", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`: an API token cannot create bots", body = ErrorBody),
        (status = 409, description = "`username_taken`", body = ErrorBody),
        (status = 422, description = "`unprocessable`: the caller owns the most bots allowed", body = ErrorBody)))]
#[post("/bots")]
pub async fn create_bot(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: SessionUser,
    body: JsonBody<CreateBot>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let username = validate::username(&body.username)?;
    let display_name = validate::display_name(&body.display_name)?;
    let description = description(&body.description)?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    if bot_queries::count_owned(&mut conn, auth.id()).await? >= MAX_BOTS_PER_OWNER as i64 {
        return Err(ApiError::new(ErrorCode::Unprocessable, format!("you may own at most {MAX_BOTS_PER_OWNER} bots")));
    }
    let new = NewBot {
        id: UserId(Uuid::now_v7()),
        owner_id: auth.id(),
        username: &username,
        display_name: &display_name,
        avatar_color: validate::default_avatar_color(&username),
        description: &description,
    };
    let (user, bot) = match bot_queries::create(&mut conn, new).await {
        Ok(created) => created,
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::field(ErrorCode::UsernameTaken, "username", "this username is taken"));
        }
        Err(e) => return Err(e.into()),
    };
    let detail = json!({ "username": user.username });
    db::queries::admin::audit(
        &mut conn,
        auth.id(),
        "bot.create",
        ("user", Some(user.id.0)),
        detail,
        &client_address(&req),
    )
    .await?;
    Ok(HttpResponse::Created().json(bot_view(&user, &bot)))
}

/// The caller's bots, oldest first.
#[utoipa::path(tag = "bots", path = "/api/v1/bots", security(("bearer" = [])),
    responses((status = 200, body = [Bot]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/bots")]
pub async fn list_bots(state: web::Data<AppState>, auth: SessionUser) -> Result<web::Json<Vec<Bot>>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let bots = bot_queries::owned_by(&mut conn, auth.id()).await?;
    Ok(web::Json(bots.iter().map(|(user, bot)| bot_view(user, bot)).collect()))
}

/// Renames or re-describes one of the caller's bots.
#[utoipa::path(tag = "bots", path = "/api/v1/bots/{id}", security(("bearer" = [])), request_body = UpdateBot,
    params(("id" = UserId, Path, description = "The bot's user id")),
    responses((status = 200, body = Bot), (status = 400, body = ErrorBody),
        (status = 404, description = "`not_found`: not a bot of yours", body = ErrorBody)))]
#[patch("/bots/{id}")]
pub async fn update_bot(
    state: web::Data<AppState>,
    auth: SessionUser,
    path: web::Path<UserId>,
    body: JsonBody<UpdateBot>,
) -> Result<web::Json<Bot>, ApiError> {
    let id = path.into_inner();
    let body = body.into_inner();
    let display_name = body.display_name.as_deref().map(validate::display_name).transpose()?;
    let description = body.description.as_deref().map(description).transpose()?;
    let mut conn = db::pool::checkout(&state.pool).await?;
    if bot_queries::owned(&mut conn, auth.id(), id).await?.is_none() {
        return Err(ApiError::not_found("bot"));
    }
    bot_queries::update(&mut conn, id, display_name.as_deref(), description.as_deref()).await?;
    let (user, bot) = bot_queries::owned(&mut conn, auth.id(), id).await?.ok_or_else(|| ApiError::not_found("bot"))?;
    drop(conn);
    // A new name shows in the bot's conversations and friend lists at once, as a person's does.
    crate::social::profile_changed(&state, &user).await;
    Ok(web::Json(bot_view(&user, &bot)))
}

/// Gives one of the caller's bots a picture: one the owner uploaded (the bot has no session to
/// upload with). The upload stays the owner's (counted in their quota, gone with their
/// account, as their bots are); the media janitor keeps any upload that is someone's avatar.
#[utoipa::path(tag = "bots", path = "/api/v1/bots/{id}/avatar", security(("bearer" = [])), request_body = SetPicture,
    params(("id" = UserId, Path, description = "The bot's user id")),
    responses((status = 200, body = Bot),
        (status = 403, description = "`insufficient_scope`: an API token cannot change bots", body = ErrorBody),
        (status = 404, description = "`not_found`: not a bot of yours", body = ErrorBody),
        (status = 422, description = "`unprocessable` (field `media_id`): not a picture of the caller's, or attached to a message", body = ErrorBody)))]
#[put("/bots/{id}/avatar")]
pub async fn set_bot_avatar(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: SessionUser,
    path: web::Path<UserId>,
    body: JsonBody<SetPicture>,
) -> Result<web::Json<Bot>, ApiError> {
    change_avatar(&state, &req, &auth, path.into_inner(), Some(body.media_id)).await
}

/// Takes a bot's picture away (its initials show again).
#[utoipa::path(tag = "bots", path = "/api/v1/bots/{id}/avatar", security(("bearer" = [])),
    params(("id" = UserId, Path, description = "The bot's user id")),
    responses((status = 200, body = Bot),
        (status = 403, description = "`insufficient_scope`: an API token cannot change bots", body = ErrorBody),
        (status = 404, description = "`not_found`: not a bot of yours", body = ErrorBody)))]
#[delete("/bots/{id}/avatar")]
pub async fn remove_bot_avatar(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: SessionUser,
    path: web::Path<UserId>,
) -> Result<web::Json<Bot>, ApiError> {
    change_avatar(&state, &req, &auth, path.into_inner(), None).await
}

/// Sets or clears bot `id`'s avatar for its owner, audits it and tells everyone who sees the
/// bot. Ownership is checked first, so a stranger learns nothing about the bot or the media.
async fn change_avatar(
    state: &AppState,
    req: &HttpRequest,
    auth: &SessionUser,
    id: UserId,
    media_id: Option<MediaId>,
) -> Result<web::Json<Bot>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let Some((_, bot)) = bot_queries::owned(&mut conn, auth.id(), id).await? else {
        return Err(ApiError::not_found("bot"));
    };
    if let Some(media_id) = media_id {
        db::queries::media::own_picture(&mut conn, media_id, auth.id())
            .await?
            .ok_or_else(|| ApiError::field(ErrorCode::Unprocessable, "media_id", "not a picture you uploaded"))?;
    }
    let user = db::queries::users::set_avatar(&mut conn, id, media_id).await?;
    let (action, detail) = match media_id {
        Some(media_id) => ("bot.avatar_set", json!({ "username": user.username, "media_id": media_id })),
        None => ("bot.avatar_remove", json!({ "username": user.username })),
    };
    db::queries::admin::audit(&mut conn, auth.id(), action, ("user", Some(id.0)), detail, &client_address(req)).await?;
    drop(conn);
    crate::social::profile_changed(state, &user).await;
    Ok(web::Json(bot_view(&user, &bot)))
}

/// Deletes one of the caller's bots: its tokens stop working and its connections close; its
/// messages stay, from "Deleted user".
#[utoipa::path(tag = "bots", path = "/api/v1/bots/{id}", security(("bearer" = [])),
    params(("id" = UserId, Path, description = "The bot's user id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "`not_found`: not a bot of yours", body = ErrorBody)))]
#[delete("/bots/{id}")]
pub async fn delete_bot(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: SessionUser,
    path: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut conn = db::pool::checkout(&state.pool).await?;
    let Some((user, _)) = bot_queries::owned(&mut conn, auth.id(), id).await? else {
        return Err(ApiError::not_found("bot"));
    };
    db::queries::users::soft_delete(&mut conn, id).await?;
    let detail = json!({ "username": user.username });
    db::queries::admin::audit(&mut conn, auth.id(), "bot.delete", ("user", Some(id.0)), detail, &client_address(&req))
        .await?;
    state.media.janitor.wake();
    drop(conn);
    signout::user_sessions_ended(&state, id, None, close::SESSION_ENDED).await;
    Ok(HttpResponse::NoContent().finish())
}
