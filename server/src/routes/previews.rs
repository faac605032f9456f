//! `GET /api/v1/listings/{slug}/preview/{size}`: a listing's watermarked
//! preview (256, 640 or 1600 px on the long edge), never the original.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::Response;
use http::{HeaderMap, HeaderValue, StatusCode, header};

use crate::{error::HttpError, state::AppState};

/// Shown while the worker has not rendered a preview yet (never cached).
const PENDING_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400"><rect width="400" height="400" fill="#e7e5e4"/><text x="200" y="205" font-family="sans-serif" font-size="18" fill="#78716c" text-anchor="middle">Preview being prepared</text></svg>"##;

pub async fn listing_preview(
    State(state): State<AppState>,
    Path((slug, size)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let size: i64 = size
        .trim_end_matches(".jpg")
        .parse()
        .ok()
        .filter(|s| colophon_previews::plan::SIZES.iter().any(|&v| i64::from(v) == *s))
        .ok_or_else(|| HttpError::BadRequest("Previews come in 256, 640 and 1600 px.".into()))?;
    let id = state.store.listing_id_by_slug(&slug).await?.ok_or(HttpError::NotFound)?;
    let listing = state.store.listing(id).await?.ok_or(HttpError::NotFound)?;
    if listing.status == colophon_store::ListingStatus::Draft {
        return Err(HttpError::NotFound);
    }
    let previews = state.store.listing_previews(id).await?;
    let Some(p) = previews.into_iter().find(|p| p.long_edge == size) else {
        return Response::builder()
            .header(header::CONTENT_TYPE, "image/svg+xml")
            .header(header::CACHE_CONTROL, "no-store")
            .header("x-preview-status", "pending")
            .body(Body::from(PENDING_SVG))
            .map_err(|e| HttpError::Internal(e.into()));
    };
    let etag = format!("\"{}-{}\"", p.file_id, p.long_edge);
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .body(Body::empty())
            .map_err(|e| HttpError::Internal(e.into()));
    }
    let stream = state.uploads.read(&p.storage_key, None).await?;
    let mut response = Response::new(Body::from_stream(stream));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(p.bytes));
    // A new file version makes a new ETag; a short max-age lets it show within minutes.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    h.insert(header::ETAG, HeaderValue::from_str(&etag).map_err(|e| HttpError::Internal(e.into()))?);
    h.insert("x-preview-size", HeaderValue::from(p.width.max(p.height)));
    Ok(response)
}
