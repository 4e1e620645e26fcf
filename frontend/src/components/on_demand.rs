//! Shows a part of the app whose code loads on first use (crate::chunks): "Loading…" while its
//! chunk arrives, the part once it has, and a retry if the chunk could not be fetched.
//!
//! Not a `<Suspense>` around the split function's future: a part drawn from inside a suspended
//! future is owned by the suspense, and a conversation closing under it (signing out empties
//! the chats) ran its effects once more after its signals were gone (a panic, and with
//! `panic = "abort"` a dead app). Here the chunk is loaded first (its `preload`), and the part
//! is then drawn synchronously, inside this component's own reactive scope like any other view.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::SplitLoaderError;

use crate::locale::{t, use_i18n};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    Loading,
    Loaded,
    Failed,
}

/// Draws what `view` (one of crate::chunks' functions) gives once `preload` (its preload) has
/// loaded the chunk.
#[component]
pub fn OnDemand<P, PF, V, VF>(preload: P, view: V) -> impl IntoView
where
    P: Fn() -> PF + Copy + Send + Sync + 'static,
    PF: Future<Output = Result<(), SplitLoaderError>> + 'static,
    V: Fn() -> VF + Send + Sync + 'static,
    VF: Future<Output = Result<AnyView, SplitLoaderError>>,
{
    let i18n = use_i18n();
    let chunk = RwSignal::new(Chunk::Loading);
    // Also when the chunk is in already: its preload then finishes at the first poll, and the
    // part is drawn before the browser paints (a microtask later).
    let load = move || {
        chunk.set(Chunk::Loading);
        spawn_local(async move {
            let loaded = if preload().await.is_ok() { Chunk::Loaded } else { Chunk::Failed };
            // The page may have been left meanwhile: then there is nothing to tell.
            _ = chunk.try_set(loaded);
        });
    };
    load();
    move || match chunk.get() {
        Chunk::Loading => view! { <p class="empty" role="status">{t!(i18n, common.loading)}</p> }.into_any(),
        // Loaded, the split function runs at once: its future is ready at the first poll.
        Chunk::Loaded => match ready_now(view()) {
            Some(Ok(part)) => part,
            Some(Err(_)) | None => failed(load),
        },
        Chunk::Failed => failed(load),
    }
}

fn failed(retry: impl Fn() + 'static) -> AnyView {
    let i18n = use_i18n();
    view! {
        <div class="on-demand-failed" role="alert">
            <p>{t!(i18n, common.part_load_failed)}</p>
            <button type="button" class="small" on:click=move |_| retry()>{t!(i18n, common.try_again)}</button>
        </div>
    }
    .into_any()
}

/// What `future` gives at its first poll, if it is ready then.
fn ready_now<T>(future: impl Future<Output = T>) -> Option<T> {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => Some(value),
        Poll::Pending => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_future_is_read_at_once_and_a_pending_one_is_not() {
        assert_eq!(ready_now(async { 7 }), Some(7));
        assert_eq!(ready_now(std::future::pending::<i32>()), None);
    }
}
