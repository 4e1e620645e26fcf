//! Sign in with username and password, then, for an account with two-factor authentication on
//! (the server answers `two_factor_required`), a second step asking for the authenticator
//! app's code or one of the recovery codes.

use leptos::html::Input;
use leptos::prelude::*;
use protocol::ErrorCode;

use super::auth_form::submit_action;
use crate::api::{self, ApiError};
use crate::components::field::Field;

/// The sign-in page.
#[component]
pub fn SignIn() -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    // Set when the server asks for the second factor; "Back" clears it.
    let code_step = RwSignal::new(false);
    // Whether the second step takes a recovery code instead of the app's code.
    let recovery = RwSignal::new(false);
    let action = submit_action(move || {
        let totp_code = code_step.get_untracked().then(|| code.get_untracked());
        api::account::login(username.get_untracked(), password.get_untracked(), totp_code)
    });
    // The last refusal, kept apart from the action so going back can clear it.
    let failure = RwSignal::new(None::<ApiError>);
    Effect::new(move |_| {
        let error = action.value().get().and_then(|r| r.err());
        if error.as_ref().is_some_and(|e| e.code == Some(ErrorCode::TwoFactorRequired)) {
            code_step.set(true);
        }
        failure.set(error);
    });
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            failure
                .get()
                // Being asked for the code is the second step's prompt, not a mistake.
                .filter(|e| e.code != Some(ErrorCode::TwoFactorRequired))
                .and_then(|e| e.for_field(field))
        })
    };
    let form_error = move || {
        failure
            .get()
            .filter(|e| e.field.is_none())
            .map(|e| view! { <p class="form-error" role="alert">{e.message}</p> })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(());
    };
    let code_input = NodeRef::<Input>::new();
    // The code field takes the focus as it appears (and when switching to a recovery code).
    Effect::new(move |_| {
        if let Some(input) = code_input.get() {
            let _ = input.focus();
        }
    });
    let switch_kind = move |_| {
        recovery.update(|r| *r = !*r);
        code.set(String::new());
        failure.set(None);
    };
    let back = move |_| {
        code_step.set(false);
        recovery.set(false);
        code.set(String::new());
        failure.set(None);
    };
    let submit_label = move || match (action.pending().get(), code_step.get()) {
        (true, false) => "Signing in…",
        (true, true) => "Verifying…",
        (false, false) => "Sign in",
        (false, true) => "Verify",
    };

    view! {
        <section class="card auth">
            <h1>"Sign in"</h1>
            <form on:submit=on_submit novalidate>
                <Show
                    when=move || code_step.get()
                    fallback=move || view! {
                        <Field label="Username" name="username" value=username error=field_error("username") autocomplete="username"/>
                        <Field label="Password" name="password" kind="password" value=password error=field_error("password") autocomplete="current-password"/>
                    }
                >
                    <p class="lede small" data-testid="two-factor-step">
                        {move || if recovery.get() {
                            format!("Enter one of the recovery codes you saved for @{}. Each code works once.", username.get())
                        } else {
                            format!("Open your authenticator app and enter the 6‑digit code for Confab (@{}).", username.get())
                        }}
                    </p>
                    <Show
                        when=move || recovery.get()
                        fallback=move || view! {
                            <Field label="Authentication code" name="totp_code" value=code error=field_error("totp_code")
                                autocomplete="one-time-code" inputmode="numeric" code=true node_ref=code_input/>
                        }
                    >
                        <Field label="Recovery code" name="recovery_code" value=code error=field_error("totp_code")
                            code=true node_ref=code_input hint="Like abcde-23456"/>
                    </Show>
                </Show>
                {form_error}
                <button type="submit" disabled=move || action.pending().get()>{submit_label}</button>
                <Show when=move || code_step.get()>
                    <div class="auth-alternatives">
                        <button type="button" class="link" on:click=back>"← Back"</button>
                        <button type="button" class="link" on:click=switch_kind>
                            {move || if recovery.get() { "Use your authenticator app" } else { "Use a recovery code" }}
                        </button>
                    </div>
                </Show>
            </form>
            <Show when=move || !code_step.get()>
                <p class="switch">"New here? "<a href="/signup">"Create an account"</a></p>
            </Show>
        </section>
    }
}
