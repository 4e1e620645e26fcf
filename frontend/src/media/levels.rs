//! A recording's loudness as a voice message's waveform: the level of each ~100 ms of input
//! (the RMS of an `AnalyserNode`'s time-domain bytes) and the levels of a whole recording
//! brought down to the few the server keeps, so the pure arithmetic is tested natively.

/// Levels sent with a voice message: enough for the 48 bars a bubble draws, half what the
/// server accepts (128), so the field stays a few hundred bytes.
pub const MAX_LEVELS: usize = 64;

/// The loudness 0–255 of one window of `AnalyserNode::get_byte_time_domain_data` bytes
/// (silence is 128). Speech sits around 0.05–0.3 of full scale, so the RMS is drawn on a
/// square-root scale: quiet words still show, and only a shout fills the bar.
pub fn rms_level(samples: &[u8]) -> u8 {
    if samples.is_empty() {
        return 0;
    }
    let power = samples
        .iter()
        .map(|&s| {
            let x = (f64::from(s) - 128.0) / 128.0;
            x * x
        })
        .sum::<f64>()
        / samples.len() as f64;
    // In 0..=255 once clamped, so the cast cannot truncate.
    (power.sqrt().sqrt().min(1.0) * 255.0).round() as u8
}

/// `levels` brought down to at most `most`, each the loudest of its equal share (as the bubble
/// draws its bars, so a short word is not averaged away); unchanged when already short enough.
pub fn downsample(levels: &[u8], most: usize) -> Vec<u8> {
    if levels.len() <= most {
        return levels.to_vec();
    }
    (0..most)
        .map(|i| {
            let (start, end) = (i * levels.len() / most, (i + 1) * levels.len() / most);
            levels[start..end.max(start + 1)].iter().copied().max().unwrap_or(0)
        })
        .collect()
}

/// The `waveform` text part of an upload: the levels, comma-separated.
pub fn waveform_field(levels: &[u8]) -> String {
    levels.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_is_zero_and_a_full_scale_square_wave_is_full() {
        assert_eq!(rms_level(&[128; 1024]), 0);
        let square: Vec<u8> = (0..1024).map(|i| if i % 2 == 0 { 0 } else { 255 }).collect();
        assert!(rms_level(&square) >= 254);
        assert_eq!(rms_level(&[]), 0);
    }

    #[test]
    fn quiet_speech_still_shows_and_louder_is_higher() {
        // A sine of amplitude 0.1 (RMS about 0.07): about a quarter of the bar.
        let quiet: Vec<u8> = (0..1024).map(|i| (128.0 + 12.8 * (f64::from(i) * 0.1).sin()).round() as u8).collect();
        let loud: Vec<u8> = (0..1024).map(|i| (128.0 + 64.0 * (f64::from(i) * 0.1).sin()).round() as u8).collect();
        let (quiet, loud) = (rms_level(&quiet), rms_level(&loud));
        assert!((50..90).contains(&quiet), "quiet speech reads {quiet}");
        assert!(loud > quiet + 50, "loud {loud} against quiet {quiet}");
    }

    #[test]
    fn a_long_recording_keeps_at_most_the_limit_and_its_peaks() {
        let mut levels = vec![10u8; 600];
        levels[301] = 200;
        let kept = downsample(&levels, MAX_LEVELS);
        assert_eq!(kept.len(), MAX_LEVELS);
        assert_eq!(kept.iter().filter(|&&l| l == 200).count(), 1, "the one loud moment survives once");
        assert!(kept.iter().all(|&l| l == 10 || l == 200));
    }

    #[test]
    fn a_short_recording_keeps_every_level() {
        assert_eq!(downsample(&[1, 2, 3], MAX_LEVELS), vec![1, 2, 3]);
        assert!(downsample(&[], MAX_LEVELS).is_empty());
        let just_over: Vec<u8> = (0..65).collect();
        assert_eq!(downsample(&just_over, 64).len(), 64);
        assert_eq!(downsample(&just_over, 64).last(), Some(&64), "the last level belongs to the last share");
    }

    #[test]
    fn the_waveform_field_is_comma_separated() {
        assert_eq!(waveform_field(&[0, 17, 255]), "0,17,255");
        assert_eq!(waveform_field(&[]), "");
    }
}
