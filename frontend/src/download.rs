//! Saving text the app fetched as a file on the user's device: a Blob behind an object URL,
//! clicked through a temporary `<a download>`, since a plain link could not carry the bearer token.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

use crate::locale::{Locale, td_string};

/// How long the object URL outlives the click: the browser reads it asynchronously.
const REVOKE_AFTER_MS: u32 = 10_000;

/// Offers `text` as a download named `filename`, typed as JSON. Returns a sentence (in
/// `language`) on failure.
pub fn save_json(filename: &str, text: &str, language: Locale) -> Result<(), String> {
    save(filename, text, "application/json", language)
}

/// Offers `text` as a plain-text download named `filename`. Returns a sentence (in `language`)
/// on failure.
pub fn save_text(filename: &str, text: &str, language: Locale) -> Result<(), String> {
    save(filename, text, "text/plain;charset=utf-8", language)
}

fn save(filename: &str, text: &str, mime: &str, language: Locale) -> Result<(), String> {
    let fail = |e: JsValue| td_string!(language, composer.download_failed, reason = format!("{e:?}")).to_string();
    let document = leptos::prelude::document();
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let link: HtmlAnchorElement = document.create_element("a").map_err(fail)?.unchecked_into();
    link.set_href(&url);
    link.set_download(filename);
    // Firefox only follows a link that is in the document.
    let body = document.body().ok_or_else(|| td_string!(language, composer.download_no_body).to_owned())?;
    body.append_child(&link).map_err(fail)?;
    link.click();
    link.remove();
    leptos::task::spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(REVOKE_AFTER_MS).await;
        let _ = Url::revoke_object_url(&url);
    });
    Ok(())
}
