//! File sizes for people: "512 B", "1.5 KB", "24 MB". Powers of 1,024, as the server's limits
//! are (25 MiB), so a file the server refuses as too large never reads "25 MB" here.

const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];

/// `bytes` in the largest unit that keeps it at least 1, with one decimal below 10.
pub fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    // "9.96" must not round to "10.0": one decimal only while the rounded value stays below 10.
    if (value * 10.0).round() < 100.0 {
        format!("{:.1} {}", value, UNITS[unit]).replace(".0 ", " ")
    } else {
        format!("{:.0} {}", value, UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_the_largest_unit_with_one_decimal_below_ten() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1 KB");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(10 * 1024 - 20), "10 KB");
        assert_eq!(human_size(250 * 1024), "250 KB");
        assert_eq!(human_size(25 * 1024 * 1024), "25 MB");
        assert_eq!(human_size(3 * 1024 * 1024 * 1024 / 2), "1.5 GB");
        assert_eq!(human_size(u64::MAX), "16777216 TB");
    }
}
