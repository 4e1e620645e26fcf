//! A round avatar: the user's (or group's) photo when they set one, fetched with the
//! media-access token, otherwise their initials on their chosen colour (also while the token
//! is on its way, and if the photo fails to load). The initials are white: a colour too light
//! for white text to read (WCAG AA, 4.5:1) is darkened, keeping its hue, until it is not.

use leptos::prelude::*;

use crate::state::media::Media;

/// Initials of a display name: first letters of the first two words.
pub fn initials(name: &str) -> String {
    let letters: String = name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect();
    if letters.is_empty() { "?".into() } else { letters.to_uppercase() }
}

/// The relative luminance of an sRGB channel value (0–255), as WCAG defines it.
fn channel_luminance(value: f64) -> f64 {
    let c = value / 255.0;
    if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
}

/// White's contrast ratio against the colour `rgb`.
fn contrast_with_white(rgb: [f64; 3]) -> f64 {
    let [r, g, b] = rgb.map(channel_luminance);
    let luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    1.05 / (luminance + 0.05)
}

/// The contrast white initials need on their circle: the initials are small text.
const INITIALS_CONTRAST: f64 = 4.5;

/// `color` (`#rrggbb`), or the same hue darkened just enough for white initials to read on it.
/// Anything else is returned as it is.
pub fn readable_background(color: &str) -> String {
    let parsed = color.strip_prefix('#').filter(|hex| hex.len() == 6 && hex.is_ascii()).and_then(|hex| {
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok().map(f64::from);
        Some([channel(0)?, channel(2)?, channel(4)?])
    });
    let Some(rgb) = parsed else { return color.to_owned() };
    if contrast_with_white(rgb) >= INITIALS_CONTRAST {
        return color.to_owned();
    }
    // The largest scale (to a hundredth) that reads: black always does.
    let scale = (0..=100)
        .rev()
        .map(|step| f64::from(step) / 100.0)
        .find(|scale| contrast_with_white(rgb.map(|c| (c * scale).floor())) >= INITIALS_CONTRAST);
    let [r, g, b] = rgb.map(|c| (c * scale.unwrap_or(0.0)).floor() as u8);
    format!("#{r:02x}{g:02x}{b:02x}")
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
    let color = readable_background(&color);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's default colours (server/src/validate.rs) and the groups' violet.
    const DEFAULTS: [&str; 9] =
        ["#3b6ef5", "#e5484d", "#30a46c", "#f76b15", "#8e4ec6", "#0d9488", "#d6409f", "#ca8a04", "#7a5af5"];

    #[test]
    fn every_default_colour_reads_with_white_initials() {
        for color in DEFAULTS {
            let shown = readable_background(color);
            let hex = shown.trim_start_matches('#');
            let rgb = [0, 2, 4].map(|i| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(255)));
            assert!(contrast_with_white(rgb) >= INITIALS_CONTRAST, "{color} became {shown}");
        }
    }

    #[test]
    fn dark_enough_colours_and_unknown_strings_are_kept() {
        assert_eq!(readable_background("#8e4ec6"), "#8e4ec6");
        assert_eq!(readable_background("#000000"), "#000000");
        assert_eq!(readable_background("red"), "red");
        assert_eq!(readable_background("#fff"), "#fff");
    }

    #[test]
    fn white_becomes_a_grey_that_reads() {
        let shown = readable_background("#ffffff");
        assert_ne!(shown, "#ffffff");
        assert!(shown.starts_with('#') && shown.len() == 7);
    }
}
