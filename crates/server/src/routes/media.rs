//! `/api/v1/media`: uploads (`POST`, multipart), the caller's download token and storage use,
//! and downloads by a plain GET with `?access=<token>`: checked on every request (the token's
//! user must be a member of the message's conversation and the message not deleted; anything
//! else is 404, so nobody learns what exists), with Range support for seeking in audio and
//! video, and headers that keep a file from ever running as a page.

use actix_multipart::Multipart;
use actix_web::http::header::{
    self, ByteRangeSpec, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use db::queries::media as queries;
use futures_util::TryStreamExt;
use protocol::ErrorBody;
use protocol::media::{Attachment, MediaAccess, MediaId, MediaUsage};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::media::sniff::inline_safe;
use crate::media::upload;
use crate::state::AppState;

/// Uploads one file (multipart part `file`; optional parts `kind=voice`, `duration_ms`,
/// `waveform`). Pictures are stored without their metadata and get a thumbnail.
#[utoipa::path(tag = "media", path = "/api/v1/media", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "A `file` part, and for voice messages `kind=voice`, `duration_ms`, `waveform` (comma-separated 0–255)"),
    responses((status = 201, body = Attachment),
        (status = 400, description = "`invalid_input`: no file, unknown part, bad waveform", body = ErrorBody),
        (status = 413, description = "`payload_too_large` or `quota_exceeded`", body = ErrorBody),
        (status = 422, description = "`unprocessable`: a picture too large to decode or unreadable", body = ErrorBody)))]
#[post("/media")]
pub async fn upload_media(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
    parts: Multipart,
) -> Result<HttpResponse, ApiError> {
    let announced =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let attachment = upload::receive(&state.media, &state.pool, auth.id(), announced, parts).await?;
    Ok(HttpResponse::Created().json(attachment))
}

/// The caller's download token: add `?access=<token>` to attachment URLs.
#[utoipa::path(tag = "media", path = "/api/v1/media/access", security(("bearer" = [])),
    responses((status = 200, body = MediaAccess), (status = 401, body = ErrorBody)))]
#[get("/media/access")]
pub async fn media_access(state: web::Data<AppState>, auth: AuthUser) -> web::Json<MediaAccess> {
    web::Json(state.media.access.issue(auth.id(), Utc::now()))
}

/// Bytes the caller's uploads use, and their quota.
#[utoipa::path(tag = "media", path = "/api/v1/media/usage", security(("bearer" = [])),
    responses((status = 200, body = MediaUsage), (status = 401, body = ErrorBody)))]
#[get("/media/usage")]
pub async fn media_usage(state: web::Data<AppState>, auth: AuthUser) -> Result<web::Json<MediaUsage>, ApiError> {
    let mut conn = db::pool::checkout(&state.pool).await?;
    let used = queries::used_bytes(&mut conn, auth.id()).await?;
    Ok(web::Json(MediaUsage { used, quota: state.media.quota_bytes }))
}

/// The download token.
#[derive(Deserialize)]
pub struct Access {
    access: Option<String>,
}

/// An attachment's bytes (`Range` supported).
#[utoipa::path(tag = "media", path = "/api/v1/media/{id}",
    params(("id" = Uuid, Path, description = "Upload id"), ("access" = String, Query, description = "Download token")),
    responses((status = 200, description = "The file"), (status = 206, description = "Part of it"),
        (status = 404, description = "No such file, not yours to see, or the token expired", body = ErrorBody),
        (status = 416, description = "The range is outside the file")))]
#[get("/media/{id}")]
pub async fn download_media(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<MediaId>,
    query: web::Query<Access>,
) -> Result<HttpResponse, ApiError> {
    serve(&state, &req, id.into_inner(), query.into_inner(), false).await
}

/// An image's thumbnail (a JPEG).
#[utoipa::path(tag = "media", path = "/api/v1/media/{id}/thumbnail",
    params(("id" = Uuid, Path, description = "Upload id"), ("access" = String, Query, description = "Download token")),
    responses((status = 200, description = "The thumbnail"), (status = 404, body = ErrorBody)))]
#[get("/media/{id}/thumbnail")]
pub async fn download_thumbnail(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<MediaId>,
    query: web::Query<Access>,
) -> Result<HttpResponse, ApiError> {
    serve(&state, &req, id.into_inner(), query.into_inner(), true).await
}

async fn serve(
    state: &AppState,
    req: &HttpRequest,
    id: MediaId,
    query: Access,
    thumbnail: bool,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::not_found("file");
    let viewer =
        query.access.as_deref().and_then(|t| state.media.access.verify(t, Utc::now())).ok_or_else(not_found)?;
    let row = {
        let mut conn = db::pool::checkout(&state.pool).await?;
        queries::viewable(&mut conn, id, viewer).await?.ok_or_else(not_found)?
    };
    let (sha256, content_type, size) = if thumbnail {
        (row.thumbnail_sha256.clone().ok_or_else(not_found)?, "image/jpeg".to_owned(), None)
    } else {
        (row.sha256.clone(), row.content_type.clone(), u64::try_from(row.size).ok())
    };
    let wanted = match (size, requested_range(req)) {
        (Some(size), Some(spec)) => match spec.to_satisfiable_range(size) {
            Some((start, end)) => Some(start..end + 1),
            None => {
                return Ok(HttpResponse::RangeNotSatisfiable()
                    .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                    .finish());
            }
        },
        _ => None,
    };
    let read = state.media.store.read(&sha256, wanted.clone()).await.map_err(ApiError::internal)?;
    let Some(read) = read else {
        tracing::error!(%sha256, "a blob in use is missing from the media store");
        return Err(not_found());
    };
    let mut response = if wanted.is_some() { HttpResponse::PartialContent() } else { HttpResponse::Ok() };
    if wanted.is_some() {
        let (start, end) = (read.range.start, read.range.end.saturating_sub(1));
        response.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{}", read.size)));
    }
    let inline = inline_safe(&content_type);
    let disposition = ContentDisposition {
        disposition: if inline { DispositionType::Inline } else { DispositionType::Attachment },
        parameters: file_name(&row.name),
    };
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header(disposition)
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .insert_header(("Cross-Origin-Resource-Policy", "same-origin"))
        // The URL carries the viewer's token, so a shared cache never holds it; the bytes
        // behind an id never change.
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .no_chunking(read.range.end - read.range.start);
    Ok(response.streaming(read.stream.map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))))
}

/// `filename` for every client, plus `filename*` (RFC 6266, UTF-8) when the name is not ASCII,
/// so "Zoë's café.pdf" downloads under its own name.
fn file_name(name: &str) -> Vec<DispositionParam> {
    let ascii: String = name.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() { c } else { '_' }).collect();
    let mut parameters = vec![DispositionParam::Filename(ascii)];
    if !name.is_ascii() {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".to_owned()),
            language_tag: None,
            value: name.as_bytes().to_vec(),
        }));
    }
    parameters
}

/// The one byte range asked for (several ranges are answered with the whole file).
fn requested_range(req: &HttpRequest) -> Option<ByteRangeSpec> {
    let value = req.headers().get(header::RANGE)?.to_str().ok()?;
    match value.parse::<header::Range>().ok()? {
        header::Range::Bytes(mut specs) if specs.len() == 1 => specs.pop(),
        _ => None,
    }
}
