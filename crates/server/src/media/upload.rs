//! Receiving an upload: the multipart stream is written to a temporary file as it arrives
//! (hashed and counted on the way, never held in memory), refused past the size limit, sniffed,
//! cleaned when it is a picture, checked against the quota, then recorded and stored: the
//! blob rows are claimed and the media row written in one transaction, and new bytes are put in
//! the store before it commits, so a committed blob always has its bytes.

use std::path::{Path, PathBuf};

use actix_multipart::{Field, Multipart};
use db::queries::media::{self as queries, Blob, MediaRow};
use diesel_async::AsyncConnection;
use futures_util::StreamExt;
use protocol::media::{Attachment, MAX_WAVEFORM_LEVELS, MediaId, MediaKind};
use protocol::{ErrorCode, UserId};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use super::Media;
use super::images;
use super::sniff::{HEAD_BYTES, Sniffed, sniff};
use crate::error::ApiError;

/// Room for the multipart framing and the small text parts around the file.
const FRAMING_BYTES: u64 = 64 * 1024;
/// Longest text part (`kind`, `duration_ms`, `waveform`).
const MAX_TEXT_PART: usize = 2048;
/// Longest kept file name, in characters.
const MAX_NAME_CHARS: usize = 200;
/// A voice message's longest duration (an hour).
pub const MAX_DURATION_MS: u32 = 60 * 60 * 1000;

/// A temporary file, removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The file part as written to disk.
struct Received {
    file: TempFile,
    name: String,
    size: u64,
    sha256: String,
    head: Vec<u8>,
}

/// What the client said besides the file.
#[derive(Default)]
struct Extras {
    voice: bool,
    duration_ms: Option<u32>,
    waveform: Vec<u8>,
}

/// Takes one upload from `user`; `announced` is the request's Content-Length, if any.
pub async fn receive(
    media: &Media,
    pool: &db::DbPool,
    user: UserId,
    announced: Option<u64>,
    mut parts: Multipart,
) -> Result<Attachment, ApiError> {
    let max = media.max_bytes;
    if announced.is_some_and(|length| length > max + FRAMING_BYTES) {
        return Err(too_large(max));
    }
    let used = {
        let mut conn = db::pool::checkout(pool).await?;
        queries::used_bytes(&mut conn, user).await?
    };
    if announced.is_some_and(|length| used + length.saturating_sub(FRAMING_BYTES) > media.quota_bytes) {
        return Err(quota_exceeded(media.quota_bytes));
    }
    let mut received = None;
    let mut extras = Extras::default();
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|e| ApiError::invalid(format!("the upload is not valid multipart: {e}")))?;
        match part.name().unwrap_or_default() {
            "file" if received.is_none() => received = Some(write_file(media, &mut part).await?),
            "file" => return Err(ApiError::invalid_field("file", "send one file per upload")),
            "kind" => {
                extras.voice = match text(&mut part).await?.as_str() {
                    "voice" => true,
                    "auto" | "" => false,
                    _ => return Err(ApiError::invalid_field("kind", "kind is `voice` or absent")),
                }
            }
            "duration_ms" => {
                let duration = text(&mut part).await?.trim().parse::<u32>().ok().filter(|d| *d <= MAX_DURATION_MS);
                extras.duration_ms = Some(
                    duration.ok_or_else(|| ApiError::invalid_field("duration_ms", "milliseconds, at most an hour"))?,
                );
            }
            "waveform" => extras.waveform = waveform(&text(&mut part).await?)?,
            other => return Err(ApiError::invalid_field(other.to_owned(), "unknown part; send `file`")),
        }
    }
    let received = received.ok_or_else(|| ApiError::invalid_field("file", "no `file` part"))?;
    store(media, pool, user, used, received, extras).await
}

/// Streams the file part to a temporary file, hashing and counting it.
async fn write_file(media: &Media, part: &mut Field) -> Result<Received, ApiError> {
    let name = part
        .content_disposition()
        .and_then(|d| d.get_filename())
        .map(clean_name)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "file".to_owned());
    let temp = TempFile(media.temp_dir.join(Uuid::new_v4().to_string()));
    let mut out = tokio::fs::File::create(&temp.0).await.map_err(ApiError::internal)?;
    let (mut hasher, mut size, mut head) = (Sha256::new(), 0u64, Vec::with_capacity(HEAD_BYTES));
    while let Some(chunk) = part.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid(format!("the upload was cut off: {e}")))?;
        size += chunk.len() as u64;
        if size > media.max_bytes {
            return Err(too_large(media.max_bytes));
        }
        if head.len() < HEAD_BYTES {
            head.extend_from_slice(&chunk[..chunk.len().min(HEAD_BYTES - head.len())]);
        }
        hasher.update(&chunk);
        out.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    out.flush().await.map_err(ApiError::internal)?;
    Ok(Received { file: temp, name, size, sha256: hex(&hasher.finalize()), head })
}

/// Decides what the file is, cleans pictures, checks the quota, and records and stores it.
async fn store(
    media: &Media,
    pool: &db::DbPool,
    user: UserId,
    used: u64,
    mut received: Received,
    extras: Extras,
) -> Result<Attachment, ApiError> {
    if received.size == 0 {
        return Err(ApiError::invalid_field("file", "the file is empty"));
    }
    let Sniffed { kind, content_type } = sniff(&received.head, extras.voice);
    if extras.voice && kind != MediaKind::Voice {
        return Err(ApiError::field(ErrorCode::Unprocessable, "file", "a voice message must be audio"));
    }
    let mut row = MediaRow {
        id: MediaId(Uuid::now_v7()),
        uploader_id: user,
        kind: kind.name().to_owned(),
        content_type,
        name: std::mem::take(&mut received.name),
        size: 0,
        sha256: String::new(),
        width: None,
        height: None,
        duration_ms: extras.duration_ms.filter(|_| kind == MediaKind::Voice).and_then(|d| i32::try_from(d).ok()),
        waveform: Some(extras.waveform).filter(|w| kind == MediaKind::Voice && !w.is_empty()),
        thumbhash: None,
        thumbnail_sha256: None,
        message_id: None,
        position: None,
        created_at: chrono::Utc::now(),
    };
    let mut thumbnail = None;
    // A cleaned picture's bytes, stored from memory instead of the upload's file.
    let mut cleaned_bytes = None;
    if kind == MediaKind::Image {
        let cleaned = clean_picture(media, &received.file.0, &row.content_type).await?;
        if let Some(bytes) = cleaned.bytes {
            received.size = bytes.len() as u64;
            received.sha256 = hex(&Sha256::digest(&bytes));
            cleaned_bytes = Some(bytes);
        }
        row.width = i32::try_from(cleaned.width).ok();
        row.height = i32::try_from(cleaned.height).ok();
        row.thumbhash = Some(cleaned.thumbhash);
        let sha = hex(&Sha256::digest(&cleaned.thumbnail));
        row.thumbnail_sha256 = Some(sha.clone());
        thumbnail = Some((sha, cleaned.thumbnail));
    }
    if used + received.size > media.quota_bytes {
        return Err(quota_exceeded(media.quota_bytes));
    }
    row.size = i64::try_from(received.size).map_err(ApiError::internal)?;
    row.sha256 = received.sha256.clone();
    let mut blobs = vec![Blob { sha256: row.sha256.clone(), size: row.size }];
    if let Some((sha, bytes)) = &thumbnail {
        blobs.push(Blob { sha256: sha.clone(), size: bytes.len() as i64 });
    }
    let mut conn = db::pool::checkout(pool).await?;
    let file = received.file.0.clone();
    conn.transaction(async |conn| {
        let fresh = queries::claim_blobs(conn, &blobs).await?;
        queries::insert(conn, &row).await?;
        // Put under the blob rows' locks: the janitor cannot remove the same bytes meanwhile.
        if fresh.contains(&row.sha256) {
            let stored = match &cleaned_bytes {
                Some(bytes) => media.store.put_bytes(&row.sha256, bytes.clone()).await,
                None => media.store.put_file(&row.sha256, &file).await,
            };
            stored.map_err(ApiError::internal)?;
        }
        if let Some((sha, bytes)) = &thumbnail
            && fresh.contains(sha)
        {
            media.store.put_bytes(sha, bytes.clone()).await.map_err(ApiError::internal)?;
        }
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(row.to_attachment())
}

/// Cleans a picture on the blocking pool, a few at a time (decoding takes memory).
async fn clean_picture(media: &Media, file: &Path, content_type: &str) -> Result<images::Cleaned, ApiError> {
    let _turn = media.image_turns.acquire().await.map_err(ApiError::internal)?;
    let (file, content_type) = (file.to_owned(), content_type.to_owned());
    let cleaned =
        tokio::task::spawn_blocking(move || images::clean(&file, &content_type)).await.map_err(ApiError::internal)?;
    cleaned.map_err(|refused| ApiError::field(ErrorCode::Unprocessable, "file", refused))
}

/// A small text part.
async fn text(part: &mut Field) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = part.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid(format!("the upload was cut off: {e}")))?;
        if bytes.len() + chunk.len() > MAX_TEXT_PART {
            return Err(ApiError::invalid_field(part.name().unwrap_or_default().to_owned(), "too long"));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| ApiError::invalid("a text part is not UTF-8"))
}

/// `12,200,0,…`: at most 128 levels of 0–255.
fn waveform(text: &str) -> Result<Vec<u8>, ApiError> {
    let bad = || ApiError::invalid_field("waveform", "comma-separated levels 0–255, at most 128");
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let levels: Vec<u8> =
        text.split(',').map(|l| l.trim().parse::<u8>().map_err(|_| bad())).collect::<Result<_, _>>()?;
    if levels.len() > MAX_WAVEFORM_LEVELS {
        return Err(bad());
    }
    Ok(levels)
}

/// A file name safe to show and to put in a header: no path, no control characters, short.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    base.chars().filter(|c| !c.is_control()).take(MAX_NAME_CHARS).collect::<String>().trim().to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn too_large(max: u64) -> ApiError {
    ApiError::field(ErrorCode::PayloadTooLarge, "file", format!("files can be at most {} MiB", max / (1024 * 1024)))
}

fn quota_exceeded(quota: u64) -> ApiError {
    ApiError::field(
        ErrorCode::QuotaExceeded,
        "file",
        format!("your files would take more than your {} MiB of storage", quota / (1024 * 1024)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\me\\photo.jpg"), "photo.jpg");
        assert_eq!(clean_name("a\r\nb.txt"), "ab.txt");
        assert_eq!(clean_name(&"x".repeat(500)).chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn waveforms_are_short_lists_of_bytes() {
        assert_eq!(waveform("0, 128,255").unwrap(), vec![0, 128, 255]);
        assert!(waveform("").unwrap().is_empty());
        assert!(waveform("256").is_err());
        assert!(waveform(&vec!["1"; 129].join(",")).is_err());
    }
}
