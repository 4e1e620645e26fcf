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
