//! Create an account. The browser checks the simple rules as you type; the server's answer
//! (a taken username, say) appears beside the field it concerns.

use leptos::prelude::*;
use protocol::auth::limits;

use super::auth_form::{field_error, form_error, submit_action};
use crate::api;
use crate::components::field::Field;

/// The sign-up page.
#[component]
pub fn SignUp() -> impl IntoView {
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
                        .then(|| format!("Must be {} to {} characters", limits::USERNAME_MIN, limits::USERNAME_MAX))
                        .or_else(|| {
                            username
                                .get()
                                .trim()
                                .chars()
                                .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
                                .then(|| "Only letters, digits, '_', '.' and '-'".to_owned())
                        })
                }
                "password" => {
                    let len = password.get().chars().count();
                    (attempted && len < limits::PASSWORD_MIN_CHARS)
                        .then(|| format!("At least {} characters", limits::PASSWORD_MIN_CHARS))
                }
                _ => (attempted && display_name.get().trim().is_empty()).then(|| "Must not be empty".to_owned()),
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
            <h1>"Create your account"</h1>
            <form on:submit=on_submit novalidate>
                <Field label="Username" name="username" value=username error=local("username")
                    autocomplete="username"
                    hint=format!("{}–{} letters, digits, _ . -", limits::USERNAME_MIN, limits::USERNAME_MAX)/>
                <Field label="Display name" name="display_name" value=display_name error=local("display_name")
                    autocomplete="name" hint="How friends see you"/>
                <Field label="Password" name="password" kind="password" value=password error=local("password")
                    autocomplete="new-password" hint=format!("At least {} characters", limits::PASSWORD_MIN_CHARS)/>
                {move || form_error(action).get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
                <button type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating…" } else { "Create account" }}
                </button>
            </form>
            <p class="switch">"Already have an account? "<a href="/signin">"Sign in"</a></p>
        </section>
    }
}
