//! Dates and times as the user reads them: in the browser's own timezone, through `Date`, so
//! day separators and times match the rest of the user's device. Inputs are milliseconds since
//! the epoch (`timestamp_millis()` of the server's times).

use js_sys::Date;

const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn local(ms: f64) -> Date {
    Date::new(&ms.into())
}

/// The local calendar day of a timestamp, comparable between timestamps.
pub fn day(ms: f64) -> (u32, u32, u32) {
    let date = local(ms);
    (date.get_full_year(), date.get_month(), date.get_date())
}

/// "14:05".
pub fn clock(ms: f64) -> String {
    let date = local(ms);
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

fn month(date: &Date) -> &'static str {
    MONTHS.get(date.get_month() as usize).copied().unwrap_or("")
}

/// A day separator: "Today", "Yesterday", or "Monday 3 March 2025".
pub fn day_label(ms: f64) -> String {
    let now = Date::now();
    if day(ms) == day(now) {
        return "Today".into();
    }
    if day(ms) == day(now - 86_400_000.0) {
        return "Yesterday".into();
    }
    let date = local(ms);
    let weekday = DAYS.get(date.get_day() as usize).copied().unwrap_or("");
    format!("{weekday} {} {} {}", date.get_date(), month(&date), date.get_full_year())
}

/// A short time for the conversation list: the clock today, the weekday this week, else the date.
pub fn short(ms: f64) -> String {
    let now = Date::now();
    if day(ms) == day(now) {
        return clock(ms);
    }
    let date = local(ms);
    if now - ms < 6.0 * 86_400_000.0 {
        return DAYS.get(date.get_day() as usize).map(|d| d[..3].to_owned()).unwrap_or_default();
    }
    format!("{} {}", date.get_date(), &month(&date)[..3.min(month(&date).len())])
}

/// A date and time for tables: "3 Mar 2025, 14:05".
pub fn date_time(ms: f64) -> String {
    let date = local(ms);
    let month = month(&date);
    format!("{} {} {}, {}", date.get_date(), &month[..3.min(month.len())], date.get_full_year(), clock(ms))
}

/// "last seen just now", "… 5 min ago", "… today at 14:05", "… yesterday at 14:05" or
/// "… on 3 Mar 2025 at 14:05", for someone last connected at `ms`, read at `now`.
pub fn last_seen(ms: f64, now: f64) -> String {
    let day_of = if day(ms) == day(now) {
        SeenDay::Today
    } else if day(ms) == day(now - 86_400_000.0) {
        SeenDay::Yesterday
    } else {
        let date = local(ms);
        let month = month(&date);
        SeenDay::On(format!("{} {} {}", date.get_date(), &month[..3.min(month.len())], date.get_full_year()))
    };
    seen_words(now - ms, day_of, &clock(ms))
}

/// Which day someone was last seen, as the reader's calendar has it.
enum SeenDay {
    Today,
    Yesterday,
    On(String),
}

/// The words of [`last_seen`]: minutes while under an hour (the header re-reads them), then the
/// day and the clock time.
fn seen_words(elapsed_ms: f64, day: SeenDay, clock: &str) -> String {
    let minutes = (elapsed_ms / 60_000.0).floor().max(0.0) as u64;
    match day {
        _ if minutes < 1 => "last seen just now".to_owned(),
        _ if minutes < 60 => format!("last seen {minutes} min ago"),
        SeenDay::Today => format!("last seen today at {clock}"),
        SeenDay::Yesterday => format!("last seen yesterday at {clock}"),
        SeenDay::On(date) => format!("last seen on {date} at {clock}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_seen_says_minutes_within_the_hour_then_the_day_and_time() {
        assert_eq!(seen_words(20_000.0, SeenDay::Today, "14:05"), "last seen just now");
        assert_eq!(seen_words(-5_000.0, SeenDay::Today, "14:05"), "last seen just now", "clock skew");
        assert_eq!(seen_words(5.0 * 60_000.0, SeenDay::Today, "14:05"), "last seen 5 min ago");
        assert_eq!(seen_words(59.9 * 60_000.0, SeenDay::Yesterday, "23:30"), "last seen 59 min ago");
        assert_eq!(seen_words(3.0 * 3_600_000.0, SeenDay::Today, "11:05"), "last seen today at 11:05");
        assert_eq!(seen_words(20.0 * 3_600_000.0, SeenDay::Yesterday, "18:04"), "last seen yesterday at 18:04");
        assert_eq!(
            seen_words(90.0 * 86_400_000.0, SeenDay::On("3 Mar 2025".into()), "09:00"),
            "last seen on 3 Mar 2025 at 09:00"
        );
    }
}
