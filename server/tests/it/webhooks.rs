//! Sale webhooks end to end, on both databases: a creator adds an endpoint in
//! the Studio; a sale commits its delivery with the order (outbox); the worker
//! POSTs the JSON signed with HMAC-SHA256; an endpoint that fails first is
//! retried with the very same bytes until it answers 2xx; the Studio's log
//! shows each attempt; a disabled endpoint hears nothing more.

use std::sync::{Arc, Mutex};

use colophon_provenance::{ContentKind, SigningKey};
use colophon_store::testing::BACKENDS;
use hmac::{Hmac, Mac as _};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::testing::{Creator, TestApp, browser, call, creator_with_key, listing, png, upload};

/// What the endpoint received: headers of interest and the body.
#[derive(Clone, Debug)]
struct Received {
    signature: String,
    delivery: String,
    event: String,
    body: String,
}

/// A local endpoint that fails its first `fail_first` requests with 503.
async fn endpoint(fail_first: usize) -> (String, Arc<Mutex<Vec<Received>>>) {
    let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: http::HeaderMap, body: String| {
            let log = log.clone();
            async move {
                let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let mut seen = log.lock().expect("lock");
                seen.push(Received {
                    signature: h("colophon-signature"),
                    delivery: h("colophon-delivery"),
                    event: h("colophon-event"),
                    body,
                });
                if seen.len() <= fail_first { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::NO_CONTENT }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn verify(secret: &str, r: &Received) -> bool {
    let Some((t, v1)) = r.signature.strip_prefix("t=").and_then(|s| s.split_once(",v1=")) else { return false };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.{}", r.body).as_bytes());
    hex::decode(v1).is_ok_and(|sig| mac.verify_slice(&sig).is_ok())
}

async fn buy(app: &TestApp, slug: &str, email: &str, key: &str) -> Value {
    let tab = browser();
    let (s, b) = call(app, &tab, "account/sign_up", &[("email", email), ("password", "correct horse battery")]).await;
    assert!(s.is_success() || s.is_redirection(), "{s} {b}");
    let res = tab
        .post(app.url("/api/v1/orders"))
        .header("sec-fetch-site", "same-origin")
        .header("idempotency-key", key)
        .json(&json!({"listing": slug, "price_minor": 1250}))
        .send()
        .await
        .expect("order");
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn wait_for(seen: &Arc<Mutex<Vec<Received>>>, n: usize) -> Vec<Received> {
    for _ in 0..200 {
        let now = seen.lock().expect("lock").clone();
        if now.len() >= n {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the endpoint got {} of {n} deliveries in 10 s", seen.lock().expect("lock").len());
}

#[tokio::test]
async fn a_sale_is_delivered_signed_and_retried_until_the_endpoint_answers() {
    for backend in BACKENDS {
        let app = TestApp::spawn_env(
            backend,
            &[("COLOPHON_WEBHOOK_ALLOW_PRIVATE", "1".into()), ("COLOPHON_WEBHOOK_RETRY_BASE_MS", "300".into())],
        )
        .await;
        let key = SigningKey::from_seed(&[71; 32]);
        let c = Creator { tab: creator_with_key(&app, "hooked", &key).await, key };
        let l = listing(&app, &c, "edition", "Hooked").await;
        let (s, f) = upload(&app, &c, &l, ContentKind::EditionImage, &png(40, 30), vec![]).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        let (s, b) =
            call(&app, &c.tab, "listings/status", &[("listing_id", &l["id"].to_string()), ("status", "published")])
                .await;
        assert_eq!(s, StatusCode::OK, "{b}");

        // Bad endpoints are refused in the page's words.
        let (s, b) = call(&app, &c.tab, "webhooks/add", &[("url", "ftp://example.com/x")]).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        assert!(b.contains("https://"), "{b}");
        let (url, seen) = endpoint(1).await;
        let (s, b) = call(&app, &c.tab, "webhooks/add", &[("url", &url)]).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let secret = serde_json::from_str::<Value>(&b).expect("json")["secret"].as_str().expect("secret").to_owned();
        assert!(secret.starts_with("whsec_") && secret.len() == 70, "{secret}");

        // A sale: refused once (503), then delivered — the same signed bytes each time.
        let order = buy(&app, l["slug"].as_str().expect("slug"), "buyer@example.com", "first-sale-key").await;
        let got = wait_for(&seen, 2).await;
        assert_eq!(got[0].body, got[1].body, "a retry sends the same payload");
        assert_eq!(got[0].delivery, got[1].delivery);
        for r in &got {
            assert!(verify(&secret, r), "the signature verifies: {r:?}");
            assert!(!verify("whsec_wrong", r));
            assert_eq!(r.event, "sale");
        }
        let body: Value = serde_json::from_str(&got[1].body).expect("json");
        assert_eq!(body["event"], "sale");
        assert_eq!(body["order_id"], order["order_id"]);
        assert_eq!(body["listing"]["slug"], l["slug"]);
        assert_eq!((body["edition"].as_u64(), body["edition_size"].as_u64()), (Some(1), Some(10)));
        assert_eq!(body["price_minor"], 1250);
        assert_eq!(body["file_sha256"], f["sha256"]);
        assert!(body["leaf_index"].is_u64());

        // The Studio's log: delivered after two attempts, answered 204.
        let mut log = Value::Null;
        for _ in 0..100 {
            let (_, b) = call(&app, &c.tab, "webhooks/mine", &[]).await;
            log = serde_json::from_str(&b).expect("json");
            if log[0]["deliveries"][0]["status"] == "delivered" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let d = &log[0]["deliveries"][0];
        assert_eq!(
            (d["status"].as_str(), d["attempts"].as_i64(), d["last_status"].as_i64()),
            (Some("delivered"), Some(2), Some(204)),
            "{log}"
        );
        assert_eq!(d["event_id"], order["order_id"]);

        // Disabled: the next sale is not sent; only the owner can disable.
        let other_key = SigningKey::from_seed(&[72; 32]);
        let other = creator_with_key(&app, "notowner", &other_key).await;
        let id = log[0]["id"].to_string();
        let (s, _) = call(&app, &other, "webhooks/disable", &[("id", &id)]).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, b) = call(&app, &c.tab, "webhooks/disable", &[("id", &id)]).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        buy(&app, l["slug"].as_str().expect("slug"), "second@example.com", "second-sale-key").await;
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        assert_eq!(seen.lock().expect("lock").len(), 2, "a disabled endpoint hears nothing more");
        app.stop().await;
    }
}
