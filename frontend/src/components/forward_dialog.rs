//! "Forward to…": a dialog listing the reader's conversations to copy a message into (up to
//! ten). The copies say "Forwarded" and do not name where the message came from. Modal for the
//! keyboard: Tab wraps around inside it, Esc closes it, and the focus goes back to where it was.

use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ConversationId;
use protocol::conversations::{ForwardMessage, MAX_FORWARD_TARGETS, Message};

use crate::api;
use crate::components::focus_trap::{FocusReturn, keep_focus_inside};
use crate::locale::{error_text, t, td_string, use_i18n};
use crate::state::chat::Chat;
use crate::state::chat::outbox::new_client_msg_id;
use crate::state::session::Session;

/// The dialog for forwarding `message`; closes by setting `open` to false.
#[component]
pub fn ForwardDialog(message: Message, open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let session = expect_context::<Session>();
    let chosen = RwSignal::new(Vec::<ConversationId>::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // One key for the dialog's lifetime: pressing "Forward" twice stores nothing twice.
    let key = new_client_msg_id();
    let (from, id) = (message.conversation_id, message.id);
    let dialog = NodeRef::<Div>::new();
    // Taken before the dialog takes the focus; given back however it closes.
    let opener = FocusReturn::remember();
    on_cleanup(move || opener.give_back());
    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            let _ = el.focus();
        }
    });

    let submit = move |_| {
        let targets = chosen.get_untracked();
        if targets.is_empty() {
            error.set(Some(td_string!(i18n.get_locale_untracked(), composer.forward_choose).to_owned()));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let body = ForwardMessage { conversation_ids: targets, client_msg_id: key };
            match api::conversations::forward(session, from, id, body).await {
                Ok(_) => open.set(false),
                Err(e) => error.set(Some(error_text(&e, i18n.get_locale_untracked()))),
            }
            busy.set(false);
        });
    };
    let rows = move || {
        chat.conversations
            .get()
            .into_iter()
            .map(|summary| {
                let target = summary.id;
                let title = Chat::title_of(&summary);
                let checked = move || chosen.with(|c| c.contains(&target));
                let flip = move |_| {
                    chosen.update(|c| {
                        if let Some(at) = c.iter().position(|t| *t == target) {
                            c.remove(at);
                        } else if c.len() < MAX_FORWARD_TARGETS {
                            c.push(target);
                        }
                    })
                };
                view! {
                    <label class="forward-target" data-testid="forward-target">
                        <input type="checkbox" prop:checked=checked on:change=flip/>
                        <span>{title}</span>
                    </label>
                }
            })
            .collect_view()
    };
    view! {
        <div class="overlay" on:click=move |_| open.set(false)></div>
        <div class="dialog card" role="dialog" aria-modal="true" aria-labelledby="forward-title" tabindex="-1"
                node_ref=dialog data-testid="forward-dialog"
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        open.set(false);
                    } else if let Some(el) = dialog.get_untracked() {
                        keep_focus_inside(&el, &ev);
                    }
                }>
                <h2 id="forward-title">{t!(i18n, composer.forward_title)}</h2>
                <div class="forward-targets">{rows}</div>
                {move || error.get().map(|e| view! { <p class="form-error small" role="alert">{e}</p> })}
                <div class="dialog-actions">
                    <button type="button" class="ghost" on:click=move |_| open.set(false)>{t!(i18n, composer.cancel)}</button>
                    <button type="button" data-testid="forward-send" disabled=move || busy.get() on:click=submit>
                        {t!(i18n, composer.forward)}
                    </button>
                </div>
        </div>
    }
}
