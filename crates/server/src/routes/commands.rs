//! `/conversations/{id}/commands`: bots declare their slash commands in a conversation,
//! members list and invoke them, and the invoked bot answers ephemerally (`chat/commands.rs`).

use actix_web::{HttpResponse, get, post, put, web};
use protocol::bots::{CommandInvocation, EphemeralReply, InvokeCommand, SetCommands, SlashCommand};
use protocol::{ConversationId, ErrorBody};

use crate::auth::AuthUser;
use crate::chat::commands;
use crate::error::ApiError;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;

/// The calling bot's slash commands in a conversation it is in (replacing those it had).
#[utoipa::path(tag = "bots", path = "/api/v1/conversations/{id}/commands", security(("bearer" = [])),
    params(("id" = ConversationId, Path, description = "Conversation id")), request_body = SetCommands,
    responses((status = 204, description = "Declared"), (status = 400, body = ErrorBody),
        (status = 403, description = "`forbidden`: not a bot", body = ErrorBody),
        (status = 404, description = "`not_found`: not a member", body = ErrorBody),
        (status = 409, description = "`conflict`: another bot here answers one of the names", body = ErrorBody)))]
#[put("/conversations/{id}/commands")]
pub async fn set_commands(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
    body: JsonBody<SetCommands>,
) -> Result<HttpResponse, ApiError> {
    commands::declare(&state, &auth, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The slash commands members of a conversation can invoke, by name.
#[utoipa::path(tag = "bots", path = "/api/v1/conversations/{id}/commands", security(("bearer" = [])),
    params(("id" = ConversationId, Path, description = "Conversation id")),
    responses((status = 200, body = [SlashCommand]), (status = 404, description = "`not_found`: not a member", body = ErrorBody)))]
#[get("/conversations/{id}/commands")]
pub async fn list_commands(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
) -> Result<web::Json<Vec<SlashCommand>>, ApiError> {
    Ok(web::Json(commands::available(&state, auth.id(), path.into_inner()).await?))
}

/// Invokes a slash command: a `command_invoked` event the bot receives like any event.
#[utoipa::path(tag = "bots", path = "/api/v1/conversations/{id}/commands/{name}", security(("bearer" = [])),
    params(("id" = ConversationId, Path, description = "Conversation id"), ("name" = String, Path, description = "Command name")),
    request_body = InvokeCommand,
    responses((status = 201, body = CommandInvocation), (status = 400, body = ErrorBody),
        (status = 404, description = "`not_found`: not a member, or no such command here", body = ErrorBody)))]
#[post("/conversations/{id}/commands/{name}")]
pub async fn invoke_command(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(ConversationId, String)>,
    body: JsonBody<InvokeCommand>,
) -> Result<HttpResponse, ApiError> {
    let (conversation, name) = path.into_inner();
    let seq = commands::invoke(&state, auth.id(), conversation, &name, &body.args).await?;
    Ok(HttpResponse::Created().json(CommandInvocation { seq }))
}

/// The invoked bot's answer to an invocation, shown to the invoker only and never stored.
#[utoipa::path(tag = "bots", path = "/api/v1/conversations/{id}/commands/invocations/{seq}/reply", security(("bearer" = [])),
    params(("id" = ConversationId, Path, description = "Conversation id"), ("seq" = i64, Path, description = "The invocation's seq")),
    request_body = EphemeralReply,
    responses((status = 204, description = "Delivered to the invoker's open apps"), (status = 400, body = ErrorBody),
        (status = 404, description = "`not_found`: no invocation of this bot at that seq", body = ErrorBody),
        (status = 422, description = "`unprocessable`: too old to answer ephemerally", body = ErrorBody)))]
#[post("/conversations/{id}/commands/invocations/{seq}/reply")]
pub async fn reply_to_command(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(ConversationId, i64)>,
    body: JsonBody<EphemeralReply>,
) -> Result<HttpResponse, ApiError> {
    let (conversation, seq) = path.into_inner();
    commands::reply_ephemerally(&state, &auth, conversation, seq, &body.body).await?;
    Ok(HttpResponse::NoContent().finish())
}
