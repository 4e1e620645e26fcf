//! "Share location": asks the browser for the device's position (its permission prompt is the
//! consent) and sends it at once as a message of its own, through the outbox like any other,
//! answering the message being replied to, if any.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ConversationId;
use protocol::conversations::Message;

use crate::api::ws::Gateway;
use crate::geolocation;
use crate::locale::{t_string, use_i18n};

/// The button of the composer of conversation `id`; `error` receives why it failed, `sent`
/// fires after a send (as the composer's own Send does).
#[component]
pub fn ShareLocation(
    id: ConversationId,
    reply: RwSignal<Option<Message>>,
    error: RwSignal<Option<&'static str>>,
    sent: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let gateway = expect_context::<Gateway>();
    let busy = RwSignal::new(false);
    let share = move |_| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match geolocation::current(i18n.get_locale_untracked()).await {
                Ok(location) => {
                    let reply_to = reply.get_untracked().map(|m| m.id);
                    gateway.send_message(id, String::new(), reply_to, Vec::new(), Vec::new(), Some(location));
                    reply.set(None);
                    sent.run(());
                }
                Err(why) => error.set(Some(why)),
            }
            busy.set(false);
        });
    };
    view! {
        <button type="button" class="ghost icon attach" aria-label=move || t_string!(i18n, composer.share_location)
            title=move || t_string!(i18n, composer.share_location)
            data-testid="share-location" disabled=move || busy.get() aria-busy=move || busy.get().to_string()
            on:click=share>
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path d="M12 21s-6.5-6.1-6.5-11a6.5 6.5 0 0 1 13 0c0 4.9-6.5 11-6.5 11z" fill="none"
                    stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/>
                <circle cx="12" cy="10" r="2.3" fill="none" stroke="currentColor" stroke-width="1.8"/>
            </svg>
        </button>
    }
}
