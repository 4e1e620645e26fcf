//! A strip under the top bar saying the live connection is being re-established (messages
//! written meanwhile wait in the outbox), that the app started offline and waits for the
//! network, or why the server signed the user out.

use leptos::prelude::*;

use crate::api::ws::{Gateway, Link};
use crate::locale::{t, use_i18n};
use crate::state::chat::Chat;
use crate::state::session::Session;

/// The connection banner.
#[component]
pub fn ConnectionBanner() -> impl IntoView {
    let i18n = use_i18n();
    let gateway = expect_context::<Gateway>();
    let chat = expect_context::<Chat>();
    let session = expect_context::<Session>();
    view! {
        <Show when=move || session.waiting_for_network.get()>
            <div class="banner warning" role="status" data-testid="offline-banner">
                {t!(i18n, common.offline)}
            </div>
        </Show>
        <Show when=move || gateway.link.get() == Link::Reconnecting>
            <div class="banner warning" role="status" data-testid="connection-banner">
                {t!(i18n, common.reconnecting)}
            </div>
        </Show>
        {move || chat.farewell.get().map(|message| view! {
            <div class="banner danger" role="alert" data-testid="farewell">
                <span>{message}</span>
                <button type="button" class="ghost" on:click=move |_| chat.farewell.set(None)>{t!(i18n, common.dismiss)}</button>
            </div>
        })}
    }
}
