//! Cursors of pages ordered by time (a conversation list, the admin lists, the audit log):
//! `{microseconds}_{uuid}` of the last row shown. A cursor's time may be any 64-bit count of
//! microseconds (the documented pattern allows it), but PostgreSQL stores times only from
//! 4713 BC to 294276 AD; one outside that cannot name a row, so it is clamped into range,
//! where it means "before everything" or "after everything", instead of failing in the query.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::error::ApiError;

/// The cursor of a row at `at` with id `id`.
pub fn make(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}_{id}", at.timestamp_micros())
}

/// The time and id a cursor names.
pub fn parse(cursor: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let bad = || ApiError::invalid_field("cursor", "not a cursor from this API");
    let (micros, id) = cursor.split_once('_').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok((at.clamp(earliest(), latest()), id.parse().map_err(|_| bad())?))
}

/// Well inside PostgreSQL's range at both ends (any real row is far inside it).
fn earliest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(-4000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc())
}

fn latest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(200_000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_far_times_are_clamped_not_refused() {
        let id = Uuid::from_u128(7);
        let at = DateTime::from_timestamp_micros(1_765_000_000_123_456).unwrap();
        assert_eq!(parse(&make(at, id)).unwrap(), (at, id));
        let (far_past, _) = parse(&format!("-500448686229761985_{id}")).unwrap();
        assert_eq!(far_past, earliest());
        let (far_future, _) = parse(&format!("8000000000000000000_{id}")).unwrap();
        assert_eq!(far_future, latest());
        assert!(parse("12_not-a-uuid").is_err());
        assert!(parse("abc").is_err());
    }
}
