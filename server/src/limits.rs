//! Rate limits, per key, with governor's GCRA (a burst of one minute's worth,
//! refilled evenly): searches per client address, creator-API calls per
//! token, upload starts per account. A request over its limit gets `429` with
//! `Retry-After` (seconds) and a JSON error that says what to wait for.
//! Configured in requests per minute (`COLOPHON_RATE_SEARCH`,
//! `COLOPHON_RATE_API`, `COLOPHON_RATE_UPLOADS`, and `COLOPHON_RATE_SIGN_IN`
//! for the password forms' own limiter); `0` turns a limit off.

use std::{net::SocketAddr, num::NonZeroU32, sync::Arc, time::Duration};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse as _, Response},
};
use governor::{DefaultKeyedRateLimiter, Quota, clock::Clock as _};
use sha2::{Digest as _, Sha256};

use crate::{error::HttpError, state::AppState};

/// Requests per minute for each limit (0: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateSettings {
    /// Sign-in and sign-up attempts per client address and per email (the
    /// Studio's password form): a burst of this many, refilled over a minute.
    pub sign_in_per_minute: u32,
    pub search_per_minute: u32,
    pub api_per_minute: u32,
    pub uploads_per_minute: u32,
}

impl Default for RateSettings {
    fn default() -> Self {
        Self { sign_in_per_minute: 10, search_per_minute: 120, api_per_minute: 600, uploads_per_minute: 30 }
    }
}

/// One limit over string keys.
#[derive(Clone)]
struct Limiter(Option<Arc<DefaultKeyedRateLimiter<String>>>);

impl Limiter {
    fn per_minute(n: u32) -> Self {
        Self(NonZeroU32::new(n).map(|n| Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)))))
    }

    /// `Err(wait)` when `key` is over its limit.
    fn check(&self, key: String) -> Result<(), Duration> {
        let Some(limiter) = &self.0 else { return Ok(()) };
        limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(governor::clock::DefaultClock::default().now()))
    }
}

/// The server's limits (cheap to clone).
#[derive(Clone)]
pub struct Limits {
    search: Limiter,
    api: Limiter,
    uploads: Limiter,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limits")
    }
}

impl Limits {
    pub fn new(s: RateSettings) -> Self {
        Self {
            search: Limiter::per_minute(s.search_per_minute),
            api: Limiter::per_minute(s.api_per_minute),
            uploads: Limiter::per_minute(s.uploads_per_minute),
        }
    }

    /// Another upload for this account, or the 429 to answer.
    pub fn upload(&self, account_id: i64) -> Result<(), HttpError> {
        self.uploads
            .check(format!("account:{account_id}"))
            .map_err(|wait| too_many("Too many uploads started from this account", wait))
    }

    /// Housekeeping: forget keys whose limits have refilled.
    pub fn shrink(&self) {
        for l in [&self.search, &self.api, &self.uploads] {
            if let Some(l) = &l.0 {
                l.retain_recent();
                l.shrink_to_fit();
            }
        }
    }
}

fn too_many(what: &str, wait: Duration) -> HttpError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    HttpError::RateLimited { message: format!("{what}; try again in {secs} s."), retry_after: secs.max(1) }
}

/// Whether a request is a store search: the Store page with words, or its
/// server function.
fn is_search(req: &Request) -> bool {
    let path = req.uri().path();
    path.starts_with("/api/store/search")
        || (path == "/"
            && req
                .uri()
                .query()
                .is_some_and(|q| q.split('&').any(|kv| kv.strip_prefix("q=").is_some_and(|v| !v.is_empty()))))
}

/// Applies the address and token limits before the request is handled.
pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limits = &state.limits;
    if is_search(&req) {
        let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        if let Some(ip) = ip
            && let Err(wait) = limits.search.check(format!("ip:{ip}"))
        {
            return too_many("Too many searches from your address", wait).into_response();
        }
    }
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| hex::encode(&Sha256::digest(t.trim().as_bytes())[..12]));
    if let Some(token) = bearer
        && req.uri().path().starts_with("/api/v1/")
        && let Err(wait) = limits.api.check(format!("token:{token}"))
    {
        return too_many("Too many requests with this API token", wait).into_response();
    }
    next.run(req).await
}
