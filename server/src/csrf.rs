//! Cross-site request forgery protection for every state-changing request,
//! server functions included.
//!
//! The check is the one Go 1.25's `net/http.CrossOriginProtection` made
//! standard (Filippo Valsorda, "CSRF", 2025): browsers mark every request
//! with `Sec-Fetch-Site`, and older ones at least with `Origin` on unsafe
//! methods, so a forged cross-site request identifies itself.
//! - GET, HEAD, OPTIONS: allowed (they never change state here).
//! - `Sec-Fetch-Site: same-origin` or `none` (typed URL / bookmark): allowed;
//!   any other value (`cross-site`, `same-site`): refused.
//! - No `Sec-Fetch-Site`, but `Origin`: allowed only if its host equals `Host`.
//! - Neither header: not a browser (curl, the CLI with an API token): allowed;
//!   such clients carry no ambient cookies to abuse.
//!
//! Session cookies are also `SameSite=Lax`, a second, independent barrier.

use axum::{extract::Request, middleware::Next, response::Response};
use http::{Method, header};

use crate::error::HttpError;

pub async fn cross_origin_protection(req: Request, next: Next) -> Result<Response, HttpError> {
    if is_allowed(&req) {
        Ok(next.run(req).await)
    } else {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-origin request refused");
        Err(HttpError::Forbidden("Cross-origin request refused.".into()))
    }
}

fn is_allowed(req: &Request) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, headers: &[(&str, &str)]) -> Request {
        let mut b = http::Request::builder().method(method).uri("/api/sign_in");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(axum::body::Body::empty()).expect("request")
    }

    #[test]
    fn browsers_cross_site_posts_are_refused() {
        let host = ("host", "shop.example:3000");
        assert!(is_allowed(&req(Method::GET, &[("sec-fetch-site", "cross-site")])));
        assert!(is_allowed(&req(Method::POST, &[("sec-fetch-site", "same-origin"), host])));
        assert!(is_allowed(&req(Method::POST, &[("sec-fetch-site", "none")])));
        assert!(!is_allowed(&req(Method::POST, &[("sec-fetch-site", "cross-site"), host])));
        assert!(!is_allowed(&req(Method::DELETE, &[("sec-fetch-site", "same-site"), host])));
        // Older browsers: Origin must match Host.
        assert!(is_allowed(&req(Method::POST, &[("origin", "http://shop.example:3000"), host])));
        assert!(!is_allowed(&req(Method::POST, &[("origin", "https://evil.example"), host])));
        assert!(!is_allowed(&req(Method::POST, &[("origin", "null"), host])));
        // Non-browser clients send neither.
        assert!(is_allowed(&req(Method::POST, &[host])));
    }
}
