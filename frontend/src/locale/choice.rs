//! Which language the app speaks: the one the user picked in Settings (remembered in
//! localStorage), else the first of the browser's languages (`navigator.languages`) that Confab
//! has, else English. `<html lang>` follows it, so screen readers and the browser's own widgets
//! (spell check, hyphenation, date pickers) use the same language as the text.

use leptos::prelude::*;
use leptos_i18n::{I18nContext, Locale as _};

use super::{Locale, use_i18n};

const STORAGE_KEY: &str = "confab.language";

/// Creates the translation context for the whole app, in the remembered or the browser's
/// language, and keeps `<html lang>` in step with it. Called once, by `App`.
pub fn provide_language() {
    let initial = saved().unwrap_or_else(browser_language);
    // A context of our own choosing: the crate's main context re-reads the browser's languages
    // after the first render and would override the remembered choice.
    let i18n: I18nContext<Locale> = leptos_i18n::context::init_i18n_subcontext(Some(Signal::stored(initial)));
    provide_context(i18n);
    Effect::new(move |_| {
        let language = i18n.get_locale();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", language.as_str());
        }
    });
}

/// Switches the app to `language` at once and remembers it for the next visits.
pub fn choose_language(language: Locale) {
    use_i18n().set_locale(language);
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, language.as_str());
    }
}

/// The language's own name, as the language chooser lists it (never translated: a reader
/// looks for their own language's name).
pub fn native_name(language: Locale) -> &'static str {
    match language {
        Locale::en => "English",
        Locale::de => "Deutsch",
    }
}

/// The language whose code (`"de"`) this is, if Confab has it.
pub fn language_of_code(code: &str) -> Option<Locale> {
    Locale::get_all().iter().copied().find(|language| language.as_str() == code)
}

fn saved() -> Option<Locale> {
    language_of_code(&storage()?.get_item(STORAGE_KEY).ok().flatten()?)
}

/// The best of the browser's languages, in its order of preference (`en-GB` finds `en`).
fn browser_language() -> Locale {
    let languages: Vec<String> =
        window().navigator().languages().iter().filter_map(|language| language.as_string()).collect();
    Locale::find_locale(&languages)
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}
