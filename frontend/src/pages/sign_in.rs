//! Sign in with username and password.

use leptos::prelude::*;

use super::auth_form::{field_error, form_error, submit_action};
use crate::api;
use crate::components::field::Field;

/// The sign-in page.
#[component]
pub fn SignIn() -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let action = submit_action(move || api::account::login(username.get_untracked(), password.get_untracked()));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(());
    };
    view! {
        <section class="card auth">
            <h1>"Sign in"</h1>
            <form on:submit=on_submit novalidate>
                <Field label="Username" name="username" value=username error=field_error(action, "username") autocomplete="username"/>
                <Field label="Password" name="password" kind="password" value=password error=field_error(action, "password") autocomplete="current-password"/>
                {move || form_error(action).get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
                <button type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <p class="switch">"New here? "<a href="/signup">"Create an account"</a></p>
        </section>
    }
}
