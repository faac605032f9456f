//! A short shared cache for the pages anonymous visitors see.
//!
//! The Store (with or without a search), listing pages, creator pages,
//! /verify: for a visitor without a session they are the same bytes for
//! everyone, so this process renders each once per [`Settings::ttl`] (1 s by
//! default) and answers the rest from memory. Concurrent misses for one page
//! wait for one render (moka's `optionally_get_with`).
//!
//! What keeps it correct:
//! - **Never a signed-in page.** A request carrying the session cookie or an
//!   `Authorization` header bypasses the cache both ways; a response is kept
//!   only when it is a `200 text/html` that sets no cookie. Answers say
//!   `Vary: Cookie`, so no shared proxy mixes them up either.
//! - **Fresh after writes.** Any write through this process (a successful
//!   POST, PUT, PATCH or DELETE: publish, a sale, a price change, archive)
//!   empties the cache; writes through other processes and background jobs
//!   show within the TTL. So a sale shows within a second everywhere.
//! - **A nonce per response.** A page's Content-Security-Policy names a
//!   nonce its hydration scripts carry. The cache keeps the page cut at that
//!   nonce and joins it with a fresh one for every answer, header included,
//!   so no two responses share a nonce.
//! - **`ETag`/`304`.** The tag is `W/"<content hash>.<nonce>"`: weak, since
//!   the bytes differ by the nonce. A browser revalidating with it gets `304`
//!   with the policy for *its* copy's nonce (a 304's headers replace the
//!   stored ones, so a fresh nonce there would break the page it keeps).

use std::{sync::Arc, time::Duration};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse as _, Response},
};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use sha2::{Digest as _, Sha256};

use crate::error::HttpError;

/// The session cookie's name (`crate::sessions`).
const SESSION_COOKIE: &str = "colophon_session";
/// Longer URIs are not cached (a search is short; a crafted one need not fill memory).
const MAX_KEY: usize = 512;
/// Bodies larger than this are served but not kept.
const MAX_PAGE: usize = 2 << 20;

/// How long a page is kept, and how much memory all of them may take.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// `COLOPHON_PAGE_CACHE_MS` (0 turns the cache off).
    pub ttl: Duration,
    /// Bytes of pages kept at most.
    pub max_bytes: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self { ttl: Duration::from_millis(1000), max_bytes: 64 << 20 }
    }
}

/// A page as rendered, cut at its nonce.
struct Page {
    /// The body between occurrences of the nonce.
    parts: Vec<Bytes>,
    /// The policy, cut the same way.
    policy: Option<Vec<String>>,
    /// The other headers worth replaying (content type, language, …).
    headers: HeaderMap,
    /// Hex of the first 16 bytes of the nonce-free body's SHA-256.
    hash: String,
}

impl Page {
    fn weight(&self) -> u32 {
        let body: usize = self.parts.iter().map(Bytes::len).sum();
        u32::try_from(body + 512).unwrap_or(u32::MAX)
    }

    fn policy_with(&self, nonce: &str) -> Option<HeaderValue> {
        self.policy.as_ref().and_then(|p| HeaderValue::from_str(&p.join(nonce)).ok())
    }

    fn etag(&self, nonce: &str) -> HeaderValue {
        HeaderValue::from_str(&format!("W/\"{}.{nonce}\"", self.hash)).unwrap_or(HeaderValue::from_static("W/\"-\""))
    }

    /// The page with `nonce` in body and policy.
    fn answer(&self, nonce: &str, hit: bool) -> Response {
        let mut body = Vec::with_capacity(self.parts.iter().map(Bytes::len).sum::<usize>() + nonce.len() * 8);
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                body.extend_from_slice(nonce.as_bytes());
            }
            body.extend_from_slice(part);
        }
        let mut res = Response::new(Body::from(body));
        *res.headers_mut() = self.headers.clone();
        self.finish(&mut res, nonce, hit);
        res
    }

    /// `304`: the visitor's copy (with `nonce`) is current.
    fn not_modified(&self, nonce: &str) -> Response {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        self.finish(&mut res, nonce, true);
        res
    }

    fn finish(&self, res: &mut Response, nonce: &str, hit: bool) {
        let h = res.headers_mut();
        if let Some(policy) = self.policy_with(nonce) {
            h.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        h.insert(header::ETAG, self.etag(nonce));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(header::VARY, HeaderValue::from_static("Cookie"));
        h.insert("x-cache", HeaderValue::from_static(if hit { "hit" } else { "miss" }));
    }
}

/// The cache; cheap to clone.
#[derive(Clone)]
pub struct PageCache {
    pages: Option<moka::future::Cache<String, Arc<Page>>>,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache").field("pages", &self.pages.as_ref().map(moka::future::Cache::entry_count)).finish()
    }
}

impl PageCache {
    pub fn new(settings: Settings) -> Self {
        let pages = (!settings.ttl.is_zero()).then(|| {
            moka::future::Cache::builder()
                .time_to_live(settings.ttl)
                .max_capacity(settings.max_bytes)
                .weigher(|_, page: &Arc<Page>| page.weight())
                .build()
        });
        Self { pages }
    }
}

/// Whether `req` may be answered from (and fill) the cache.
fn cacheable(req: &Request) -> Option<String> {
    if req.method() != Method::GET {
        return None;
    }
    let path = req.uri().path();
    if path.starts_with("/api/") || path.starts_with("/pkg/") || path == "/metrics" || path == "/healthz" {
        return None;
    }
    let h = req.headers();
    if h.contains_key(header::AUTHORIZATION) {
        return None;
    }
    let signed_in = h
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim().split_once('=').is_some_and(|(name, _)| name == SESSION_COOKIE));
    if signed_in {
        return None;
    }
    let key = req.uri().path_and_query().map_or(path, |pq| pq.as_str());
    (key.len() <= MAX_KEY).then(|| key.to_owned())
}

fn fresh_nonce() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// The nonce a page's policy names, if it names one.
fn policy_nonce(policy: &str) -> Option<&str> {
    let start = policy.find("'nonce-")? + "'nonce-".len();
    let len = policy[start..].find('\'')?;
    Some(&policy[start..start + len]).filter(|n| !n.is_empty())
}

/// A rendered response as a [`Page`], if it may be kept.
async fn keep(res: Response) -> Result<(Option<Page>, Response), HttpError> {
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if res.status() != StatusCode::OK || !html || res.headers().contains_key(header::SET_COOKIE) {
        return Ok((None, res));
    }
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| HttpError::Internal(anyhow::anyhow!("reading a page to cache it: {e}")))?;
    let policy = parts.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let nonce = policy.as_deref().and_then(policy_nonce).map(str::to_owned);
    if bytes.len() > MAX_PAGE {
        return Ok((None, Response::from_parts(parts, Body::from(bytes))));
    }
    let cut = |text: &[u8]| -> Vec<Bytes> {
        let Some(nonce) = nonce.as_deref() else { return vec![Bytes::copy_from_slice(text)] };
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(at) = memchr::memmem::find(rest, nonce.as_bytes()) {
            out.push(Bytes::copy_from_slice(&rest[..at]));
            rest = &rest[at + nonce.len()..];
        }
        out.push(Bytes::copy_from_slice(rest));
        out
    };
    let body_parts = cut(&bytes);
    let mut hasher = Sha256::new();
    for p in &body_parts {
        hasher.update(p);
        hasher.update([0]);
    }
    let hash = hex::encode(&hasher.finalize()[..16]);
    let mut headers = parts.headers.clone();
    for h in [header::CONTENT_SECURITY_POLICY, header::CONTENT_LENGTH, header::ETAG, header::CACHE_CONTROL] {
        headers.remove(h);
    }
    let page = Page {
        parts: body_parts,
        policy: policy.map(|p| match nonce.as_deref() {
            Some(n) => p.split(n).map(str::to_owned).collect(),
            None => vec![p],
        }),
        headers,
        hash,
    };
    Ok((Some(page), Response::from_parts(parts, Body::from(bytes))))
}

/// The nonce and hash in an `If-None-Match` that names one of our tags.
fn revalidating(headers: &HeaderMap) -> Option<(String, String)> {
    let tag = headers.get(header::IF_NONE_MATCH)?.to_str().ok()?.trim();
    let inner = tag.strip_prefix("W/\"")?.strip_suffix('"')?;
    let (hash, nonce) = inner.split_once('.')?;
    // The hash is hex; the nonce a CSP base64-value (leptos's are base64), so
    // nothing that could close the quote or add a directive to the policy.
    let hex = !hash.is_empty() && hash.len() <= 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    let base64 = !nonce.is_empty()
        && nonce.len() <= 64
        && nonce.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'='));
    (hex && base64).then(|| (hash.to_owned(), nonce.to_owned()))
}

/// The `route` label of the requests answered from the cache.
pub const HIT_ROUTE: &str = "(page cache)";

/// The middleware: outside the session, CSRF, metrics and limit layers, so a
/// hit skips them (crate::routes); a miss passes through them all.
pub async fn serve(State(cache): State<PageCache>, req: Request, next: Next) -> Result<Response, HttpError> {
    let Some(pages) = cache.pages.clone() else { return Ok(next.run(req).await) };
    let write = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    let Some(key) = cacheable(&req) else {
        let res = next.run(req).await;
        if write && (res.status().is_success() || res.status().is_redirection()) {
            pages.invalidate_all();
        }
        return Ok(res);
    };
    let started = std::time::Instant::now();
    let revalidate = revalidating(req.headers());
    // This request renders the page if no other is rendering it; then its own
    // response is what it answers (kept or not).
    let mut req = Some(req);
    let mut own: Option<Result<Response, HttpError>> = None;
    let page = pages
        .optionally_get_with(key, async {
            let req = req.take()?;
            match keep(next.clone().run(req).await).await {
                Ok((page, res)) => {
                    own = Some(Ok(res));
                    page.map(Arc::new)
                }
                Err(e) => {
                    own = Some(Err(e));
                    None
                }
            }
        })
        .await;
    if let Some(res) = own {
        // Rendered again (the TTL passed, or a write emptied the cache) but
        // unchanged: the visitor's copy is still current.
        if let (Some(page), Some((hash, nonce))) = (&page, &revalidate)
            && *hash == page.hash
        {
            return Ok(page.not_modified(nonce));
        }
        return Ok(with_validators(res?, page.as_deref()));
    }
    match (page, req) {
        (Some(page), _) => {
            let (res, status) = match revalidate {
                Some((hash, nonce)) if hash == page.hash => (page.not_modified(&nonce), "304"),
                _ => (page.answer(&fresh_nonce(), true), "200"),
            };
            // A hit skips crate::metrics::track (it sits outside it): counted here.
            metrics::histogram!(
                "colophon_http_request_duration_seconds",
                "method" => "GET",
                "route" => HIT_ROUTE,
                "status" => status
            )
            .record(started.elapsed().as_secs_f64());
            Ok(res)
        }
        // Another request rendered a page that could not be kept: render our own.
        (None, Some(req)) => Ok(next.run(req).await),
        (None, None) => Err(HttpError::Internal(anyhow::anyhow!("page cache lost a request"))),
    }
}

/// The rendering request's own answer gets the same validators the hits get.
fn with_validators(mut res: Response, page: Option<&Page>) -> Response {
    if let Some(page) = page {
        let nonce = res
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .and_then(policy_nonce)
            .map(str::to_owned);
        if let Some(nonce) = nonce {
            // Its own nonce, so the policy `finish` writes is the one it already has.
            page.finish(&mut res, &nonce, false);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_is_read_from_the_policy_and_tags_parse_back() {
        let p = "default-src 'self'; script-src 'nonce-AbC123' 'strict-dynamic'";
        assert_eq!(policy_nonce(p), Some("AbC123"));
        assert_eq!(policy_nonce("default-src 'none'"), None);
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("W/\"00ff.aB+/c9==\""));
        assert_eq!(revalidating(&h), Some(("00ff".into(), "aB+/c9==".into())), "leptos nonces are base64");
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("W/\"00ff.a'b\""));
        assert_eq!(revalidating(&h), None, "a tag that could smuggle a quote into the policy is ignored");
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"strong\""));
        assert_eq!(revalidating(&h), None);
    }

    #[test]
    fn signed_in_requests_and_writes_bypass_the_cache() {
        let req = |method: Method, uri: &str, cookie: Option<&str>| {
            let mut b = http::Request::builder().method(method).uri(uri);
            if let Some(c) = cookie {
                b = b.header(header::COOKIE, c);
            }
            b.body(Body::empty()).expect("request")
        };
        assert_eq!(cacheable(&req(Method::GET, "/?q=fox", None)).as_deref(), Some("/?q=fox"));
        assert_eq!(cacheable(&req(Method::GET, "/l/x", Some("theme=dark"))).as_deref(), Some("/l/x"));
        assert_eq!(cacheable(&req(Method::GET, "/l/x", Some("theme=dark; colophon_session=abc"))), None);
        assert_eq!(cacheable(&req(Method::POST, "/", None)), None);
        assert_eq!(cacheable(&req(Method::GET, "/api/v1/me", None)), None);
        assert_eq!(cacheable(&req(Method::GET, &format!("/?q={}", "a".repeat(600)), None)), None);
    }
}
