//! Lengths of voice messages and recordings as a clock reads them: "0:12", "4:05", "1:02:03".

/// `ms` as minutes and seconds (hours only when there are some), rounded to the nearest second.
pub fn clock_duration(ms: u32) -> String {
    let seconds = (u64::from(ms) + 500) / 1000;
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if hours > 0 { format!("{hours}:{minutes:02}:{seconds:02}") } else { format!("{minutes}:{seconds:02}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(clock_duration(0), "0:00");
        assert_eq!(clock_duration(12_400), "0:12");
        assert_eq!(clock_duration(12_500), "0:13");
        assert_eq!(clock_duration(245_000), "4:05");
        assert_eq!(clock_duration(3_723_000), "1:02:03");
    }
}
