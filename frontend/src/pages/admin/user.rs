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
        <p class="crumbs"><a href="/admin/users">"← All users"</a></p>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || detail.get().map(|result| match result {
                Err(e) => view! { <section class="card"><p class="form-error" role="alert">{e.message}</p></section> }.into_any(),
                Ok(None) => view! { <section class="card"><p class="empty">"There is no such user."</p></section> }.into_any(),
                Ok(Some(d)) => view! { <Summary detail=d.clone()/> <Actions detail=d resource=detail outcomes/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Summary(detail: AdminUserDetail) -> impl IntoView {
    let user = &detail.user;
    let status = status_of(user);
    view! {
        <section class="card" data-testid="admin-user">
            <div class="profile-head">
                <div>
                    <h1>{user.display_name.clone()}</h1>
                    <p class="username">"@"{user.username.clone()}</p>
                </div>
                <div class="pills">
                    <span class="pill" data-status=status.to_lowercase() data-testid="user-status">{status}</span>
                    {(user.role == Role::Admin).then(|| view! { <span class="pill" data-status="admin">"Admin"</span> })}
                    {detail.online.then(|| view! { <span class="pill" data-status="online">"Online"</span> })}
                </div>
            </div>
            {(!detail.bio.is_empty()).then(|| view! { <p class="bio">{detail.bio.clone()}</p> })}
            <dl class="stats compact">
                <div class="stat"><dt>"Messages"</dt><dd>{detail.messages}</dd></div>
                <div class="stat"><dt>"Conversations"</dt><dd>{detail.conversations}</dd></div>
                <div class="stat"><dt>"Sessions"</dt><dd>{detail.sessions}</dd></div>
            </dl>
            <p class="lede small">
                {format!("Joined {}", when(user.created_at.timestamp_millis()))}
                {user.last_seen_at.map(|t| format!(" · last seen {}", when(t.timestamp_millis())))}
                {user.disabled_at.map(|t| format!(" · disabled {}", when(t.timestamp_millis())))}
                {user.deleted_at.map(|t| format!(" · deleted {}", when(t.timestamp_millis())))}
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
    let session = expect_context::<Session>();
    let user = detail.user;
    let id = user.id;
    let itself = session.user.with_untracked(|me| me.as_ref().is_some_and(|me| me.id == id));
    let disabled = user.disabled_at.is_some();
    let admin = user.role == Role::Admin;
    let account = outcomes.account;
    let toggle_disabled = move |_| {
        run(account, resource, async move {
            api::admin::set_disabled(session, id, !disabled).await.map(|u| {
                if u.disabled_at.is_some() {
                    format!("{} is disabled and was signed out everywhere.", u.display_name)
                } else {
                    format!("{} can sign in again.", u.display_name)
                }
            })
        })
    };
    let toggle_role = move |_| {
        let role = if admin { Role::User } else { Role::Admin };
        run(account, resource, async move {
            api::admin::set_role(session, id, role).await.map(|u| {
                if u.role == Role::Admin {
                    format!("{} is now an administrator.", u.display_name)
                } else {
                    format!("{} is no longer an administrator.", u.display_name)
                }
            })
        })
    };

    if user.deleted_at.is_some() {
        return view! {
            <section class="card"><p class="empty">"This account was deleted; there is nothing more to do."</p></section>
        }
        .into_any();
    }
    view! {
        <section class="card" data-testid="admin-actions">
            <h2>"Account"</h2>
            <div class="form-actions">
                <button type="button" class=if disabled { "secondary" } else { "danger" } on:click=toggle_disabled
                    disabled=itself title=if itself { "You cannot disable yourself" } else { "" }>
                    {if disabled { "Enable" } else { "Disable" }}
                </button>
                <button type="button" class="secondary" on:click=toggle_role>
                    {if admin { "Remove admin role" } else { "Make admin" }}
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
    let session = expect_context::<Session>();
    let (username, display_name) = (RwSignal::new(username), RwSignal::new(display_name));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let changes = AdminUpdateUser {
            username: Some(username.get_untracked().trim().to_owned()),
            display_name: Some(display_name.get_untracked().trim().to_owned()),
        };
        spawn_local(async move {
            match api::admin::update_user(session, id, changes).await {
                Ok(u) => {
                    outcome.set(Some(Ok(format!("Saved: {} (@{}).", u.display_name, u.username))));
                    resource.refetch();
                }
                Err(e) => outcome.set(Some(Err(e))),
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Names"</h2>
            <form on:submit=submit novalidate>
                <Field label="Username" name="username" value=username error=field_error(outcome, "username")/>
                <Field label="Display name" name="display_name" value=display_name error=field_error(outcome, "display_name")/>
                {outcome_view(outcome)}
                <button type="submit">"Save names"</button>
            </form>
        </section>
    }
}

#[component]
fn PasswordForm(id: UserId, outcome: Outcome) -> impl IntoView {
    let session = expect_context::<Session>();
    let password = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = password.get_untracked();
        spawn_local(async move {
            let result = api::admin::reset_password(session, id, new).await.map(|()| {
                password.set(String::new());
                "Password reset. The user was signed out everywhere.".to_owned()
            });
            outcome.set(Some(result));
        });
    };
    view! {
        <section class="card">
            <h2>"Reset password"</h2>
            <form on:submit=submit novalidate>
                <Field label="New password" name="password" kind="password" value=password
                    error=field_error(outcome, "password") autocomplete="new-password"
                    hint="Tell the user; they should change it after signing in."/>
                {outcome_view(outcome)}
                <button type="submit">"Reset password"</button>
            </form>
        </section>
    }
}

#[component]
fn DeleteUser(id: UserId, resource: Detail, outcome: Outcome) -> impl IntoView {
    let session = expect_context::<Session>();
    let confirming = RwSignal::new(false);
    let delete = move |_| {
        confirming.set(false);
        run(outcome, resource, async move {
            api::admin::delete_user(session, id).await.map(|()| "The account was deleted.".to_owned())
        });
    };
    view! {
        <section class="card danger-zone">
            <h2>"Delete account"</h2>
            <p class="lede small">"The profile, friends and sessions are removed. Messages stay, shown as from a deleted user."</p>
            <Show when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" class="danger" on:click=move |_| confirming.set(true)>"Delete user…"</button>
                }>
                <div class="confirm" role="group" aria-label="Confirm deletion">
                    <p><strong>"Delete this account? This cannot be undone."</strong></p>
                    <div class="form-actions">
                        <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Cancel"</button>
                        <button type="button" class="danger" on:click=delete>"Yes, delete"</button>
                    </div>
                </div>
            </Show>
            {outcome_view(outcome)}
        </section>
    }
}
