//! `/admin/conversations/:id`: one conversation's history for moderation, oldest at the top,
//! with "Load older", removed messages shown as such, a "Remove" button on the others (members
//! see the removal live), and the whole history as a JSON download.

use std::collections::{BTreeMap, HashMap};

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use protocol::conversations::Message;
use protocol::users::PublicUser;
use protocol::{ConversationId, UserId};

use super::{AdminFrame, when};
use crate::api::{self, ApiError};
use crate::components::attachments::MessageAttachments;
use crate::download;
use crate::locale::{error_text, t, td_string};
use crate::media::summary::preview;
use crate::state::session::Session;

/// The conversation's admin page.
#[component]
pub fn AdminConversation() -> impl IntoView {
    let i18n = crate::locale::use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).and_then(|id| id.parse::<uuid::Uuid>().ok()).map(ConversationId);
    view! {
        <AdminFrame>
            {move || match id() {
                Some(id) => view! { <History id/> }.into_any(),
                None => view! {
                    <section class="card"><p class="empty">{t!(i18n, admin.no_such_conversation)}</p></section>
                }.into_any(),
            }}
        </AdminFrame>
    }
}

#[component]
fn History(id: ConversationId) -> impl IntoView {
    let i18n = crate::locale::use_i18n();
    let session = expect_context::<Session>();
    // Keyed by seq, so pages and removals land in place, oldest first.
    let messages = RwSignal::new(BTreeMap::<i64, Message>::new());
    let authors = RwSignal::new(HashMap::<UserId, PublicUser>::new());
    let before = RwSignal::new(None::<i64>);
    let loaded = RwSignal::new(false);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<String>);

    let load = move |older: bool| {
        let from = if older { before.get_untracked() } else { None };
        if older && from.is_none() {
            return;
        }
        loading.set(true);
        spawn_local(async move {
            let result = api::admin::messages(session, id, from).await;
            loading.set(false);
            match result {
                Ok(page) => {
                    authors.update(|a| a.extend(page.users.into_iter().map(|u| (u.id, u))));
                    messages.update(|m| m.extend(page.items.into_iter().map(|msg| (msg.seq, msg))));
                    before.set(page.next_before_seq);
                    loaded.set(true);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load(false);

    let remove = move |message: Message| {
        spawn_local(async move {
            match api::admin::remove_message(session, id, message.id).await {
                Ok(stored) => {
                    messages.update(|m| {
                        m.insert(stored.seq, stored);
                    });
                    let language = i18n.get_locale_untracked();
                    notice.set(Some(td_string!(language, admin.message_removed_notice).to_owned()));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let export = move |_| {
        spawn_local(async move {
            let saved = match api::admin::export_conversation(session, id).await {
                Ok(json) => download::save_json(&format!("conversation-{id}.json"), &json, i18n.get_locale_untracked()),
                Err(e) => Err(error_text(&e, i18n.get_locale_untracked())),
            };
            notice.set(Some(match saved {
                Ok(()) => td_string!(i18n.get_locale_untracked(), admin.export_downloaded).to_owned(),
                Err(message) => message,
            }));
        });
    };
    let name = move |user: UserId| {
        authors
            .with(|a| a.get(&user).map(|u| format!("{} (@{})", u.display_name, u.username)))
            .unwrap_or_else(|| td_string!(i18n.get_locale(), admin.unknown_user).to_owned())
    };
    let people = move || {
        let mut names: Vec<String> = authors.with(|a| a.values().map(|u| u.display_name.clone()).collect());
        names.sort();
        names.join(", ")
    };

    view! {
        <p class="crumbs"><a href="/admin/conversations">{t!(i18n, admin.all_conversations)}</a></p>
        <section class="card">
            <div class="card-head">
                <div>
                    <h1>{t!(i18n, admin.history_title)}</h1>
                    <p class="lede small">{move || {
                        let people = people();
                        if people.is_empty() {
                            t!(i18n, admin.no_messages_yet).into_any()
                        } else {
                            t!(i18n, admin.messages_from, people).into_any()
                        }
                    }}</p>
                </div>
                <button type="button" class="secondary" on:click=export>{t!(i18n, admin.export_json)}</button>
            </div>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> })}
            <Show when=move || before.with(Option::is_some)>
                <button type="button" class="secondary load-more" disabled=move || loading.get() on:click=move |_| load(true)>
                    {t!(i18n, admin.load_older)}
                </button>
            </Show>
            <Show when=move || loaded.get() && messages.with(BTreeMap::is_empty)>
                <p class="empty">{t!(i18n, admin.no_messages_here)}</p>
            </Show>
            <ol class="admin-history" data-testid="admin-messages">
                <For each=move || messages.get().into_values()
                    key=|m| (m.id, m.deleted_at.is_some(), m.edited_at) let:message>
                    {
                        let removed = message.deleted_at.is_some();
                        let target = message.clone();
                        view! {
                            <li class="admin-message" class:removed=removed data-testid="admin-message" data-seq=message.seq.to_string()>
                                <div class="admin-message-head">
                                    <span class="sender">{let sender = message.sender_id; move || name(sender)}</span>
                                    <time>{when(message.created_at.timestamp_millis())}</time>
                                    {message.edited_at.is_some().then(|| view! { <span class="edited">{t!(i18n, admin.edited)}</span> })}
                                </div>
                                {if removed {
                                    view! { <p class="body tombstone">{t!(i18n, admin.removed)}</p> }.into_any()
                                } else {
                                    view! { <p class="body" data-testid="admin-message-body">{preview(&message, i18n.get_locale_untracked())}</p> }.into_any()
                                }}
                                {(!removed && !message.attachments.is_empty()).then(|| {
                                    view! { <MessageAttachments attachments=message.attachments.clone()/> }
                                })}
                                {(!removed).then(|| view! {
                                    <button type="button" class="ghost small danger-text" on:click=move |_| remove(target.clone())>
                                        {t!(i18n, admin.remove)}
                                    </button>
                                })}
                            </li>
                        }
                    }
                </For>
            </ol>
        </section>
    }
}
