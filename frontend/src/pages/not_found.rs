//! Shown for any URL the app does not know.

use leptos::prelude::*;

use crate::locale::{t, use_i18n};

/// The 404 page.
#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="hero">
            <h1>{t!(i18n, common.not_found_title)}</h1>
            <p>{t!(i18n, common.not_found_text, <home> = <a href="/" />)}</p>
        </section>
    }
}
