//! `/admin/audit`: the append-only log of what administrators did, newest first, filtered by
//! the kind of action, a page at a time.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::AuditEntry;

use super::{AdminFrame, when};
use crate::api::{self, ApiError};
use crate::state::session::Session;

/// The audit log page.
#[component]
pub fn AdminAudit() -> impl IntoView {
    view! { <AdminFrame><AuditLog/></AdminFrame> }
}

/// Action prefixes the server filters on, with their labels.
const ACTIONS: [(&str, &str); 5] = [
    ("", "All actions"),
    ("user.", "Users"),
    ("message.", "Messages"),
    ("conversation.", "Conversations"),
    ("retention.", "Retention"),
];

/// The target cell: a link for users, a short id otherwise.
fn target_of(entry: &AuditEntry) -> AnyView {
    match entry.target_id {
        Some(id) if entry.target_type == "user" => {
            view! { <a href=format!("/admin/users/{id}")>{format!("user {}", short(id))}</a> }.into_any()
        }
        Some(id) => format!("{} {}", entry.target_type, short(id)).into_any(),
        None => entry.target_type.clone().into_any(),
    }
}

/// The last eight hex digits of a UUID: enough to tell targets apart on screen. Not the first
/// ones: ids are UUIDv7, which begin with their creation time and look alike.
fn short(id: uuid::Uuid) -> String {
    let text = id.simple().to_string();
    text[text.len().saturating_sub(8)..].to_owned()
}

/// Details as compact JSON, nothing for an empty object.
fn details_of(entry: &AuditEntry) -> String {
    match &entry.detail {
        serde_json::Value::Object(map) if map.is_empty() => String::new(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let session = expect_context::<Session>();
    let action = RwSignal::new(String::new());
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let loading = RwSignal::new(false);
    // Bumped by every new filter, so a slow answer for an older one is dropped.
    let filter_id = StoredValue::new(0u32);

    let load = move |more: bool| {
        let cursor = if more { next.get_untracked() } else { None };
        if more && cursor.is_none() {
            return;
        }
        if !more {
            filter_id.update_value(|n| *n = n.wrapping_add(1));
        }
        let this = filter_id.get_value();
        let prefix = action.get_untracked();
        loading.set(true);
        spawn_local(async move {
            let result = api::admin::audit(session, &prefix, cursor.as_deref()).await;
            if filter_id.get_value() != this {
                return;
            }
            loading.set(false);
            match result {
                Ok(page) => {
                    error.set(None);
                    next.set(page.next_cursor);
                    if more {
                        entries.update(|list| list.extend(page.items));
                    } else {
                        entries.set(page.items);
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load(false);

    view! {
        <section class="card">
            <div class="card-head">
                <h1>"Audit log"</h1>
                <div class="admin-filters">
                    <select aria-label="Action" prop:value=move || action.get()
                        on:change=move |ev| { action.set(event_target_value(&ev)); load(false); }>
                        {ACTIONS.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                    </select>
                    <button type="button" class="secondary small" on:click=move |_| load(false)>"Refresh"</button>
                </div>
            </div>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e.message}</p> })}
            <Show when=move || !entries.with(Vec::is_empty)
                fallback=move || view! { <p class="empty">{move || if loading.get() { "Loading…" } else { "Nothing recorded." }}</p> }>
                <table class="admin-table" data-testid="audit">
                    <thead>
                        <tr><th>"Time"</th><th>"Actor"</th><th>"Action"</th><th>"Target"</th><th>"IP"</th><th>"Details"</th></tr>
                    </thead>
                    <tbody>
                        <For each=move || entries.get() key=|e| e.id let:entry>
                            <tr data-action=entry.action.clone()>
                                <td data-label="Time">{when(entry.created_at.timestamp_millis())}</td>
                                <td data-label="Actor">"@"{entry.actor.username.clone()}</td>
                                <td data-label="Action"><code>{entry.action.clone()}</code></td>
                                <td data-label="Target">{target_of(&entry)}</td>
                                <td data-label="IP">{entry.ip.clone()}</td>
                                <td data-label="Details"><code class="details">{details_of(&entry)}</code></td>
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
