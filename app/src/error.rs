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
impl From<colophon_store::StoreError> for ApiError {
    fn from(err: colophon_store::StoreError) -> Self {
        tracing::error!(error = %err, "store error in server function");
        Self::Unavailable("The store is temporarily unavailable. Please try again in a moment.".into())
    }
}
