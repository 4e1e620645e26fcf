//! A voice message's waveform (up to 128 levels, 0–255, as its recorder sampled them) scaled to
//! the bars a bubble has room for: each bar is the loudest level of its share of the samples,
//! so a short loud word is not averaged away, and never shorter than a floor, so silence
//! still shows as a line of dots rather than nothing.

/// The shortest bar, as a fraction of the tallest.
pub const FLOOR: f64 = 0.08;

/// At most `bars` heights between [`FLOOR`] and 1, one per equal share of `levels` (fewer when
/// there are fewer levels than bars; none for no levels).
pub fn bars(levels: &[u8], bars: usize) -> Vec<f64> {
    if levels.is_empty() || bars == 0 {
        return Vec::new();
    }
    let count = bars.min(levels.len());
    (0..count)
        .map(|i| {
            let (start, end) =
                (i * levels.len() / count, ((i + 1) * levels.len() / count).max(i * levels.len() / count + 1));
            let peak = levels[start..end].iter().copied().max().unwrap_or(0);
            FLOOR + (1.0 - FLOOR) * f64::from(peak) / 255.0
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bar_is_the_peak_of_its_share_within_the_floor_and_one() {
        let levels: Vec<u8> = (0..128).map(|i| if i == 5 { 255 } else { 0 }).collect();
        let scaled = bars(&levels, 32);
        assert_eq!(scaled.len(), 32);
        assert_eq!(scaled[1], 1.0, "the loud sample 5 falls in the second share of four");
        assert!(scaled.iter().enumerate().filter(|(i, _)| *i != 1).all(|(_, h)| *h == FLOOR));
    }

    #[test]
    fn fewer_levels_than_bars_give_one_bar_per_level() {
        assert_eq!(bars(&[0, 255, 51], 48), vec![FLOOR, 1.0, FLOOR + (1.0 - FLOOR) * 0.2]);
        assert!(bars(&[], 48).is_empty());
        assert!(bars(&[1, 2], 0).is_empty());
    }

    #[test]
    fn uneven_shares_cover_every_level() {
        let levels = [10u8, 20, 30, 40, 50, 60, 70];
        let scaled = bars(&levels, 3);
        assert_eq!(scaled.len(), 3);
        assert_eq!(scaled[2], FLOOR + (1.0 - FLOOR) * 70.0 / 255.0, "the last level belongs to the last bar");
    }
}
