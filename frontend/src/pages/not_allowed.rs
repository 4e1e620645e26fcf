//! Shown to signed-in users who open a page they have no right to (the admin pages, for anyone
//! who is not an administrator).

use leptos::prelude::*;

/// The "not allowed" page.
#[component]
pub fn NotAllowed() -> impl IntoView {
    view! {
        <section class="hero" data-testid="not-allowed">
            <h1>"Not allowed"</h1>
            <p>"This page is for administrators only. "<a href="/chat">"Back to your chats"</a></p>
        </section>
    }
}
