//! `AppState`: what every handler shares — the database pool, the settings, the auth services,
//! and values computed once at start-up (the OpenAPI document and its HTML page).

use std::sync::Arc;

use actix_web::web::Bytes;
use db::DbPool;

use crate::auth::password::Passwords;
use crate::auth::rate_limit::LoginLimiter;
use crate::auth::tokens::TokenKeys;
use crate::bus::Bus;
use crate::chat::writer::Writer;
use crate::config::Settings;
use crate::media::Media;
use crate::presence::Presence;

/// Shared, cheaply clonable application state.
#[derive(Clone)]
pub struct AppState {
    /// Database connections.
    pub pool: DbPool,
    /// The settings the server started with.
    pub settings: Arc<Settings>,
    /// Signs and checks access tokens.
    pub tokens: TokenKeys,
    /// Hashes and verifies passwords, off the async threads.
    pub passwords: Passwords,
    /// Login failure limits.
    pub login_limiter: Arc<LoginLimiter>,
    /// Every user's bucket of requests (WebSocket frames and REST sends).
    pub user_limits: Arc<crate::rate_limits::UserLimits>,
    /// Every API token's request bucket.
    pub token_limits: Arc<crate::rate_limits::TokenLimits>,
    /// Who is connected (answered by the gateway).
    pub presence: Arc<dyn Presence>,
    /// Publishes committed changes to every process's hub.
    pub bus: Bus,
    /// Stores sends in group-committed batches.
    pub writer: Writer,
    /// Uploads, downloads and the media store.
    pub media: Arc<Media>,
    /// The OpenAPI document, serialized once.
    pub openapi_json: Bytes,
    /// The documentation page, rendered once.
    pub docs_html: Bytes,
    /// Whether the process can still recover by itself (`/healthz`).
    pub liveness: crate::healing::Liveness,
    /// Web Push: the VAPID key and the notifications new messages send.
    pub push: crate::push::notifier::Notifier,
}
