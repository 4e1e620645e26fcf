//! Copying text to the clipboard through the asynchronous Clipboard API, which browsers offer
//! on secure origins only (https, and loopback) and allow in answer to a click.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::locale::{Locale, td_string};

/// Puts `text` on the clipboard. Returns a sentence (in `language`) on failure, for the user to
/// copy by hand.
pub async fn copy(text: &str, language: Locale) -> Result<(), String> {
    let refused = || td_string!(language, composer.clipboard_refused).to_owned();
    let navigator = web_sys::window().ok_or_else(refused)?.navigator();
    // Absent on an insecure origin: calling it there would throw.
    let clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null())
        .ok_or_else(refused)?
        .unchecked_into::<web_sys::Clipboard>();
    JsFuture::from(clipboard.write_text(text)).await.map(|_| ()).map_err(|_| refused())
}
