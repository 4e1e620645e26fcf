//! The one line that stands for a message's attachments where there is no room to show them
//! (the conversation list, reply quotes, the pinned bar, notifications) when the message has
//! no text of its own: "📷 Photo", "🎤 Voice message (0:12)", "📎 report.pdf", "🎬 Video".

use protocol::media::{Attachment, MediaKind};

use super::duration::clock_duration;

/// What a list of attachments amounts to, or `None` for none.
pub fn summary(attachments: &[Attachment]) -> Option<String> {
    let first = attachments.first()?;
    let n = attachments.len();
    let all = |kind: MediaKind| attachments.iter().all(|a| a.kind == kind);
    Some(match first.kind {
        MediaKind::Image if n == 1 => "📷 Photo".to_owned(),
        MediaKind::Image if all(MediaKind::Image) => format!("📷 {n} photos"),
        MediaKind::Video if n == 1 => "🎬 Video".to_owned(),
        MediaKind::Video if all(MediaKind::Video) => format!("🎬 {n} videos"),
        MediaKind::Voice if n == 1 => match first.duration_ms {
            Some(ms) => format!("🎤 Voice message ({})", clock_duration(ms)),
            None => "🎤 Voice message".to_owned(),
        },
        MediaKind::Audio if n == 1 => format!("🎵 {}", first.name),
        MediaKind::File if n == 1 => format!("📎 {}", first.name),
        _ => format!("📎 {n} attachments"),
    })
}

/// A message's text for a one-line preview: its body, or the summary of its attachments when
/// the body is blank (a message can be attachments only).
pub fn preview(body: &str, attachments: &[Attachment]) -> String {
    if body.trim().is_empty() { summary(attachments).unwrap_or_default() } else { body.to_owned() }
}

#[cfg(test)]
mod tests {
    use protocol::media::MediaId;
    use uuid::Uuid;

    use super::*;

    fn attachment(kind: MediaKind, name: &str) -> Attachment {
        let id = MediaId(Uuid::from_u128(7));
        Attachment {
            id,
            kind,
            content_type: "application/octet-stream".into(),
            name: name.into(),
            size: 10,
            sha256: String::new(),
            width: None,
            height: None,
            duration_ms: None,
            waveform: Vec::new(),
            thumbhash: None,
            url: Attachment::url_of(id),
            thumbnail: None,
        }
    }

    #[test]
    fn one_attachment_reads_as_its_kind() {
        let voice = Attachment { duration_ms: Some(12_300), ..attachment(MediaKind::Voice, "voice.webm") };
        assert_eq!(summary(&[attachment(MediaKind::Image, "a.png")]).as_deref(), Some("📷 Photo"));
        assert_eq!(summary(&[voice]).as_deref(), Some("🎤 Voice message (0:12)"));
        assert_eq!(summary(&[attachment(MediaKind::Voice, "v.webm")]).as_deref(), Some("🎤 Voice message"));
        assert_eq!(summary(&[attachment(MediaKind::File, "report.pdf")]).as_deref(), Some("📎 report.pdf"));
        assert_eq!(summary(&[attachment(MediaKind::Video, "clip.mp4")]).as_deref(), Some("🎬 Video"));
        assert_eq!(summary(&[attachment(MediaKind::Audio, "song.mp3")]).as_deref(), Some("🎵 song.mp3"));
        assert_eq!(summary(&[]), None);
    }

    #[test]
    fn several_attachments_are_counted() {
        let photos = [attachment(MediaKind::Image, "a.png"), attachment(MediaKind::Image, "b.jpg")];
        assert_eq!(summary(&photos).as_deref(), Some("📷 2 photos"));
        let mixed = [attachment(MediaKind::Image, "a.png"), attachment(MediaKind::File, "b.pdf")];
        assert_eq!(summary(&mixed).as_deref(), Some("📎 2 attachments"));
    }

    #[test]
    fn text_wins_over_the_attachments() {
        let photo = [attachment(MediaKind::Image, "a.png")];
        assert_eq!(preview("look at this", &photo), "look at this");
        assert_eq!(preview("  ", &photo), "📷 Photo");
        assert_eq!(preview("", &[]), "");
    }
}
