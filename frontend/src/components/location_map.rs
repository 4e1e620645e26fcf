//! The small map in a location card, drawn only when the operator configured a tile server
//! (`--map-tiles-url`, learnt from `GET /api/v1/settings`): the tiles around the point, placed
//! by `media::tiles` so the point is centred, a marker on its pixel, the accuracy circle, and
//! the tile host's credit. Tiles load lazily and without a referrer; the page's CSP allows
//! images from that one origin only.

use leptos::prelude::*;
use protocol::media::Location;
use protocol::settings::MapTiles;

use crate::locale::{t_string, use_i18n};
use crate::media::tiles::{MAP_HEIGHT, MAP_WIDTH, map_view, tile_url};

/// Below this radius (pixels) the accuracy circle would hide under the marker.
const MIN_CIRCLE_PX: f64 = 4.0;

fn px(value: f64) -> String {
    format!("{value:.1}px")
}

/// The map of `location` from `tiles`; `place` is the coordinates as the card writes them.
#[component]
pub fn LocationMap(location: Location, tiles: MapTiles, place: String) -> impl IntoView {
    let i18n = use_i18n();
    let view = map_view(&location, MAP_WIDTH, MAP_HEIGHT);
    let (marker_x, marker_y) = view.marker;
    let images = view
        .tiles
        .iter()
        .map(|tile| {
            let src = tile_url(&tiles.url_template, view.zoom, tile.x, tile.y);
            // `style:` sets the property through CSSOM: a `style` attribute would be blocked by the CSP.
            view! {
                <img class="map-tile" src=src alt="" loading="lazy" decoding="async" referrerpolicy="no-referrer"
                    draggable="false" width="256" height="256" style:left=px(tile.left) style:top=px(tile.top)/>
            }
        })
        .collect_view();
    let circle = view.accuracy_px.filter(|r| *r >= MIN_CIRCLE_PX).map(|radius| {
        view! {
            <span class="map-accuracy" aria-hidden="true" style:left=px(marker_x) style:top=px(marker_y)
                style:width=px(2.0 * radius) style:height=px(2.0 * radius)></span>
        }
    });
    view! {
        <span class="location-map" role="img" aria-label=move || t_string!(i18n, composer.location_map, place = place.clone()).to_string()
            data-testid="location-map" data-zoom=view.zoom.to_string()>
            {images}
            {circle}
            <span class="map-marker" aria-hidden="true" style:left=px(marker_x) style:top=px(marker_y)>
                <svg viewBox="0 0 24 24" width="26" height="26">
                    <path d="M12 22s-7-6.6-7-12a7 7 0 0 1 14 0c0 5.4-7 12-7 12z" fill="currentColor"
                        stroke="#fff" stroke-width="1.5" stroke-linejoin="round"/>
                    <circle cx="12" cy="10" r="2.6" fill="#fff"/>
                </svg>
            </span>
            {tiles.attribution.map(|credit| view! { <span class="map-attribution">{credit}</span> })}
        </span>
    }
}
