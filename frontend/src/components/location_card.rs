//! A shared location in a bubble: its coordinates and accuracy, as a link whose `geo:` URI
//! opens the device's own map app. A small map is drawn above them only when the operator
//! configured a tile server: loading tiles from a third party is what the
//! Content-Security-Policy (and the reader's privacy) rule out by default.

use leptos::prelude::*;
use protocol::media::Location;

use crate::components::location_map::LocationMap;
use crate::locale::{t, t_string, use_i18n};
use crate::media::place::{accuracy, coordinates};
use crate::state::server_settings::ServerSetup;

/// The card of `location`.
#[component]
pub fn LocationCard(location: Location) -> impl IntoView {
    let i18n = use_i18n();
    let text = coordinates(&location);
    let setup = use_context::<ServerSetup>();
    let map = {
        let text = text.clone();
        move || {
            let tiles = setup.and_then(|setup| setup.map())?;
            Some(view! { <LocationMap location tiles place=text.clone()/> })
        }
    };
    view! {
        <a class="location-card" class:with-map=move || setup.is_some_and(|s| s.map().is_some())
            href=location.geo_uri() data-testid="location-card"
            aria-label={
                let place = text.clone();
                move || t_string!(i18n, composer.location_card_label, place = place.clone()).to_string()
            }>
            {map}
            <span class="location-pin" aria-hidden="true">
                <svg viewBox="0 0 24 24" width="22" height="22">
                    <path d="M12 21s-6.5-6.1-6.5-11a6.5 6.5 0 0 1 13 0c0 4.9-6.5 11-6.5 11z" fill="none"
                        stroke="currentColor" stroke-width="1.7" stroke-linejoin="round"/>
                    <circle cx="12" cy="10" r="2.3" fill="currentColor"/>
                </svg>
            </span>
            <span class="location-text">
                <span class="location-title">{t!(i18n, composer.location_shared)}</span>
                <span class="location-coordinates">{text.clone()}</span>
                {move || accuracy(&location, i18n.get_locale()).map(|a| view! { <span class="location-accuracy">{a}</span> })}
            </span>
        </a>
    }
}
