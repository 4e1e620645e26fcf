//! Dates and times as the user reads them: in the browser's own timezone, through `Date`, so day
//! separators and times match the rest of the user's device, and in the app's language, through
//! the browser's `Intl` (no month or day names of our own). Relative words ("Today", "last seen
//! 5 min ago") come from the `time` translations. Inputs are milliseconds since the epoch
//! (`timestamp_millis()` of the server's times).
//!
//! Called inside a view's closure, each function re-runs when the language changes: it reads
//! the language from the translation context, a tracked signal.

use js_sys::{Date, Object, Reflect};
use leptos::prelude::*;
use leptos_i18n::{I18nContext, Locale as _};
use wasm_bindgen::JsValue;

use crate::locale::{Locale, td_string};

/// The app's language now (tracked), or English outside the app (unit tests).
fn language() -> Locale {
    use_context::<I18nContext<Locale>>().map(|i18n| i18n.get_locale()).unwrap_or_default()
}

/// The `Intl` locale that formats dates for a language: the browser's own locale when it is of
/// that language (an "en-US" browser gets month-first dates and a 12-hour clock, "de-AT" its
/// Austrian month names), else the language's usual region: British English (day before month,
/// 24-hour clock, as Confab always had) or Germany's German. `index.html` makes the same choice
/// to warm `Intl` up while the wasm downloads: keep the two in step.
fn intl_locale(language: Locale) -> String {
    let code = language.as_str();
    BROWSER_LOCALES
        .with(|locales| {
            locales
                .iter()
                .find(|tag| tag.split('-').next().is_some_and(|primary| primary.eq_ignore_ascii_case(code)))
                .cloned()
        })
        .unwrap_or_else(|| match language {
            Locale::en => "en-GB".to_owned(),
            Locale::de => "de-DE".to_owned(),
        })
}

thread_local! {
    /// `navigator.languages`, read once: the browser's preferred locales, best first.
    static BROWSER_LOCALES: Vec<String> = web_sys::window()
        .map(|window| window.navigator().languages().iter().filter_map(|tag| tag.as_string()).collect())
        .unwrap_or_default();
}

fn local(ms: f64) -> Date {
    Date::new(&ms.into())
}

/// `ms` formatted by `Intl.DateTimeFormat` in the app's language with these options
/// (`[("month", "short")]` and so on, as JavaScript spells them).
fn format(ms: f64, options: &[(&str, &str)]) -> String {
    let settings = Object::new();
    for (name, value) in options {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&settings, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    String::from(local(ms).to_locale_string(&intl_locale(language()), &settings))
}

/// The local calendar day of a timestamp, comparable between timestamps.
pub fn day(ms: f64) -> (u32, u32, u32) {
    let date = local(ms);
    (date.get_full_year(), date.get_month(), date.get_date())
}

/// "14:05".
pub fn clock(ms: f64) -> String {
    format(ms, &[("hour", "2-digit"), ("minute", "2-digit")])
}

/// "3 Mar 2025" ("3. März 2025").
pub fn date(ms: f64) -> String {
    format(ms, &[("day", "numeric"), ("month", "short"), ("year", "numeric")])
}

/// "March 2025" ("März 2025").
pub fn month_year(ms: f64) -> String {
    format(ms, &[("month", "long"), ("year", "numeric")])
}

/// A day separator: "Today", "Yesterday", or "Monday 3 March 2025" ("Montag, 3. März 2025").
pub fn day_label(ms: f64) -> String {
    let now = Date::now();
    if day(ms) == day(now) {
        return td_string!(language(), time.today).to_string();
    }
    if day(ms) == day(now - 86_400_000.0) {
        return td_string!(language(), time.yesterday).to_string();
    }
    format(ms, &[("weekday", "long"), ("day", "numeric"), ("month", "long"), ("year", "numeric")])
}

/// A short time for the conversation list: the clock today, the weekday this week, else the date.
pub fn short(ms: f64) -> String {
    let now = Date::now();
    if day(ms) == day(now) {
        return clock(ms);
    }
    if now - ms < 6.0 * 86_400_000.0 {
        return format(ms, &[("weekday", "short")]);
    }
    format(ms, &[("day", "numeric"), ("month", "short")])
}

/// A date and time for tables: "3 Mar 2025, 14:05" ("3. März 2025, 14:05").
pub fn date_time(ms: f64) -> String {
    format(
        ms,
        &[("day", "numeric"), ("month", "short"), ("year", "numeric"), ("hour", "2-digit"), ("minute", "2-digit")],
    )
}

/// "last seen just now", "… 5 min ago", "… today at 14:05", "… yesterday at 14:05" or
/// "… on 3 Mar 2025 at 14:05", for someone last connected at `ms`, read at `now`.
pub fn last_seen(ms: f64, now: f64) -> String {
    let day_of = if day(ms) == day(now) {
        SeenDay::Today
    } else if day(ms) == day(now - 86_400_000.0) {
        SeenDay::Yesterday
    } else {
        SeenDay::On(date(ms))
    };
    seen_words(language(), now - ms, day_of, &clock(ms))
}

/// Which day someone was last seen, as the reader's calendar has it.
enum SeenDay {
    Today,
    Yesterday,
    On(String),
}

/// The words of [`last_seen`]: minutes while under an hour (the header re-reads them), then the
/// day and the clock time.
fn seen_words(language: Locale, elapsed_ms: f64, day: SeenDay, time: &str) -> String {
    let minutes = (elapsed_ms / 60_000.0).floor().max(0.0) as u64;
    match day {
        _ if minutes < 1 => td_string!(language, time.last_seen_just_now).to_string(),
        _ if minutes < 60 => td_string!(language, time.last_seen_minutes_ago, minutes).to_string(),
        SeenDay::Today => td_string!(language, time.last_seen_today, time).to_string(),
        SeenDay::Yesterday => td_string!(language, time.last_seen_yesterday, time).to_string(),
        SeenDay::On(date) => td_string!(language, time.last_seen_on, date, time).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_seen_says_minutes_within_the_hour_then_the_day_and_time() {
        let english = Locale::en;
        assert_eq!(seen_words(english, 20_000.0, SeenDay::Today, "14:05"), "last seen just now");
        assert_eq!(seen_words(english, -5_000.0, SeenDay::Today, "14:05"), "last seen just now", "clock skew");
        assert_eq!(seen_words(english, 5.0 * 60_000.0, SeenDay::Today, "14:05"), "last seen 5 min ago");
        assert_eq!(seen_words(english, 59.9 * 60_000.0, SeenDay::Yesterday, "23:30"), "last seen 59 min ago");
        assert_eq!(seen_words(english, 3.0 * 3_600_000.0, SeenDay::Today, "11:05"), "last seen today at 11:05");
        assert_eq!(
            seen_words(english, 20.0 * 3_600_000.0, SeenDay::Yesterday, "18:04"),
            "last seen yesterday at 18:04"
        );
        assert_eq!(
            seen_words(english, 90.0 * 86_400_000.0, SeenDay::On("3 Mar 2025".into()), "09:00"),
            "last seen on 3 Mar 2025 at 09:00"
        );
    }

    #[test]
    fn last_seen_speaks_the_chosen_language() {
        let german = Locale::de;
        assert_eq!(seen_words(german, 20_000.0, SeenDay::Today, "14:05"), "gerade eben online");
        assert_eq!(seen_words(german, 5.0 * 60_000.0, SeenDay::Today, "14:05"), "zuletzt online vor 5 Min.");
        assert_eq!(seen_words(german, 3.0 * 3_600_000.0, SeenDay::Today, "11:05"), "zuletzt online heute um 11:05");
        assert_eq!(
            seen_words(german, 90.0 * 86_400_000.0, SeenDay::On("3. März 2025".into()), "09:00"),
            "zuletzt online am 3. März 2025 um 09:00"
        );
    }
}
