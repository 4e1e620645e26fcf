//! `GET /api/v1/settings`: what a client needs to know of how this server was set up, before
//! or after sign-in. Today that is the operator's map tile server, so a location card can draw
//! a small map only when one was configured.

use serde::{Deserialize, Serialize};

/// Where the settings document is served.
pub const SETTINGS_PATH: &str = "/api/v1/settings";

/// The client-visible settings of this server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerSettings {
    /// The tiles a location's map is drawn from; absent when the operator configured none, and
    /// then no map is drawn (nothing is fetched from third parties).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<MapTiles>,
}

/// The operator's map tile server (`--map-tiles-url`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapTiles {
    /// A URL template whose `{z}`, `{x}` and `{y}` are replaced by a Web Mercator tile's zoom,
    /// column and row (256-pixel tiles, as OpenStreetMap serves them). The page's
    /// Content-Security-Policy allows images from its origin.
    #[cfg_attr(feature = "openapi", schema(example = "https://tiles.example.org/{z}/{x}/{y}.png"))]
    pub url_template: String,
    /// The credit the tile host asks for, to show with every map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
}
