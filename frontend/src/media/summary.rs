//! The one line that stands for a message's attachments where there is no room to show them
//! (the conversation list, reply quotes, the pinned bar, notifications) when the message has
//! no text of its own: "📷 Photo", "🎤 Voice message (0:12)", "📎 report.pdf", "🎬 Video",
//! "📍 Location", in the reader's language.

use protocol::conversations::Message;
use protocol::media::{Attachment, MediaKind};

use super::duration::clock_duration;
use crate::locale::{Locale, td_string};

/// What a list of attachments amounts to, in `language`, or `None` for none.
pub fn summary(attachments: &[Attachment], language: Locale) -> Option<String> {
    let first = attachments.first()?;
    let n = attachments.len();
    let all = |kind: MediaKind| attachments.iter().all(|a| a.kind == kind);
    Some(match first.kind {
        MediaKind::Image if n == 1 => format!("📷 {}", td_string!(language, composer.summary_photo)),
        MediaKind::Image if all(MediaKind::Image) => {
            format!("📷 {}", td_string!(language, composer.summary_photos, count = n))
        }
        MediaKind::Video if n == 1 => format!("🎬 {}", td_string!(language, composer.summary_video)),
        MediaKind::Video if all(MediaKind::Video) => {
            format!("🎬 {}", td_string!(language, composer.summary_videos, count = n))
        }
        MediaKind::Voice if n == 1 => match first.duration_ms {
            Some(ms) => {
                format!("🎤 {}", td_string!(language, composer.summary_voice_length, length = clock_duration(ms)))
            }
            None => format!("🎤 {}", td_string!(language, composer.voice_message)),
        },
        MediaKind::Audio if n == 1 => format!("🎵 {}", first.name),
        MediaKind::File if n == 1 => format!("📎 {}", first.name),
        _ => format!("📎 {}", td_string!(language, composer.summary_attachments, count = n)),
    })
}

/// A message's text for a one-line preview: its body as plain text (no Markdown markers), or,
/// when the body is blank (a message can be attachments or a location alone), what it carries,
/// in `language`.
pub fn preview(message: &Message, language: Locale) -> String {
    if !message.body.trim().is_empty() {
        return crate::markdown::plain::plain(&message.body);
    }
    match (&message.location, summary(&message.attachments, language)) {
        (_, Some(summary)) => summary,
        (Some(_), None) => format!("📍 {}", td_string!(language, composer.summary_location)),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use protocol::media::{Location, MediaId};
    use protocol::{ConversationId, MessageId, UserId};
    use uuid::Uuid;

    use super::*;

    const EN: Locale = Locale::en;

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
        assert_eq!(summary(&[attachment(MediaKind::Image, "a.png")], EN).as_deref(), Some("📷 Photo"));
        assert_eq!(summary(&[voice], EN).as_deref(), Some("🎤 Voice message (0:12)"));
        assert_eq!(summary(&[attachment(MediaKind::Voice, "v.webm")], EN).as_deref(), Some("🎤 Voice message"));
        assert_eq!(summary(&[attachment(MediaKind::File, "report.pdf")], EN).as_deref(), Some("📎 report.pdf"));
        assert_eq!(summary(&[attachment(MediaKind::Video, "clip.mp4")], EN).as_deref(), Some("🎬 Video"));
        assert_eq!(summary(&[attachment(MediaKind::Audio, "song.mp3")], EN).as_deref(), Some("🎵 song.mp3"));
        assert_eq!(summary(&[], EN), None);
    }

    #[test]
    fn several_attachments_are_counted() {
        let photos = [attachment(MediaKind::Image, "a.png"), attachment(MediaKind::Image, "b.jpg")];
        assert_eq!(summary(&photos, EN).as_deref(), Some("📷 2 photos"));
        let mixed = [attachment(MediaKind::Image, "a.png"), attachment(MediaKind::File, "b.pdf")];
        assert_eq!(summary(&mixed, EN).as_deref(), Some("📎 2 attachments"));
    }

    #[test]
    fn german_readers_get_german_words() {
        let german = Locale::de;
        let voice = Attachment { duration_ms: Some(12_300), ..attachment(MediaKind::Voice, "voice.webm") };
        assert_eq!(summary(&[attachment(MediaKind::Image, "a.png")], german).as_deref(), Some("📷 Foto"));
        assert_eq!(summary(&[voice], german).as_deref(), Some("🎤 Sprachnachricht (0:12)"));
        let photos = [attachment(MediaKind::Image, "a.png"), attachment(MediaKind::Image, "b.jpg")];
        assert_eq!(summary(&photos, german).as_deref(), Some("📷 2 Fotos"));
        let here = Some(Location { latitude: 1.0, longitude: 2.0, accuracy_m: None });
        assert_eq!(preview(&message("", Vec::new(), here), german), "📍 Standort");
    }

    fn message(body: &str, attachments: Vec<Attachment>, location: Option<Location>) -> Message {
        Message {
            id: MessageId(Uuid::from_u128(1)),
            conversation_id: ConversationId(Uuid::from_u128(2)),
            seq: 1,
            sender_id: UserId(Uuid::from_u128(3)),
            client_msg_id: Uuid::from_u128(4),
            body: body.into(),
            reply_to: None,
            created_at: Default::default(),
            edited_at: None,
            deleted_at: None,
            moderated: false,
            mentions: Vec::new(),
            forwarded: false,
            reactions: Vec::new(),
            pin: None,
            attachments,
            location,
            display_name: None,
        }
    }

    #[test]
    fn text_wins_over_what_the_message_carries() {
        let photo = vec![attachment(MediaKind::Image, "a.png")];
        let here = Some(Location { latitude: 1.0, longitude: 2.0, accuracy_m: None });
        assert_eq!(preview(&message("look at this", photo.clone(), None), EN), "look at this");
        assert_eq!(preview(&message("  ", photo, None), EN), "📷 Photo");
        assert_eq!(preview(&message("", Vec::new(), here), EN), "📍 Location");
        assert_eq!(preview(&message("", Vec::new(), None), EN), "");
    }
}
