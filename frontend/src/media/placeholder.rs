//! What a picture shows while it loads: its ThumbHash (a few dozen bytes the server computed,
//! `Attachment::thumbhash`) decoded into a tiny image of its blurred colours. The image is a
//! BMP, the simplest format a browser draws (no compression to implement), in a `data:` URL,
//! which the Content-Security-Policy allows for images.

/// Bytes before the pixels: the file header (14) and the BITMAPINFOHEADER (40).
const HEADER: usize = 54;

/// The ThumbHash `hash` as a top-down 32-bit BMP file, or `None` if it is not one.
pub fn bmp(hash: &[u8]) -> Option<Vec<u8>> {
    let (width, height, rgba) = thumbhash::thumb_hash_to_rgba(hash).ok()?;
    let (w, h) = (i32::try_from(width).ok()?, i32::try_from(height).ok()?);
    let size = u32::try_from(HEADER + rgba.len()).ok()?;
    let mut file = Vec::with_capacity(HEADER + rgba.len());
    file.extend_from_slice(b"BM");
    file.extend_from_slice(&size.to_le_bytes());
    file.extend_from_slice(&[0; 4]); // reserved
    file.extend_from_slice(&(HEADER as u32).to_le_bytes());
    file.extend_from_slice(&40u32.to_le_bytes());
    file.extend_from_slice(&w.to_le_bytes());
    // A negative height stores the rows top to bottom, as ThumbHash gives them.
    file.extend_from_slice(&(-h).to_le_bytes());
    file.extend_from_slice(&1u16.to_le_bytes()); // planes
    file.extend_from_slice(&32u16.to_le_bytes()); // bits per pixel
    file.extend_from_slice(&[0; 24]); // no compression, sizes and palette left to the reader
    for pixel in rgba.chunks_exact(4) {
        file.extend_from_slice(&[pixel[2], pixel[1], pixel[0], pixel[3]]);
    }
    Some(file)
}

/// The placeholder of a base64 ThumbHash as a `data:` URL, decoded and encoded by the
/// browser's own `atob` and `btoa` (no base64 code in the wasm).
pub fn data_url(thumbhash: &str) -> Option<String> {
    let window = web_sys::window()?;
    let hash: Vec<u8> = window.atob(thumbhash).ok()?.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(0)).collect();
    let binary: String = bmp(&hash)?.into_iter().map(char::from).collect();
    let encoded = window.btoa(&binary).ok()?;
    Some(format!("data:image/bmp;base64,{encoded}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thumbhash_becomes_a_top_down_bmp_of_its_colours() {
        // A red picture, 8 by 4.
        let red: Vec<u8> = [255, 0, 0, 255].repeat(32);
        let hash = thumbhash::rgba_to_thumb_hash(8, 4, &red);
        let file = bmp(&hash).unwrap();
        assert_eq!(&file[..2], b"BM");
        let width = i32::from_le_bytes(file[18..22].try_into().unwrap());
        let height = i32::from_le_bytes(file[22..26].try_into().unwrap());
        assert!(width > height && height < 0, "wide, stored top down: {width}x{height}");
        assert_eq!(file.len(), HEADER + (width * -height * 4) as usize);
        assert_eq!(u32::from_le_bytes(file[2..6].try_into().unwrap()) as usize, file.len());
        let (b, g, r) = (file[HEADER], file[HEADER + 1], file[HEADER + 2]);
        assert!(r > 200 && g < 60 && b < 60, "the first pixel is red: {r} {g} {b}");
    }

    #[test]
    fn a_broken_hash_gives_no_placeholder() {
        assert_eq!(bmp(&[]), None);
        assert_eq!(bmp(&[1, 2]), None);
    }
}
