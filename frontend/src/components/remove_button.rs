//! A danger button that asks before removing something for good (revoking an API token or an
//! incoming webhook, deleting a webhook subscription): the button, its confirmation dialog, and
//! the line that says why the server refused. What is removed, and what to refresh after, stay
//! with the caller.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::locale::{error_text, use_i18n};

/// The button and, once pressed, the dialog. Texts are read when shown, so they follow the
/// language.
#[component]
pub fn RemoveButton(
    /// The button's visible text ("Revoke…").
    #[prop(into)]
    label: Signal<String>,
    /// Its accessible name, which names the thing ("Revoke CI").
    #[prop(into)]
    name: Signal<String>,
    /// The dialog's question ("Revoke the token CI?").
    #[prop(into)]
    question: Signal<String>,
    /// The dialog's danger button.
    #[prop(into)]
    action: Signal<String>,
    /// What confirming does, in a sentence.
    #[prop(into)]
    explanation: Signal<String>,
    /// Called once confirmed, with the signal to set if the server refuses.
    remove: Callback<RwSignal<Option<ApiError>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let confirm = Callback::new(move |()| {
        confirming.set(false);
        error.set(None);
        remove.run(error);
    });
    view! {
        <button type="button" class="danger small" aria-label=move || name.get()
            on:click=move |_| confirming.set(true)>{move || label.get()}</button>
        {move || error.get().map(|e| view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> })}
        <Show when=move || confirming.get()>
            <ConfirmDialog title=question.get_untracked() action=action.get_untracked() confirm=confirm
                cancel=Callback::new(move |()| confirming.set(false))>
                <p>{move || explanation.get()}</p>
            </ConfirmDialog>
        </Show>
    }
}
