//! Webhooks: a group's incoming webhooks (`/conversations/{id}/webhooks`, for its owners and
//! admins), the secret URL they post through (`/hooks/{id}/{secret}`, no bearer token: the
//! URL is the credential), and the caller's outgoing subscriptions (`/webhooks/subscriptions`).

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use protocol::conversations::Message;
use protocol::webhooks::{
    CreateIncomingWebhook, CreateSubscription, CreatedIncomingWebhook, CreatedSubscription, IncomingWebhookPost,
    IncomingWebhooks, Subscriptions,
};
use protocol::{ConversationId, ErrorBody};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::routes::auth::client_address;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;
use crate::webhooks::{incoming, outgoing};

/// Makes an incoming webhook for a group (its owners and admins): a bot account of its own
/// and a secret URL, shown only in this answer. Recorded in the audit log.
#[utoipa::path(tag = "webhooks", path = "/api/v1/conversations/{id}/webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Group id")),
    request_body = CreateIncomingWebhook,
    responses((status = 201, body = CreatedIncomingWebhook), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "`forbidden`: not an owner or admin", body = ErrorBody),
        (status = 404, description = "`not_found`: no such conversation of yours", body = ErrorBody),
        (status = 422, description = "`unprocessable`: a direct conversation", body = ErrorBody)))]
#[post("/conversations/{id}/webhooks")]
pub async fn create_incoming_webhook(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
    path: web::Path<ConversationId>,
    body: JsonBody<CreateIncomingWebhook>,
) -> Result<HttpResponse, ApiError> {
    let created = incoming::create(&state, auth.id(), path.into_inner(), &body.name, &client_address(&req)).await?;
    Ok(HttpResponse::Created().insert_header(("Cache-Control", "no-store")).json(created))
}

/// A group's incoming webhooks (never their secrets), for its owners and admins.
#[utoipa::path(tag = "webhooks", path = "/api/v1/conversations/{id}/webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Group id")),
    responses((status = 200, body = IncomingWebhooks), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/conversations/{id}/webhooks")]
pub async fn list_incoming_webhooks(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<ConversationId>,
) -> Result<web::Json<IncomingWebhooks>, ApiError> {
    Ok(web::Json(incoming::list(&state, auth.id(), path.into_inner()).await?))
}

/// Revokes an incoming webhook: its URL stops working; the messages it posted stay.
/// Recorded in the audit log.
#[utoipa::path(tag = "webhooks", path = "/api/v1/conversations/{id}/webhooks/{webhook_id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Group id"), ("webhook_id" = Uuid, Path, description = "Webhook id")),
    responses((status = 204, description = "Revoked"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[delete("/conversations/{id}/webhooks/{webhook_id}")]
pub async fn revoke_incoming_webhook(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
    path: web::Path<(ConversationId, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (conversation, webhook) = path.into_inner();
    incoming::revoke(&state, auth.id(), conversation, webhook, &client_address(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Posts a message into the webhook's group, as the webhook's bot account (`username` shows
/// another name on this one message). With an `Idempotency-Key` header, a retry stores nothing
/// new and answers the message stored first (200 instead of 201). A wrong secret answers 404,
/// like a missing or revoked webhook.
#[utoipa::path(tag = "webhooks", path = "/api/v1/hooks/{id}/{secret}",
    params(("id" = Uuid, Path, description = "Webhook id"), ("secret" = String, Path, description = "The URL's secret"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 bytes; one message per key")),
    request_body = IncomingWebhookPost,
    responses((status = 201, description = "Stored", body = Message),
        (status = 200, description = "Stored before under this Idempotency-Key", body = Message),
        (status = 400, body = ErrorBody), (status = 404, description = "`not_found`: no such webhook", body = ErrorBody),
        (status = 429, body = ErrorBody)))]
#[post("/hooks/{id}/{secret}")]
pub async fn post_incoming_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Uuid, String)>,
    body: JsonBody<IncomingWebhookPost>,
) -> Result<HttpResponse, ApiError> {
    let (id, secret) = path.into_inner();
    let key = match req.headers().get("Idempotency-Key") {
        Some(value) => Some(
            value.to_str().map_err(|_| ApiError::invalid_field("Idempotency-Key", "must be visible ASCII"))?.to_owned(),
        ),
        None => None,
    };
    let (message, created) = incoming::post(&state, id, &secret, key.as_deref(), body.into_inner()).await?;
    let mut response = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(response.json(message))
}

/// Subscribes the caller (a person, or a bot with its token) to its conversations' events:
/// each is POSTed to `url`, signed as Standard Webhooks says with the secret shown only in
/// this answer. Recorded in the audit log.
#[utoipa::path(tag = "webhooks", path = "/api/v1/webhooks/subscriptions", security(("bearer" = [])),
    request_body = CreateSubscription,
    responses((status = 201, body = CreatedSubscription), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, description = "`unprocessable`: a URL the egress guard refuses, or 20 subscriptions already", body = ErrorBody)))]
#[post("/webhooks/subscriptions")]
pub async fn create_subscription(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
    body: JsonBody<CreateSubscription>,
) -> Result<HttpResponse, ApiError> {
    let created = outgoing::subscribe(&state, auth.id(), body.into_inner(), &client_address(&req)).await?;
    Ok(HttpResponse::Created().insert_header(("Cache-Control", "no-store")).json(created))
}

/// The caller's subscriptions and their health (failing since, last error, disabled).
#[utoipa::path(tag = "webhooks", path = "/api/v1/webhooks/subscriptions", security(("bearer" = [])),
    responses((status = 200, body = Subscriptions), (status = 401, body = ErrorBody)))]
#[get("/webhooks/subscriptions")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<web::Json<Subscriptions>, ApiError> {
    Ok(web::Json(outgoing::list(&state, auth.id()).await?))
}

/// Deletes one of the caller's subscriptions. Recorded in the audit log.
#[utoipa::path(tag = "webhooks", path = "/api/v1/webhooks/subscriptions/{id}", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 204, description = "Deleted"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
#[delete("/webhooks/subscriptions/{id}")]
pub async fn delete_subscription(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    outgoing::unsubscribe(&state, auth.id(), path.into_inner(), &client_address(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
