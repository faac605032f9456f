//! "Made with" on both databases: an edition whose PNG (or JPEG) names a LoRA (by
//! AUTOMATIC1111's 12-digit short hash) and embeds a ComfyUI workflow is
//! linked to those listings once they are published — and they list it under
//! "used in". Drafts are never credited; a hash that matches nothing links nothing.

use std::collections::BTreeMap;

use colophon_formats::lora::synthesize;
use colophon_provenance::{ContentHash, ContentKind, SigningKey};
use colophon_store::testing::BACKENDS;
use reqwest::StatusCode;
use serde_json::Value;
use server::testing::{Creator, TestApp, call, creator_with_key, listing, png, publish, upload};

/// `png` with tEXt chunks inserted after IHDR, as AUTOMATIC1111 and ComfyUI write them.
fn png_with_text(texts: &[(&str, &str)]) -> Vec<u8> {
    let base = png(48, 32);
    let at = 8 + 25; // signature + IHDR chunk
    let mut out = base[..at].to_vec();
    for (k, v) in texts {
        let data = [k.as_bytes(), b"\0", v.as_bytes()].concat();
        out.extend_from_slice(&u32::try_from(data.len()).expect("len").to_be_bytes());
        let typed = [b"tEXt".as_slice(), &data].concat();
        out.extend_from_slice(&typed);
        out.extend_from_slice(&crc32fast::hash(&typed).to_be_bytes());
    }
    out.extend_from_slice(&base[at..]);
    out
}

/// A JPEG with AUTOMATIC1111's `parameters` in EXIF `UserComment`, as piexif
/// writes it (`UNICODE\0` + UTF-16 big-endian), in an APP1 segment after SOI.
fn jpeg_with_parameters(params: &str) -> Vec<u8> {
    let comment: Vec<u8> =
        b"UNICODE\0".iter().copied().chain(params.encode_utf16().flat_map(u16::to_be_bytes)).collect();
    // Big-endian TIFF: IFD0 holds one entry, the Exif IFD pointer (→ 26); the Exif IFD holds UserComment (→ 44).
    let mut tiff = b"MM\0*\0\0\0\x08".to_vec();
    tiff.extend([0, 1, 0x87, 0x69, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    tiff.extend([0, 1, 0x92, 0x86, 0, 7]);
    tiff.extend(u32::try_from(comment.len()).expect("len").to_be_bytes());
    tiff.extend([0, 0, 0, 44, 0, 0, 0, 0]);
    tiff.extend(comment);
    let mut plain = Vec::new();
    let img = image::RgbImage::from_fn(40, 24, |x, y| image::Rgb([(x * 5) as u8, (y * 9) as u8, 60]));
    image::codecs::jpeg::JpegEncoder::new(&mut plain).encode_image(&img).expect("jpeg");
    let app1 = [b"Exif\0\0".as_slice(), &tiff].concat();
    let len = u16::try_from(app1.len() + 2).expect("fits").to_be_bytes();
    [&plain[..2], &[0xff, 0xe1], &len, &app1, &plain[2..]].concat()
}

async fn page(app: &TestApp, c: &Creator, slug: &str) -> Value {
    let (s, b) = call(app, &c.tab, "store/listing", &[("slug", slug)]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    serde_json::from_str(&b).expect("json")
}

#[tokio::test]
async fn an_edition_credits_the_lora_and_workflow_it_was_made_with() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let key = SigningKey::from_seed(&[81; 32]);
        let c = Creator { tab: creator_with_key(&app, "maker", &key).await, key };

        let lora_file = synthesize(&["lora_unet_down_blocks_0_proj_in"], 4, 32, &BTreeMap::new(), 5);
        let lora = listing(&app, &c, "lora", "Ink Wash").await;
        let (s, f) = upload(&app, &c, &lora, ContentKind::Lora, &lora_file, vec![]).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        let ui = include_str!("../../../crates/formats/tests/fixtures/txt2img_lora.ui.json");
        let flow = listing(&app, &c, "workflow", "Heron flow").await;
        let parents = colophon_formats::Workflow::parse(ui.as_bytes()).expect("fixture").pinned_hashes();
        let (s, f) = upload(&app, &c, &flow, ContentKind::Workflow, ui.as_bytes(), parents).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");

        let short = &ContentHash::of(&lora_file).to_hex()[..12];
        let params = format!(
            "heron <lora:inkwash:0.7>\nNegative prompt: blur\nSteps: 20, Seed: 77, Model hash: ffffffffff, Lora hashes: \"inkwash: {short}\""
        );
        let image = png_with_text(&[("parameters", &params), ("workflow", ui)]);
        let edition = listing(&app, &c, "edition", "Heron at dusk").await;
        let (s, f) = upload(&app, &c, &edition, ContentKind::EditionImage, &image, vec![]).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        assert_eq!(f["details"]["generation"]["seed"], 77, "{f}");
        publish(&app, &c, edition["id"].as_i64().expect("id")).await;

        // Drafts are not credited.
        let slug = edition["slug"].as_str().expect("slug");
        let p = page(&app, &c, slug).await;
        assert_eq!(p["made_with"], serde_json::json!([]));
        assert_eq!(p["generation"]["seed"], "77");
        publish(&app, &c, lora["id"].as_i64().expect("id")).await;
        publish(&app, &c, flow["id"].as_i64().expect("id")).await;

        let p = page(&app, &c, slug).await;
        let made: Vec<(String, String)> = p["made_with"]
            .as_array()
            .expect("list")
            .iter()
            .map(|m| {
                (m["title"].as_str().unwrap_or_default().into(), m["credited_as"].as_str().unwrap_or_default().into())
            })
            .collect();
        assert_eq!(made, vec![("Heron flow".into(), "workflow".into()), ("Ink Wash".into(), "lora".into())]);
        // The checkpoint's hash matched nothing and links nothing.
        assert!(!p["made_with"].to_string().contains("checkpoint"));
        for credited in [&lora, &flow] {
            let p = page(&app, &c, credited["slug"].as_str().expect("slug")).await;
            assert_eq!(p["used_in"][0]["title"], "Heron at dusk", "{p}");
        }
        let (_, credits) = call(&app, &c.tab, "listings/credited", &[]).await;
        assert!(credits.contains("Heron at dusk") && credits.contains("Ink Wash"), "{credits}");

        // The style library: save the edition's settings; a later work with the same seed and LoRA is found.
        let (s, b) = call(&app, &c.tab, "styles/save", &[("slug", slug), ("name", "dusk herons")]).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, b) =
            call(&app, &c.tab, "styles/save", &[("slug", lora["slug"].as_str().expect("slug")), ("name", "")]).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(b.contains("no generation metadata"), "{b}");
        let params2 = format!("another heron\nSteps: 30, Seed: 77, Lora hashes: \"inkwash: {short}\"");
        let second = listing(&app, &c, "edition", "Heron again").await;
        let (s, f) =
            upload(&app, &c, &second, ContentKind::EditionImage, &png_with_text(&[("parameters", &params2)]), vec![])
                .await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        let (_, b) = call(&app, &c.tab, "styles/mine", &[]).await;
        let styles: Value = serde_json::from_str(&b).expect("json");
        assert_eq!(styles[0]["name"], "dusk herons");
        assert_eq!(styles[0]["seed"], "77");
        assert_eq!(styles[0]["matches"][0]["title"], "Heron again", "{styles}");
        assert_eq!(styles[0]["matches"][0]["why"], serde_json::json!(["same seed", "same lora inkwash"]));
        let id = styles[0]["id"].to_string();
        let stranger = creator_with_key(&app, "stranger", &SigningKey::from_seed(&[82; 32])).await;
        assert_eq!(call(&app, &stranger, "styles/delete", &[("id", &id)]).await.0, StatusCode::NOT_FOUND);
        let (_, theirs) = call(&app, &stranger, "styles/mine", &[]).await;
        assert_eq!(theirs, "[]", "the library is private");
        assert_eq!(call(&app, &c.tab, "styles/delete", &[("id", &id)]).await.0, StatusCode::OK);

        // The same claim in a JPEG's EXIF (AUTOMATIC1111 writes it there through piexif) credits the same LoRA.
        let jpeg =
            jpeg_with_parameters(&format!("heron, jpeg\nSteps: 20, Seed: 78, Lora hashes: \"inkwash: {short}\""));
        let third = listing(&app, &c, "edition", "Heron in JPEG").await;
        let (s, f) = upload(&app, &c, &third, ContentKind::EditionImage, &jpeg, vec![]).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        assert_eq!(
            (f["file_type"].as_str(), &f["details"]["generation"]["seed"]),
            (Some("jpeg"), &serde_json::json!(78))
        );
        publish(&app, &c, third["id"].as_i64().expect("id")).await;
        let p = page(&app, &c, third["slug"].as_str().expect("slug")).await;
        assert_eq!(p["made_with"][0]["title"], "Ink Wash", "{p}");
        app.stop().await;
    }
}
