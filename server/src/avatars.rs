//! Creator avatars. A creator sends any PNG, JPEG or WebP picture (at most
//! [`MAX_BYTES`]); the server identifies it by content, decodes it under
//! image limits (a decompression bomb is refused before it is allocated),
//! crops the centre square, resizes it to [`SIZE`]×[`SIZE`] (Lanczos3) and
//! stores only that, re-encoded as PNG — which also drops whatever metadata
//! the original carried (EXIF GPS positions, camera serial numbers).
//!
//! - `PUT /api/v1/me/avatar` (body: the picture) → `colophon_api::Avatar`
//! - `DELETE /api/v1/me/avatar`
//! - `GET /api/v1/creators/{handle}/avatar` → `image/png`, `ETag` = its SHA-256

use axum::{
    Json,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use colophon_api::{Avatar, ErrorBody, Scope};
use colophon_formats::image::ImageLimits;
use colophon_provenance::ContentHash;
use futures::StreamExt as _;

use crate::{caller::Caller, error::HttpError, state::AppState};

/// Largest picture accepted.
pub const MAX_BYTES: usize = 10 << 20;
/// Side of the stored square, in pixels.
pub const SIZE: u32 = 256;

/// Decoding limits for avatars: a photo from any phone fits; a bomb does not.
const LIMITS: ImageLimits =
    ImageLimits { max_width: 12_000, max_height: 12_000, max_pixels: 50_000_000, max_alloc: 256 << 20 };

/// Sniff, decode (bounded), crop to the centre square, resize, re-encode as PNG.
pub fn render(bytes: &[u8]) -> Result<Vec<u8>, HttpError> {
    let sniffed = colophon_formats::sniff(bytes);
    if !sniffed.is_some_and(|t| t.is_image()) {
        return Err(HttpError::BadRequest(format!(
            "An avatar must be a PNG, JPEG or WebP picture; this file is {}.",
            sniffed.map_or("of another type".to_owned(), |t| format!("a {} file", t.extension()))
        )));
    }
    let img = colophon_formats::image::decode(bytes, &LIMITS).map_err(|e| HttpError::BadRequest(e.0))?;
    let (w, h) = (img.width(), img.height());
    let side = w.min(h);
    let square = img.crop_imm((w - side) / 2, (h - side) / 2, side, side);
    let small = square.resize_exact(SIZE, SIZE, image::imageops::FilterType::Lanczos3).into_rgba8();
    let mut out = std::io::Cursor::new(Vec::new());
    small
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| HttpError::Internal(anyhow::anyhow!("encode avatar: {e}")))?;
    Ok(out.into_inner())
}

/// Reads at most [`MAX_BYTES`] of the body; more is a clear 413.
async fn read_limited(body: Body) -> Result<Vec<u8>, HttpError> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| HttpError::BadRequest("The upload was interrupted; try again.".into()))?;
        if bytes.len() + chunk.len() > MAX_BYTES {
            return Err(HttpError::TooLarge(format!("An avatar may be at most {} MiB.", MAX_BYTES >> 20)));
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.is_empty() {
        return Err(HttpError::BadRequest("Send the picture as the request body.".into()));
    }
    Ok(bytes)
}

/// Set the creator's picture (any PNG, JPEG or WebP of at most 10 MiB)
///
/// Stored as a 256×256 PNG of the centre square, served at
/// `/api/v1/creators/{handle}/avatar`; the original and its metadata are not kept.
#[utoipa::path(put, path = "/api/v1/me/avatar", tag = "creator", operation_id = "setAvatar",
    security(("token" = ["publish"]), ("session" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The picture's bytes"),
    responses(
        (status = 200, description = "The stored picture", body = Avatar),
        (status = 400, description = "Not a picture, or one that cannot be decoded within limits", body = ErrorBody),
        (status = 413, description = "Larger than 10 MiB", body = ErrorBody),
        crate::openapi::CallerRefused,
    ))]
pub async fn put(State(state): State<AppState>, caller: Caller, body: Body) -> Result<Json<Avatar>, HttpError> {
    let account = caller.require(Scope::Publish)?;
    let creator =
        account.creator.clone().ok_or_else(|| HttpError::Forbidden("Become a creator in the Studio first.".into()))?;
    let bytes = read_limited(body).await?;
    let png = tokio::task::spawn_blocking(move || render(&bytes))
        .await
        .map_err(|e| HttpError::Internal(anyhow::anyhow!("avatar task: {e}")))??;
    let sha = ContentHash::of(&png);
    let key = format!("avatars/{}/{}.png", creator.id, sha.to_hex());
    // The object first, then the row: a crash between leaves an unreferenced object, never a row without one.
    state.uploads.put_object(&key, png).await?;
    let old = state.store.avatar_set(creator.id, &sha.0, &key, chrono::Utc::now()).await?;
    if let Some(old) = old.filter(|o| *o != key) {
        state.uploads.delete_object(&old).await;
    }
    tracing::info!(creator = creator.id, "avatar set");
    Ok(Json(Avatar {
        url: app::types::avatar_url(&creator.handle, &sha.0),
        sha256: sha.to_hex(),
        width: SIZE,
        height: SIZE,
    }))
}

/// Remove the creator's picture
#[utoipa::path(delete, path = "/api/v1/me/avatar", tag = "creator", operation_id = "removeAvatar",
    security(("token" = ["publish"]), ("session" = [])),
    responses(
        (status = 204, description = "Removed (or there was none)"),
        crate::openapi::CallerRefused,
    ))]
pub async fn delete(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, HttpError> {
    let account = caller.require(Scope::Publish)?;
    let creator =
        account.creator.as_ref().ok_or_else(|| HttpError::Forbidden("Become a creator in the Studio first.".into()))?;
    if let Some(old) = state.store.avatar_remove(creator.id).await? {
        state.uploads.delete_object(&old).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/creators/{handle}/avatar`.
pub async fn get(
    State(state): State<AppState>,
    Path(handle): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let row = state.store.avatar_by_handle(&handle).await?.ok_or(HttpError::NotFound)?;
    let etag = format!("\"{}\"", hex::encode(&row.sha256));
    let headers_out = |etag: String| {
        [
            (header::ETAG, etag),
            (header::CACHE_CONTROL, "public, max-age=300".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ]
    };
    if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == etag.as_bytes()) {
        return Ok((StatusCode::NOT_MODIFIED, headers_out(etag)).into_response());
    }
    let bytes = state.uploads.get_object(&row.storage_key).await?;
    Ok(([(header::CONTENT_TYPE, "image/png")], headers_out(etag), bytes).into_response())
}
