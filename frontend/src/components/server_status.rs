//! A small badge telling whether the server (and its database) is reachable, from `/readyz`.

use leptos::prelude::*;

use crate::api;

/// Shows "Online" or why the server cannot be used.
#[component]
pub fn ServerStatus() -> impl IntoView {
    let readiness = LocalResource::new(api::ready);
    view! {
        <Suspense fallback=|| view! { <span class="status checking">"Checking the server…"</span> }>
            {move || readiness.get().map(|result| match result {
                Ok(ready) => view! {
                    <span class="status ok" data-testid="server-status">
                        {format!("Server online · database {} ms", ready.database_latency_ms)}
                    </span>
                }.into_any(),
                Err(e) => view! {
                    <span class="status error" data-testid="server-status">{e.message}</span>
                }.into_any(),
            })}
        </Suspense>
    }
}
