//! Light/dark theme: follows the system until the user picks one, then remembers the choice in
//! localStorage. Applied as `data-theme` on `<html>`, which the stylesheet keys on.

use leptos::prelude::*;

const STORAGE_KEY: &str = "confab.theme";

/// The theme in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Dark text on light backgrounds.
    Light,
    /// Light text on dark backgrounds.
    Dark,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

/// The theme context: a signal plus the side effect that applies it.
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    /// The current mode.
    pub mode: RwSignal<Mode>,
}

impl Theme {
    /// Reads the saved choice (or the system preference) and applies it now and on change.
    pub fn load() -> Self {
        let saved = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        let initial = match saved.as_deref() {
            Some("dark") => Mode::Dark,
            Some("light") => Mode::Light,
            _ if prefers_dark() => Mode::Dark,
            _ => Mode::Light,
        };
        let mode = RwSignal::new(initial);
        Effect::new(move |_| {
            let current = mode.get();
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("data-theme", current.as_str());
            }
        });
        Self { mode }
    }

    /// Switches between light and dark and remembers the choice.
    pub fn toggle(&self) {
        let next = match self.mode.get_untracked() {
            Mode::Light => Mode::Dark,
            Mode::Dark => Mode::Light,
        };
        self.mode.set(next);
        if let Some(storage) = storage() {
            let _ = storage.set_item(STORAGE_KEY, next.as_str());
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn prefers_dark() -> bool {
    window().match_media("(prefers-color-scheme: dark)").ok().flatten().is_some_and(|query| query.matches())
}
