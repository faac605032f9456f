//! The one error type at the HTTP edge: a clear message for users, details
//! only in the logs.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The client sent something wrong; the message is shown as is.
    #[error("{0}")]
    BadRequest(String),
    /// Nothing at this address.
    #[error("not found")]
    NotFound,
    /// No (valid) session or token.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with what exists (taken handle, key already registered).
    #[error("{0}")]
    Conflict(String),
    /// The body is larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// Slow down.
    #[error("{0}")]
    TooManyRequests(String),
    /// Over a rate limit: `Retry-After` says when to come back.
    #[error("{message}")]
    RateLimited { message: String, retry_after: u64 },
    /// The request ran past the server's time limit and was stopped.
    #[error("{0}")]
    Timeout(String),
    /// A dependency (database, chain) is down; the message is for users,
    /// the source is logged.
    #[error("{message}")]
    Unavailable {
        message: &'static str,
        #[source]
        source: anyhow::Error,
    },
    /// A bug or an unexpected failure; users see a generic message.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A JSON request body as `T`, or the one 400 every route answers for a
/// malformed or mistyped body (serde's message names the field). Parsed in
/// the handler, after the caller is known, so an unauthorised call learns
/// nothing about the body's shape.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, HttpError> {
    serde_json::from_slice(body).map_err(|e| HttpError::BadRequest(format!("invalid JSON body: {e}")))
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            Self::BadRequest(msg) => (StatusCode::BAD_REQUEST, "bad_request", msg.clone()),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found", "Nothing found here.".to_owned()),
            Self::Unauthorized(msg) => (StatusCode::UNAUTHORIZED, "unauthorized", msg.clone()),
            Self::Forbidden(msg) => (StatusCode::FORBIDDEN, "forbidden", msg.clone()),
            Self::Conflict(msg) => (StatusCode::CONFLICT, "conflict", msg.clone()),
            Self::TooLarge(msg) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", msg.clone()),
            Self::TooManyRequests(msg) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests", msg.clone()),
            Self::RateLimited { message, .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message.clone()),
            Self::Timeout(msg) => (StatusCode::REQUEST_TIMEOUT, "timeout", msg.clone()),
            Self::Unavailable { message, source } => {
                tracing::warn!(error = %format!("{source:#}"), "{message}");
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable", (*message).to_owned())
            }
            Self::Internal(source) => {
                tracing::error!(error = %format!("{source:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong on our side. Please try again.".to_owned(),
                )
            }
        };
        let mut response = (status, Json(colophon_api::ErrorBody { error: code.to_owned(), message })).into_response();
        if let Self::RateLimited { retry_after, .. } = &self {
            response.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from(*retry_after));
        }
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750: API clients learn how to authenticate.
            response
                .headers_mut()
                .insert(http::header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Bearer realm=\"colophon\""));
        }
        response
    }
}

impl From<app::error::ApiError> for HttpError {
    /// The rules shared with server functions speak `ApiError`; their messages are for users.
    fn from(err: app::error::ApiError) -> Self {
        use app::error::ApiError as E;
        match err {
            E::BadRequest(m) => Self::BadRequest(m),
            E::Unauthorized(m) => Self::Unauthorized(m),
            E::Forbidden(m) => Self::Forbidden(m),
            E::NotFound(_) => Self::NotFound,
            E::Conflict(m) => Self::Conflict(m),
            E::TooManyRequests(m) => Self::TooManyRequests(m),
            E::Unavailable(m) | E::Transport(m) => Self::Unavailable {
                message: "The service is temporarily unavailable. Please try again.",
                source: anyhow::anyhow!(m),
            },
        }
    }
}

impl From<colophon_store::StoreError> for HttpError {
    fn from(err: colophon_store::StoreError) -> Self {
        match err {
            colophon_store::StoreError::Conflict { what } => Self::Conflict(format!("{what} already exists")),
            other => Self::Unavailable {
                message: "The database is temporarily unavailable. Please try again.",
                source: anyhow::Error::new(other),
            },
        }
    }
}
