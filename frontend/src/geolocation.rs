//! The device's position, asked for once when the user shares their location (never watched,
//! never asked on load): the browser's permission prompt is the consent.

use protocol::media::Location;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Position, PositionError, PositionOptions};

use crate::locale::{Locale, td_string};

/// How long the device may take to find itself, in milliseconds.
const TIMEOUT_MS: u32 = 20_000;

/// The current position, or a sentence (in `language`) saying why there is none.
pub async fn current(language: Locale) -> Result<Location, &'static str> {
    let unsupported = td_string!(language, composer.location_unsupported);
    let geolocation = web_sys::window().and_then(|w| w.navigator().geolocation().ok()).ok_or(unsupported)?;
    let options = PositionOptions::new();
    options.set_enable_high_accuracy(true);
    options.set_timeout(TIMEOUT_MS);
    let mut asked = Ok(());
    let answer = js_sys::Promise::new(&mut |resolve, reject| {
        asked = geolocation.get_current_position_with_error_callback_and_options(&resolve, Some(&reject), &options);
    });
    asked.map_err(|_| unsupported)?;
    match JsFuture::from(answer).await {
        Ok(position) => {
            let coords = position.unchecked_into::<Position>().coords();
            let accuracy = coords.accuracy();
            Ok(Location {
                latitude: coords.latitude(),
                longitude: coords.longitude(),
                accuracy_m: (accuracy.is_finite() && accuracy >= 0.0)
                    .then(|| accuracy.round().min(f64::from(u32::MAX)) as u32),
            })
        }
        // Browsers name the class GeolocationPositionError now; its `code` is what counts.
        Err(error) => Err(match error.unchecked_into::<PositionError>().code() {
            PositionError::PERMISSION_DENIED => td_string!(language, composer.location_denied),
            PositionError::TIMEOUT => td_string!(language, composer.location_timeout),
            _ => td_string!(language, composer.location_unknown),
        }),
    }
}
