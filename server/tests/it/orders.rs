//! Buying over HTTP: the orders API, idempotency, downloads with Range
//! requests, receipts that verify offline, the sales CSV, and who may see
//! what (anonymous, another collector, the creator, the buyer).

use colophon_provenance::{ContentHash, ContentKind, KeyStatus, Receipt, SigningKey, Statement};
use colophon_store::Backend;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use server::testing::{
    Creator, TestApp, browser, call, collector, creator_with_key, listing, order, png, publish, upload,
};

#[tokio::test]
async fn collectors_buy_download_and_keep_receipts_and_only_they_can() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let creator = Creator { key: SigningKey::from_seed(&[11; 32]), tab: browser() };
    let creator = Creator { tab: creator_with_key(&app, "lumen", &creator.key).await, key: creator.key };
    let edition = listing(&app, &creator, "edition", "Night Garden").await;
    let image = png(40, 30);
    let (s, file) = upload(&app, &creator, &edition, ContentKind::EditionImage, &image, vec![]).await;
    assert_eq!(s, StatusCode::CREATED, "{file}");
    let id = edition["id"].as_i64().expect("id");
    let slug = edition["slug"].as_str().expect("slug").to_owned();

    let anna = collector(&app, "anna@example.com").await;
    let anonymous = browser();

    // Not published yet: a draft is nobody else's business.
    let (s, _) = order(&app, &anna, &slug, Some("draft-key-1"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(&app, &anna, "store/listing", &[("slug", &slug)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b) = call(&app, &creator.tab, "store/listing", &[("slug", &slug)]).await;
    assert_eq!(s, StatusCode::OK, "the owner sees the draft: {b}");
    publish(&app, &creator, id).await;

    // Bad requests say why; nothing is bought.
    assert_eq!(order(&app, &anonymous, &slug, Some("anon-key-1"), None).await.0, StatusCode::UNAUTHORIZED);
    let (s, b) = order(&app, &anna, &slug, None, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(b["message"].as_str().expect("message").contains("Idempotency-Key"), "{b}");
    assert_eq!(order(&app, &anna, &slug, Some("no"), None).await.0, StatusCode::BAD_REQUEST);
    let (s, b) = order(&app, &anna, &slug, Some("bad-body-1"), Some(json!({"listing": slug, "price": 1}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert_eq!(order(&app, &anna, "no-such-listing", Some("missing-1"), None).await.0, StatusCode::NOT_FOUND);
    let (s, b) = order(&app, &anna, &slug, Some("stale-price"), Some(json!({"listing": slug, "price_minor": 1}))).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(b["message"].as_str().expect("message").contains("price changed"), "{b}");
    let (s, b) = order(&app, &creator.tab, &slug, Some("own-listing"), None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");

    // Buy; a retry with the same key is the same order.
    let (s, bought) = order(&app, &anna, &slug, Some("anna-first-buy"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{bought}");
    assert_eq!((bought["edition"].as_i64(), bought["edition_size"].as_i64()), (Some(1), Some(10)));
    let (s, again) = order(&app, &anna, &slug, Some("anna-first-buy"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!((again["order_id"].clone(), again["replayed"].clone()), (bought["order_id"].clone(), json!(true)));
    let oid = bought["order_id"].as_str().expect("order id").to_owned();

    // The buyer downloads the original, whole or in ranges.
    let dl = anna.get(app.url(&format!("/api/v1/orders/{oid}/download"))).send().await.expect("download");
    assert_eq!(dl.status(), StatusCode::OK);
    assert_eq!(dl.headers()[header::CONTENT_TYPE], "image/png");
    assert_eq!(dl.headers()[header::ACCEPT_RANGES], "bytes");
    assert_eq!(dl.bytes().await.expect("bytes").as_ref(), &image[..]);
    let part = anna
        .get(app.url(&format!("/api/v1/orders/{oid}/download")))
        .header(header::RANGE, "bytes=8-23")
        .send()
        .await
        .expect("range");
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers()[header::CONTENT_RANGE], format!("bytes 8-23/{}", image.len()));
    assert_eq!(part.bytes().await.expect("bytes").as_ref(), &image[8..24]);
    let tail = anna
        .get(app.url(&format!("/api/v1/orders/{oid}/download")))
        .header(header::RANGE, "bytes=-5")
        .send()
        .await
        .expect("suffix");
    assert_eq!(tail.bytes().await.expect("bytes").as_ref(), &image[image.len() - 5..]);
    let past = anna
        .get(app.url(&format!("/api/v1/orders/{oid}/download")))
        .header(header::RANGE, format!("bytes={}-", image.len() + 10))
        .send()
        .await
        .expect("past end");
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(past.headers()[header::CONTENT_RANGE], format!("bytes */{}", image.len()));

    // The file receipt verifies offline against the file (up to the anchor,
    // which is pending here); the sale receipt carries the operator-signed EditionSold.
    let text =
        anna.get(app.url(&format!("/api/v1/orders/{oid}/receipt"))).send().await.expect("r").text().await.expect("t");
    let receipt = Receipt::from_json(&text).expect("receipt json");
    match colophon_provenance::verify(&ContentHash::of(&image), &receipt, None, KeyStatus::Active) {
        Err(colophon_provenance::VerifyError::Unanchored { .. }) => {}
        other => panic!("expected a valid but not yet anchored receipt, got {other:?}"),
    }
    let text = anna
        .get(app.url(&format!("/api/v1/orders/{oid}/sale-receipt")))
        .send()
        .await
        .expect("r")
        .text()
        .await
        .expect("t");
    let sale = Receipt::from_json(&text).expect("sale receipt json");
    let operator: Value = app.get("/api/v1/operator").await.json().await.expect("operator");
    assert_eq!(sale.public_key, operator["public_key"].as_str().expect("key"));
    assert_eq!(operator["test_mode"], json!(true));
    let bytes = base64_decode(&sale.statement);
    match Statement::decode(&bytes).expect("statement") {
        Statement::EditionSold { edition, buyer_ref, .. } => {
            assert_eq!(edition, 1);
            assert_eq!(hex::encode(buyer_ref), bought["buyer_ref"].as_str().expect("buyer ref"));
        }
        other => panic!("expected EditionSold, got {other:?}"),
    }

    // Who may see what: only the buyer sees the order, its file and receipts.
    let bea = collector(&app, "bea@example.com").await;
    for path in ["", "/download", "/receipt", "/sale-receipt"] {
        let url = app.url(&format!("/api/v1/orders/{oid}{path}"));
        assert_eq!(anonymous.get(&url).send().await.expect("r").status(), StatusCode::UNAUTHORIZED, "anonymous {path}");
        assert_eq!(bea.get(&url).send().await.expect("r").status(), StatusCode::NOT_FOUND, "other collector {path}");
        assert_eq!(creator.tab.get(&url).send().await.expect("r").status(), StatusCode::NOT_FOUND, "creator {path}");
        assert_eq!(anna.get(&url).send().await.expect("r").status(), StatusCode::OK, "buyer {path}");
    }
    let (s, _) = call(&app, &bea, "collection/certificate", &[("order_id", &oid)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, cert) = call(&app, &anna, "collection/certificate", &[("order_id", &oid)]).await;
    assert_eq!(s, StatusCode::OK, "{cert}");
    assert!(cert.contains("<svg") && cert.contains("/verify?hash="), "the certificate has a QR code of its verify URL");
    let mine: Value = bea.get(app.url("/api/v1/orders")).send().await.expect("r").json().await.expect("json");
    assert_eq!(mine, json!([]), "another collector's list is empty");
    let mine: Value = anna.get(app.url("/api/v1/orders")).send().await.expect("r").json().await.expect("json");
    assert_eq!(mine.as_array().map(Vec::len), Some(1));

    // The creator's sales: CSV for the creator only.
    let csv_url = app.url("/api/v1/studio/sales.csv");
    assert_eq!(anonymous.get(&csv_url).send().await.expect("r").status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anna.get(&csv_url).send().await.expect("r").status(), StatusCode::FORBIDDEN);
    let csv = creator.tab.get(&csv_url).send().await.expect("r");
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.expect("csv");
    assert!(csv.starts_with("sold_at,order_id,"), "{csv}");
    assert!(csv.contains(&oid) && csv.contains("\"Night Garden\"") && csv.contains("\"1250\""), "{csv}");
    let (s, _) = call(&app, &anna, "studio/sales", &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The listing page counts down what is left.
    let page = anna.get(app.url(&format!("/listings/{slug}"))).send().await.expect("page").text().await.expect("html");
    assert!(page.contains("9 of 10 left"), "the page shows what is left");

    // Its history lists the newest sales first, a page's worth however many sold.
    let (s, b) = order(&app, &bea, &slug, Some("bea-first-buy"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, detail) = call(&app, &anonymous, "store/listing", &[("slug", &slug)]).await;
    assert_eq!(s, StatusCode::OK);
    let detail: Value = serde_json::from_str(&detail).expect("json");
    let editions: Vec<i64> =
        detail["sales"].as_array().expect("sales").iter().filter_map(|s| s["edition"].as_i64()).collect();
    assert_eq!(editions, [2, 1], "newest first");
    let newest = app.store.listing_sales(id, 1).await.expect("sales");
    assert_eq!(newest.iter().map(|s| s.edition).collect::<Vec<_>>(), [Some(2)], "a limit keeps the newest");
    app.stop().await;
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).expect("base64")
}
