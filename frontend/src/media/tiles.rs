//! Which map tiles show a shared location, and where they go: Web Mercator ("slippy map")
//! arithmetic for 256-pixel tiles, as pure functions so they are tested natively. The map is
//! a small window centred on the point; the tiles under it (at most 2×2 for a window no larger
//! than a tile) are placed by pixel offsets, and the marker sits on the point's exact pixel.

use std::f64::consts::PI;

use protocol::media::Location;

/// Side of one tile, in pixels (OpenStreetMap's and nearly every tile server's).
pub const TILE_PX: f64 = 256.0;
/// The map window in a location card, in CSS pixels: narrow enough for a phone's bubble.
pub const MAP_WIDTH: f64 = 256.0;
/// See [`MAP_WIDTH`].
pub const MAP_HEIGHT: f64 = 160.0;
/// Streets and buildings are readable at 15; closer adds nothing a phone's fix can back.
pub const MAX_ZOOM: u8 = 15;
/// Web Mercator stops here, so the world is a square.
const MAX_LATITUDE: f64 = 85.051_128_779_806_59;
/// The equator's length on the WGS 84 ellipsoid, in metres.
const EQUATOR_M: f64 = 40_075_016.686;
/// The accuracy circle may take this share of the window's height before the map zooms out.
const ACCURACY_SHARE: f64 = 0.8;

/// One tile of the mosaic: its column and row at the view's zoom, and where its top-left
/// corner goes in the window (pixels, may be negative: the window crops it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlacedTile {
    /// Column, already wrapped around the antimeridian.
    pub x: u32,
    /// Row.
    pub y: u32,
    /// Left edge in the window.
    pub left: f64,
    /// Top edge in the window.
    pub top: f64,
}

/// What the map of one location draws.
#[derive(Clone, Debug, PartialEq)]
pub struct MapView {
    /// The zoom every tile is fetched at.
    pub zoom: u8,
    /// The tiles covering the window.
    pub tiles: Vec<PlacedTile>,
    /// The point's pixel in the window (the centre, to within a pixel: tiles sit on whole pixels).
    pub marker: (f64, f64),
    /// The accuracy circle's radius in pixels, when the device reported one.
    pub accuracy_px: Option<f64>,
}

/// The point's position on the whole world's map at `zoom`, in pixels from the top-left corner
/// (the world is `256 × 2^zoom` pixels square).
pub fn world_pixel(latitude: f64, longitude: f64, zoom: u8) -> (f64, f64) {
    let size = TILE_PX * 2f64.powi(i32::from(zoom));
    let phi = latitude.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let x = (longitude + 180.0) / 360.0 * size;
    let y = (1.0 - phi.tan().asinh() / PI) / 2.0 * size;
    (x, y)
}

/// Metres one pixel spans at `latitude` and `zoom`.
pub fn metres_per_pixel(latitude: f64, zoom: u8) -> f64 {
    let phi = latitude.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    EQUATOR_M * phi.cos() / (TILE_PX * 2f64.powi(i32::from(zoom)))
}

/// [`MAX_ZOOM`], or less when the accuracy circle would not fit in a window `height` tall.
pub fn zoom_for(location: &Location, height: f64) -> u8 {
    let Some(radius) = location.accuracy_m.filter(|&m| m > 0) else {
        return MAX_ZOOM;
    };
    let mut zoom = MAX_ZOOM;
    while zoom > 0 && 2.0 * f64::from(radius) / metres_per_pixel(location.latitude, zoom) > ACCURACY_SHARE * height {
        zoom -= 1;
    }
    zoom
}

/// The tiles and marker of a `width × height` window centred on `location`.
pub fn map_view(location: &Location, width: f64, height: f64) -> MapView {
    let zoom = zoom_for(location, height);
    let tiles_per_side = 1i64 << zoom;
    let (px, py) = world_pixel(location.latitude, location.longitude, zoom);
    // Whole pixels, so tiles meet without seams; the marker keeps the exact fraction.
    let (left, top) = ((px - width / 2.0).floor(), (py - height / 2.0).floor());
    let span = |start: f64, length: f64| {
        let first = (start / TILE_PX).floor() as i64;
        let last = ((start + length) / TILE_PX).ceil() as i64 - 1;
        first..=last
    };
    let mut tiles = Vec::new();
    for row in span(top, height).filter(|row| (0..tiles_per_side).contains(row)) {
        for column in span(left, width) {
            tiles.push(PlacedTile {
                x: column.rem_euclid(tiles_per_side) as u32,
                y: row as u32,
                left: column as f64 * TILE_PX - left,
                top: row as f64 * TILE_PX - top,
            });
        }
    }
    let accuracy_px =
        location.accuracy_m.filter(|&m| m > 0).map(|m| f64::from(m) / metres_per_pixel(location.latitude, zoom));
    MapView { zoom, tiles, marker: (px - left, py - top), accuracy_px }
}

/// `template` with its `{z}`, `{x}` and `{y}` filled in.
pub fn tile_url(template: &str, zoom: u8, x: u32, y: u32) -> String {
    template.replace("{z}", &zoom.to_string()).replace("{x}", &x.to_string()).replace("{y}", &y.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EIFFEL: Location = Location { latitude: 48.858370, longitude: 2.294481, accuracy_m: Some(12) };

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn world_pixels_follow_web_mercator() {
        assert_eq!(world_pixel(0.0, 0.0, 0), (128.0, 128.0));
        let (x, y) = world_pixel(EIFFEL.latitude, EIFFEL.longitude, 15);
        // The Eiffel Tower is on OpenStreetMap's tile 15/16592/11272.
        assert_eq!(((x / TILE_PX) as u32, (y / TILE_PX) as u32), (16592, 11272));
        // The poles clamp to the square's edges instead of running off to infinity.
        let (_, north) = world_pixel(90.0, 0.0, 3);
        let (_, south) = world_pixel(-90.0, 0.0, 3);
        assert!(close(north, 0.0) && close(south, 2048.0), "{north} {south}");
        assert_eq!(world_pixel(10.0, -180.0, 2).0, 0.0);
    }

    #[test]
    fn a_precise_fix_is_shown_at_street_zoom_and_a_vague_one_further_out() {
        assert_eq!(zoom_for(&EIFFEL, MAP_HEIGHT), MAX_ZOOM);
        assert_eq!(zoom_for(&Location { accuracy_m: None, ..EIFFEL }, MAP_HEIGHT), MAX_ZOOM);
        let vague = Location { accuracy_m: Some(1500), ..EIFFEL };
        let zoom = zoom_for(&vague, MAP_HEIGHT);
        assert!(zoom < 13, "{zoom}");
        let circle = map_view(&vague, MAP_WIDTH, MAP_HEIGHT).accuracy_px.unwrap();
        // The circle fits the window, and is not needlessly tiny: one more step would not fit.
        assert!(2.0 * circle <= ACCURACY_SHARE * MAP_HEIGHT && 4.0 * circle > ACCURACY_SHARE * MAP_HEIGHT, "{circle}");
        assert_eq!(zoom_for(&Location { accuracy_m: Some(u32::MAX), ..EIFFEL }, MAP_HEIGHT), 0);
    }

    #[test]
    fn the_mosaic_covers_the_window_with_the_point_in_its_centre() {
        let view = map_view(&EIFFEL, MAP_WIDTH, MAP_HEIGHT);
        assert_eq!(view.zoom, 15);
        let (mx, my) = view.marker;
        assert!((mx - MAP_WIDTH / 2.0).abs() < 1.0 && (my - MAP_HEIGHT / 2.0).abs() < 1.0, "{mx} {my}");
        // The marker is the point's exact pixel inside the tile that holds it.
        let (px, py) = world_pixel(EIFFEL.latitude, EIFFEL.longitude, 15);
        let home = view.tiles.iter().find(|t| (t.x, t.y) == (16592, 11272)).expect("the point's own tile");
        assert!(close(mx - home.left, px - 16592.0 * TILE_PX) && close(my - home.top, py - 11272.0 * TILE_PX));
        // Every window pixel is under exactly one tile.
        for (wx, wy) in
            [(0.0, 0.0), (MAP_WIDTH - 0.5, 0.0), (0.0, MAP_HEIGHT - 0.5), (MAP_WIDTH - 0.5, MAP_HEIGHT - 0.5)]
        {
            let under = view
                .tiles
                .iter()
                .filter(|t| (t.left..t.left + TILE_PX).contains(&wx) && (t.top..t.top + TILE_PX).contains(&wy))
                .count();
            assert_eq!(under, 1, "({wx}, {wy}) in {:?}", view.tiles);
        }
        assert!(view.tiles.len() <= 4, "{:?}", view.tiles);
    }

    #[test]
    fn tiles_wrap_around_the_antimeridian_and_stop_at_the_poles() {
        let fiji = Location { latitude: -17.7, longitude: 179.999, accuracy_m: None };
        let view = map_view(&fiji, MAP_WIDTH, MAP_HEIGHT);
        let last = (1u32 << view.zoom) - 1;
        let columns: Vec<u32> = view.tiles.iter().map(|t| t.x).collect();
        assert!(columns.contains(&last) && columns.contains(&0), "{columns:?}");
        let pole = map_view(&Location { latitude: 89.0, longitude: 0.0, accuracy_m: None }, MAP_WIDTH, MAP_HEIGHT);
        assert!(pole.tiles.iter().all(|t| t.y == 0) && !pole.tiles.is_empty(), "{:?}", pole.tiles);
    }

    #[test]
    fn the_template_is_filled_in() {
        assert_eq!(
            tile_url("https://tiles.example.org/{z}/{x}/{y}.png?k=1", 15, 16592, 11272),
            "https://tiles.example.org/15/16592/11272.png?k=1"
        );
    }
}
