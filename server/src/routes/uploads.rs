//! `/api/v1/uploads`: resumable, signed uploads (see `crate::uploads`).
//! Authenticated by the session cookie (cross-origin writes are refused by the
//! CSRF layer) or an API token with the `publish` scope.

use axum::{
    Json,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
};
use colophon_api::{ErrorBody, Scope};
use colophon_store::AccountRow;
use tower_sessions::Session;

use crate::{
    caller::Caller,
    error::{HttpError, json_body},
    state::AppState,
    uploads::{CompleteUpload, RegisteredFile, StartUpload, Upload},
};

/// The signed-in account, or 401.
pub async fn account(state: &AppState, session: &Session) -> Result<AccountRow, HttpError> {
    let id =
        app::auth::session_account_id(session).await.ok_or_else(|| HttpError::Unauthorized("Sign in first.".into()))?;
    state.store.account(id).await?.ok_or_else(|| HttpError::Unauthorized("Sign in first.".into()))
}

/// Open a resumable upload of a file for a listing
///
/// docs/FORMATS.md §10. Then PUT the bytes, sign a ContentRegistered
/// statement with your key, and complete.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "creator", operation_id = "startUpload",
    security(("token" = ["publish"]), ("session" = [])),
    request_body = StartUpload,
    responses(
        (status = 201, description = "The upload", body = Upload),
        (status = 400, description = "Invalid request", body = ErrorBody),
        (status = 404, description = "Not your listing", body = ErrorBody),
        (status = 409, description = "The listing is archived or you have no active key", body = ErrorBody),
        (status = 413, description = "Larger than the kind's limit", body = ErrorBody),
        (status = 429, description = "Too many uploads started from this account (`COLOPHON_RATE_UPLOADS` a minute); `Retry-After` says when to try again", body = ErrorBody),
        crate::openapi::CallerRefused,
    ))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Upload>), HttpError> {
    let account = caller.require(Scope::Publish)?;
    state.limits.upload(account.id)?;
    let req: StartUpload = json_body(&body)?;
    Ok((StatusCode::CREATED, Json(state.uploads.start(account, req).await?)))
}

/// Where an upload stands: the offset to resume from, and an image's perceptual hash once complete
#[utoipa::path(get, path = "/api/v1/uploads/{id}", tag = "creator", operation_id = "uploadStatus",
    security(("token" = ["publish"]), ("session" = [])),
    params(("id" = String, Path, description = "The upload's id.")),
    responses(
        (status = 200, description = "The upload", body = Upload),
        (status = 404, description = "No such upload of yours", body = ErrorBody),
        crate::openapi::CallerRefused,
    ))]
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Upload>, HttpError> {
    let account = caller.require(Scope::Publish)?;
    Ok(Json(state.uploads.status(account, &id).await?))
}

/// Send the next bytes at `Upload-Offset`
#[utoipa::path(put, path = "/api/v1/uploads/{id}", tag = "creator", operation_id = "uploadChunk",
    security(("token" = ["publish"]), ("session" = [])),
    params(
        ("id" = String, Path, description = "The upload's id."),
        ("upload-offset" = u64, Header, description = "Where these bytes start: the upload's current offset."),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "The upload after this chunk", body = Upload),
        (status = 400, description = "Missing Upload-Offset", body = ErrorBody),
        (status = 404, description = "No such upload of yours", body = ErrorBody),
        (status = 409, description = "Upload-Offset is not the current offset: GET it and resume", body = ErrorBody),
        (status = 413, description = "More bytes than announced", body = ErrorBody),
        crate::openapi::CallerRefused,
    ))]
pub async fn put_chunk(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Upload>, HttpError> {
    let account = caller.require(Scope::Publish)?;
    let offset = headers
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| HttpError::BadRequest("the Upload-Offset header (a byte offset) is required".into()))?;
    Ok(Json(state.uploads.put_chunk(account, &id, offset, body).await?))
}

/// Register the uploaded file with its signed ContentRegistered statement
#[utoipa::path(post, path = "/api/v1/uploads/{id}/complete", tag = "creator", operation_id = "completeUpload",
    security(("token" = ["publish"]), ("session" = [])),
    params(("id" = String, Path, description = "The upload's id.")),
    request_body = CompleteUpload,
    responses(
        (status = 201, description = "The registered file version", body = RegisteredFile),
        (status = 400, description = "The statement, signature or file is refused (the message says why)", body = ErrorBody),
        (status = 404, description = "No such upload of yours", body = ErrorBody),
        (status = 409, description = "Not all bytes have arrived", body = ErrorBody),
        crate::openapi::CallerRefused,
    ))]
pub async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<RegisteredFile>), HttpError> {
    let account = caller.require(Scope::Publish)?;
    let req: CompleteUpload = json_body(&body)?;
    Ok((StatusCode::CREATED, Json(state.uploads.complete(account, &id, req).await?)))
}

/// Cancel an upload and delete its bytes
#[utoipa::path(delete, path = "/api/v1/uploads/{id}", tag = "creator", operation_id = "cancelUpload",
    security(("token" = ["publish"]), ("session" = [])),
    params(("id" = String, Path, description = "The upload's id.")),
    responses(
        (status = 204, description = "Cancelled"),
        (status = 404, description = "No such upload of yours", body = ErrorBody),
        crate::openapi::CallerRefused,
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, HttpError> {
    let account = caller.require(Scope::Publish)?;
    state.uploads.cancel(account, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
