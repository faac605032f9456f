//! The error every server function returns. It crosses the wire, so it only
//! ever carries a message meant for users; details stay in the server's logs.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// A failure a user can read. Internals are logged on the server, never sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    /// Something on our side failed; the message says what the user can do.
    #[error("{0}")]
    Unavailable(String),
    /// The request itself was wrong (bad input); the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// Not signed in (or the session ended).
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing here (or nothing this account may see).
    #[error("{0}")]
    NotFound(String),
    /// Conflicts with what exists (a taken email or handle).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; wait.
    #[error("{0}")]
    TooManyRequests(String),
    /// The request never reached the server or its answer could not be read.
    #[error("Could not reach Colophon: {0}")]
    Transport(String),
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => {
                Self::BadRequest(format!("Invalid request: {msg}"))
            }
            other => Self::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<colophon_market::listings::ListingError> for ApiError {
    fn from(err: colophon_market::listings::ListingError) -> Self {
        use colophon_market::listings::ListingError as E;
        match err {
            E::Rule(_) | E::Invalid(_) => Self::BadRequest(err.to_string()),
            E::SlugTaken(_) => Self::Conflict(err.to_string()),
            E::NotYours => Self::Forbidden(err.to_string()),
            E::Gone => Self::Unavailable(err.to_string()),
            E::Store(e) => e.into(),
        }
    }
}

/// The one mapping of why a sale did not happen, for server functions and
/// (through `HttpError: From<ApiError>`) the REST API alike.
#[cfg(feature = "ssr")]
impl From<colophon_market::MarketError> for ApiError {
    fn from(err: colophon_market::MarketError) -> Self {
        use colophon_market::MarketError as E;
        match err {
            E::Refused(colophon_store::Refusal::NotFound) => Self::NotFound(err.to_string()),
            E::Refused(colophon_store::Refusal::NotHeld) => Self::NotFound(err.to_string()),
            E::BadIdempotencyKey | E::Pricing(_) | E::BadPrice(_) | E::Permit(_) | E::NoPermitForEth => {
                Self::BadRequest(err.to_string())
            }
            E::Refused(_)
            | E::OwnListing
            | E::Payment(_)
            | E::NoPayoutAddress
            | E::ChainPaymentsOff
            | E::QuoteClosed(_) => Self::Conflict(err.to_string()),
            E::Chain(detail) => {
                tracing::error!(error = %detail, "chain error in a sale");
                Self::Unavailable("The chain is not answering right now. Please try again in a moment.".into())
            }
            E::Store(e) => e.into(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<colophon_store::StoreError> for ApiError {
    fn from(err: colophon_store::StoreError) -> Self {
        if let colophon_store::StoreError::Conflict { what } = err {
            return Self::Conflict(format!("{} already exists.", capitalize(what)));
        }
        tracing::error!(error = %err, "store error in server function");
        Self::Unavailable("The store is temporarily unavailable. Please try again in a moment.".into())
    }
}

#[cfg(feature = "ssr")]
fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

impl ApiError {
    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::TooManyRequests(_) => 429,
            Self::Unavailable(_) => 503,
            Self::Transport(_) => 502,
        }
    }
}

/// Sets the response status from the error (server functions otherwise
/// answer every error with 500). Wrap each server function's result in it.
#[cfg(feature = "ssr")]
pub fn with_status<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(e) = &result
        && let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(e.status_code())
    {
        opts.set_status(status);
    }
    result
}

/// Server state a server function needs, from the request's context. Missing
/// context is not a panic: Leptos also renders the app once without any
/// (to list its routes), and resources started then must fail quietly.
#[cfg(feature = "ssr")]
pub fn server_context<T: Clone + Send + Sync + 'static>() -> Result<T, ApiError> {
    leptos::prelude::use_context::<T>().ok_or_else(|| {
        tracing::debug!(ty = std::any::type_name::<T>(), "server context missing");
        ApiError::Unavailable("The server is starting up. Please try again.".into())
    })
}
