//! The settings section "Notifications on this device": a switch that turns Web Push on (the
//! browser's permission, its push subscription, registered with the server) or off, and a line
//! saying where things stand, including why it cannot be turned on here.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::push::{self, PushState};
use crate::state::session::Session;

/// The sentence under the switch.
fn explain(state: &PushState) -> String {
    match state {
        PushState::On => "On: new messages reach this device while Confab is closed.".to_owned(),
        PushState::Off => "Off: this device is notified only while Confab is open.".to_owned(),
        PushState::Blocked => {
            "Blocked by the browser: allow notifications for this site in its settings, then try again.".to_owned()
        }
        PushState::Unsupported => {
            "Not supported here: this browser cannot receive notifications while Confab is closed.".to_owned()
        }
        PushState::Failed(reason) => format!("Could not register this device: {reason}"),
    }
}

/// The section.
#[component]
pub fn PushSettings() -> impl IntoView {
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
            <h2>"Notifications on this device"</h2>
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
                <span>"Notify me of new messages when Confab is closed"</span>
            </label>
            <p
                class="push-state"
                class:form-error=move || matches!(state.get(), Some(PushState::Failed(_)))
                // Announced when it changes, without being one more `status` of the page beside
                // the forms' outcome notices.
                aria-live="polite"
                data-testid="push-state"
            >
                {move || state.get().map(|s| explain(&s)).unwrap_or_else(|| "Checking…".to_owned())}
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_says_it_could_not_register_and_why() {
        let text = explain(&PushState::Failed("push service error".into()));
        assert_eq!(text, "Could not register this device: push service error");
    }
}
