//! The settings section "Notifications on this device": a switch that turns Web Push on (the
//! browser's permission, its push subscription, registered with the server) or off, and a line
//! saying where things stand, including why it cannot be turned on here.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::locale::{Locale, error_text, t, td_string, use_i18n};
use crate::push::{self, Failure, PushState};
use crate::state::session::Session;

/// The sentence under the switch, in `language`.
fn explain(state: &PushState, language: Locale) -> String {
    match state {
        PushState::On => td_string!(language, integrations.push_on).to_owned(),
        PushState::Off => td_string!(language, integrations.push_off).to_owned(),
        PushState::Blocked => td_string!(language, integrations.push_blocked).to_owned(),
        PushState::Unsupported => td_string!(language, integrations.push_unsupported).to_owned(),
        PushState::Failed(failure) => {
            td_string!(language, integrations.push_failed, reason = failure_text(failure, language)).to_string()
        }
    }
}

/// Why turning push on failed, in `language` (the browser's own words stay as it gave them).
fn failure_text(failure: &Failure, language: Locale) -> String {
    match failure {
        Failure::Browser(Some(message)) => message.clone(),
        Failure::Browser(None) => td_string!(language, integrations.push_no_reason).to_owned(),
        Failure::NoServiceWorkers => td_string!(language, integrations.push_no_service_workers).to_owned(),
        Failure::NoKeys => td_string!(language, integrations.push_no_keys).to_owned(),
        Failure::Server(error) => error_text(error, language),
    }
}

/// The section.
#[component]
pub fn PushSettings() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    // None while the current state is being read or a change is under way.
    let state = RwSignal::new(None::<PushState>);
    spawn_local(async move { state.set(Some(push::state().await)) });
    let on = move || state.get() == Some(PushState::On);
    let usable = move || matches!(state.get(), Some(PushState::On | PushState::Off | PushState::Failed(_)));
    let toggle = move |_| {
        let turning_on = !on();
        state.set(None);
        // The permission prompt needs this click's user activation: `turn_on` asks first,
        // before anything else is awaited.
        spawn_local(async move {
            let next = if turning_on { push::turn_on(session).await } else { push::turn_off(session).await };
            state.set(Some(next));
        });
    };
    view! {
        <section class="card push-settings">
            <h2>{t!(i18n, integrations.push_title)}</h2>
            <label class="toggle">
                <input
                    type="checkbox"
                    role="switch"
                    prop:checked=on
                    disabled=move || !usable()
                    on:change=toggle
                    data-testid="push-switch"
                />
                <span class="toggle-track" aria-hidden="true"></span>
                <span>{t!(i18n, integrations.push_switch)}</span>
            </label>
            <p
                class="push-state"
                class:form-error=move || matches!(state.get(), Some(PushState::Failed(_)))
                // Announced when it changes, without being one more `status` of the page beside
                // the forms' outcome notices.
                aria-live="polite"
                data-testid="push-state"
            >
                {move || match state.get() {
                    Some(s) => explain(&s, i18n.get_locale()),
                    None => td_string!(i18n.get_locale(), integrations.push_checking).to_owned(),
                }}
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_says_it_could_not_register_and_why() {
        let text = explain(&PushState::Failed(Failure::Browser(Some("push service error".into()))), Locale::en);
        assert_eq!(text, "Could not register this device: push service error");
    }

    #[test]
    fn a_failure_without_a_reason_says_so_in_german_too() {
        let text = explain(&PushState::Failed(Failure::Browser(None)), Locale::de);
        assert_eq!(text, "Dieses Gerät konnte nicht registriert werden: der Browser nennt keinen Grund");
    }
}
