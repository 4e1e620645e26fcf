//! Uploads and attachments, and shared locations: what `POST /api/v1/media` answers, what a message carries for each
//! attached file, and the short-lived access token that makes attachment URLs fetchable by a
//! plain GET (`<img>`, `<audio>`, `<video>` cannot send an `Authorization` header).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Path of uploads (`POST`) and the prefix of downloads (`GET {MEDIA_PATH}/{id}`).
pub const MEDIA_PATH: &str = "/api/v1/media";
/// At most this many attachments per message.
pub const MAX_ATTACHMENTS: usize = 10;
/// A voice message's waveform has at most this many levels (each 0–255).
pub const MAX_WAVEFORM_LEVELS: usize = 128;
/// The query parameter that carries a [`MediaAccess`] token on a download URL.
pub const ACCESS_PARAM: &str = "access";

/// Identifies an upload (attached to at most one message).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
#[serde(transparent)]
pub struct MediaId(pub Uuid);

impl std::fmt::Display for MediaId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What kind of file an upload is, decided by the server from its bytes (and, for `voice`,
/// the client's word that it was recorded as a voice message).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A JPEG, PNG, GIF or WebP picture, shown inline with a thumbnail.
    Image,
    /// An MP4, WebM or QuickTime video.
    Video,
    /// A sound file.
    Audio,
    /// Audio recorded in the app as a voice message (with a duration and a waveform).
    Voice,
    /// Anything else: always downloaded, never shown inline.
    File,
}

impl MediaKind {
    /// The name stored and sent.
    pub fn name(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Voice => "voice",
            Self::File => "file",
        }
    }

    /// The kind with that stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Image, Self::Video, Self::Audio, Self::Voice, Self::File].into_iter().find(|k| k.name() == name)
    }
}

/// An uploaded file as messages carry it (and as the upload answers it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    /// The upload's id: what `attachments` in a send names.
    pub id: MediaId,
    /// What it is.
    pub kind: MediaKind,
    /// Its type as sniffed from its bytes.
    pub content_type: String,
    /// The file name the uploader gave (for display and downloads).
    pub name: String,
    /// Bytes as stored (for images: after metadata was stripped).
    pub size: u64,
    /// SHA-256 of the stored bytes, hex.
    pub sha256: String,
    /// Pixels, for images (after orientation was applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Pixels, for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Length of a voice message (as its recorder measured it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u32>,
    /// A voice message's levels, 0–255, as the recorder sampled them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waveform: Vec<u8>,
    /// A tiny placeholder to paint while an image loads (ThumbHash, base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbhash: Option<String>,
    /// Where to fetch it: add `?access=<token>` (see [`MediaAccess`]).
    pub url: String,
    /// Where to fetch its thumbnail (images), with the same token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
}

impl Attachment {
    /// The download path of an upload.
    pub fn url_of(id: MediaId) -> String {
        format!("{MEDIA_PATH}/{id}")
    }

    /// The thumbnail path of an upload.
    pub fn thumbnail_url_of(id: MediaId) -> String {
        format!("{MEDIA_PATH}/{id}/thumbnail")
    }

    /// `url` (or `thumbnail`) with the access token appended.
    pub fn with_access(path: &str, access: &MediaAccess) -> String {
        format!("{path}?{ACCESS_PARAM}={}", access.token)
    }
}

/// `GET /api/v1/media/access`: a token that lets its holder (and only while they are a member
/// of the conversation) download attachments by a plain GET. It expires quickly; fetch a new
/// one before `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaAccess {
    /// Append as `?access=<token>` to an attachment's `url` or `thumbnail`.
    pub token: String,
    /// After this instant the token is refused (404, as for anything not yours to see).
    pub expires_at: DateTime<Utc>,
}

/// Bytes of storage a user's uploads use, against their quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaUsage {
    /// Bytes used by the user's uploads.
    pub used: u64,
    /// The most they may use.
    pub quota: u64,
}

/// A position shared as a message (browser geolocation, with the user's consent).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    /// Degrees north, −90 to 90.
    pub latitude: f64,
    /// Degrees east, −180 to 180.
    pub longitude: f64,
    /// The radius of uncertainty, in metres, as the device reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<u32>,
}

/// Only finite coordinates pass [`Location::check`], so equality is an equivalence.
impl Eq for Location {}

impl Location {
    /// Whether the coordinates are a place on Earth.
    pub fn check(&self) -> Result<(), &'static str> {
        if !(self.latitude.is_finite() && (-90.0..=90.0).contains(&self.latitude)) {
            return Err("latitude must be between -90 and 90");
        }
        if !(self.longitude.is_finite() && (-180.0..=180.0).contains(&self.longitude)) {
            return Err("longitude must be between -180 and 180");
        }
        Ok(())
    }

    /// A `geo:` URI (RFC 5870) that opens the place in the device's map app.
    pub fn geo_uri(&self) -> String {
        match self.accuracy_m {
            Some(accuracy) => format!("geo:{:.6},{:.6};u={accuracy}", self.latitude, self.longitude),
            None => format!("geo:{:.6},{:.6}", self.latitude, self.longitude),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_on_earth_pass_and_make_geo_uris() {
        let eiffel = Location { latitude: 48.858370, longitude: 2.294481, accuracy_m: Some(12) };
        assert_eq!(eiffel.check(), Ok(()));
        assert_eq!(eiffel.geo_uri(), "geo:48.858370,2.294481;u=12");
        assert!(Location { latitude: 91.0, ..eiffel }.check().is_err());
        assert!(Location { longitude: f64::NAN, ..eiffel }.check().is_err());
        assert!(Location { latitude: f64::INFINITY, ..eiffel }.check().is_err());
    }

    #[test]
    fn media_kinds_round_trip_by_name() {
        for kind in [MediaKind::Image, MediaKind::Video, MediaKind::Audio, MediaKind::Voice, MediaKind::File] {
            assert_eq!(MediaKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(MediaKind::from_name("svg"), None);
    }
}
