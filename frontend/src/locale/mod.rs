//! The translation layer: every word the web app shows goes through here. The texts live in
//! `frontend/locales/<language>/<namespace>.json` (which namespace holds what, and how to add a
//! key: `frontend/locales/README.md`), compiled in and checked by `leptos_i18n`: a key missing
//! from English does not compile, one missing from German fails the build too.
//!
//! Converting a component:
//!
//! ```ignore
//! use crate::locale::{t, t_string, td_string, use_i18n};
//! let i18n = use_i18n();                                   // once, at the top of the component
//! view! { <h1>{t!(i18n, settings.title)}</h1> }            // text: reactive, follows the language
//! {t!(i18n, common.unread_count, count = move || n.get())} // "{{ count }} unread": a value
//! {t!(i18n, auth.new_here, <signup> = <a href="/signup"/>)} // a link inside the sentence
//! <nav aria-label=move || t_string!(i18n, common.main_navigation)>  // attribute: a closure
//! <Field label=t_string!(i18n, auth.username) .../>        // a String prop: read at render
//! td_string!(i18n.get_locale_untracked(), settings.profile_saved).to_owned() // Rust code, async
//! error_text(&api_error, i18n.get_locale())                // a server refusal, by its code
//! ```
//!
//! `t_string!` with values returns something `Display`: `.to_string()` it where a `String` is
//! wanted. A component prop that takes a plain `String` (like `Field`'s `label`) is read once:
//! where the language can change while it shows (the settings page), build it inside
//! `move || view! { ... }` so it is rebuilt. Dates and times: `crate::time`, never by hand.

// The `i18n` module that frontend/build.rs generates from the translation files: the `Locale`
// enum, the keys, the `t!` family of macros and the context's type.
include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub use i18n::*;

mod choice;
mod errors;

pub use choice::{choose_language, language_of_code, native_name, provide_language};
pub use errors::error_text;
