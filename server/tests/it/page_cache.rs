//! The anonymous-page cache (server/src/page_cache.rs), as visitors meet it:
//! a second anonymous visit is answered from memory with a nonce of its own;
//! a revalidation gets `304` with the policy for the copy it holds; a
//! signed-in visitor never gets the cached page nor another's; a sale, a
//! price change and an archive show on the next visit.

use colophon_provenance::{ContentKind, SigningKey};
use reqwest::{StatusCode, header};
use server::testing::{
    Creator, TestApp, browser, call, collector, creator_with_key, listing, order, png, publish, upload,
};

struct Visit {
    status: StatusCode,
    cache: Option<String>,
    etag: Option<String>,
    policy: String,
    body: String,
}

async fn visit(app: &TestApp, tab: &reqwest::Client, path: &str, etag: Option<&str>) -> Visit {
    let mut req = tab.get(app.url(path));
    if let Some(tag) = etag {
        req = req.header(header::IF_NONE_MATCH, tag);
    }
    let res = req.send().await.expect("page");
    let h = |name: header::HeaderName| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (status, cache, etag, policy) = (
        res.status(),
        h(header::HeaderName::from_static("x-cache")),
        h(header::ETAG),
        h(header::CONTENT_SECURITY_POLICY),
    );
    Visit { status, cache, etag, policy: policy.unwrap_or_default(), body: res.text().await.expect("body") }
}

fn nonce(policy: &str) -> String {
    let start = policy.find("'nonce-").expect("a nonce in the policy") + 7;
    policy[start..start + policy[start..].find('\'').expect("closing quote")].to_owned()
}

fn left(body: &str) -> String {
    let at = body.find("data-testid=\"left\"").unwrap_or_else(|| panic!("what is left: {body}"));
    let start = at + body[at..].find('>').expect("tag end") + 1;
    body[start..start + body[start..].find('<').expect("end")].to_owned()
}

#[tokio::test]
async fn anonymous_pages_are_served_from_memory_and_never_to_the_signed_in() {
    // A long TTL: what the test sees fresh, invalidation made fresh.
    let app = TestApp::spawn_env(colophon_store::Backend::Sqlite, &[("COLOPHON_PAGE_CACHE_MS", "60000".into())]).await;
    let key = SigningKey::from_seed(&[83; 32]);
    let creator = Creator { tab: creator_with_key(&app, "cachet", &key).await, key };
    let edition = listing(&app, &creator, "edition", "Cached Light").await;
    let (s, file) = upload(&app, &creator, &edition, ContentKind::EditionImage, &png(64, 48), vec![]).await;
    assert_eq!(s, StatusCode::CREATED, "{file}");
    let id = edition["id"].as_i64().expect("id");
    publish(&app, &creator, id).await;
    let slug = edition["slug"].as_str().expect("slug").to_owned();
    let page = format!("/listings/{slug}");
    let anon = browser();

    // The first anonymous visit renders, the next is a hit, each with its own nonce in header and body.
    let first = visit(&app, &anon, &page, None).await;
    assert_eq!((first.status, first.cache.as_deref()), (StatusCode::OK, Some("miss")));
    assert_eq!(left(&first.body), "10 of 10 left");
    let second = visit(&app, &anon, &page, None).await;
    assert_eq!(second.cache.as_deref(), Some("hit"));
    let (n1, n2) = (nonce(&first.policy), nonce(&second.policy));
    assert_ne!(n1, n2, "every answer has its own nonce");
    assert!(second.body.contains(&format!("nonce=\"{n2}\"")), "the hydration scripts carry the answer's nonce");
    assert!(!second.body.contains(&n1), "and never the first answer's");
    assert_eq!(second.body.replace(&n2, "N"), first.body.replace(&n1, "N"), "otherwise the same page");

    // Revalidating: 304, no body, the policy for the copy the browser holds.
    let tag = first.etag.clone().expect("an ETag");
    assert!(tag.starts_with("W/\""), "{tag}");
    let again = visit(&app, &anon, &page, Some(&tag)).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(nonce(&again.policy), n1, "the kept copy's scripts still run");
    // A tag from another page version, or a hostile one, gets the page.
    let hostile = visit(&app, &anon, &page, Some("W/\"00.x' 'unsafe-inline\"")).await;
    assert_eq!(hostile.status, StatusCode::OK);
    assert!(!hostile.policy.contains("unsafe-inline"), "{}", hostile.policy);

    // Signed-in visitors bypass the cache both ways and see their own page.
    let anna = collector(&app, "anna-cache@example.com").await;
    let bob = collector(&app, "bob-cache@example.com").await;
    for (tab, who) in [(&anna, "anna-cache"), (&bob, "bob-cache")] {
        let mine = visit(&app, tab, &page, None).await;
        assert_eq!(mine.cache, None, "a signed-in page is never cached");
        assert!(mine.body.contains("Sign out"), "{who} sees their own header");
        assert!(mine.body.contains(who), "{who} sees their own account");
        assert!(!mine.body.contains(if who == "anna-cache" { "bob-cache" } else { "anna-cache" }));
    }
    let anonymous = visit(&app, &anon, &page, None).await;
    assert!(!anonymous.body.contains("Sign out") && !anonymous.body.contains("anna-cache"), "nor served to visitors");

    // A sale shows on the next visit.
    let (s, o) = order(&app, &anna, &slug, Some("cache-sale-1"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let after = visit(&app, &anon, &page, None).await;
    assert_eq!(left(&after.body), "9 of 10 left", "the sale shows at once");
    assert_ne!(
        after.etag.as_deref().map(|t| t.split('.').next()),
        Some(tag.split('.').next()),
        "a new version, a new tag"
    );
    let stale = visit(&app, &anon, &page, Some(&tag)).await;
    assert_eq!(stale.status, StatusCode::OK, "the old copy is not current any more");

    // So does archiving it (the Store forgets it, its page says so).
    let store_page = visit(&app, &anon, "/", None).await;
    assert!(store_page.body.contains("Cached Light"));
    let (s, b) =
        call(&app, &creator.tab, "listings/status", &[("listing_id", &id.to_string()), ("status", "archived")]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let store_page = visit(&app, &anon, "/", None).await;
    assert!(!store_page.body.contains("Cached Light"), "an archived listing leaves the Store at once");

    app.stop().await;
}

#[tokio::test]
async fn the_cache_can_be_turned_off() {
    let app = TestApp::spawn(colophon_store::Backend::Sqlite).await; // tests run with it off
    let anon = browser();
    for _ in 0..2 {
        let v = visit(&app, &anon, "/", None).await;
        assert_eq!((v.status, v.cache, v.etag), (StatusCode::OK, None, None));
    }
    app.stop().await;
}
