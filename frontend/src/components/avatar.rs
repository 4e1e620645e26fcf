//! A round avatar: the user's (or group's) photo when they set one, fetched with the
//! media-access token, otherwise their initials on their chosen colour (also while the token
//! is on its way, and if the photo fails to load).

use leptos::prelude::*;

use crate::state::media::Media;

/// Initials of a display name: first letters of the first two words.
pub fn initials(name: &str) -> String {
    let letters: String = name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect();
    if letters.is_empty() { "?".into() } else { letters.to_uppercase() }
}

/// An avatar for `name` on `color`, or the photo at `photo` (a thumbnail path).
#[component]
pub fn Avatar(
    #[prop(into)] name: String,
    #[prop(into)] color: String,
    /// The photo's thumbnail path (`PublicUser::avatar`, `ConversationSummary::photo`).
    #[prop(optional_no_strip)]
    photo: Option<String>,
) -> impl IntoView {
    let media = expect_context::<Media>();
    let broken = RwSignal::new(false);
    let source = photo.map(|path| media.source(&path));
    let letters = initials(&name);
    move || {
        let photo =
            source.as_ref().filter(|_| !broken.get()).and_then(|(src, failed)| src().map(|url| (url, failed.clone())));
        match photo {
            Some((url, failed)) => view! {
                <img class="avatar photo" src=url alt="" aria-hidden="true" width="40" height="40"
                    on:error=move |_| { failed(); broken.set(true); }/>
            }
            .into_any(),
            // `style:` sets the property through CSSOM: a `style` attribute would be blocked by the CSP.
            None => view! {
                <span class="avatar" style:background-color=color.clone() aria-hidden="true">{letters.clone()}</span>
            }
            .into_any(),
        }
    }
}
