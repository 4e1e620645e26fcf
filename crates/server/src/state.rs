//! `AppState`: what every handler shares — the database pool, the settings, and values computed
//! once at start-up (the OpenAPI document and its HTML page).

use std::sync::Arc;

use actix_web::web::Bytes;
use db::DbPool;
use secrecy::SecretString;

use crate::config::Settings;

/// Shared, cheaply clonable application state.
#[derive(Clone)]
pub struct AppState {
    /// Database connections.
    pub pool: DbPool,
    /// The settings the server started with.
    pub settings: Arc<Settings>,
    /// Secret that signs access tokens.
    pub jwt_secret: Arc<SecretString>,
    /// The OpenAPI document, serialized once.
    pub openapi_json: Bytes,
    /// The documentation page, rendered once.
    pub docs_html: Bytes,
}
