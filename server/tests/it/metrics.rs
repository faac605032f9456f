//! `/metrics`: never public (404 without a token configured, 401 without the
//! token), and in the Prometheus text format with what an operator watches:
//! request latency by route template, checkout outcomes, the anchor lag, the
//! queues and the pool.

use colophon_provenance::{ContentKind, SigningKey};
use colophon_store::Backend;
use reqwest::StatusCode;
use server::testing::{Creator, TestApp, browser, collector, creator_with_key, listing, order, png, publish, upload};

const TOKEN: &str = "metrics-token-0123456789abcdef0123456789";

async fn scrape(app: &TestApp, token: Option<&str>) -> (StatusCode, String) {
    let mut req = app.client.get(app.url("/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("scrape");
    (res.status(), res.text().await.expect("text"))
}

/// The value of the first sample whose line starts with `prefix`.
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines().find(|l| l.starts_with(prefix))?.rsplit(' ').next()?.parse().ok()
}

#[tokio::test]
async fn metrics_are_private_and_say_what_an_operator_watches() {
    let off = TestApp::spawn(Backend::Sqlite).await;
    assert_eq!(scrape(&off, Some(TOKEN)).await.0, StatusCode::NOT_FOUND, "no token configured: no /metrics");
    off.stop().await;

    for backend in colophon_store::testing::BACKENDS {
        let app = TestApp::spawn_env(backend, &[("COLOPHON_METRICS_TOKEN", TOKEN.to_owned())]).await;
        let (s, body) = scrape(&app, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(scrape(&app, Some("metrics-token-wrong-0123456789abcdef01234")).await.0, StatusCode::UNAUTHORIZED);

        // A sale, then a refused one: both counted by outcome.
        let creator = Creator { key: SigningKey::from_seed(&[21; 32]), tab: browser() };
        let creator = Creator { tab: creator_with_key(&app, "gauge", &creator.key).await, key: creator.key };
        let edition = listing(&app, &creator, "edition", "Counted").await;
        let (s, file) = upload(&app, &creator, &edition, ContentKind::EditionImage, &png(20, 20), vec![]).await;
        assert_eq!(s, StatusCode::CREATED, "{file}");
        publish(&app, &creator, edition["id"].as_i64().expect("id")).await;
        let slug = edition["slug"].as_str().expect("slug");
        let anna = collector(&app, "anna@example.com").await;
        let (_, before) = scrape(&app, Some(TOKEN)).await;
        let completed = |t: &str| sample(t, "colophon_checkouts_total{outcome=\"completed\"}").unwrap_or(0.0);
        let changed = |t: &str| sample(t, "colophon_checkouts_total{outcome=\"price_changed\"}").unwrap_or(0.0);
        let (s, o) = order(&app, &anna, slug, Some("metrics-key-1"), None).await;
        assert_eq!(s, StatusCode::CREATED, "{o}");
        let stale = serde_json::json!({"listing": slug, "price_minor": 1});
        assert_eq!(order(&app, &anna, slug, Some("metrics-key-2"), Some(stale)).await.0, StatusCode::CONFLICT);
        app.get("/api/v1/log/checkpoint").await;

        let (s, text) = scrape(&app, Some(TOKEN)).await;
        assert_eq!(s, StatusCode::OK);
        // Counters are per process and tests share one: compare with the scrape before.
        assert!(completed(&text) >= completed(&before) + 1.0, "a completed checkout is counted:\n{text}");
        assert!(changed(&text) >= changed(&before) + 1.0, "a refusal is counted by its reason");
        assert!(
            text.lines().any(|l| l.starts_with("colophon_http_request_duration_seconds_bucket{")
                && l.contains("route=\"/api/v1/log/checkpoint\"")
                && l.contains("status=\"200\"")),
            "request latency by route template:\n{text}"
        );
        assert!(
            !text.contains(&format!("route=\"/listings/{slug}\"")),
            "raw paths never become labels (they would multiply the series)"
        );
        let log_size = sample(&text, "colophon_log_size ").expect("log size");
        assert!(log_size >= 2.0, "the registration and the sale are logged: {log_size}");
        let lag = sample(&text, "colophon_anchor_lag_leaves ").expect("anchor lag");
        assert!(lag <= log_size, "{lag} of {log_size}");
        assert!(sample(&text, "colophon_anchor_lag_seconds ").is_some_and(|s| s >= 0.0));
        assert!(sample(&text, "colophon_preview_jobs{state=\"queued\"}").is_some());
        assert!(sample(&text, "colophon_webhook_backlog ").is_some());
        assert!(sample(&text, "colophon_db_pool_connections{state=\"max\"}").is_some_and(|m| m >= 1.0));
        assert!(text.contains("# HELP colophon_anchor_lag_seconds"), "metrics are described");
        app.stop().await;
    }
}
