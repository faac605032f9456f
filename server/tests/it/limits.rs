//! Rate limits: searches per address, API calls per token, upload starts per
//! account. Over a limit: 429 with `Retry-After` and a message that says
//! why; other addresses, tokens and accounts are not affected.

use colophon_provenance::SigningKey;
use colophon_store::Backend;
use reqwest::{StatusCode, header};
use serde_json::Value;
use server::testing::{Creator, TestApp, browser, call, creator_with_key, listing, png, start};

/// A 429 that says when to come back and why.
async fn assert_limited(res: reqwest::Response, what: &str) {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{what}");
    let wait: u64 = res.headers()[header::RETRY_AFTER].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let body: Value = res.json().await.expect("a JSON error");
    assert_eq!(body["error"], "too_many_requests");
    assert!(body["message"].as_str().expect("message").contains(what), "{body}");
}

#[tokio::test]
async fn searches_api_calls_and_uploads_are_limited_with_retry_after() {
    let app = TestApp::spawn_env(
        Backend::Sqlite,
        &[
            ("COLOPHON_RATE_SEARCH", "3".to_owned()),
            ("COLOPHON_RATE_API", "4".to_owned()),
            ("COLOPHON_RATE_UPLOADS", "2".to_owned()),
        ],
    )
    .await;

    // Searches, per address: three a minute here; browsing without words is not a search.
    for _ in 0..3 {
        assert_eq!(app.get("/?q=ink").await.status(), StatusCode::OK);
    }
    assert_limited(app.get("/?q=tide").await, "Too many searches from your address").await;
    assert_eq!(app.get("/").await.status(), StatusCode::OK, "the Store without a search is not limited");
    assert_eq!(app.get("/?q=").await.status(), StatusCode::OK, "nor an empty search");

    // API calls, per token.
    let c = Creator { key: SigningKey::from_seed(&[31; 32]), tab: browser() };
    let c = Creator { tab: creator_with_key(&app, "paced", &c.key).await, key: c.key };
    let token = |name: &'static str| {
        let tab = c.tab.clone();
        let app = &app;
        async move {
            let (s, body) = call(app, &tab, "tokens/create", &[("name", name), ("scopes", "read,publish")]).await;
            assert_eq!(s, StatusCode::OK, "{body}");
            serde_json::from_str::<Value>(&body).expect("json")["token"].as_str().expect("token").to_owned()
        }
    };
    let (one, two) = (token("one").await, token("two").await);
    let me = |t: String| app.client.get(app.url("/api/v1/me")).bearer_auth(t).send();
    for _ in 0..4 {
        assert_eq!(me(one.clone()).await.expect("me").status(), StatusCode::OK);
    }
    assert_limited(me(one.clone()).await.expect("me"), "Too many requests with this API token").await;
    assert_eq!(me(two.clone()).await.expect("me").status(), StatusCode::OK, "another token has its own limit");

    // Upload starts, per account (the Studio's session here).
    let edition = listing(&app, &c, "edition", "Paced").await;
    let id = edition["id"].as_i64().expect("id");
    for n in 0..2u32 {
        let res = start(&app, &c, id, &png(8 + n, 8)).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.text().await);
    }
    assert_limited(start(&app, &c, id, &png(11, 8)).await, "Too many uploads started from this account").await;
    app.stop().await;
}
