//! The top bar: the Confab mark, and the theme switch.

use leptos::prelude::*;

use crate::state::theme::{Mode, Theme};

/// The application's top bar.
#[component]
pub fn Header() -> impl IntoView {
    let theme = expect_context::<Theme>();
    let label = move || match theme.mode.get() {
        Mode::Light => "Dark theme",
        Mode::Dark => "Light theme",
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <svg class="logo" viewBox="0 0 64 64" width="28" height="28" aria-hidden="true">
                    <rect width="64" height="64" rx="14" fill="currentColor"/>
                    <path d="M16 20h32a4 4 0 0 1 4 4v14a4 4 0 0 1-4 4H30l-9 7v-7h-5a4 4 0 0 1-4-4V24a4 4 0 0 1 4-4z" fill="var(--surface)"/>
                </svg>
                <span>"Confab"</span>
            </a>
            <button class="ghost" type="button" on:click=move |_| theme.toggle() aria-label=label>
                {move || if theme.mode.get() == Mode::Light { "☾" } else { "☀" }}
            </button>
        </header>
    }
}
