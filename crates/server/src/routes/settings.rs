//! `GET /api/v1/settings`: the server settings a client must know (`protocol::settings`),
//! public because nothing in it is secret: the map tile origin is in every page's
//! Content-Security-Policy anyway.

use actix_web::{get, web};
use protocol::settings::{MapTiles, ServerSettings};

use crate::state::AppState;

/// What the web app needs to know of this server's set-up: the map tile server, if any.
#[utoipa::path(tag = "ops", path = "/api/v1/settings",
    responses((status = 200, description = "The client-visible settings", body = ServerSettings)))]
#[get("/settings")]
pub async fn get_settings(state: web::Data<AppState>) -> web::Json<ServerSettings> {
    let map = state.settings.map_tiles_url.as_ref().map(|tiles| MapTiles {
        url_template: tiles.template().to_owned(),
        attribution: state.settings.map_attribution.clone(),
    });
    web::Json(ServerSettings { map })
}
