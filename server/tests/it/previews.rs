//! Previews end to end over HTTP: an uploaded edition gets a perceptual hash
//! at registration, the worker renders three watermarked JPEGs that the
//! listing serves (never the original), a look-alike upload is told about
//! possible copies, and a statement with a wrong perceptual hash is refused.

use std::time::{Duration, Instant};

use colophon_provenance::{ContentHash, ContentKind, SigningKey, Statement};
use colophon_store::Backend;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use server::testing::{
    Creator, TestApp, browser, call, complete, creator_with_key, listing, now_ms, put, start, upload,
};

fn art(w: u32, h: u32, shift: u32) -> Vec<u8> {
    // The same picture at any size: everything in fractions of the frame.
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (f64::from(x) / f64::from(w), f64::from(y) / f64::from(h));
        let ring = (((fx - 0.33).powi(2) + (fy - 0.33).powi(2)).sqrt() * 30.0) as u32 % 2;
        image::Rgb([(fx * 230.0) as u8 + shift as u8, if ring == 0 { 220 } else { 30 }, (fy * 255.0) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("png");
    out.into_inner()
}

async fn wait_for_preview(app: &TestApp, slug: &str, size: u32) -> reqwest::Response {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = app.get(&format!("/api/v1/listings/{slug}/preview/{size}")).await;
        assert_eq!(r.status(), StatusCode::OK);
        if r.headers()[header::CONTENT_TYPE] == "image/jpeg" {
            return r;
        }
        assert_eq!(r.headers()["x-preview-status"], "pending");
        assert!(Instant::now() < deadline, "no preview after 60 s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn editions_get_watermarked_previews_and_look_alikes_are_flagged() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let creator = Creator { key: SigningKey::from_seed(&[21; 32]), tab: browser() };
    let creator = Creator { tab: creator_with_key(&app, "prism", &creator.key).await, key: creator.key };
    let edition = listing(&app, &creator, "edition", "Rings").await;
    let slug = edition["slug"].as_str().expect("slug").to_owned();
    let original = art(900, 600, 0);
    let (s, file) = upload(&app, &creator, &edition, ContentKind::EditionImage, &original, vec![]).await;
    assert_eq!(s, StatusCode::CREATED, "{file}");
    let phash = file["perceptual_hash"].as_str().expect("an image has a perceptual hash").to_owned();
    assert_eq!(phash.len(), 16);
    assert_eq!(file["similar"], json!([]), "nothing registered looks like it yet");

    // A draft's previews are nobody else's business.
    assert_eq!(app.get(&format!("/api/v1/listings/{slug}/preview/640")).await.status(), StatusCode::NOT_FOUND);
    let (s, b) = call(
        &app,
        &creator.tab,
        "listings/status",
        &[("listing_id", &edition["id"].to_string()), ("status", "published")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    for (size, want) in [(1600, (900, 600)), (640, (640, 427)), (256, (256, 171))] {
        let r = wait_for_preview(&app, &slug, size).await;
        assert!(r.headers()[header::CACHE_CONTROL].to_str().expect("cc").contains("public"));
        let etag = r.headers()[header::ETAG].clone();
        let bytes = r.bytes().await.expect("body");
        assert_ne!(&bytes[..], &original[..], "a preview is never the original");
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).expect("a JPEG");
        assert_eq!((img.width(), img.height()), want, "{size}");
        let again = browser()
            .get(app.url(&format!("/api/v1/listings/{slug}/preview/{size}")))
            .header(header::IF_NONE_MATCH, etag)
            .send()
            .await
            .expect("conditional");
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
    // The 1600 preview of a 900 px original is the original's size, re-encoded and watermarked:
    // its pixels differ from the original's.
    let big = wait_for_preview(&app, &slug, 1600).await.bytes().await.expect("body");
    let big = image::load_from_memory(&big).expect("jpeg").to_rgb8();
    let orig = image::load_from_memory(&original).expect("png").to_rgb8();
    let marked =
        big.pixels().zip(orig.pixels()).filter(|(a, b)| a.0.iter().zip(b.0).any(|(x, y)| x.abs_diff(y) > 40)).count();
    assert!(marked > 900 * 600 / 50, "the watermark is visible ({marked} pixels changed)");

    assert_eq!(app.get(&format!("/api/v1/listings/{slug}/preview/999")).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/api/v1/listings/no-such-listing/preview/640").await.status(), StatusCode::NOT_FOUND);

    // A look-alike (shifted colours, another size) registered elsewhere is flagged as a possible copy.
    let copy = listing(&app, &creator, "edition", "Rings again").await;
    let (s, file2) = upload(&app, &creator, &copy, ContentKind::EditionImage, &art(600, 400, 4), vec![]).await;
    assert_eq!(s, StatusCode::CREATED, "{file2}");
    let similar = file2["similar"].as_array().expect("similar");
    assert_eq!(similar.len(), 1, "{file2}");
    assert_eq!(similar[0]["listing"], slug.as_str());
    assert!(similar[0]["distance"].as_u64().expect("distance") <= 10);
    assert_eq!(similar[0]["sha256"], ContentHash::of(&original).to_hex());

    // The verify API reports look-alikes both ways.
    let v: Value = app
        .get(&format!("/api/v1/provenance/{}", ContentHash::of(&original).to_hex()))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(v["perceptual_hash"], phash.as_str());
    assert_eq!(v["similar"].as_array().expect("similar").len(), 1, "{v}");
    assert_eq!(v["similar"][0]["title"], "Rings again");

    // A statement may carry the perceptual hash, but only the right one.
    let third = listing(&app, &creator, "edition", "Rings thrice").await;
    let bytes = art(300, 300, 9);
    let up: Value = start(&app, &creator, third["id"].as_i64().expect("id"), &bytes).await.json().await.expect("json");
    let id = up["upload_id"].as_str().expect("id");
    assert_eq!(put(&app, &creator, id, 0, &bytes).await.status(), StatusCode::OK);
    let (s, err) = complete(&app, &creator, id, &signed_with(&creator, &third, &up, &bytes, [0; 8])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(err["message"].as_str().expect("message").contains("perceptual_hash"), "{err}");
    let (rgba, w, h) = colophon_previews::decode(&bytes, &Default::default()).expect("decode");
    let right = colophon_previews::phash::phash_rgba(&rgba, w, h);
    // The refused statement discarded the upload; start again and sign the right hash.
    let up: Value = start(&app, &creator, third["id"].as_i64().expect("id"), &bytes).await.json().await.expect("json");
    let id = up["upload_id"].as_str().expect("id");
    assert_eq!(put(&app, &creator, id, 0, &bytes).await.status(), StatusCode::OK);
    // Once every byte is there, the upload's status tells the client the hash to sign.
    let status: Value =
        creator.tab.get(app.url(&format!("/api/v1/uploads/{id}"))).send().await.expect("s").json().await.expect("j");
    assert_eq!(status["perceptual_hash"], right.to_hex());
    let (s, file3) = complete(&app, &creator, id, &signed_with(&creator, &third, &up, &bytes, right.0)).await;
    assert_eq!(s, StatusCode::CREATED, "{file3}");
    assert_eq!(file3["perceptual_hash"], right.to_hex());
    app.stop().await;
}

fn signed_with(c: &Creator, listing: &Value, up: &Value, bytes: &[u8], phash: [u8; 8]) -> Value {
    let signed = Statement::ContentRegistered {
        content_hash: ContentHash::of(bytes),
        content_kind: ContentKind::EditionImage,
        size: bytes.len() as u64,
        creator_key: c.key.public_key().key_id(),
        listing_id: up["listing_ref"].as_str().expect("ref").to_owned(),
        file_id: up["file_id"].as_str().expect("file").to_owned(),
        parents: vec![],
        license_terms: Some(ContentHash::parse(listing["license_hash"].as_str().expect("l")).expect("h")),
        perceptual_hash: Some(phash.to_vec()),
        time_ms: now_ms(),
    }
    .sign(&c.key)
    .expect("sign");
    json!({"statement_hex": hex::encode(&signed.bytes), "signature_hex": hex::encode(signed.signature)})
}

/// Three jobs claimed and rendered as one batch (one GPU submission, here on
/// lavapipe): a good original gets its previews, an original whose stored
/// bytes are not an image fails for good with a reason, and a missing object
/// is retried later. One bad image never takes its batch down.
#[tokio::test]
async fn a_batch_isolates_its_failures() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn_env(backend, &[("COLOPHON_PREVIEW_WORKERS", "0".to_owned())]).await;
        let key = SigningKey::from_seed(&[23; 32]);
        let creator = Creator { tab: creator_with_key(&app, "batcher", &key).await, key };
        let mut originals = Vec::new();
        for (i, title) in ["Good", "Corrupt", "Missing"].into_iter().enumerate() {
            let l = listing(&app, &creator, "edition", title).await;
            let bytes = art(700 + 50 * i as u32, 500, i as u32);
            let (s, f) = upload(&app, &creator, &l, ContentKind::EditionImage, &bytes, vec![]).await;
            assert_eq!(s, StatusCode::CREATED, "{f}");
            originals.push(bytes);
        }
        // Find each original in the object store by its bytes, then break two of them.
        let files = app.data_dir.join("files");
        let on_disk: Vec<std::path::PathBuf> = walk(&files);
        let find = |bytes: &[u8]| {
            on_disk.iter().find(|p| std::fs::read(p).expect("read") == bytes).expect("stored original").clone()
        };
        std::fs::write(find(&originals[1]), b"these bytes are not an image any more").expect("corrupt");
        std::fs::remove_file(find(&originals[2])).expect("remove");

        let objects =
            std::sync::Arc::new(object_store::local::LocalFileSystem::new_with_prefix(&files).expect("store"));
        let renderer = colophon_previews::Renderer::select(colophon_previews::Backend::Gpu)
            .expect("a Vulkan adapter (lavapipe): the GPU batch path must be tested");
        let worker = server::jobs::previews::PreviewWorker::new(
            app.store.clone(),
            objects,
            renderer,
            Default::default(),
            server::decode_budget::DecodeBudget::new(1 << 30),
            8,
        );
        assert_eq!(worker.run_once().await.expect("claim"), 3, "all three jobs in one batch");
        assert_eq!(worker.run_once().await.expect("claim"), 0, "nothing is due again yet");

        let (s, body) = call(&app, &creator.tab, "studio/previews", &[]).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let jobs: Vec<Value> = serde_json::from_str(&body).expect("json");
        let job = |title: &str| jobs.iter().find(|j| j["listing_title"] == title).expect("job").clone();
        let good = job("Good");
        assert_eq!(good["status"], "done", "{good}");
        assert!(good["backend"].as_str().expect("backend").starts_with("gpu"), "{good}");
        let corrupt = job("Corrupt");
        assert_eq!(corrupt["status"], "failed", "an undecodable original is not retried: {corrupt}");
        assert!(!corrupt["last_error"].as_str().expect("error").is_empty(), "{corrupt}");
        let missing = job("Missing");
        assert_eq!(missing["status"], "queued", "a missing object may come back: {missing}");
        assert_eq!(missing["attempts"], 1);
        app.stop().await;
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}
