//! The list of conversations beside the open one: who or what, the newest message, when, how
//! many are unread (grey when muted) and how many mention the reader; DM peers carry a presence
//! dot. Archived conversations wait behind an "Archived" button until a newer message arrives.
//! A conversation with a draft (other than the open one) shows "Draft: …" in place of its
//! newest message, as a reminder of what is left unsent.

use leptos::prelude::*;
use leptos_router::components::A;
use protocol::ConversationId;
use protocol::conversations::ConversationSummary;

use crate::components::avatar::Avatar;
use crate::components::bot_badge::{bot_badge_if, is_bot};
use crate::media::summary::preview;
use crate::state::chat::drafts::list_text;
use crate::state::chat::{Chat, is_archived, is_muted, now_ms};
use crate::time;

/// Every conversation, newest activity first.
#[component]
pub fn ConversationList() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let show_archived = RwSignal::new(false);
    // Archived ones stay out of the list until a newer message arrives (or the user opens the
    // archive); the open one always shows.
    let ids = Memo::new(move |_| {
        let open = chat.open.get();
        let archive = show_archived.get();
        chat.conversations.with(|list| {
            list.iter().filter(|c| archive == is_archived(c) || open == Some(c.id)).map(|c| c.id).collect::<Vec<_>>()
        })
    });
    let archived_count =
        Memo::new(move |_| chat.conversations.with(|list| list.iter().filter(|c| is_archived(c)).count()));
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
        <Show when=move || show_archived.get() || archived_count.get() != 0>
            <button type="button" class="ghost small archive-toggle" data-testid="archive-toggle"
                aria-pressed=move || show_archived.get().to_string() on:click=move |_| show_archived.update(|s| *s = !*s)>
                {move || if show_archived.get() { "Back to chats".to_owned() } else { format!("Archived ({})", archived_count.get()) }}
            </button>
        </Show>
    }
}

/// One row of the list.
#[component]
fn ConversationItem(id: ConversationId) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let summary = Memo::new(move |_| chat.summary(id));
    let active = move || chat.open.get() == Some(id);
    // Read apart from the summary, so typing re-draws the preview line only.
    let draft = Memo::new(move |_| {
        if chat.open.get() == Some(id) {
            return None;
        }
        chat.drafts.with(|d| d.get(&id).map(|text| list_text(text)))
    });
    move || {
        summary.get().map(|c: ConversationSummary| {
            let title = Chat::title_of(&c);
            let color = c.peer.as_ref().map_or_else(|| "#7a5af5".to_owned(), |p| p.avatar_color.clone());
            let photo = c.peer.as_ref().map_or_else(|| c.photo.clone(), |p| p.avatar.clone());
            let peer = c.peer.as_ref().map(|p| p.id);
            let peer_is_bot = c.peer.as_ref().is_some_and(is_bot);
            let online = move || peer.is_some_and(|p| chat.presence.with(|pr| pr.get(&p).copied().unwrap_or(false)));
            let me = chat.me();
            let preview = match &c.last_message {
                None => "No messages yet".to_owned(),
                Some(m) if m.deleted_at.is_some() && m.moderated => {
                    "This message was removed by a moderator".to_owned()
                }
                Some(m) if m.deleted_at.is_some() => "This message was deleted".to_owned(),
                Some(m) if Some(m.sender_id) == me => format!("You: {}", preview(m)),
                Some(m) if c.peer.is_none() => {
                    // A webhook's message carries the name it was posted under.
                    let sender = m.display_name.clone().unwrap_or_else(|| chat.name_of(m.sender_id));
                    format!("{sender}: {}", preview(m))
                }
                Some(m) => preview(m),
            };
            let when = c.last_message.as_ref().map_or(c.last_activity_at, |m| m.created_at).timestamp_millis() as f64;
            let unread = c.unread;
            let mentions = c.unread_mentions;
            let muted = is_muted(&c, now_ms());
            let data_title = title.clone();
            view! {
                <li class="conversation-item" class:active=active data-testid="conversation" data-title=data_title>
                    <A href=format!("/chat/{id}") attr:class="conversation-link">
                        <span class="avatar-wrap">
                            <Avatar name=title.clone() color=color photo/>
                            {peer.map(|_| view! {
                                <span class="presence-dot" class:online=online
                                    aria-label=move || if online() { "online" } else { "offline" }></span>
                            })}
                        </span>
                        <span class="conversation-text">
                            <span class="conversation-top">
                                <span class="conversation-title">{title}</span>
                                {bot_badge_if(peer_is_bot)}
                                <span class="conversation-time">{time::short(when)}</span>
                            </span>
                            <span class="conversation-bottom">
                                <span class="conversation-preview" data-testid="conversation-preview">
                                    {move || match draft.get() {
                                        Some(text) => view! { <span class="draft-mark">"Draft:"</span>" "{text} }.into_any(),
                                        None => preview.clone().into_any(),
                                    }}
                                </span>
                                {muted.then(|| view! { <span class="muted-mark" title="Muted" aria-label="Muted">"🔕"</span> })}
                                {(mentions > 0).then(|| view! {
                                    <span class="badge mention-badge" data-testid="mentions"
                                        aria-label=format!("{mentions} mentioning you")>{format!("@{mentions}")}</span>
                                })}
                                {(unread > 0).then(|| view! {
                                    <span class="badge" class:muted=muted data-testid="unread" aria-label=format!("{unread} unread")>{unread}</span>
                                })}
                            </span>
                        </span>
                    </A>
                </li>
            }
        })
    }
}
