//! The landing page: what Confab is, the way in, and whether its server is reachable.
//! Signed-in users go straight to their chats.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::components::server_status::ServerStatus;
use crate::locale::{t, use_i18n};
use crate::state::session::{Session, Status};

/// The landing page.
#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    view! {
        <Show when=move || session.status.get() != Status::SignedIn fallback=|| view! { <Redirect path="/chat"/> }>
            <section class="card hero">
                <h1>{t!(i18n, common.confab)}</h1>
                <p class="lede">{t!(i18n, common.home_lede)}</p>
                <div class="hero-actions">
                    <a class="button" href="/signup">{t!(i18n, common.create_an_account)}</a>
                    <a class="button secondary" href="/signin">{t!(i18n, common.sign_in)}</a>
                </div>
                <ServerStatus/>
            </section>
        </Show>
    }
}
