//! The chat page at `/chat` and `/chat/:id`: the conversation list (or message search hits)
//! beside the open conversation (the one in the URL). On phones it shows one or the other.

use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use protocol::ConversationId;

use crate::after_paint::after_next_paint;
use crate::chunks::{conversation_view, preload_conversation_view};
use crate::components::conversation_list::ConversationList;
use crate::components::message_search::MessageSearch;
use crate::components::new_group::NewGroup;
use crate::components::on_demand::OnDemand;
use crate::locale::{t, use_i18n};
use crate::state::chat::Chat;

/// The chat page.
#[component]
pub fn ChatPage() -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let params = use_params_map();
    let open = Memo::new(move |_| {
        params.with(|p| p.get("id")).and_then(|id| id.parse::<uuid::Uuid>().ok()).map(ConversationId)
    });
    // The chat state learns which conversation is on screen (no notifications, no unread for it).
    // Moving between `/chat` and `/chat/:id` swaps one page for another, and the router may drop
    // the old page after the new one has set its conversation (it keeps the old one while the
    // new one's data loads): the old page clears only what it set itself.
    // (Plain shared state, not a signal: the page's own signals are gone by its cleanup.)
    let shown = Arc::new(Mutex::new(None::<ConversationId>));
    Effect::new({
        let shown = Arc::clone(&shown);
        move |_| {
            let id = open.get();
            if let Ok(mut shown) = shown.lock() {
                *shown = id;
            }
            chat.open.set(id);
        }
    });
    on_cleanup(move || {
        let mine = shown.lock().map(|s| *s).unwrap_or_default();
        if chat.open.get_untracked() == mine {
            chat.open.set(None);
        }
    });
    // A conversation's code is a chunk of its own, so the list shows sooner; fetch it once the
    // list is on screen, so opening a conversation does not wait for it.
    Effect::new(move |fetched: Option<bool>| {
        if fetched == Some(true) || !chat.synced.get() {
            return fetched.unwrap_or(false);
        }
        after_next_paint(|| spawn_local(async { _ = preload_conversation_view().await }));
        true
    });
    let new_group = RwSignal::new(false);
    let exists = Memo::new(move |_| open.get().map(|id| chat.summary(id).is_some()));

    view! {
        <div class="chat" class:showing=move || open.get().is_some()>
            <aside class="chat-sidebar">
                <div class="chat-sidebar-head">
                    <h1>{t!(i18n, chat.chats_heading)}</h1>
                    <button type="button" class="secondary small" on:click=move |_| new_group.set(true)>{t!(i18n, chat.new_group)}</button>
                </div>
                <MessageSearch><ConversationList/></MessageSearch>
            </aside>
            <section class="chat-main">
                {move || match (open.get(), exists.get()) {
                    (Some(id), Some(true)) => view! { <OnDemand preload=preload_conversation_view view=move || conversation_view(id)/> }.into_any(),
                    (Some(_), _) if !chat.synced.get() => view! { <p class="empty chat-placeholder">{t!(i18n, common.loading)}</p> }.into_any(),
                    (Some(_), _) => view! {
                        <p class="empty chat-placeholder">{t!(i18n, chat.conversation_missing, <back> = <a href="/chat" />)}</p>
                    }.into_any(),
                    (None, _) => view! { <p class="empty chat-placeholder">{t!(i18n, chat.pick_conversation)}</p> }.into_any(),
                }}
            </section>
            <NewGroup open=new_group/>
        </div>
    }
}
