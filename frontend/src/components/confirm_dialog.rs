//! A modal confirmation for something that cannot be undone (deleting a bot, revoking a
//! token): a native `<dialog>` opened with `showModal`, so the page behind is inert, Esc
//! cancels, and focus returns to the button that opened it. Focus starts on "Cancel", so a
//! stray Enter does no harm, and Tab wraps around inside it (focus_trap.rs).

use leptos::html::Dialog;
use leptos::prelude::*;

use crate::components::focus_trap::{FocusReturn, keep_focus_inside};
use crate::locale::{t, use_i18n};

/// The dialog, open while it is in the document: `title` as its heading, `children` as the
/// explanation; `confirm` runs on the danger button, `cancel` on "Cancel", Esc or closing.
#[component]
pub fn ConfirmDialog(
    /// The question, e.g. "Delete the bot Helper?".
    #[prop(into)]
    title: String,
    /// The danger button's label.
    #[prop(into)]
    action: String,
    /// Runs when the person confirms.
    confirm: Callback<()>,
    /// Runs when they cancel (the button, Esc).
    cancel: Callback<()>,
    /// What happens if they confirm.
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let dialog = NodeRef::<Dialog>::new();
    // Taken before the dialog takes the focus.
    let opener = FocusReturn::remember();
    Effect::new(move |_| {
        if let Some(el) = dialog.get()
            && !el.open()
        {
            let _ = el.show_modal();
        }
    });
    // The dialog shuts first, so the focus can go back to the page before it re-renders.
    let shut = move || {
        if let Some(el) = dialog.get_untracked()
            && el.open()
        {
            el.close();
        }
        opener.give_back();
    };
    view! {
        <dialog class="confirm-dialog card" node_ref=dialog role="alertdialog" aria-modal="true"
            aria-labelledby="confirm-title" aria-describedby="confirm-text" data-testid="confirm-dialog"
            on:cancel=move |ev: leptos::ev::Event| { ev.prevent_default(); shut(); cancel.run(()); }
            on:keydown=move |ev| if let Some(el) = dialog.get_untracked() { keep_focus_inside(&el, &ev) }>
            <h2 id="confirm-title">{title}</h2>
            <div id="confirm-text">{children()}</div>
            <div class="dialog-actions">
                <button type="button" class="secondary" autofocus on:click=move |_| { shut(); cancel.run(()); }>{t!(i18n, chat.cancel)}</button>
                <button type="button" class="danger" on:click=move |_| { shut(); confirm.run(()); }>{action}</button>
            </div>
        </dialog>
    }
}
