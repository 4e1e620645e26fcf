//! Settings: profile (photo, display name, bio, colour), password, two-factor authentication,
//! notifications on this device, signed-in devices, bots and API tokens, webhook subscriptions,
//! downloading one's own data, and deleting the account.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use protocol::users::UpdateProfileRequest;

use crate::api::{self, ApiError};
use crate::components::avatar::Avatar;
use crate::components::bots_settings::BotsSettings;
use crate::components::field::Field;
use crate::components::photo_picker::{PhotoOf, PhotoPicker};
use crate::components::push_settings::PushSettings;
use crate::components::two_factor_settings::TwoFactorSettings;
use crate::components::webhook_subscriptions_settings::WebhookSubscriptionsSettings;
use crate::download;
use crate::state::session::Session;

fn error_for(state: RwSignal<Option<Result<String, ApiError>>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || state.get().and_then(|r| r.err()).and_then(|e| e.for_field(field)))
}

fn outcome(state: RwSignal<Option<Result<String, ApiError>>>) -> impl IntoView {
    move || {
        state.get().and_then(|r| match r {
            Ok(message) => Some(view! { <p class="notice" role="status">{message}</p> }.into_any()),
            Err(e) if e.field.is_none() => {
                Some(view! { <p class="form-error" role="alert">{e.message}</p> }.into_any())
            }
            Err(_) => None,
        })
    }
}

/// The settings page.
#[component]
pub fn Settings() -> impl IntoView {
    view! {
        <div class="stack">
            <ProfileSettings/>
            <PasswordSettings/>
            <TwoFactorSettings/>
            <PushSettings/>
            <SessionSettings/>
            <BotsSettings/>
            <WebhookSubscriptionsSettings/>
            <DownloadData/>
            <DeleteAccount/>
        </div>
    }
}

#[component]
fn ProfileSettings() -> impl IntoView {
    let session = expect_context::<Session>();
    let me = session.user.get_untracked();
    let display_name = RwSignal::new(me.as_ref().map(|m| m.display_name.clone()).unwrap_or_default());
    let bio = RwSignal::new(me.as_ref().map(|m| m.bio.clone()).unwrap_or_default());
    let color = RwSignal::new(me.as_ref().map(|m| m.avatar_color.clone()).unwrap_or_else(|| "#3b6ef5".into()));
    let state = RwSignal::new(None::<Result<String, ApiError>>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let changes = UpdateProfileRequest {
            display_name: Some(display_name.get_untracked()),
            bio: Some(bio.get_untracked()),
            avatar_color: Some(color.get_untracked()),
        };
        spawn_local(async move {
            let result = api::account::update_me(session, changes).await.map(|me| {
                session.user.set(Some(me));
                "Profile saved.".to_owned()
            });
            state.set(Some(result));
        });
    };
    view! {
        <section class="card">
            <h2>"Profile"</h2>
            <p class="lede small">{me.as_ref().map(|m| format!("@{} · member since {}", m.username, m.created_at.format("%B %Y")))}</p>
            <div class="photo-row">
                {move || session.user.get().map(|m| view! {
                    <Avatar name=m.display_name.clone() color=m.avatar_color.clone() photo=m.avatar.clone()/>
                })}
                <PhotoPicker of=PhotoOf::Me has_photo=Signal::derive(move || session.user.with(|m| m.as_ref().is_some_and(|m| m.avatar.is_some())))/>
            </div>
            <form on:submit=save novalidate>
                <Field label="Display name" name="display_name" value=display_name error=error_for(state, "display_name")/>
                <div class="field" class:invalid=move || error_for(state, "bio").get().is_some()>
                    <label for="field-bio">"Bio"</label>
                    <textarea id="field-bio" name="bio" rows="3" maxlength="500"
                        prop:value=move || bio.get() on:input=move |ev| bio.set(event_target_value(&ev))></textarea>
                    <p class="field-message">{move || error_for(state, "bio").get()
                        .unwrap_or_else(|| format!("{} / 500", bio.get().chars().count()))}</p>
                </div>
                <div class="field">
                    <label for="field-color">"Avatar colour"</label>
                    <input id="field-color" type="color" prop:value=move || color.get()
                        on:input=move |ev| color.set(event_target_value(&ev))/>
                </div>
                {outcome(state)}
                <button type="submit">"Save profile"</button>
            </form>
        </section>
    }
}

#[component]
fn PasswordSettings() -> impl IntoView {
    let session = expect_context::<Session>();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let state = RwSignal::new(None::<Result<String, ApiError>>);
    let change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            let result =
                api::account::change_password(session, current.get_untracked(), new.get_untracked()).await.map(|()| {
                    current.set(String::new());
                    new.set(String::new());
                    "Password changed. Your other devices were signed out.".to_owned()
                });
            state.set(Some(result));
        });
    };
    view! {
        <section class="card">
            <h2>"Password"</h2>
            <form on:submit=change novalidate>
                <Field label="Current password" name="current_password" kind="password" value=current
                    error=error_for(state, "current_password") autocomplete="current-password"/>
                <Field label="New password" name="new_password" kind="password" value=new
                    error=error_for(state, "new_password") autocomplete="new-password"/>
                {outcome(state)}
                <button type="submit">"Change password"</button>
            </form>
        </section>
    }
}

#[component]
fn SessionSettings() -> impl IntoView {
    let session = expect_context::<Session>();
    let sessions = LocalResource::new(move || api::account::sessions(session));
    let revoke = move |id| {
        spawn_local(async move {
            let _ = api::account::revoke_session(session, id).await;
            sessions.refetch();
        });
    };
    view! {
        <section class="card">
            <h2>"Signed-in devices"</h2>
            <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
                {move || sessions.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error">{e.message}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list" data-testid="sessions">
                            {list.into_iter().map(|s| view! {
                                <li class="session-row">
                                    <div class="user-names">
                                        <span class="display-name">{device_name(&s.user_agent)}
                                            {s.current.then_some(view! { <span class="badge">"This device"</span> })}</span>
                                        <span class="username">{format!("Signed in {} · last active {}",
                                            s.created_at.format("%Y-%m-%d"), s.last_used_at.format("%Y-%m-%d %H:%M"))}</span>
                                    </div>
                                    {(!s.current).then(|| view! {
                                        <button type="button" class="secondary" on:click=move |_| revoke(s.id)>"Sign out"</button>
                                    })}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// A short device description from a user agent.
fn device_name(agent: &str) -> String {
    let browser = ["Firefox", "Edg", "Chrome", "Safari"]
        .into_iter()
        .find(|b| agent.contains(b))
        .map(|b| if b == "Edg" { "Edge" } else { b });
    let system = ["Android", "iPhone", "Windows", "Mac OS", "Linux"].into_iter().find(|s| agent.contains(s));
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        _ if agent.is_empty() => "Unknown device".to_owned(),
        _ => agent.chars().take(40).collect(),
    }
}

#[component]
fn DownloadData() -> impl IntoView {
    let session = expect_context::<Session>();
    let state = RwSignal::new(None::<Result<String, ApiError>>);
    let busy = RwSignal::new(false);
    let download = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = match api::account::export(session).await {
                Ok(json) => download::save_json("confab-export.json", &json)
                    .map(|()| "Your data was saved as confab-export.json.".to_owned())
                    .map_err(|message| ApiError { code: None, field: None, message }),
                Err(e) => Err(e),
            };
            state.set(Some(result));
            busy.set(false);
        });
    };
    view! {
        <section class="card">
            <h2>"Your data"</h2>
            <p class="lede small">"Your profile, friends, conversations and every message you sent, as one JSON file."</p>
            {outcome(state)}
            <button type="button" class="secondary" disabled=move || busy.get() on:click=download>"Download my data"</button>
        </section>
    }
}

#[component]
fn DeleteAccount() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let password = RwSignal::new(String::new());
    let state = RwSignal::new(None::<Result<String, ApiError>>);
    let delete = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::account::delete_account(session, password.get_untracked()).await {
                Ok(()) => {
                    session.signed_out();
                    navigate("/", Default::default());
                }
                Err(e) => state.set(Some(Err(e))),
            }
        });
    };
    view! {
        <section class="card danger-zone">
            <h2>"Delete account"</h2>
            <p class="lede small">"Your profile, friends and sessions are removed. Messages you sent stay, shown as from a deleted user."</p>
            <form on:submit=delete novalidate>
                <Field label="Confirm with your password" name="password" kind="password" value=password
                    error=error_for(state, "password") autocomplete="current-password"/>
                {outcome(state)}
                <button type="submit" class="danger">"Delete my account"</button>
            </form>
        </section>
    }
}
