//! `/admin/audit`: the append-only log of what administrators did, newest first, filtered by
//! the kind of action, a page at a time.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::AuditEntry;

use super::{AdminFrame, when};
use crate::api::{self, ApiError};
use crate::locale::{Locale, error_text, t, t_string, td_string, use_i18n};
use crate::state::session::Session;

/// The audit log page.
#[component]
pub fn AdminAudit() -> impl IntoView {
    view! { <AdminFrame><AuditLog/></AdminFrame> }
}

/// Action prefixes the server filters on.
const ACTIONS: [&str; 5] = ["", "user.", "message.", "conversation.", "retention."];

/// The label of an action filter.
fn filter_label(prefix: &str, language: Locale) -> &'static str {
    match prefix {
        "user." => td_string!(language, admin.filter_users),
        "message." => td_string!(language, admin.filter_messages),
        "conversation." => td_string!(language, admin.filter_conversations),
        "retention." => td_string!(language, admin.filter_retention),
        _ => td_string!(language, admin.filter_all_actions),
    }
}

/// What the server's action code (`user.disable`) means, in `language`; the code itself for one
/// this app does not know yet. (English shows the codes, as admins and the docs know them.)
fn action_name(action: &str, language: Locale) -> String {
    let name = match action {
        "user.create" => td_string!(language, admin.action_user_create),
        "user.update" => td_string!(language, admin.action_user_update),
        "user.reset_password" => td_string!(language, admin.action_user_reset_password),
        "user.disable" => td_string!(language, admin.action_user_disable),
        "user.enable" => td_string!(language, admin.action_user_enable),
        "user.delete" => td_string!(language, admin.action_user_delete),
        "user.set_role" => td_string!(language, admin.action_user_set_role),
        "message.remove" => td_string!(language, admin.action_message_remove),
        "conversation.export" => td_string!(language, admin.action_conversation_export),
        "retention.set" => td_string!(language, admin.action_retention_set),
        "security.set" => td_string!(language, admin.action_security_set),
        "bot.create" => td_string!(language, admin.action_bot_create),
        "bot.avatar_set" => td_string!(language, admin.action_bot_avatar_set),
        "bot.avatar_remove" => td_string!(language, admin.action_bot_avatar_remove),
        "bot.delete" => td_string!(language, admin.action_bot_delete),
        "token.create" => td_string!(language, admin.action_token_create),
        "token.revoke" => td_string!(language, admin.action_token_revoke),
        "webhook.create" => td_string!(language, admin.action_webhook_create),
        "webhook.revoke" => td_string!(language, admin.action_webhook_revoke),
        "webhook.disabled" => td_string!(language, admin.action_webhook_disabled),
        "webhook.subscribe" => td_string!(language, admin.action_webhook_subscribe),
        "webhook.unsubscribe" => td_string!(language, admin.action_webhook_unsubscribe),
        other => other,
    };
    name.to_owned()
}

/// The kind of thing an action was done to (`user`), in `language`; the server's word for one
/// this app does not know yet.
fn target_name(target_type: &str, language: Locale) -> String {
    let name = match target_type {
        "user" => td_string!(language, admin.target_user),
        "message" => td_string!(language, admin.target_message),
        "conversation" => td_string!(language, admin.target_conversation),
        "settings" => td_string!(language, admin.target_settings),
        "subscription" => td_string!(language, admin.target_subscription),
        "api_token" => td_string!(language, admin.target_api_token),
        other => other,
    };
    name.to_owned()
}

/// The target cell: a link for users, a short id otherwise.
fn target_of(entry: &AuditEntry, language: Locale) -> AnyView {
    let kind = target_name(&entry.target_type, language);
    match entry.target_id {
        Some(id) if entry.target_type == "user" => {
            view! { <a href=format!("/admin/users/{id}")>{format!("{kind} {}", short(id))}</a> }.into_any()
        }
        Some(id) => format!("{kind} {}", short(id)).into_any(),
        None => kind.into_any(),
    }
}

/// The action cell: the code as such, or, where the language has a name for it, the name (with
/// the code on hover).
fn action_of(action: &str, language: Locale) -> AnyView {
    let name = action_name(action, language);
    if name == action {
        view! { <code>{name}</code> }.into_any()
    } else {
        view! { <span title=action.to_owned()>{name}</span> }.into_any()
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
    let i18n = use_i18n();
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
                <h1>{t!(i18n, admin.audit_title)}</h1>
                <div class="admin-filters">
                    <select aria-label=move || t_string!(i18n, admin.action_label) prop:value=move || action.get()
                        on:change=move |ev| { action.set(event_target_value(&ev)); load(false); }>
                        {ACTIONS.into_iter().map(|value| view! {
                            <option value=value>{move || filter_label(value, i18n.get_locale())}</option>
                        }).collect_view()}
                    </select>
                    <button type="button" class="secondary small" on:click=move |_| load(false)>{t!(i18n, admin.refresh)}</button>
                </div>
            </div>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> })}
            <Show when=move || !entries.with(Vec::is_empty)
                fallback=move || view! {
                    <p class="empty">
                        {move || if loading.get() { t!(i18n, common.loading).into_any() } else { t!(i18n, admin.nothing_recorded).into_any() }}
                    </p>
                }>
                <table class="admin-table" data-testid="audit">
                    <thead>
                        <tr>
                            <th>{t!(i18n, admin.column_time)}</th>
                            <th>{t!(i18n, admin.column_actor)}</th>
                            <th>{t!(i18n, admin.column_action)}</th>
                            <th>{t!(i18n, admin.column_target)}</th>
                            <th>{t!(i18n, admin.column_ip)}</th>
                            <th>{t!(i18n, admin.column_details)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || entries.get() key=|e| e.id let:entry>
                            <tr data-action=entry.action.clone()>
                                <td data-label=move || t_string!(i18n, admin.column_time)>{
                                    let at = entry.created_at.timestamp_millis();
                                    move || when(at)
                                }</td>
                                <td data-label=move || t_string!(i18n, admin.column_actor)>"@"{entry.actor.username.clone()}</td>
                                <td data-label=move || t_string!(i18n, admin.column_action)>{
                                    let code = entry.action.clone();
                                    move || action_of(&code, i18n.get_locale())
                                }</td>
                                <td data-label=move || t_string!(i18n, admin.column_target)>{
                                    let target = entry.clone();
                                    move || target_of(&target, i18n.get_locale())
                                }</td>
                                <td data-label=move || t_string!(i18n, admin.column_ip)>{entry.ip.clone()}</td>
                                <td data-label=move || t_string!(i18n, admin.column_details)><code class="details">{details_of(&entry)}</code></td>
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
