//! Creator avatars on both databases: any PNG/JPEG/WebP becomes a 256×256
//! PNG with no metadata; bad input is refused with a reason and stores
//! nothing; only the creator changes their own; cross-site writes are refused.

use colophon_provenance::SigningKey;
use colophon_store::testing::BACKENDS;
use reqwest::StatusCode;
use serde_json::Value;
use server::testing::{TestApp, browser, call, creator_with_key};

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut out).encode_image(&img).expect("jpeg");
    out
}

async fn put(app: &TestApp, tab: &reqwest::Client, body: Vec<u8>) -> (StatusCode, Value) {
    let res = tab.put(app.url("/api/v1/me/avatar")).body(body).send().await.expect("put");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn objects(app: &TestApp) -> Vec<String> {
    let dir = app.data_dir.join("files/avatars");
    let mut out = Vec::new();
    for creator in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(creator.path()).into_iter().flatten().flatten() {
            out.push(f.file_name().to_string_lossy().into_owned());
        }
    }
    out
}

#[tokio::test]
async fn a_creator_sets_an_avatar_and_bad_pictures_are_refused() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let ada = creator_with_key(&app, "ada", &SigningKey::from_seed(&[91; 32])).await;

        // Anonymous, and an account that is not a creator: refused.
        let (s, _) = put(&app, &browser(), jpeg(64, 64)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let reader = browser();
        let (s, b) = call(
            &app,
            &reader,
            "account/sign_up",
            &[("email", "reader@example.com"), ("password", "correct horse battery")],
        )
        .await;
        assert!(s.is_success() || s.is_redirection(), "{b}");
        let (s, v) = put(&app, &reader, jpeg(64, 64)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");

        // Bad pictures, each with a reason; nothing is stored.
        let (s, v) = put(&app, &ada, b"GIF89a\x01\0\x01\0\0\0\0;".to_vec()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(v["message"].as_str().unwrap_or_default().contains("PNG, JPEG or WebP"), "{v}");
        let (s, v) = put(&app, &ada, b"{\"not\": \"a picture\"}".to_vec()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        // A PNG header claiming 100,000 × 100,000 pixels: refused before decoding.
        let mut bomb = server::testing::png(8, 8);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32fast::hash(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let (s, v) = put(&app, &ada, bomb).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        let (s, v) = put(&app, &ada, vec![0xff; server::avatars::MAX_BYTES + 1]).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
        let (s, _) = put(&app, &ada, vec![]).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(objects(&app).is_empty());
        assert_eq!(app.client.get(app.url("/api/v1/creators/ada/avatar")).send().await.expect("get").status(), 404);

        // A cross-site write is refused by the CSRF layer.
        let res = ada
            .put(app.url("/api/v1/me/avatar"))
            .header("sec-fetch-site", "cross-site")
            .body(jpeg(64, 64))
            .send()
            .await
            .expect("put");
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        // A landscape photo becomes its centre square at 256×256, as PNG.
        let (s, v) = put(&app, &ada, jpeg(1200, 800)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let url = v["url"].as_str().expect("url").to_owned();
        assert!(url.starts_with("/api/v1/creators/ada/avatar?v="), "{url}");
        let res = app.client.get(app.url(&url)).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/png");
        let etag = res.headers()["etag"].to_str().expect("etag").to_owned();
        let png = res.bytes().await.expect("bytes");
        let img = image::load_from_memory(&png).expect("a PNG");
        assert_eq!((img.width(), img.height()), (256, 256));
        assert_eq!(etag, format!("\"{}\"", v["sha256"].as_str().expect("sha")));
        let res = app.client.get(app.url(&url)).header("if-none-match", &etag).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

        // A new picture replaces the old one (the old object is deleted); the URL changes with it.
        let (s, v2) = put(&app, &ada, jpeg(300, 500)).await;
        assert_eq!(s, StatusCode::OK, "{v2}");
        assert_ne!(v2["url"], v["url"]);
        assert_eq!(objects(&app), vec![format!("{}.png", v2["sha256"].as_str().expect("sha"))]);

        // Only Ada changes Ada's: another creator's upload is theirs.
        let bo = creator_with_key(&app, "bo", &SigningKey::from_seed(&[92; 32])).await;
        let (s, _) = put(&app, &bo, jpeg(64, 64)).await;
        assert_eq!(s, StatusCode::OK);
        let ada_now = app.client.get(app.url("/api/v1/creators/ada/avatar")).send().await.expect("get");
        assert_eq!(
            ada_now.headers()["etag"].to_str().expect("etag"),
            format!("\"{}\"", v2["sha256"].as_str().expect("sha"))
        );

        // The profile names it; removing it removes the object.
        let (_, me) = call(&app, &ada, "account/current", &[]).await;
        let me: Value = serde_json::from_str(&me).expect("json");
        assert_eq!(me["creator"]["avatar_url"], v2["url"], "{me}");
        let res = ada.delete(app.url("/api/v1/me/avatar")).send().await.expect("delete");
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.client.get(app.url("/api/v1/creators/ada/avatar")).send().await.expect("get").status(), 404);
        assert_eq!(objects(&app).len(), 1, "only Bo's remains");
        app.stop().await;
    }
}
