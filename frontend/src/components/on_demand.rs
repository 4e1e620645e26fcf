//! Shows a part of the app whose code loads on first use (crate::chunks): "Loading…" while its
//! chunk arrives, the part once it has, and a retry if the chunk could not be fetched.

use std::future::Future;

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use send_wrapper::SendWrapper;

use crate::locale::{t, use_i18n};

/// Renders what `load` (a call of one of crate::chunks' functions) gives.
#[component]
pub fn OnDemand<L, F>(load: L) -> impl IntoView
where
    L: Fn() -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<AnyView, SplitLoaderError>> + 'static,
{
    let i18n = use_i18n();
    let attempt = RwSignal::new(0_u32);
    let part = move || {
        attempt.track();
        // The split function's future holds the loader's state, which is not `Send`; it only
        // ever runs on the browser's one thread.
        let loading = SendWrapper::new(load());
        Suspend::new(async move {
            match loading.await {
                Ok(part) => part,
                Err(_) => view! {
                    <div class="on-demand-failed" role="alert">
                        <p>{t!(i18n, common.part_load_failed)}</p>
                        <button type="button" class="small" on:click=move |_| attempt.update(|n| *n += 1)>
                            {t!(i18n, common.try_again)}
                        </button>
                    </div>
                }
                .into_any(),
            }
        })
    };
    view! {
        <Suspense fallback=move || view! { <p class="empty" role="status">{t!(i18n, common.loading)}</p> }>
            {part}
        </Suspense>
    }
}
