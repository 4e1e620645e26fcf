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
                <img src="/favicon.svg" alt="" width="28" height="28"/>
                <span>"Confab"</span>
            </a>
            <button class="ghost" type="button" on:click=move |_| theme.toggle() aria-label=label>
                {move || if theme.mode.get() == Mode::Light { "☾" } else { "☀" }}
            </button>
        </header>
    }
}
