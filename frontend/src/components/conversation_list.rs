//! The list of conversations beside the open one: who or what, the newest message, when, and
//! how many are unread; DM peers carry a presence dot.

use leptos::prelude::*;
use leptos_router::components::A;
use protocol::ConversationId;
use protocol::conversations::ConversationSummary;

use crate::components::avatar::Avatar;
use crate::state::chat::Chat;
use crate::time;

/// Every conversation, newest activity first.
#[component]
pub fn ConversationList() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let ids = Memo::new(move |_| chat.conversations.with(|list| list.iter().map(|c| c.id).collect::<Vec<_>>()));
    view! {
        <Show
            when=move || !ids.with(Vec::is_empty)
            fallback=move || view! {
                <p class="empty chat-list-empty">
                    {move || if chat.synced.get() { "No conversations yet. Message a friend from your friends list, or start a group." } else { "Loading…" }}
                </p>
            }
        >
            <ul class="conversation-list" data-testid="conversations">
                <For each=move || ids.get() key=|id| *id let(id)>
                    <ConversationItem id/>
                </For>
            </ul>
        </Show>
    }
}

/// One row of the list.
#[component]
fn ConversationItem(id: ConversationId) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let summary = Memo::new(move |_| chat.summary(id));
    let active = move || chat.open.get() == Some(id);
    move || {
        summary.get().map(|c: ConversationSummary| {
            let title = Chat::title_of(&c);
            let color = c.peer.as_ref().map_or_else(|| "#7a5af5".to_owned(), |p| p.avatar_color.clone());
            let peer = c.peer.as_ref().map(|p| p.id);
            let online = move || peer.is_some_and(|p| chat.presence.with(|pr| pr.get(&p).copied().unwrap_or(false)));
            let me = chat.me();
            let preview = match &c.last_message {
                None => "No messages yet".to_owned(),
                Some(m) if m.deleted_at.is_some() && m.moderated => {
                    "This message was removed by a moderator".to_owned()
                }
                Some(m) if m.deleted_at.is_some() => "This message was deleted".to_owned(),
                Some(m) if Some(m.sender_id) == me => format!("You: {}", m.body),
                Some(m) if c.peer.is_none() => format!("{}: {}", chat.name_of(m.sender_id), m.body),
                Some(m) => m.body.clone(),
            };
            let when = c.last_message.as_ref().map_or(c.last_activity_at, |m| m.created_at).timestamp_millis() as f64;
            let unread = c.unread;
            let data_title = title.clone();
            view! {
                <li class="conversation-item" class:active=active data-testid="conversation" data-title=data_title>
                    <A href=format!("/chat/{id}") attr:class="conversation-link">
                        <span class="avatar-wrap">
                            <Avatar name=title.clone() color=color/>
                            {peer.map(|_| view! {
                                <span class="presence-dot" class:online=online
                                    aria-label=move || if online() { "online" } else { "offline" }></span>
                            })}
                        </span>
                        <span class="conversation-text">
                            <span class="conversation-top">
                                <span class="conversation-title">{title}</span>
                                <span class="conversation-time">{time::short(when)}</span>
                            </span>
                            <span class="conversation-bottom">
                                <span class="conversation-preview">{preview}</span>
                                {(unread > 0).then(|| view! {
                                    <span class="badge" data-testid="unread" aria-label=format!("{unread} unread")>{unread}</span>
                                })}
                            </span>
                        </span>
                    </A>
                </li>
            }
        })
    }
}
