//! `/admin/users`: every account, searchable by name prefix and filtered by status, a page at a
//! time ("Load more"); each row opens the user's admin page. "New user" creates an account.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::AdminUser;
use protocol::users::Role;
use wasm_bindgen::JsCast;

use super::new_user::NewUserForm;
use super::{AdminFrame, when};
use crate::api::{self, ApiError};
use crate::locale::{Locale, error_text, t, t_string, td_string, use_i18n};
use crate::state::session::Session;

/// The users page.
#[component]
pub fn AdminUsers() -> impl IntoView {
    view! { <AdminFrame><UserList/></AdminFrame> }
}

/// The filter values the server takes.
const STATUSES: [&str; 5] = ["all", "active", "disabled", "admin", "deleted"];

/// The label of a status filter.
fn filter_label(value: &str, language: Locale) -> &'static str {
    match value {
        "active" => td_string!(language, admin.status_active),
        "disabled" => td_string!(language, admin.status_disabled),
        "admin" => td_string!(language, admin.filter_admins),
        "deleted" => td_string!(language, admin.status_deleted),
        _ => td_string!(language, admin.filter_all),
    }
}

/// A user's state, for the status column and pill.
#[derive(Clone, Copy)]
pub enum Status {
    Active,
    Disabled,
    Deleted,
}

impl Status {
    /// Its name for styles and tests (`data-status`), the same in every language.
    pub fn key(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Disabled => "disabled",
            Status::Deleted => "deleted",
        }
    }

    /// Its name for the reader, one word.
    pub fn label(self, language: Locale) -> &'static str {
        match self {
            Status::Active => td_string!(language, admin.status_active),
            Status::Disabled => td_string!(language, admin.status_disabled),
            Status::Deleted => td_string!(language, admin.status_deleted),
        }
    }
}

/// A user's state.
pub fn status_of(user: &AdminUser) -> Status {
    if user.deleted_at.is_some() {
        Status::Deleted
    } else if user.disabled_at.is_some() {
        Status::Disabled
    } else {
        Status::Active
    }
}

#[component]
fn UserList() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let query = RwSignal::new(String::new());
    let status = RwSignal::new("all".to_owned());
    let users = RwSignal::new(Vec::<AdminUser>::new());
    let next = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let loading = RwSignal::new(false);
    // Bumped by every new search, so a slow answer to an older one is dropped.
    let search_id = StoredValue::new(0u32);

    let load = move |more: bool| {
        let cursor = if more { next.get_untracked() } else { None };
        if more && cursor.is_none() {
            return;
        }
        if !more {
            search_id.update_value(|n| *n = n.wrapping_add(1));
        }
        let this = search_id.get_value();
        let (q, filter) = (query.get_untracked().trim().to_owned(), status.get_untracked());
        loading.set(true);
        spawn_local(async move {
            let result = api::admin::users(session, &q, &filter, cursor.as_deref()).await;
            if search_id.get_value() != this {
                return;
            }
            loading.set(false);
            match result {
                Ok(page) => {
                    error.set(None);
                    next.set(page.next_cursor);
                    if more {
                        users.update(|list| list.extend(page.items));
                    } else {
                        users.set(page.items);
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        load(false);
    };
    let creating = RwSignal::new(false);
    // A new account shows in the list at once (where its name sorts, under the current filter).
    let on_created = Callback::new(move |_: AdminUser| load(false));
    let toggle_form = move |_| {
        creating.update(|c| *c = !*c);
        if creating.get_untracked() {
            // The form appears above the list: take the keyboard there, to its first field.
            request_animation_frame(|| {
                let field = document().get_element_by_id("field-username");
                if let Some(field) = field.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = field.focus();
                }
            });
        }
    };

    view! {
        <Show when=move || creating.get()>
            <NewUserForm on_created open=creating/>
        </Show>
        <section class="card">
            <div class="card-head">
                <h1>{t!(i18n, admin.users_title)}</h1>
                <button type="button" class="secondary" aria-controls="new-user"
                    aria-expanded=move || creating.get().to_string() on:click=toggle_form>
                    {t!(i18n, admin.new_user)}
                </button>
            </div>
            <form class="search admin-filters" on:submit=submit role="search">
                <input type="search" placeholder=move || t_string!(i18n, admin.search_placeholder)
                    aria-label=move || t_string!(i18n, admin.search_users)
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
                <select aria-label=move || t_string!(i18n, admin.status_label) prop:value=move || status.get()
                    on:change=move |ev| { status.set(event_target_value(&ev)); load(false); }>
                    {STATUSES.into_iter().map(|value| view! {
                        <option value=value>{move || filter_label(value, i18n.get_locale())}</option>
                    }).collect_view()}
                </select>
                <button type="submit">{t!(i18n, admin.search)}</button>
            </form>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> })}
            <Show when=move || !users.with(Vec::is_empty)
                fallback=move || view! {
                    <p class="empty">
                        {move || if loading.get() { t!(i18n, common.loading).into_any() } else { t!(i18n, admin.nobody_found).into_any() }}
                    </p>
                }>
                <table class="admin-table" data-testid="admin-users">
                    <thead>
                        <tr>
                            <th>{t!(i18n, admin.column_user)}</th>
                            <th>{t!(i18n, admin.column_role)}</th>
                            <th>{t!(i18n, admin.column_status)}</th>
                            <th>{t!(i18n, admin.column_last_seen)}</th>
                            <th>{t!(i18n, admin.column_joined)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || users.get() key=|u| (u.id, u.role == Role::Admin, u.disabled_at, u.deleted_at) let:user>
                            <tr data-username=user.username.clone()>
                                <td data-label=move || t_string!(i18n, admin.column_user)>
                                    <a class="user-names" href=format!("/admin/users/{}", user.id)>
                                        <span class="display-name">{user.display_name.clone()}</span>
                                        <span class="username">"@"{user.username.clone()}</span>
                                    </a>
                                </td>
                                <td data-label=move || t_string!(i18n, admin.column_role)>{if user.role == Role::Admin {
                                    t!(i18n, admin.role_admin).into_any()
                                } else {
                                    t!(i18n, admin.role_user).into_any()
                                }}</td>
                                <td data-label=move || t_string!(i18n, admin.column_status)>{
                                    let status = status_of(&user);
                                    view! {
                                        <span class="pill" data-status=status.key()>{move || status.label(i18n.get_locale())}</span>
                                    }
                                }</td>
                                <td data-label=move || t_string!(i18n, admin.column_last_seen)>{
                                    let seen = user.last_seen_at.map(|t| t.timestamp_millis());
                                    move || seen.map(when).unwrap_or_else(|| "—".into())
                                }</td>
                                <td data-label=move || t_string!(i18n, admin.column_joined)>{
                                    let joined = user.created_at.timestamp_millis();
                                    move || when(joined)
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
