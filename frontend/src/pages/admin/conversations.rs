//! `/admin/conversations`: every conversation, newest activity first, with its members and
//! counts, a page at a time; each opens its history for moderation.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::AdminConversation;
use protocol::conversations::ConversationKind;

use super::{AdminFrame, when};
use crate::api::{self, ApiError};
use crate::state::session::Session;

/// The conversations page.
#[component]
pub fn AdminConversations() -> impl IntoView {
    view! { <AdminFrame><ConversationTable/></AdminFrame> }
}

/// What a conversation is called: a group's title, or its members' names for a DM.
pub fn name_of(conversation: &AdminConversation) -> String {
    if !conversation.title.is_empty() {
        return conversation.title.clone();
    }
    let names: Vec<&str> = conversation.members.iter().map(|m| m.display_name.as_str()).collect();
    if names.is_empty() { "Conversation".to_owned() } else { names.join(" & ") }
}

/// Member names, with how many more there are than listed.
fn members_of(conversation: &AdminConversation) -> String {
    let names: Vec<String> = conversation.members.iter().map(|m| format!("@{}", m.username)).collect();
    let more = conversation.member_count - names.len() as i64;
    if more > 0 { format!("{} and {more} more", names.join(", ")) } else { names.join(", ") }
}

#[component]
fn ConversationTable() -> impl IntoView {
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
            <h1>"Conversations"</h1>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e.message}</p> })}
            <Show when=move || !items.with(Vec::is_empty)
                fallback=move || view! { <p class="empty">{move || if loading.get() { "Loading…" } else { "No conversations yet." }}</p> }>
                <table class="admin-table" data-testid="admin-conversations">
                    <thead>
                        <tr><th>"Conversation"</th><th>"Members"</th><th>"Messages"</th><th>"Last activity"</th></tr>
                    </thead>
                    <tbody>
                        <For each=move || items.get() key=|c| c.id let:c>
                            <tr data-title=name_of(&c)>
                                <td data-label="Conversation">
                                    <a href=format!("/admin/conversations/{}", c.id)>{name_of(&c)}</a>
                                    <span class="pill">{if c.kind == ConversationKind::Dm { "DM" } else { "Group" }}</span>
                                </td>
                                <td data-label="Members">
                                    <span class="members-cell">{format!("{} · {}", c.member_count, members_of(&c))}</span>
                                </td>
                                <td data-label="Messages">{c.message_count}</td>
                                <td data-label="Last activity">{when(c.last_activity_at.timestamp_millis())}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </Show>
            <Show when=move || next.with(Option::is_some)>
                <button type="button" class="secondary load-more" disabled=move || loading.get() on:click=move |_| load(true)>
                    "Load more"
                </button>
            </Show>
        </section>
    }
}
