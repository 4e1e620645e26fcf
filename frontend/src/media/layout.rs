//! How big a picture is drawn before it has loaded: its stored proportions scaled into the box
//! a bubble gives it, so the page reserves the right space (no jump when it arrives) and a
//! phone never receives a box wider than its screen.

/// Drawn size when the server did not say (not an image it could read).
pub const UNKNOWN: (u32, u32) = (240, 180);

/// `width`×`height` shrunk (never grown) to fit within `max_width`×`max_height`, keeping its
/// proportions, at least one pixel each way.
pub fn fit(size: Option<(u32, u32)>, max_width: u32, max_height: u32) -> (u32, u32) {
    let Some((width, height)) = size.filter(|(w, h)| *w > 0 && *h > 0) else {
        return UNKNOWN;
    };
    let scale = (f64::from(max_width) / f64::from(width)).min(f64::from(max_height) / f64::from(height)).min(1.0);
    ((f64::from(width) * scale).round().max(1.0) as u32, (f64::from(height) * scale).round().max(1.0) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_shrink_into_the_box_keeping_their_proportions() {
        assert_eq!(fit(Some((4000, 3000)), 280, 320), (280, 210));
        assert_eq!(fit(Some((1080, 1920)), 280, 320), (180, 320));
        assert_eq!(fit(Some((100, 50)), 280, 320), (100, 50), "small pictures are not blown up");
        assert_eq!(fit(Some((10_000, 1)), 280, 320), (280, 1));
        assert_eq!(fit(None, 280, 320), UNKNOWN);
        assert_eq!(fit(Some((0, 10)), 280, 320), UNKNOWN);
    }
}
