//! The files waiting above the composer: a thumbnail (pictures, once stored) or the file's
//! name, a progress bar while its bytes go up, and a × that cancels the upload or takes the
//! file back out.

use leptos::prelude::*;

use crate::locale::{t_string, use_i18n};
use crate::state::media::Media;
use crate::state::uploads::{Pending, Stage, Uploads};

/// The tray of `uploads` (nothing when it is empty).
#[component]
pub fn AttachmentTray(uploads: Uploads) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || !uploads.is_empty()>
            <ul class="attachment-tray" data-testid="attachment-tray" aria-label=move || t_string!(i18n, composer.tray_label)>
                <For each=move || uploads.items.get() key=|p| p.key let(pending)>
                    <Chip pending uploads/>
                </For>
            </ul>
        </Show>
    }
}

#[component]
fn Chip(pending: Pending, uploads: Uploads) -> impl IntoView {
    let i18n = use_i18n();
    let media = expect_context::<Media>();
    let Pending { key, name, image, progress, stage } = pending;
    let uploading = move || stage.with(|s| *s == Stage::Uploading);
    let thumbnail = move || match stage.get() {
        Stage::Done(a) if image => a.thumbnail.as_deref().and_then(|t| media.url(t)),
        _ => None,
    };
    let label = name.clone();
    view! {
        <li class="attachment-chip" class:uploading=uploading data-testid="attachment-chip"
            data-state=move || if uploading() { "uploading" } else { "done" }>
            {move || match thumbnail() {
                Some(src) => view! { <img src=src alt="" width="40" height="40"/> }.into_any(),
                None => view! { <span class="chip-icon" aria-hidden="true">{if image { "🖼" } else { "📄" }}</span> }.into_any(),
            }}
            <span class="chip-text">
                <span class="chip-name" title=name.clone()>{name.clone()}</span>
                <Show when=uploading>
                    <progress max="1" value=move || progress.get() aria-label={
                        let label = label.clone();
                        move || t_string!(i18n, composer.tray_uploading, name = label.clone()).to_string()
                    }></progress>
                </Show>
            </span>
            <button type="button" class="ghost small chip-remove"
                aria-label=move || if uploading() {
                    t_string!(i18n, composer.tray_cancel_upload, name = name.clone()).to_string()
                } else {
                    t_string!(i18n, composer.tray_remove, name = name.clone()).to_string()
                }
                on:click=move |_| uploads.remove(key)>"✕"</button>
        </li>
    }
}
