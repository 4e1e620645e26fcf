//! Sign in with username and password, then, for an account with two-factor authentication on
//! (the server answers `two_factor_required`), a second step asking for the authenticator
//! app's code or one of the recovery codes.

use leptos::html::Input;
use leptos::prelude::*;
use protocol::ErrorCode;

use super::auth_form::submit_action;
use crate::api::{self, ApiError};
use crate::components::field::Field;
use crate::locale::{error_text, t, t_string, use_i18n};

/// The sign-in page.
#[component]
pub fn SignIn() -> impl IntoView {
    let i18n = use_i18n();
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
                .filter(|e| e.code != Some(ErrorCode::TwoFactorRequired) && e.field.as_deref() == Some(field))
                .map(|e| error_text(&e, i18n.get_locale()))
        })
    };
    let form_error = move || {
        failure
            .get()
            .filter(|e| e.field.is_none())
            .map(|e| view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> })
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
        (true, false) => t_string!(i18n, auth.signing_in),
        (true, true) => t_string!(i18n, auth.verifying),
        (false, false) => t_string!(i18n, auth.sign_in),
        (false, true) => t_string!(i18n, auth.verify),
    };

    view! {
        <section class="card auth">
            <h1>{t!(i18n, auth.sign_in_title)}</h1>
            <form on:submit=on_submit novalidate>
                <Show
                    when=move || code_step.get()
                    fallback=move || view! {
                        <Field label=t_string!(i18n, auth.username) name="username" value=username error=field_error("username") autocomplete="username"/>
                        <Field label=t_string!(i18n, auth.password) name="password" kind="password" value=password error=field_error("password") autocomplete="current-password"/>
                    }
                >
                    <p class="lede small" data-testid="two-factor-step">
                        {move || if recovery.get() {
                            t!(i18n, auth.recovery_prompt, username = move || username.get()).into_any()
                        } else {
                            t!(i18n, auth.code_prompt, username = move || username.get()).into_any()
                        }}
                    </p>
                    <Show
                        when=move || recovery.get()
                        fallback=move || view! {
                            <Field label=t_string!(i18n, auth.authentication_code) name="totp_code" value=code error=field_error("totp_code")
                                autocomplete="one-time-code" inputmode="numeric" code=true node_ref=code_input/>
                        }
                    >
                        <Field label=t_string!(i18n, auth.recovery_code) name="recovery_code" value=code error=field_error("totp_code")
                            code=true node_ref=code_input hint=t_string!(i18n, auth.recovery_code_hint)/>
                    </Show>
                </Show>
                {form_error}
                <button type="submit" disabled=move || action.pending().get()>{submit_label}</button>
                <Show when=move || code_step.get()>
                    <div class="auth-alternatives">
                        <button type="button" class="link" on:click=back>{t!(i18n, auth.back)}</button>
                        <button type="button" class="link" on:click=switch_kind>
                            {move || if recovery.get() { t_string!(i18n, auth.use_app) } else { t_string!(i18n, auth.use_recovery_code) }}
                        </button>
                    </div>
                </Show>
            </form>
            <Show when=move || !code_step.get()>
                <p class="switch">{t!(i18n, auth.new_here, <signup> = <a href="/signup" />)}</p>
            </Show>
        </section>
    }
}
