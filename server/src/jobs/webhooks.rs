//! Sale webhooks: sends the deliveries checkout wrote to the outbox.
//!
//! Each POST carries the event's JSON body and
//! `Colophon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`
//! (docs/FORMATS.md §11.1), plus `Colophon-Event` and `Colophon-Delivery`.
//! A 2xx answer within [`TIMEOUT`] delivers; anything else is retried with
//! exponential backoff (base × 4^(attempt−1), capped at 6 hours) up to
//! [`MAX_ATTEMPTS`], then marked failed. Every attempt is recorded for the
//! Studio's delivery log. Endpoints that resolve to loopback, private or
//! link-local addresses are refused unless `COLOPHON_WEBHOOK_ALLOW_PRIVATE`
//! is set (the server must not become a way into its own network).

use std::{net::IpAddr, time::Duration};

use chrono::Utc;
use colophon_store::{AttemptOutcome, DueDelivery, Store};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

pub const MAX_ATTEMPTS: i64 = 8;
pub const TIMEOUT: Duration = Duration::from_secs(10);
const LEASE: Duration = Duration::from_secs(60);
const IDLE_POLL: Duration = Duration::from_millis(500);
const BATCH: i64 = 16;
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// How deliveries are sent.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// `COLOPHON_WEBHOOK_RETRY_BASE_MS` (default 10 s): the first retry's delay.
    pub retry_base: Duration,
    /// `COLOPHON_WEBHOOK_ALLOW_PRIVATE`: allow loopback/private endpoints (tests, local development).
    pub allow_private: bool,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self { retry_base: Duration::from_secs(10), allow_private: false }
    }
}

/// `t=…,v1=…` for `body` at `t`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The delay before attempt `attempts + 1`.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 12) - 1).unwrap_or(0);
    base.saturating_mul(4u32.saturating_pow(exp)).min(MAX_BACKOFF)
}

/// Whether an address is one a webhook may not reach by default.
fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64 // 100.64/10 (CGNAT)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link-local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// Checks an endpoint URL's shape (at registration and before each send).
pub fn check_url(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| "Not a URL: use https://… (or http://…).".to_owned())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("Webhook URLs are http:// or https://.".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("A webhook URL needs a host and no user name or password.".into());
    }
    if url.len() > 2000 {
        return Err("Webhook URLs are at most 2,000 characters.".into());
    }
    Ok(parsed)
}

#[derive(Clone)]
pub struct WebhookWorker {
    store: Store,
    settings: WebhookSettings,
}

impl WebhookWorker {
    pub fn new(store: Store, settings: WebhookSettings) -> Self {
        Self { store, settings }
    }

    pub async fn run(self, stop: tokio::sync::watch::Receiver<bool>) {
        super::poll("webhook outbox", IDLE_POLL, stop, || self.run_once()).await;
    }

    /// Sends every due delivery once; returns how many it tried.
    pub async fn run_once(&self) -> Result<usize, colophon_store::StoreError> {
        let now = Utc::now();
        let lease = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let due = self.store.claim_deliveries(now, lease, BATCH).await?;
        let n = due.len();
        let outcomes = futures::future::join_all(due.iter().map(|d| self.send(d))).await;
        for (d, outcome) in due.iter().zip(outcomes) {
            match &outcome {
                AttemptOutcome::Delivered { status } => {
                    tracing::info!(delivery = d.delivery.id, status, "webhook delivered");
                }
                AttemptOutcome::Failed { error, next, .. } => {
                    tracing::warn!(delivery = d.delivery.id, attempt = d.delivery.attempts, %error, retry = next.is_some(), "webhook failed");
                }
            }
            self.store.record_attempt(d.delivery.id, &outcome, Utc::now()).await?;
        }
        Ok(n)
    }

    async fn send(&self, d: &DueDelivery) -> AttemptOutcome {
        let attempts = d.delivery.attempts;
        let fail = |status: Option<i64>, error: String| {
            let next = (attempts < MAX_ATTEMPTS).then(|| {
                Utc::now() + chrono::Duration::from_std(backoff(self.settings.retry_base, attempts)).unwrap_or_default()
            });
            AttemptOutcome::Failed { status, error, next }
        };
        let url = match check_url(&d.url) {
            Ok(u) => u,
            Err(e) => return AttemptOutcome::Failed { status: None, error: e, next: None },
        };
        let host = url.host_str().unwrap_or_default().to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        // Resolve once, check every address, and connect to exactly those
        // (no second look-up an attacker's DNS could answer differently).
        let addrs: Vec<std::net::SocketAddr> = match tokio::net::lookup_host((host.as_str(), port)).await {
            Ok(a) => a.collect(),
            Err(e) => return fail(None, format!("cannot resolve {host}: {e}")),
        };
        if addrs.is_empty() {
            return fail(None, format!("{host} has no address"));
        }
        if !self.settings.allow_private && addrs.iter().any(|a| is_internal(a.ip())) {
            return AttemptOutcome::Failed {
                status: None,
                error: format!("{host} resolves to a private or loopback address; refused"),
                next: None,
            };
        }
        colophon_ledger::install_tls();
        let client = match reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .resolve_to_addrs(&host, &addrs)
            .user_agent("Colophon-Webhooks/1")
            .build()
        {
            Ok(c) => c,
            Err(e) => return fail(None, format!("cannot build the request: {e}")),
        };
        let t = Utc::now().timestamp();
        let res = client
            .post(url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header("colophon-event", &d.delivery.event)
            .header("colophon-delivery", d.delivery.id.to_string())
            .header("colophon-signature", signature(&d.secret, t, &d.delivery.payload))
            .body(d.delivery.payload.clone())
            .send()
            .await;
        match res {
            Ok(r) if r.status().is_success() => AttemptOutcome::Delivered { status: i64::from(r.status().as_u16()) },
            Ok(r) => fail(Some(i64::from(r.status().as_u16())), format!("the endpoint answered {}", r.status())),
            Err(e) if e.is_timeout() => fail(None, format!("no answer within {} s", TIMEOUT.as_secs())),
            Err(e) => fail(None, format!("cannot reach the endpoint: {}", root_cause(&e))),
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_over_time_and_body() {
        // printf '1700000000.{"event":"sale"}' | openssl dgst -sha256 -hmac whsec_test
        let sig = signature("whsec_test", 1_700_000_000, "{\"event\":\"sale\"}");
        assert_eq!(sig, "t=1700000000,v1=3264b911e7e66caaeee4f14cf1c4b611fc69a500ac58c130fb701bbc8039115c");
        assert_ne!(sig, signature("whsec_other", 1_700_000_000, "{\"event\":\"sale\"}"));
        assert_ne!(sig, signature("whsec_test", 1_700_000_001, "{\"event\":\"sale\"}"));
    }

    #[test]
    fn backoff_grows_fourfold_and_is_capped() {
        let base = Duration::from_secs(10);
        assert_eq!(backoff(base, 1), Duration::from_secs(10));
        assert_eq!(backoff(base, 2), Duration::from_secs(40));
        assert_eq!(backoff(base, 3), Duration::from_secs(160));
        assert_eq!(backoff(base, 12), MAX_BACKOFF);
    }

    #[test]
    fn internal_addresses_and_bad_urls_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.5",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111"] {
            assert!(!is_internal(ip.parse().expect("ip")), "{ip}");
        }
        assert!(check_url("https://hooks.example/colophon").is_ok());
        assert!(check_url("ftp://x.example/").is_err());
        assert!(check_url("https://user:pw@x.example/").is_err());
        assert!(check_url("not a url").is_err());
    }
}
