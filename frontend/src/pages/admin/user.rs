//! `/admin/users/:id`: one account with its counts, and what an operator can do to it: disable
//! or enable, promote or demote, rename, reset the password, delete (after a confirmation).
//! The server's refusals (such as demoting the last administrator) show under the action.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use protocol::UserId;
use protocol::admin::{AdminUpdateUser, AdminUserDetail};
use protocol::users::Role;

use super::users::status_of;
use super::{AdminFrame, Outcome, field_error, outcome_view, when};
use crate::api::{self, ApiError};
use crate::components::field::Field;
use crate::locale::{error_text, t, t_string, td_string, use_i18n};
use crate::state::session::Session;

/// The user's admin page.
#[component]
pub fn AdminUser() -> impl IntoView {
    view! { <AdminFrame><UserDetail/></AdminFrame> }
}

/// The user's data, re-read after every change (so the counts and badges stay true).
type Detail = LocalResource<Result<Option<AdminUserDetail>, ApiError>>;

/// The outcome line of each action. They belong to the page, not to the views drawn from the
/// user's data, so a confirmation outlives the re-read that follows it.
#[derive(Clone, Copy)]
struct Outcomes {
    account: Outcome,
    names: Outcome,
    password: Outcome,
    delete: Outcome,
}

#[component]
fn UserDetail() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|id| id.parse::<uuid::Uuid>().ok()).map(UserId));
    let detail: Detail = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::admin::user(session, id).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let outcomes = Outcomes {
        account: RwSignal::new(None),
        names: RwSignal::new(None),
        password: RwSignal::new(None),
        delete: RwSignal::new(None),
    };
    // Another user's page (the same route) starts without the last one's messages.
    Effect::new(move |_| {
        id.track();
        for outcome in [outcomes.account, outcomes.names, outcomes.password, outcomes.delete] {
            outcome.set(None);
        }
    });
    view! {
        <p class="crumbs"><a href="/admin/users">{t!(i18n, admin.all_users)}</a></p>
        <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
            {move || detail.get().map(|result| match result {
                Err(e) => view! {
                    <section class="card"><p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p></section>
                }.into_any(),
                Ok(None) => view! { <section class="card"><p class="empty">{t!(i18n, admin.no_such_user)}</p></section> }.into_any(),
                Ok(Some(d)) => view! { <Summary detail=d.clone()/> <Actions detail=d resource=detail outcomes/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Summary(detail: AdminUserDetail) -> impl IntoView {
    let i18n = use_i18n();
    let user = &detail.user;
    let status = status_of(user);
    let at = |t: chrono::DateTime<chrono::Utc>| {
        let ms = t.timestamp_millis();
        move || when(ms)
    };
    view! {
        <section class="card" data-testid="admin-user">
            <div class="profile-head">
                <div>
                    <h1>{user.display_name.clone()}</h1>
                    <p class="username">"@"{user.username.clone()}</p>
                </div>
                <div class="pills">
                    <span class="pill" data-status=status.key() data-testid="user-status">{move || status.label(i18n.get_locale())}</span>
                    {(user.role == Role::Admin).then(|| view! { <span class="pill" data-status="admin">{t!(i18n, admin.role_admin)}</span> })}
                    {detail.online.then(|| view! { <span class="pill" data-status="online">{t!(i18n, admin.online)}</span> })}
                </div>
            </div>
            {(!detail.bio.is_empty()).then(|| view! { <p class="bio">{detail.bio.clone()}</p> })}
            <dl class="stats compact">
                <div class="stat"><dt>{t!(i18n, admin.stat_messages)}</dt><dd>{detail.messages}</dd></div>
                <div class="stat"><dt>{t!(i18n, admin.stat_conversations)}</dt><dd>{detail.conversations}</dd></div>
                <div class="stat"><dt>{t!(i18n, admin.stat_sessions)}</dt><dd>{detail.sessions}</dd></div>
            </dl>
            <p class="lede small">
                {t!(i18n, admin.joined_at, when = at(user.created_at))}
                {user.last_seen_at.map(|t| t!(i18n, admin.last_seen_at, when = at(t)))}
                {user.disabled_at.map(|t| t!(i18n, admin.disabled_at, when = at(t)))}
                {user.deleted_at.map(|t| t!(i18n, admin.deleted_at, when = at(t)))}
            </p>
        </section>
    }
}

/// Runs a change and reports it in `outcome`; the page re-reads the user only when it worked,
/// so a refusal stays on screen.
fn run(outcome: Outcome, resource: Detail, change: impl Future<Output = Result<String, ApiError>> + 'static) {
    spawn_local(async move {
        let result = change.await;
        let ok = result.is_ok();
        outcome.set(Some(result));
        if ok {
            resource.refetch();
        }
    });
}

#[component]
fn Actions(detail: AdminUserDetail, resource: Detail, outcomes: Outcomes) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let user = detail.user;
    let id = user.id;
    let itself = session.user.with_untracked(|me| me.as_ref().is_some_and(|me| me.id == id));
    let disabled = user.disabled_at.is_some();
    let admin = user.role == Role::Admin;
    let account = outcomes.account;
    let toggle_disabled = move |_| {
        let language = i18n.get_locale_untracked();
        run(account, resource, async move {
            api::admin::set_disabled(session, id, !disabled).await.map(|u| {
                let name = u.display_name;
                if u.disabled_at.is_some() {
                    td_string!(language, admin.disabled_notice, name).to_string()
                } else {
                    td_string!(language, admin.enabled_notice, name).to_string()
                }
            })
        })
    };
    let toggle_role = move |_| {
        let role = if admin { Role::User } else { Role::Admin };
        let language = i18n.get_locale_untracked();
        run(account, resource, async move {
            api::admin::set_role(session, id, role).await.map(|u| {
                let name = u.display_name;
                if u.role == Role::Admin {
                    td_string!(language, admin.promoted_notice, name).to_string()
                } else {
                    td_string!(language, admin.demoted_notice, name).to_string()
                }
            })
        })
    };

    if user.deleted_at.is_some() {
        return view! {
            <section class="card"><p class="empty">{t!(i18n, admin.nothing_to_do)}</p></section>
        }
        .into_any();
    }
    view! {
        <section class="card" data-testid="admin-actions">
            <h2>{t!(i18n, admin.account_title)}</h2>
            <div class="form-actions">
                <button type="button" class=if disabled { "secondary" } else { "danger" } on:click=toggle_disabled
                    disabled=itself title=move || if itself { t_string!(i18n, admin.cannot_disable_yourself) } else { "" }>
                    {move || if disabled { t_string!(i18n, admin.enable) } else { t_string!(i18n, admin.disable) }}
                </button>
                <button type="button" class="secondary" on:click=toggle_role>
                    {move || if admin { t_string!(i18n, admin.remove_admin_role) } else { t_string!(i18n, admin.make_admin) }}
                </button>
            </div>
            {outcome_view(account)}
        </section>
        <RenameForm id username=user.username display_name=user.display_name resource outcome=outcomes.names/>
        <PasswordForm id outcome=outcomes.password/>
        {(!itself).then(|| view! { <DeleteUser id resource outcome=outcomes.delete/> })}
    }
    .into_any()
}

#[component]
fn RenameForm(id: UserId, username: String, display_name: String, resource: Detail, outcome: Outcome) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let (username, display_name) = (RwSignal::new(username), RwSignal::new(display_name));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let changes = AdminUpdateUser {
            username: Some(username.get_untracked().trim().to_owned()),
            display_name: Some(display_name.get_untracked().trim().to_owned()),
        };
        let language = i18n.get_locale_untracked();
        spawn_local(async move {
            match api::admin::update_user(session, id, changes).await {
                Ok(u) => {
                    let (name, username) = (u.display_name, u.username);
                    outcome.set(Some(Ok(td_string!(language, admin.names_saved, name, username).to_string())));
                    resource.refetch();
                }
                Err(e) => outcome.set(Some(Err(e))),
            }
        });
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, admin.names_title)}</h2>
            <form on:submit=submit novalidate>
                <Field label=t_string!(i18n, admin.username) name="username" value=username error=field_error(outcome, "username")/>
                <Field label=t_string!(i18n, admin.display_name) name="display_name" value=display_name
                    error=field_error(outcome, "display_name")/>
                {outcome_view(outcome)}
                <button type="submit">{t!(i18n, admin.save_names)}</button>
            </form>
        </section>
    }
}

#[component]
fn PasswordForm(id: UserId, outcome: Outcome) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let password = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = password.get_untracked();
        let language = i18n.get_locale_untracked();
        spawn_local(async move {
            let result = api::admin::reset_password(session, id, new).await.map(|()| {
                password.set(String::new());
                td_string!(language, admin.password_reset_notice).to_owned()
            });
            outcome.set(Some(result));
        });
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, admin.reset_password_title)}</h2>
            <form on:submit=submit novalidate>
                <Field label=t_string!(i18n, admin.new_password) name="password" kind="password" value=password
                    error=field_error(outcome, "password") autocomplete="new-password"
                    hint=t_string!(i18n, admin.reset_password_hint)/>
                {outcome_view(outcome)}
                <button type="submit">{t!(i18n, admin.reset_password)}</button>
            </form>
        </section>
    }
}

#[component]
fn DeleteUser(id: UserId, resource: Detail, outcome: Outcome) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let confirming = RwSignal::new(false);
    let delete = move |_| {
        confirming.set(false);
        let language = i18n.get_locale_untracked();
        run(outcome, resource, async move {
            api::admin::delete_user(session, id).await.map(|()| td_string!(language, admin.account_deleted).to_owned())
        });
    };
    view! {
        <section class="card danger-zone">
            <h2>{t!(i18n, admin.delete_account_title)}</h2>
            <p class="lede small">{t!(i18n, admin.delete_account_lede)}</p>
            <Show when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" class="danger" on:click=move |_| confirming.set(true)>{t!(i18n, admin.delete_user)}</button>
                }>
                <div class="confirm" role="group" aria-label=move || t_string!(i18n, admin.confirm_deletion)>
                    <p><strong>{t!(i18n, admin.delete_question)}</strong></p>
                    <div class="form-actions">
                        <button type="button" class="secondary" on:click=move |_| confirming.set(false)>{t!(i18n, admin.cancel)}</button>
                        <button type="button" class="danger" on:click=delete>{t!(i18n, admin.yes_delete)}</button>
                    </div>
                </div>
            </Show>
            {outcome_view(outcome)}
        </section>
    }
}
