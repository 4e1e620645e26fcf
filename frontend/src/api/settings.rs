//! `GET /api/v1/settings`: how the server was set up, as far as the web app must know (the
//! operator's map tile server). Public: it is asked for before anyone signs in.

use gloo_net::http::Method;
use protocol::settings::{SETTINGS_PATH, ServerSettings};

use super::http::{self, ApiError};

/// The server's client-visible settings.
pub async fn server_settings() -> Result<ServerSettings, ApiError> {
    http::public::<ServerSettings, ()>(Method::GET, SETTINGS_PATH, None).await
}
