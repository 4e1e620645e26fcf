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
use crate::locale::{t, t_string, use_i18n};
use crate::media::summary::preview;
use crate::state::chat::drafts::list_text;
use crate::state::chat::{Chat, is_archived, is_muted, now_ms};
use crate::time;

/// Every conversation, newest activity first.
#[component]
pub fn ConversationList() -> impl IntoView {
    let i18n = use_i18n();
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
                    {move || if chat.synced.get() { t_string!(i18n, chat.list_empty) } else { t_string!(i18n, common.loading) }}
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
                {move || if show_archived.get() {
                    t_string!(i18n, chat.back_to_chats).to_owned()
                } else {
                    t_string!(i18n, chat.archived_count, count = archived_count.get()).to_string()
                }}
            </button>
        </Show>
    }
}

/// One row of the list.
#[component]
fn ConversationItem(id: ConversationId) -> impl IntoView {
    let i18n = use_i18n();
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
            let last = c.last_message.clone();
            let group = c.peer.is_none();
            let preview = move || match &last {
                None => t_string!(i18n, chat.no_messages_yet).to_owned(),
                Some(m) if m.deleted_at.is_some() && m.moderated => {
                    t_string!(i18n, chat.message_removed_by_moderator).to_owned()
                }
                Some(m) if m.deleted_at.is_some() => t_string!(i18n, chat.message_deleted).to_owned(),
                Some(m) if Some(m.sender_id) == me => t_string!(i18n, chat.preview_you, text = preview(m, i18n.get_locale())).to_string(),
                Some(m) if group => {
                    // A webhook's message carries the name it was posted under.
                    let sender = m.display_name.clone().unwrap_or_else(|| chat.name_of(m.sender_id));
                    t_string!(i18n, chat.preview_sender, sender, text = preview(m, i18n.get_locale())).to_string()
                }
                Some(m) => preview(m, i18n.get_locale()),
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
                                    aria-label=move || if online() { t_string!(i18n, chat.online) } else { t_string!(i18n, chat.offline) }></span>
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
                                        Some(text) => view! { <span class="draft-mark">{t!(i18n, chat.draft_mark)}</span>" "{text} }.into_any(),
                                        None => preview().into_any(),
                                    }}
                                </span>
                                {muted.then(|| view! {
                                    <span class="muted-mark" title=move || t_string!(i18n, chat.muted)
                                        aria-label=move || t_string!(i18n, chat.muted)>"🔕"</span>
                                })}
                                {(mentions > 0).then(|| view! {
                                    <span class="badge mention-badge" data-testid="mentions"
                                        aria-label=move || t_string!(i18n, chat.mentions_count, count = mentions).to_string()>{format!("@{mentions}")}</span>
                                })}
                                {(unread > 0).then(|| view! {
                                    <span class="badge" class:muted=muted data-testid="unread" aria-label=move || t_string!(i18n, common.unread_count, count = unread).to_string()>{unread}</span>
                                })}
                            </span>
                        </span>
                    </A>
                </li>
            }
        })
    }
}
