//! Pictures: decoded with pixel and memory limits (a decompression bomb is refused before its
//! pixels are allocated), turned upright by their EXIF orientation, and stored re-encoded, which
//! drops every metadata block (EXIF with GPS, XMP, comments); plus a JPEG thumbnail and a
//! ThumbHash placeholder. CPU-bound: callers run it on the blocking pool.

use std::io::Cursor;
use std::path::Path;

use base64::Engine;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Most pixels decoded (a 48-megapixel phone photo fits; 10,000 × 10,000 does not).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Most memory the decoder may allocate.
const MAX_ALLOC: u64 = 512 * 1024 * 1024;
/// The thumbnail's longest side.
const THUMBNAIL_SIDE: u32 = 480;
/// The placeholder's source size (ThumbHash wants at most 100 × 100).
const PLACEHOLDER_SIDE: u32 = 100;

/// A picture as stored.
pub struct Cleaned {
    /// The re-encoded bytes; `None` keeps the upload's own (an animated GIF, which carries no
    /// EXIF, keeps its frames).
    pub bytes: Option<Vec<u8>>,
    /// Pixels, upright.
    pub width: u32,
    /// Pixels, upright.
    pub height: u32,
    /// A JPEG of at most 480 pixels a side.
    pub thumbnail: Vec<u8>,
    /// ThumbHash, base64.
    pub thumbhash: String,
}

/// Why a picture was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// More pixels than [`MAX_PIXELS`].
    #[error("the image is {0} × {1} pixels; at most 50 megapixels are accepted")]
    TooLarge(u32, u32),
    /// Not decodable.
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
}

/// Cleans the picture in `file` (of type `content_type`, as sniffed).
pub fn clean(file: &Path, content_type: &str) -> Result<Cleaned, Refused> {
    let format = match content_type {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/gif" => ImageFormat::Gif,
        "image/webp" => ImageFormat::WebP,
        other => return Err(Refused::Unreadable(format!("{other} is not a picture type"))),
    };
    let unreadable = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => Refused::TooLarge(0, 0),
        other => Refused::Unreadable(other.to_string()),
    };
    let mut reader = ImageReader::open(file).map_err(|e| Refused::Unreadable(e.to_string()))?;
    reader.set_format(format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Refused::TooLarge(width, height));
    }
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);
    let bytes = match format {
        ImageFormat::Gif => None,
        other => Some(encode(&picture, other).map_err(unreadable)?),
    };
    let thumbnail = picture.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE);
    let mut thumbnail_jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut thumbnail_jpeg, 80)
        .encode_image(&DynamicImage::ImageRgb8(thumbnail.to_rgb8()))
        .map_err(unreadable)?;
    let small = thumbnail.thumbnail(PLACEHOLDER_SIDE, PLACEHOLDER_SIDE).to_rgba8();
    let hash = thumbhash::rgba_to_thumb_hash(small.width() as usize, small.height() as usize, small.as_raw());
    Ok(Cleaned {
        bytes,
        width: picture.width(),
        height: picture.height(),
        thumbnail: thumbnail_jpeg,
        thumbhash: base64::engine::general_purpose::STANDARD.encode(hash),
    })
}

/// Writes `picture` in its own format, with nothing but pixels.
fn encode(picture: &DynamicImage, format: ImageFormat) -> image::ImageResult<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    match format {
        ImageFormat::Jpeg => {
            // JPEG has no alpha; quality 90 keeps photos visually unchanged.
            JpegEncoder::new_with_quality(&mut out, 90).encode_image(&DynamicImage::ImageRgb8(picture.to_rgb8()))?
        }
        ImageFormat::Png => picture.write_with_encoder(PngEncoder::new(&mut out))?,
        // The only WebP encoder in `image` is lossless: bigger, but never worse.
        _ => DynamicImage::ImageRgba8(picture.to_rgba8()).write_with_encoder(WebPEncoder::new_lossless(&mut out))?,
    }
    Ok(out.into_inner())
}
