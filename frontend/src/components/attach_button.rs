//! The composer's paper clip: a labelled button that opens the browser's file picker (a hidden
//! `<input type=file multiple>`, which keeps the button styled like the others and still lets
//! tests and assistive tools use the input), handing what is picked to the upload tray.

use leptos::html::Input;
use leptos::prelude::*;

use crate::locale::{t_string, use_i18n};
use crate::state::uploads::{Uploads, files_of};

/// The attach button of a composer whose tray is `uploads`.
#[component]
pub fn AttachButton(uploads: Uploads) -> impl IntoView {
    let i18n = use_i18n();
    let input = NodeRef::<Input>::new();
    let picked = move |_| {
        let Some(el) = input.get_untracked() else { return };
        uploads.add(files_of(el.files()), i18n.get_locale_untracked());
        // Cleared, so picking the same file again (after removing it) is still a change.
        el.set_value("");
    };
    view! {
        <button type="button" class="ghost icon attach" aria-label=move || t_string!(i18n, composer.attach_files)
            title=move || t_string!(i18n, composer.attach_files)
            data-testid="attach" on:click=move |_| { if let Some(el) = input.get_untracked() { el.click(); } }>
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path d="M20.5 11.5 12 20a5.5 5.5 0 0 1-7.8-7.8l8.9-8.9a3.7 3.7 0 0 1 5.2 5.2l-8.9 8.9a1.8 1.8 0 0 1-2.6-2.6l8.2-8.2"
                    fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/>
            </svg>
        </button>
        <input type="file" multiple hidden node_ref=input data-testid="attach-input" tabindex="-1"
            aria-hidden="true" on:change=picked/>
    }
}
