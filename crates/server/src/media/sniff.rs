//! What an upload is, decided from its first bytes (magic numbers, through the `infer`
//! crate), never from the name or type the client sent; and which types may be shown inline.

use protocol::media::MediaKind;

/// Bytes read before deciding.
pub const HEAD_BYTES: usize = 8192;

/// An upload's kind and type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sniffed {
    /// What it is.
    pub kind: MediaKind,
    /// Its MIME type.
    pub content_type: String,
}

/// Pictures decoded, cleaned and thumbnailed on the server.
const IMAGES: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];
/// Containers browsers play in `<video>`.
const VIDEOS: [&str; 3] = ["video/mp4", "video/webm", "video/quicktime"];

/// Decides from `head` (the first bytes); `voice` is the client's word that it recorded the
/// audio as a voice message (a WebM, Ogg or MP4 recording counts as voice then, even when its
/// container says video: MediaRecorder writes audio-only WebM that way).
pub fn sniff(head: &[u8], voice: bool) -> Sniffed {
    let found = infer::get(head).map(|t| t.mime_type());
    let of = |kind, content_type: &str| Sniffed { kind, content_type: content_type.to_owned() };
    match found {
        Some(t) if voice && (t.starts_with("audio/") || VIDEOS.contains(&t)) => {
            of(MediaKind::Voice, &t.replacen("video/", "audio/", 1))
        }
        Some(t) if IMAGES.contains(&t) => of(MediaKind::Image, t),
        Some(t) if VIDEOS.contains(&t) => of(MediaKind::Video, t),
        Some(t) if t.starts_with("audio/") => of(MediaKind::Audio, t),
        Some(t) => of(MediaKind::File, t),
        // No magic number: text if it reads as UTF-8 (a cut-off last character allowed).
        None if looks_like_text(head) => of(MediaKind::File, "text/plain; charset=utf-8"),
        None => of(MediaKind::File, "application/octet-stream"),
    }
}

fn looks_like_text(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(text) => !text.contains('\0'),
        Err(e) => e.error_len().is_none() && !head[..e.valid_up_to()].contains(&0),
    }
}

/// Whether a stored type may be shown in the page (`inline`); anything else is served as a
/// download. Never SVG or HTML, which can carry scripts.
pub fn inline_safe(content_type: &str) -> bool {
    IMAGES.contains(&content_type) || VIDEOS.contains(&content_type) || content_type.starts_with("audio/")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
    const WEBM_HEADER: &[u8] =
        b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm";

    /// A WebM recording's start (the sniffer wants more than 256 bytes).
    fn webm() -> Vec<u8> {
        let mut bytes = WEBM_HEADER.to_vec();
        bytes.resize(512, 0);
        bytes
    }

    #[test]
    fn the_bytes_decide_not_the_name() {
        assert_eq!(sniff(PNG, false), Sniffed { kind: MediaKind::Image, content_type: "image/png".into() });
        assert_eq!(sniff(PDF, false).content_type, "application/pdf");
        assert_eq!(sniff(PDF, false).kind, MediaKind::File);
        assert_eq!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>", false).kind, MediaKind::File);
        assert_eq!(sniff(b"hello\nworld", false).content_type, "text/plain; charset=utf-8");
        assert_eq!(sniff(b"\0\x01\x02", false).content_type, "application/octet-stream");
    }

    #[test]
    fn a_recording_in_webm_is_voice_when_the_client_says_so() {
        assert_eq!(sniff(&webm(), true), Sniffed { kind: MediaKind::Voice, content_type: "audio/webm".into() });
        assert_eq!(sniff(&webm(), false).kind, MediaKind::Video);
        assert_eq!(sniff(PDF, true).kind, MediaKind::File, "a PDF is no voice message");
    }

    #[test]
    fn only_pictures_sound_and_video_show_inline() {
        assert!(inline_safe("image/png") && inline_safe("audio/ogg") && inline_safe("video/mp4"));
        assert!(!inline_safe("image/svg+xml") && !inline_safe("text/html") && !inline_safe("application/pdf"));
        assert!(!inline_safe("text/plain; charset=utf-8"));
    }
}
