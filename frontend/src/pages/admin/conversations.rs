//! `/admin/conversations`: every conversation, newest activity first, with its members and
//! counts, a page at a time; each opens its history for moderation.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::AdminConversation;
use protocol::conversations::ConversationKind;

use super::{AdminFrame, when};
use crate::api::{self, ApiError};
use crate::locale::{Locale, error_text, t, t_string, td_string, use_i18n};
use crate::state::session::Session;

/// The conversations page.
#[component]
pub fn AdminConversations() -> impl IntoView {
    view! { <AdminFrame><ConversationTable/></AdminFrame> }
}

/// What a conversation is called: a group's title, or its members' names for a DM.
fn name_of(conversation: &AdminConversation, language: Locale) -> String {
    if !conversation.title.is_empty() {
        return conversation.title.clone();
    }
    let names: Vec<&str> = conversation.members.iter().map(|m| m.display_name.as_str()).collect();
    if names.is_empty() { td_string!(language, admin.untitled_conversation).to_owned() } else { names.join(" & ") }
}

/// Member names, with how many more there are than listed.
fn members_of(conversation: &AdminConversation, language: Locale) -> String {
    let names: Vec<String> = conversation.members.iter().map(|m| format!("@{}", m.username)).collect();
    let more = conversation.member_count - names.len() as i64;
    let names = names.join(", ");
    if more > 0 { td_string!(language, admin.members_and_more, names, more).to_string() } else { names }
}

#[component]
fn ConversationTable() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let items = RwSignal::new(Vec::<AdminConversation>::new());
    let next = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let loading = RwSignal::new(false);
    let load = move |more: bool| {
        let cursor = if more { next.get_untracked() } else { None };
        if more && cursor.is_none() {
            return;
        }
        loading.set(true);
        spawn_local(async move {
            let result = api::admin::conversations(session, cursor.as_deref()).await;
            loading.set(false);
            match result {
                Ok(page) => {
                    error.set(None);
                    next.set(page.next_cursor);
                    items.update(|list| list.extend(page.items));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load(false);
    view! {
        <section class="card">
            <h1>{t!(i18n, admin.conversations_title)}</h1>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> })}
            <Show when=move || !items.with(Vec::is_empty)
                fallback=move || view! {
                    <p class="empty">
                        {move || if loading.get() { t!(i18n, common.loading).into_any() } else { t!(i18n, admin.no_conversations).into_any() }}
                    </p>
                }>
                <table class="admin-table" data-testid="admin-conversations">
                    <thead>
                        <tr>
                            <th>{t!(i18n, admin.column_conversation)}</th>
                            <th>{t!(i18n, admin.column_members)}</th>
                            <th>{t!(i18n, admin.column_messages)}</th>
                            <th>{t!(i18n, admin.column_last_activity)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || items.get() key=|c| c.id let:c>
                            <tr data-title=name_of(&c, i18n.get_locale_untracked())>
                                <td data-label=move || t_string!(i18n, admin.column_conversation)>
                                    <a href=format!("/admin/conversations/{}", c.id)>{
                                        let c = c.clone();
                                        move || name_of(&c, i18n.get_locale())
                                    }</a>
                                    <span class="pill">{if c.kind == ConversationKind::Dm {
                                        t!(i18n, admin.kind_dm).into_any()
                                    } else {
                                        t!(i18n, admin.kind_group).into_any()
                                    }}</span>
                                </td>
                                <td data-label=move || t_string!(i18n, admin.column_members)>
                                    <span class="members-cell">{
                                        let c = c.clone();
                                        move || format!("{} · {}", c.member_count, members_of(&c, i18n.get_locale()))
                                    }</span>
                                </td>
                                <td data-label=move || t_string!(i18n, admin.column_messages)>{c.message_count}</td>
                                <td data-label=move || t_string!(i18n, admin.column_last_activity)>{
                                    let at = c.last_activity_at.timestamp_millis();
                                    move || when(at)
                                }</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </Show>
            <Show when=move || next.with(Option::is_some)>
                <button type="button" class="secondary load-more" disabled=move || loading.get() on:click=move |_| load(true)>
                    {t!(i18n, admin.load_more)}
                </button>
            </Show>
        </section>
    }
}
