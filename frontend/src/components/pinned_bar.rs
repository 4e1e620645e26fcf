//! The pinned bar under a conversation's header: the most recently pinned message, how many
//! there are, a way to step through them and to jump to the one shown. Re-read when a pin
//! event arrives.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use protocol::ConversationId;

use crate::api;
use crate::locale::{t_string, use_i18n};
use crate::media::summary;
use crate::state::chat::Chat;
use crate::state::session::Session;

/// The first line of a message, shortened for one line of the bar.
fn preview(body: &str) -> String {
    let line = body.lines().next().unwrap_or_default();
    let mut short: String = line.chars().take(80).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

/// The pinned bar of conversation `id` (nothing when no message is pinned).
#[component]
pub fn PinnedBar(id: ConversationId) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let shown = RwSignal::new(0usize);
    let pins = LocalResource::new(move || {
        chat.pins_changed.track();
        async move { api::conversations::pins(session, id).await.map(|p| p.items).unwrap_or_default() }
    });
    move || {
        let items = pins.get().unwrap_or_default();
        if items.is_empty() {
            return None;
        }
        let total = items.len();
        let index = shown.get() % total;
        let message = items[index].clone();
        let seq = message.seq;
        let navigate = navigate.clone();
        let who = chat.name_of(message.sender_id);
        Some(view! {
            <div class="pinned-bar" data-testid="pinned-bar">
                <span class="pin-mark" aria-hidden="true">"📌"</span>
                <button type="button" class="ghost pinned-message" data-testid="pinned-message"
                    aria-label=t_string!(i18n, chat.pinned_label, index = index + 1, total, name = who.clone()).to_string()
                    on:click=move |_| navigate(&format!("/chat/{id}?seq={seq}"), Default::default())>
                    <strong>{who.clone()}": "</strong>{preview(&summary::preview(&message, crate::locale::use_i18n().get_locale()))}
                </button>
                {(total > 1).then(|| view! {
                    <button type="button" class="ghost small" data-testid="next-pin"
                        aria-label=t_string!(i18n, chat.next_pin) on:click=move |_| shown.update(|n| *n += 1)>
                        {format!("{} / {total}", index + 1)}
                    </button>
                })}
            </div>
        })
    }
}
