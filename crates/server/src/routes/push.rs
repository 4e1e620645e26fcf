//! Web Push registration: the server's VAPID public key for `pushManager.subscribe`, and a
//! browser's subscription stored or forgotten. Only a signed-in person registers a browser
//! (the subscription belongs to that session, and ends with it); tokens cannot.

use actix_web::{HttpResponse, delete, get, post, web};
use protocol::ErrorBody;
use protocol::push::{PushSubscription, PushUnsubscribe, VapidPublicKey};

use crate::auth::{AuthUser, SessionUser};
use crate::error::ApiError;
use crate::push::subscriptions;
use crate::routes::json_body::JsonBody;
use crate::state::AppState;

/// The server's VAPID public key (`applicationServerKey`).
#[utoipa::path(tag = "push", path = "/api/v1/push/vapid-key", security(("bearer" = [])),
    responses((status = 200, body = VapidPublicKey), (status = 401, body = ErrorBody)))]
#[get("/push/vapid-key")]
pub async fn vapid_key(state: web::Data<AppState>, _auth: AuthUser) -> web::Json<VapidPublicKey> {
    web::Json(VapidPublicKey { public_key: state.push.public_key().to_owned() })
}

/// Registers this browser for notifications while none of the caller's apps is connected
/// (again with new keys: the endpoint is the browser's identity). Ends with the session.
#[utoipa::path(tag = "push", path = "/api/v1/push/subscriptions", security(("bearer" = [])),
    request_body = PushSubscription,
    responses((status = 204, description = "Registered"),
        (status = 400, description = "`invalid_input`: a malformed endpoint or key", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`insufficient_scope`: an API token cannot register a browser", body = ErrorBody),
        (status = 422, description = "`unprocessable`: an endpoint the server may not reach", body = ErrorBody)))]
#[post("/push/subscriptions")]
pub async fn subscribe(
    state: web::Data<AppState>,
    auth: SessionUser,
    body: JsonBody<PushSubscription>,
) -> Result<HttpResponse, ApiError> {
    subscriptions::subscribe(&state, auth.id(), auth.session_id, &body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Forgets one of the caller's browsers (notifications turned off there).
#[utoipa::path(tag = "push", path = "/api/v1/push/subscriptions", security(("bearer" = [])),
    request_body = PushUnsubscribe,
    responses((status = 204, description = "Forgotten"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "`insufficient_scope`: an API token cannot", body = ErrorBody),
        (status = 404, description = "`not_found`: no such subscription of yours", body = ErrorBody)))]
#[delete("/push/subscriptions")]
pub async fn unsubscribe(
    state: web::Data<AppState>,
    auth: SessionUser,
    body: JsonBody<PushUnsubscribe>,
) -> Result<HttpResponse, ApiError> {
    subscriptions::unsubscribe(&state, auth.id(), &body.into_inner().endpoint).await?;
    Ok(HttpResponse::NoContent().finish())
}
