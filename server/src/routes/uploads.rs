//! `/api/v1/uploads`: resumable, signed uploads (see `crate::uploads`).
//! Authenticated by the session cookie (cross-origin writes are refused by the
//! CSRF layer) or an API token with the `publish` scope.

use app::api::tokens::Scope;
use axum::{
    Json,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
};
use colophon_store::AccountRow;
use tower_sessions::Session;

use crate::{
    caller::Caller,
    error::AppError,
    state::AppState,
    uploads::{CompleteUpload, RegisteredFile, StartUpload, UploadView},
};

/// The signed-in account, or 401.
pub async fn account(state: &AppState, session: &Session) -> Result<AccountRow, AppError> {
    let id =
        app::auth::session_account_id(session).await.ok_or_else(|| AppError::Unauthorized("Sign in first.".into()))?;
    state.store.account(id).await?.ok_or_else(|| AppError::Unauthorized("Sign in first.".into()))
}

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body).map_err(|e| AppError::BadRequest(format!("invalid JSON body: {e}")))
}

pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<UploadView>), AppError> {
    let account = caller.require(Scope::Publish)?;
    let req: StartUpload = json_body(&body)?;
    Ok((StatusCode::CREATED, Json(state.uploads.start(account, req).await?)))
}

pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<UploadView>, AppError> {
    let account = caller.require(Scope::Publish)?;
    Ok(Json(state.uploads.status(account, &id).await?))
}

pub async fn put_chunk(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<UploadView>, AppError> {
    let account = caller.require(Scope::Publish)?;
    let offset = headers
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| AppError::BadRequest("the Upload-Offset header (a byte offset) is required".into()))?;
    Ok(Json(state.uploads.put_chunk(account, &id, offset, body).await?))
}

pub async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<RegisteredFile>), AppError> {
    let account = caller.require(Scope::Publish)?;
    let req: CompleteUpload = json_body(&body)?;
    Ok((StatusCode::CREATED, Json(state.uploads.complete(account, &id, req).await?)))
}

pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let account = caller.require(Scope::Publish)?;
    state.uploads.cancel(account, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
