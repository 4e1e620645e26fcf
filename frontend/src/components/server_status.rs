//! A small badge telling whether the server (and its database) is reachable, from `/readyz`.

use leptos::prelude::*;

use crate::api;
use crate::locale::{error_text, t, use_i18n};

/// Shows "Online" or why the server cannot be used.
#[component]
pub fn ServerStatus() -> impl IntoView {
    let i18n = use_i18n();
    let readiness = LocalResource::new(api::ready);
    view! {
        <Suspense fallback=move || view! { <span class="status checking">{t!(i18n, admin.server_checking)}</span> }>
            {move || readiness.get().map(|result| match result {
                Ok(ready) => view! {
                    <span class="status ok" data-testid="server-status">
                        {t!(i18n, admin.server_online, ms = ready.database_latency_ms)}
                    </span>
                }.into_any(),
                Err(e) => view! {
                    <span class="status error" data-testid="server-status">{error_text(&e, i18n.get_locale())}</span>
                }.into_any(),
            })}
        </Suspense>
    }
}
