//! Create an account. The browser checks the simple rules as you type; the server's answer
//! (a taken username, say) appears beside the field it concerns.

use leptos::prelude::*;
use protocol::auth::limits;

use super::auth_form::{field_error, form_error, submit_action};
use crate::api;
use crate::components::field::Field;
use crate::locale::{t, t_string, use_i18n};

/// The sign-up page.
#[component]
pub fn SignUp() -> impl IntoView {
    let i18n = use_i18n();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let action = submit_action(move || {
        api::account::register(username.get_untracked(), display_name.get_untracked(), password.get_untracked())
    });
    // Instant feedback on the simple rules; the server remains the judge (and knows what is taken).
    let local = move |field: &'static str| {
        Signal::derive(move || {
            let attempted = action.version().get() > 0;
            let problem = match field {
                "username" => {
                    let len = username.get().trim().chars().count();
                    (len > 0 && !(limits::USERNAME_MIN..=limits::USERNAME_MAX).contains(&len))
                        .then(|| {
                            t_string!(
                                i18n,
                                auth.username_length,
                                min = limits::USERNAME_MIN,
                                max = limits::USERNAME_MAX
                            )
                            .to_string()
                        })
                        .or_else(|| {
                            username
                                .get()
                                .trim()
                                .chars()
                                .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
                                .then(|| t_string!(i18n, auth.username_characters).to_owned())
                        })
                }
                "password" => {
                    let len = password.get().chars().count();
                    (attempted && len < limits::PASSWORD_MIN_CHARS)
                        .then(|| t_string!(i18n, auth.password_too_short, min = limits::PASSWORD_MIN_CHARS).to_string())
                }
                _ => (attempted && display_name.get().trim().is_empty())
                    .then(|| t_string!(i18n, auth.must_not_be_empty).to_owned()),
            };
            problem.or_else(|| field_error(action, field).get())
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(());
    };
    view! {
        <section class="card auth">
            <h1>{t!(i18n, auth.sign_up_title)}</h1>
            <form on:submit=on_submit novalidate>
                <Field label=t_string!(i18n, auth.username) name="username" value=username error=local("username")
                    autocomplete="username"
                    hint=t_string!(i18n, auth.username_hint, min = limits::USERNAME_MIN, max = limits::USERNAME_MAX).to_string()/>
                <Field label=t_string!(i18n, auth.display_name) name="display_name" value=display_name error=local("display_name")
                    autocomplete="name" hint=t_string!(i18n, auth.display_name_hint)/>
                <Field label=t_string!(i18n, auth.password) name="password" kind="password" value=password error=local("password")
                    autocomplete="new-password" hint=t_string!(i18n, auth.password_hint, min = limits::PASSWORD_MIN_CHARS).to_string()/>
                {move || form_error(action).get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
                <button type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { t_string!(i18n, auth.creating) } else { t_string!(i18n, auth.create_account) }}
                </button>
            </form>
            <p class="switch">{t!(i18n, auth.have_an_account, <signin> = <a href="/signin" />)}</p>
        </section>
    }
}
