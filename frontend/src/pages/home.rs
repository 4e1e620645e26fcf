//! The landing page: what Confab is, the way in, and whether its server is reachable.
//! Signed-in users go straight to their chats.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::components::server_status::ServerStatus;
use crate::state::session::{Session, Status};

/// The landing page.
#[component]
pub fn Home() -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <Show when=move || session.status.get() != Status::SignedIn fallback=|| view! { <Redirect path="/chat"/> }>
            <section class="card hero">
                <h1>"Confab"</h1>
                <p class="lede">"Real-time chat with your friends and groups. Instant, and it never loses a message."</p>
                <div class="hero-actions">
                    <a class="button" href="/signup">"Create an account"</a>
                    <a class="button secondary" href="/signin">"Sign in"</a>
                </div>
                <ServerStatus/>
            </section>
        </Show>
    }
}
