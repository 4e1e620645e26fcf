//! Criterion benchmark of cleaning a 12-megapixel JPEG photo as an upload is: decode (with its
//! limits), apply the orientation, re-encode without metadata, make the 480-pixel thumbnail
//! and the ThumbHash placeholder. One core's time per photo, on the blocking pool.

#![allow(clippy::unwrap_used, reason = "benchmark fixtures")]

use criterion::{Criterion, criterion_group, criterion_main};
use server::media::images;

/// A 4,000 × 3,000 picture with detail everywhere (a smooth gradient would compress and
/// decode unrealistically fast).
fn photo() -> Vec<u8> {
    let mut state = 0x9e37_79b9_u32;
    let picture = image::RgbImage::from_fn(4000, 3000, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state & 0x1f) as u8;
        image::Rgb([(x / 16) as u8 ^ noise, (y / 12) as u8 ^ noise, ((x + y) / 28) as u8])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&picture).unwrap();
    jpeg
}

fn clean(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("confab-images-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("photo.jpg");
    std::fs::write(&file, photo()).unwrap();
    let mut group = c.benchmark_group("picture upload");
    group.sample_size(10);
    group.bench_function("clean a 12-megapixel JPEG", |b| {
        b.iter(|| images::clean(&file, "image/jpeg").unwrap());
    });
    group.finish();
    std::fs::remove_dir_all(&dir).unwrap();
}

criterion_group!(benches, clean);
criterion_main!(benches);
