//! Signed uploads end to end over HTTP: a creator lists one of each kind,
//! uploads in resumable chunks, signs the ContentRegistered statement the way
//! the browser does, and the server re-hashes, validates and registers it in
//! one transaction. Every bad input is refused with a reason and leaves
//! nothing behind.

use std::collections::BTreeMap;

use colophon_formats::lora::synthesize;
use colophon_provenance::{ContentHash, ContentKind, SigningKey};
use colophon_store::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::testing::{
    Creator, TestApp, call, complete, creator_with_key, listing, png, put, start, statement, upload,
};

fn lora_bytes() -> (Vec<u8>, ContentHash) {
    let base = ContentHash::of(b"a base model");
    let md = BTreeMap::from([
        ("ss_network_dim".to_owned(), "8".to_owned()),
        ("ss_base_model_version".to_owned(), "sdxl_base_v1-0".to_owned()),
        ("ss_new_sd_model_hash".to_owned(), base.to_hex()),
    ]);
    (synthesize(&["lora_unet_mid_block_attentions_0_proj_in"], 4, 64, &md, 3), base)
}

#[tokio::test]
async fn one_of_each_kind_is_signed_stored_and_registered() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let key = SigningKey::from_seed(&[21; 32]);
        let c = Creator { tab: creator_with_key(&app, "mira", &key).await, key };

        // Edition.
        let ed = listing(&app, &c, "edition", "Tidal Memory").await;
        assert_eq!(ed["status"], "draft");
        let image = png(320, 200);
        let (s, file) = upload(&app, &c, &ed, ContentKind::EditionImage, &image, vec![]).await;
        assert_eq!(s, StatusCode::CREATED, "{backend:?}: {file}");
        assert_eq!((file["version"].as_i64(), file["file_type"].as_str()), (Some(1), Some("png")));
        let phash = file["perceptual_hash"].as_str().expect("an image has a perceptual hash");
        assert_eq!(file["details"], json!({"width": 320, "height": 200, "perceptual_hash": phash}));
        let stored = app.data_dir.join("files").join(ed["id"].to_string()).join(file["file_id"].as_str().expect("id"));
        assert_eq!(std::fs::read(&stored).expect("stored object"), image, "the object store holds the exact bytes");
        // The verify API finds it by hash, with the signer.
        let prov: Value =
            app.get(&format!("/api/v1/provenance/{}", ContentHash::of(&image))).await.json().await.expect("json");
        assert_eq!(prov["matches"][0]["leaf_index"], file["leaf_index"]);

        // LoRA: header parsed, tensor-data hash kept, base model named as parent.
        let lo = listing(&app, &c, "lora", "Ink Wash LoRA").await;
        let (bytes, base) = lora_bytes();
        let (s, file) = upload(&app, &c, &lo, ContentKind::Lora, &bytes, vec![base]).await;
        assert_eq!(s, StatusCode::CREATED, "{file}");
        assert_eq!(file["details"]["kohya"]["network_dim"], "8");
        assert_eq!(file["details"]["base_model_hash"], base.to_hex());
        assert!(file["alt_hash"].as_str().is_some_and(|h| h.len() == 64));

        // Workflow: canonical hash alongside the file hash.
        let wf = listing(&app, &c, "workflow", "Heron txt2img").await;
        let json_bytes = include_bytes!("../../../crates/formats/tests/fixtures/txt2img_lora.ui.json");
        let lora_parent =
            ContentHash::parse("3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea").expect("hash");
        let (s, file) = upload(&app, &c, &wf, ContentKind::Workflow, json_bytes, vec![lora_parent]).await;
        assert_eq!(s, StatusCode::CREATED, "{file}");
        assert_eq!(file["details"]["node_count"], 8);
        assert_eq!(file["alt_hash"], file["details"]["canonical_hash"]);

        // A new file adds a version; the first stays.
        let image2 = png(321, 200);
        let (s, file) = upload(&app, &c, &ed, ContentKind::EditionImage, &image2, vec![]).await;
        assert_eq!((s, file["version"].as_i64()), (StatusCode::CREATED, Some(2)));
        assert_eq!(app.store.listing_files(ed["id"].as_i64().expect("id")).await.expect("files").len(), 2);

        // Publish: it shows in the store. Archive: it leaves.
        let id = ed["id"].to_string();
        let (s, body) = call(&app, &c.tab, "listings/status", &[("listing_id", &id), ("status", "published")]).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(app.store.published_listings(10).await.expect("q").len(), 1);
        assert_eq!(app.store.log_size().await.expect("size"), 5, "key + 4 files");
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_uploads_are_refused_with_reasons_and_leave_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let key = SigningKey::from_seed(&[22; 32]);
    let c = Creator { tab: creator_with_key(&app, "mira", &key).await, key };
    let ed = listing(&app, &c, "edition", "Tidal Memory").await;
    let ed_id = ed["id"].as_i64().expect("id");
    let files_dir = app.data_dir.join("files");
    let object_count = || walk(&files_dir);

    // Anonymous, and someone else's listing.
    let anon = reqwest::Client::new();
    let res = anon
        .post(app.url("/api/v1/uploads"))
        .json(&json!({"listing_id": ed_id, "size": 1, "sha256": "00".repeat(32)}))
        .send()
        .await
        .expect("anon");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let other = Creator {
        tab: creator_with_key(&app, "eve", &SigningKey::from_seed(&[23; 32])).await,
        key: SigningKey::from_seed(&[23; 32]),
    };
    assert_eq!(start(&app, &other, ed_id, b"x").await.status(), StatusCode::NOT_FOUND);
    let log_before = app.store.log_size().await.expect("size");

    // Malformed JSON and oversize declarations.
    let res = c
        .tab
        .post(app.url("/api/v1/uploads"))
        .header("content-type", "application/json")
        .body("{\"listing_id\": ")
        .send()
        .await
        .expect("bad json");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = c
        .tab
        .post(app.url("/api/v1/uploads"))
        .json(&json!({"listing_id": ed_id, "size": 1u64 << 40, "sha256": "00".repeat(32)}))
        .send()
        .await
        .expect("huge");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.text().await.expect("body").contains("limited to"));

    // Wrong offset, and more bytes than declared.
    let image = png(64, 64);
    let up: Value = start(&app, &c, ed_id, &image).await.json().await.expect("json");
    let id = up["upload_id"].as_str().expect("id").to_owned();
    assert_eq!(put(&app, &c, &id, 5, &image).await.status(), StatusCode::CONFLICT);
    let mut longer = image.clone();
    longer.push(0);
    assert_eq!(put(&app, &c, &id, 0, &longer).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Someone else cannot touch the upload.
    assert_eq!(put(&app, &other, &id, 0, &image).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(put(&app, &c, &id, 0, &image).await.status(), StatusCode::OK);

    // Signed by a key that is not the creator's active key: refused, upload kept for a retry.
    let impostor = Creator { tab: c.tab.clone(), key: SigningKey::from_seed(&[99; 32]) };
    let (s, body) =
        complete(&app, &c, &id, &statement(&impostor, &ed, &up, ContentKind::EditionImage, &image, vec![])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().expect("msg").contains("does not verify with your active key"));
    assert!(app.store.upload(&id).await.expect("q").is_some(), "still resumable");
    // A statement naming another listing: refused, and the upload is discarded.
    let mut wrong = up.clone();
    wrong["listing_ref"] = "someone-elses".into();
    let (s, body) =
        complete(&app, &c, &id, &statement(&c, &ed, &wrong, ContentKind::EditionImage, &image, vec![])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().expect("msg").contains("listing_id"), "{body}");
    assert!(app.store.upload(&id).await.expect("q").is_none());
    assert!(!app.data_dir.join("uploads").join(format!("{id}.part")).exists(), "staging file removed");

    // Content that is not what it claims: a GIF, a JSON file, a decompression bomb, a truncated PNG,
    // and bytes that do not match the declared hash.
    // A decompression bomb: a valid PNG header (CRC fixed up) claiming 100,000 × 100,000 pixels.
    let mut bomb = png(1, 1);
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32fast::hash(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    let truncated = image[..image.len() / 2].to_vec();
    for (bytes, expect) in [
        (b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0".to_vec(), "takes a PNG, JPEG or WebP image"),
        (br#"{"nodes": []}"#.to_vec(), "takes a PNG, JPEG or WebP image"),
        (bomb, "limit"),
        (truncated, "corrupt or truncated"),
    ] {
        let (s, body) = upload(&app, &c, &ed, ContentKind::EditionImage, &bytes, vec![]).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        let msg = body["message"].as_str().expect("message");
        assert!(msg.contains(expect), "{msg}");
    }
    let up: Value = start(&app, &c, ed_id, &image).await.json().await.expect("json");
    let id = up["upload_id"].as_str().expect("id").to_owned();
    let mut flipped = image.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    put(&app, &c, &id, 0, &flipped).await;
    let (s, body) = complete(&app, &c, &id, &statement(&c, &ed, &up, ContentKind::EditionImage, &image, vec![])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().expect("msg").contains("SHA-256"), "{body}");

    // A LoRA that is a full checkpoint, and a workflow that is not one.
    let lo = listing(&app, &c, "lora", "Not a LoRA").await;
    let mut header =
        br#"{"model.diffusion_model.out.weight": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}}"#.to_vec();
    while !header.len().is_multiple_of(8) {
        header.push(b' ');
    }
    let mut ckpt = (header.len() as u64).to_le_bytes().to_vec();
    ckpt.extend_from_slice(&header);
    ckpt.extend_from_slice(&[0; 4]);
    let (s, body) = upload(&app, &c, &lo, ContentKind::Lora, &ckpt, vec![]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().expect("msg").contains("no LoRA tensors"), "{body}");
    let wf = listing(&app, &c, "workflow", "Broken").await;
    let (s, body) =
        upload(&app, &c, &wf, ContentKind::Workflow, br#"{"prompt": {}, "client_id": "abc"}"#, vec![]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().expect("msg").contains("API request body"), "{body}");
    // A LoRA statement naming a parent the file does not reference.
    let (bytes, _) = lora_bytes();
    let (s, body) = upload(&app, &c, &lo, ContentKind::Lora, &bytes, vec![ContentHash::of(b"not referenced")]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().expect("msg").contains("does not reference"), "{body}");

    // Nothing of any refused upload was stored or logged.
    assert_eq!(app.store.log_size().await.expect("size"), log_before, "no log entries");
    assert_eq!(object_count(), 0, "no objects");
    assert!(app.store.listing_files(ed_id).await.expect("files").is_empty());
    // A draft without files cannot be published.
    let (s, body) =
        call(&app, &c.tab, "listings/status", &[("listing_id", &ed_id.to_string()), ("status", "published")]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("Upload a signed file before publishing"), "{body}");
    app.stop().await;
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

/// A double-clicked "complete" (or a pipeline's retry racing the first try):
/// the upload is registered once, and the request that lost never deletes
/// the stored file the winner registered.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_completes_register_once_and_keep_the_file() {
    for backend in colophon_store::testing::BACKENDS {
        let app = TestApp::spawn(backend).await;
        let key = SigningKey::from_seed(&[26; 32]);
        let c = Creator { tab: creator_with_key(&app, "twice", &key).await, key };
        let ed = listing(&app, &c, "edition", "Double Click").await;
        for round in 0..6u32 {
            let bytes = png(200 + round, 120);
            let res = start(&app, &c, ed["id"].as_i64().expect("id"), &bytes).await;
            assert_eq!(res.status(), StatusCode::CREATED);
            let up: Value = res.json().await.expect("json");
            let id = up["upload_id"].as_str().expect("id").to_owned();
            assert_eq!(put(&app, &c, &id, 0, &bytes).await.status(), StatusCode::OK);
            let body = statement(&c, &ed, &up, ContentKind::EditionImage, &bytes, vec![]);
            let (a, b, d) = tokio::join!(
                complete(&app, &c, &id, &body),
                complete(&app, &c, &id, &body),
                complete(&app, &c, &id, &body)
            );
            let statuses = [a.0, b.0, d.0];
            assert_eq!(
                statuses.iter().filter(|s| **s == StatusCode::CREATED).count(),
                1,
                "round {round}: {a:?} {b:?} {d:?}"
            );
            for (s, v) in [&a, &b, &d] {
                assert!(
                    [StatusCode::CREATED, StatusCode::CONFLICT, StatusCode::NOT_FOUND].contains(s),
                    "round {round}: {s} {v}"
                );
            }
            let stored = app.data_dir.join("files").join(ed["id"].to_string()).join(&id);
            assert_eq!(std::fs::read(&stored).ok(), Some(bytes), "round {round}: the registered file is kept");
        }
        let files = app.store.listing_files(ed["id"].as_i64().expect("id")).await.expect("files");
        assert_eq!(files.len(), 6, "one version per upload");
        app.stop().await;
    }
}

/// Hostile files are refused as early as their bytes allow, within the decode
/// memory budget, with a message, and leave nothing behind.
#[tokio::test]
async fn hostile_files_are_refused_early_and_within_memory() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let key = SigningKey::from_seed(&[24; 32]);
    let c = Creator { tab: creator_with_key(&app, "hana", &key).await, key };
    let files_dir = app.data_dir.join("files");

    // A safetensors file whose first 8 bytes claim a 100 MB header: refused by the
    // PUT that brings those bytes, not after the whole file is stored and hashed.
    let lo = listing(&app, &c, "lora", "Liar").await;
    let mut liar = 100_000_000u64.to_le_bytes().to_vec();
    liar.extend_from_slice(b"{\"a\": 1}       ");
    liar.resize(4096, b' ');
    let up: Value = start(&app, &c, lo["id"].as_i64().expect("id"), &liar).await.json().await.expect("json");
    let id = up["upload_id"].as_str().expect("id").to_owned();
    let res = put(&app, &c, &id, 0, &liar[..16]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.expect("json");
    assert!(
        body["message"]
            .as_str()
            .expect("msg")
            .contains("Safetensors header is 100000000 bytes; the limit is 16777216 bytes. The upload was cancelled"),
        "{body}"
    );
    assert!(app.store.upload(&id).await.expect("q").is_none(), "the upload is gone");
    assert!(!app.data_dir.join("uploads").join(format!("{id}.part")).exists(), "nothing staged");

    // A small PNG whose header claims 6000×6000 RGBA at 16 bits: 432 MB to decode, past the
    // 256 MiB an image may take. Refused from its header, before any pixel is allocated;
    // status polls share the one (refused) decode.
    let ed = listing(&app, &c, "edition", "Too deep").await;
    let mut deep = png(1, 1);
    deep[16..20].copy_from_slice(&6000u32.to_be_bytes());
    deep[20..24].copy_from_slice(&6000u32.to_be_bytes());
    deep[24] = 16; // bit depth
    deep[25] = 6; // RGBA
    let crc = crc32fast::hash(&deep[12..29]);
    deep[29..33].copy_from_slice(&crc.to_be_bytes());
    let up: Value = start(&app, &c, ed["id"].as_i64().expect("id"), &deep).await.json().await.expect("json");
    let id = up["upload_id"].as_str().expect("id").to_owned();
    assert_eq!(put(&app, &c, &id, 0, &deep).await.status(), StatusCode::OK);
    let polls = (0..4).map(|_| c.tab.get(app.url(&format!("/api/v1/uploads/{id}"))).send());
    for res in futures::future::join_all(polls).await {
        let status: Value = res.expect("status").json().await.expect("json");
        assert_eq!(status["perceptual_hash"], Value::Null);
    }
    let (s, body) = complete(&app, &c, &id, &statement(&c, &ed, &up, ContentKind::EditionImage, &deep, vec![])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let msg = body["message"].as_str().expect("msg");
    assert!(msg.contains("of memory; the limit is 256.0 MiB per image"), "{msg}");
    assert_eq!(walk(&files_dir), 0, "nothing stored");

    // A declared size just past the limit is shown in bytes, not rounded to look equal.
    let wf = listing(&app, &c, "workflow", "Big").await;
    let res = c
        .tab
        .post(app.url("/api/v1/uploads"))
        .json(&json!({"listing_id": wf["id"], "size": (16u64 << 20) + 1, "sha256": "00".repeat(32)}))
        .send()
        .await
        .expect("too big");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let msg = res.text().await.expect("body");
    assert!(msg.contains("16777217 bytes but workflow files are limited to 16777216 bytes"), "{msg}");
    app.stop().await;
}

/// A stored original that no row names (a process killed between storing and
/// registering) is swept; registered files, previews and uploads in progress are not.
#[tokio::test]
async fn the_sweep_removes_objects_no_row_names() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let key = SigningKey::from_seed(&[25; 32]);
    let c = Creator { tab: creator_with_key(&app, "ines", &key).await, key };
    let ed = listing(&app, &c, "edition", "Kept").await;
    let (s, file) = upload(&app, &c, &ed, ContentKind::EditionImage, &png(32, 32), vec![]).await;
    assert_eq!(s, StatusCode::CREATED, "{file}");
    let dir = app.data_dir.join("files").join(ed["id"].to_string());
    let kept = dir.join(file["file_id"].as_str().expect("id"));
    let orphan = dir.join("fil_aaaaaaaaaaaaaaaaaaaaaaaa");
    std::fs::write(&orphan, b"left by a killed complete").expect("orphan");
    // An upload still in progress keeps its object (its complete may be running).
    let pending: Value = start(&app, &c, ed["id"].as_i64().expect("id"), b"x").await.json().await.expect("json");
    let in_progress = dir.join(pending["upload_id"].as_str().expect("id"));
    std::fs::write(&in_progress, b"being completed").expect("pending");
    let preview = app.data_dir.join("files/previews/fil_zzzz/512.jpg");
    std::fs::create_dir_all(preview.parent().expect("dir")).expect("dir");
    std::fs::write(&preview, b"jpeg").expect("preview");

    let uploads = server::uploads::Uploads::open(
        app.store.clone(),
        &app.data_dir,
        &server::config::ObjectStoreConfig::Local,
        server::uploads::UploadLimits::default(),
    )
    .await
    .expect("uploads");
    uploads.sweep_orphans(chrono::Duration::zero()).await;
    assert!(!orphan.exists(), "the orphan is swept");
    assert!(kept.exists() && in_progress.exists() && preview.exists(), "nothing else is touched");
    app.stop().await;
}
