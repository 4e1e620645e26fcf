//! The landing page: what Confab is, and whether its server is reachable.

use leptos::prelude::*;

use crate::components::server_status::ServerStatus;

/// The landing page.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Confab"</h1>
            <p class="lede">"Real-time chat with your friends and groups. Instant, and it never loses a message."</p>
            <ServerStatus/>
        </section>
    }
}
