//! Who is calling the API: a browser session (everything its account may do)
//! or an API token (`Authorization: Bearer col_…`: only its scopes). A request
//! that carries an `Authorization` header is judged by it alone — a bad token
//! never falls back to a cookie.

use axum::extract::FromRequestParts;
use colophon_api::{
    Scope,
    tokens::{self as secret, parse_scopes},
};
use colophon_store::{AccountRow, CreatorRow};
use http::{header, request::Parts};
use tower_sessions::Session;

use crate::{error::HttpError, state::AppState};

/// A token's last use is written at most this often (seconds).
const TOUCH_EVERY: i64 = 60;

/// The authenticated caller of an API route.
#[derive(Debug)]
pub struct Caller {
    pub account: AccountRow,
    /// `Some` when the call came with an API token: its scopes.
    scopes: Option<Vec<Scope>>,
}

impl Caller {
    /// The account, if this call may act with `scope`.
    pub fn require(&self, scope: Scope) -> Result<&AccountRow, HttpError> {
        match &self.scopes {
            Some(scopes) if !scopes.contains(&scope) => Err(HttpError::Forbidden(format!(
                "This API token lacks the `{}` scope: make one that has it in the Studio.",
                scope.as_str()
            ))),
            _ => Ok(&self.account),
        }
    }

    /// The caller's creator profile, if this call may act with `scope`.
    pub fn creator(&self, scope: Scope) -> Result<&CreatorRow, HttpError> {
        self.require(scope)?
            .creator
            .as_ref()
            .ok_or_else(|| HttpError::Forbidden("Become a creator in the Studio first.".into()))
    }

    /// What this call may do: the token's scopes, or all of them for a session.
    pub fn scopes(&self) -> &[Scope] {
        self.scopes.as_deref().unwrap_or(&Scope::ALL)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token =
                value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim).ok_or_else(|| {
                    HttpError::Unauthorized("Send the API token as `Authorization: Bearer col_…`.".into())
                })?;
            if !secret::well_formed(token) {
                return Err(HttpError::Unauthorized(
                    "That is not a Colophon API token (`col_` and 64 lower-case hex digits).".into(),
                ));
            }
            let revoked = || HttpError::Unauthorized("This API token is unknown or has been revoked.".into());
            let row = state
                .store
                .token_by_hash(&secret::hash(token))
                .await?
                .filter(|t| t.revoked_at.is_none())
                .ok_or_else(revoked)?;
            let now = chrono::Utc::now();
            if row.last_used_at.is_none_or(|t| (now - t).num_seconds() >= TOUCH_EVERY) {
                state.store.token_touch(row.id, now).await?;
            }
            let account = state.store.account(row.account_id).await?.ok_or_else(revoked)?;
            let scopes = parse_scopes(&row.scopes).unwrap_or_default();
            return Ok(Self { account, scopes: Some(scopes) });
        }
        let session = Session::from_request_parts(parts, state).await.map_err(|_| HttpError::Unavailable {
            message: "Sessions are temporarily unavailable. Please try again.",
            source: anyhow::anyhow!("session layer missing"),
        })?;
        let id = app::auth::session_account_id(&session).await.ok_or_else(|| {
            HttpError::Unauthorized("Sign in, or send an API token (`Authorization: Bearer col_…`).".into())
        })?;
        let account = state.store.account(id).await?.ok_or_else(|| HttpError::Unauthorized("Sign in first.".into()))?;
        Ok(Self { account, scopes: None })
    }
}
