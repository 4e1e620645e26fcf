//! Settings: the app's language, profile (photo, display name, bio, colour), password, two-factor authentication,
//! notifications on this device, signed-in devices, bots and API tokens, webhook subscriptions,
//! downloading one's own data, and deleting the account.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_i18n::Locale as _;
use leptos_router::hooks::use_navigate;
use protocol::ErrorCode;
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
use crate::locale::{
    Locale, choose_language, error_text, language_of_code, native_name, t, t_string, td_string, use_i18n,
};
use crate::state::session::Session;
use crate::time;

/// The name the data export is saved under.
const EXPORT_FILE: &str = "confab-export.json";

fn error_for(state: RwSignal<Option<Result<String, ApiError>>>, field: &'static str) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || {
        let error = state.get().and_then(|r| r.err()).filter(|e| e.field.as_deref() == Some(field))?;
        Some(error_text(&error, i18n.get_locale()))
    })
}

fn outcome(state: RwSignal<Option<Result<String, ApiError>>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        state.get().and_then(|r| match r {
            Ok(message) => Some(view! { <p class="notice" role="status">{message}</p> }.into_any()),
            Err(e) if e.field.is_none() => {
                Some(view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any())
            }
            Err(_) => None,
        })
    }
}

/// The settings page.
#[component]
pub fn Settings() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="stack">
            <h1 class="page-title">{t!(i18n, settings.title)}</h1>
            <LanguageSettings/>
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

/// The language chooser: switches the whole app at once and is remembered on this browser.
#[component]
fn LanguageSettings() -> impl IntoView {
    let i18n = use_i18n();
    let change = move |ev| {
        if let Some(language) = language_of_code(&event_target_value(&ev)) {
            choose_language(language);
        }
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, settings.language)}</h2>
            <div class="field">
                <label for="field-language">{t!(i18n, settings.language_label)}</label>
                <select id="field-language" name="language" aria-describedby="field-language-hint" on:change=change>
                    {Locale::get_all().iter().map(|&language| view! {
                        // Each name in its own language, so a screen reader pronounces it right.
                        <option value=language.as_str() lang=language.as_str()
                            prop:selected=move || i18n.get_locale() == language>
                            {native_name(language)}
                        </option>
                    }).collect_view()}
                </select>
                <p class="field-message" id="field-language-hint">{t!(i18n, settings.language_lede)}</p>
            </div>
        </section>
    }
}

#[component]
fn ProfileSettings() -> impl IntoView {
    let i18n = use_i18n();
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
                td_string!(i18n.get_locale_untracked(), settings.profile_saved).to_owned()
            });
            state.set(Some(result));
        });
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, settings.profile)}</h2>
            <p class="lede small">{me.as_ref().map(|m| {
                let (username, since) = (m.username.clone(), m.created_at.timestamp_millis() as f64);
                t!(i18n, settings.member_since, username = move || username.clone(), month = move || time::month_year(since))
            })}</p>
            <div class="photo-row">
                {move || session.user.get().map(|m| view! {
                    <Avatar name=m.display_name.clone() color=m.avatar_color.clone() photo=m.avatar.clone()/>
                })}
                <PhotoPicker of=PhotoOf::Me has_photo=Signal::derive(move || session.user.with(|m| m.as_ref().is_some_and(|m| m.avatar.is_some())))/>
            </div>
            <form on:submit=save novalidate>
                // Field's label is a plain string: rebuilt when the language changes.
                {move || view! {
                    <Field label=t_string!(i18n, settings.display_name) name="display_name" value=display_name
                        error=error_for(state, "display_name")/>
                }}
                <div class="field" class:invalid=move || error_for(state, "bio").get().is_some()>
                    <label for="field-bio">{t!(i18n, settings.bio)}</label>
                    <textarea id="field-bio" name="bio" rows="3" maxlength="500"
                        prop:value=move || bio.get() on:input=move |ev| bio.set(event_target_value(&ev))></textarea>
                    <p class="field-message">{move || error_for(state, "bio").get()
                        .unwrap_or_else(|| t_string!(i18n, settings.bio_length, count = bio.get().chars().count(), max = 500).to_string())}</p>
                </div>
                <div class="field">
                    <label for="field-color">{t!(i18n, settings.avatar_colour)}</label>
                    <input id="field-color" type="color" prop:value=move || color.get()
                        on:input=move |ev| color.set(event_target_value(&ev))/>
                </div>
                {outcome(state)}
                <button type="submit">{t!(i18n, settings.save_profile)}</button>
            </form>
        </section>
    }
}

#[component]
fn PasswordSettings() -> impl IntoView {
    let i18n = use_i18n();
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
                    td_string!(i18n.get_locale_untracked(), settings.password_changed).to_owned()
                });
            state.set(Some(result));
        });
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, settings.password)}</h2>
            <form on:submit=change novalidate>
                {move || view! {
                    <Field label=t_string!(i18n, settings.current_password) name="current_password" kind="password"
                        value=current error=error_for(state, "current_password") autocomplete="current-password"/>
                    <Field label=t_string!(i18n, settings.new_password) name="new_password" kind="password" value=new
                        error=error_for(state, "new_password") autocomplete="new-password"/>
                }}
                {outcome(state)}
                <button type="submit">{t!(i18n, settings.change_password)}</button>
            </form>
        </section>
    }
}

#[component]
fn SessionSettings() -> impl IntoView {
    let i18n = use_i18n();
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
            <h2>{t!(i18n, settings.devices)}</h2>
            <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
                {move || sessions.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list" data-testid="sessions">
                            {list.into_iter().map(|s| {
                                let signed_in = s.created_at.timestamp_millis() as f64;
                                let last_active = s.last_used_at.timestamp_millis() as f64;
                                view! {
                                    <li class="session-row">
                                        <div class="user-names">
                                            <span class="display-name">{device_name(&s.user_agent, i18n.get_locale())}
                                                {s.current.then_some(view! { <span class="badge">{t!(i18n, settings.this_device)}</span> })}</span>
                                            <span class="username">{t!(i18n, settings.device_dates,
                                                signed_in = move || time::date(signed_in),
                                                last_active = move || time::date_time(last_active))}</span>
                                        </div>
                                        {(!s.current).then(|| view! {
                                            <button type="button" class="secondary" on:click=move |_| revoke(s.id)>{t!(i18n, settings.sign_out_device)}</button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// A short device description from a user agent, in `language`.
fn device_name(agent: &str, language: Locale) -> String {
    let browser = ["Firefox", "Edg", "Chrome", "Safari"]
        .into_iter()
        .find(|b| agent.contains(b))
        .map(|b| if b == "Edg" { "Edge" } else { b });
    let system = ["Android", "iPhone", "Windows", "Mac OS", "Linux"].into_iter().find(|s| agent.contains(s));
    match (browser, system) {
        (Some(browser), Some(system)) => {
            td_string!(language, settings.device_browser_on_system, browser, system).to_string()
        }
        (Some(b), None) => b.to_owned(),
        _ if agent.is_empty() => td_string!(language, settings.unknown_device).to_owned(),
        _ => agent.chars().take(40).collect(),
    }
}

#[component]
fn DownloadData() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let state = RwSignal::new(None::<Result<String, ApiError>>);
    let busy = RwSignal::new(false);
    let download = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = match api::account::export(session).await {
                Ok(json) => {
                    let language = i18n.get_locale_untracked();
                    download::save_json(EXPORT_FILE, &json, language)
                        .map(|()| td_string!(language, settings.data_saved, file = EXPORT_FILE).to_string())
                        // The browser's failure, not the server's: `Unknown` keeps these words.
                        .map_err(|_| ApiError {
                            code: Some(ErrorCode::Unknown),
                            field: None,
                            message: td_string!(language, settings.download_failed).to_owned(),
                        })
                }
                Err(e) => Err(e),
            };
            state.set(Some(result));
            busy.set(false);
        });
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, settings.your_data)}</h2>
            <p class="lede small">{t!(i18n, settings.your_data_lede)}</p>
            {outcome(state)}
            <button type="button" class="secondary" disabled=move || busy.get() on:click=download>
                {t!(i18n, settings.download_data)}
            </button>
        </section>
    }
}

#[component]
fn DeleteAccount() -> impl IntoView {
    let i18n = use_i18n();
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
            <h2>{t!(i18n, settings.delete_account)}</h2>
            <p class="lede small">{t!(i18n, settings.delete_account_lede)}</p>
            <form on:submit=delete novalidate>
                {move || view! {
                    <Field label=t_string!(i18n, settings.confirm_with_password) name="password" kind="password"
                        value=password error=error_for(state, "password") autocomplete="current-password"/>
                }}
                {outcome(state)}
                <button type="submit" class="danger">{t!(i18n, settings.delete_my_account)}</button>
            </form>
        </section>
    }
}
