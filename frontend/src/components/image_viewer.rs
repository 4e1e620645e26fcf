//! The picture viewer: a modal `<dialog>` (so the page behind is inert and focus stays inside)
//! showing one of a message's pictures at full size, with previous and next (also the arrow
//! keys), a download link, and Esc, the × or a click beside the picture to close, after which
//! focus goes back to the thumbnail it was opened from (the caller's `close`). A modal dialog
//! alone lets Tab leave for the browser's own controls; here Tab wraps around inside it.

use leptos::html::Dialog;
use leptos::prelude::*;
use protocol::media::Attachment;

use crate::components::focus_trap::keep_focus_inside;
use crate::locale::{t, t_string, use_i18n};
use crate::media::layout::fit;
use crate::state::media::Media;

/// The viewer over `images`, at `index` (which it moves); `close` is called once it has shut.
#[component]
pub fn ImageViewer(images: Vec<Attachment>, index: RwSignal<Option<usize>>, close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let media = expect_context::<Media>();
    let dialog = NodeRef::<Dialog>::new();
    let total = images.len();
    Effect::new(move |_| {
        if let Some(el) = dialog.get()
            && !el.open()
        {
            let _ = el.show_modal();
        }
    });
    // The dialog shuts first: focus cannot return to the page while it is still modal.
    let shut = move || {
        if let Some(el) = dialog.get_untracked()
            && el.open()
        {
            el.close();
        }
        close.run(());
    };
    let step = move |by: usize| index.update(|i| *i = i.map(|i| (i + by) % total.max(1)));
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowRight" if total > 1 => step(1),
        "ArrowLeft" if total > 1 => step(total - 1),
        "Escape" => {
            ev.prevent_default();
            shut();
        }
        "Tab" => {
            if let Some(el) = dialog.get_untracked() {
                keep_focus_inside(&el, &ev);
            }
        }
        _ => {}
    };
    let current = move || index.get().and_then(|i| images.get(i).cloned());
    let picture = move || {
        current().map(|image| {
            let (width, height) = fit(image.width.zip(image.height), 1600, 1600);
            let (src, failed) = media.source(&image.url);
            let path = image.url.clone();
            let href = move || media.url(&path);
            let name = image.name.clone();
            view! {
                <div class="viewer-bar">
                    <span class="viewer-name" id="viewer-name">{name.clone()}</span>
                    {(total > 1).then(|| view! {
                        <span class="viewer-count" aria-live="polite">
                            {t!(i18n, composer.viewer_count, n = index.get_untracked().unwrap_or(0) + 1, total)}
                        </span>
                    })}
                    <a class="viewer-download" href=href download=name.clone()>{t!(i18n, composer.download)}</a>
                    <button type="button" class="ghost viewer-close" aria-label=move || t_string!(i18n, composer.close) autofocus
                        data-testid="viewer-close" on:click=move |_| shut()>"✕"</button>
                </div>
                <div class="viewer-stage" on:click=move |ev| if ev.target() == ev.current_target() { shut(); }>
                    <img class="viewer-image" src=src alt=name width=width height=height
                        on:error=move |_| failed() data-testid="viewer-image"/>
                </div>
            }
        })
    };
    view! {
        <dialog class="image-viewer" node_ref=dialog aria-labelledby="viewer-name" data-testid="image-viewer"
            on:keydown=on_keydown on:close=move |_| close.run(())
            // A click beside the picture (on the dialog or the picture's stage) closes it.
            on:click=move |ev| if ev.target() == ev.current_target() { shut(); }>
            {picture}
            {(total > 1).then(|| view! {
                <button type="button" class="viewer-step previous" aria-label=move || t_string!(i18n, composer.viewer_previous)
                    on:click=move |_| step(total - 1)>"‹"</button>
                <button type="button" class="viewer-step next" aria-label=move || t_string!(i18n, composer.viewer_next)
                    on:click=move |_| step(1)>"›"</button>
            })}
        </dialog>
    }
}
