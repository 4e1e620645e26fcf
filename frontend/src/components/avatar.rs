//! A round avatar: the user's initials on their chosen colour.

use leptos::prelude::*;

/// Initials of a display name: first letters of the first two words.
pub fn initials(name: &str) -> String {
    let letters: String = name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect();
    if letters.is_empty() { "?".into() } else { letters.to_uppercase() }
}

/// An avatar for `name` on `color`.
#[component]
pub fn Avatar(#[prop(into)] name: String, #[prop(into)] color: String) -> impl IntoView {
    // `style:` sets the property through CSSOM: a `style` attribute would be blocked by the CSP.
    view! { <span class="avatar" style:background-color=color aria-hidden="true">{initials(&name)}</span> }
}
