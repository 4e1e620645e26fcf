//! Shown for any URL the app does not know.

use leptos::prelude::*;

/// The 404 page.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. "<a href="/">"Back to Confab"</a></p>
        </section>
    }
}
