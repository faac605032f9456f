//! `colophon publish` against the real server: a manifest of an edition and a
//! workflow is listed, signed here, uploaded and published; running it again
//! is a no-op; `--dry-run` changes nothing; an upload a killed run left
//! half-sent is resumed, not restarted; inferred listings; a wrong key file,
//! a read-only token and a bad manifest are refused with clear messages.

use std::{path::Path, process::Command};

use colophon_provenance::{
    ContentHash, SigningKey,
    keyfile::{KdfParams, KeyFile},
};
use colophon_store::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::testing::{TestApp, call, creator_with_key, png};

const PASSPHRASE: &str = "pipeline passphrase";

fn publish(dir: &Path, token: &str, args: &[&str]) -> (u8, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_colophon"))
        .arg("publish")
        .args(args)
        .arg("--json")
        .current_dir(dir)
        .env("COLOPHON_TOKEN", token)
        .env("COLOPHON_KEY_PASSPHRASE", PASSPHRASE)
        .output()
        .expect("run colophon");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(stdout.trim()).unwrap_or_else(|_| panic!("not JSON: {stdout}\n{stderr}"));
    (out.status.code().unwrap_or(-1) as u8, json, stderr)
}

fn actions(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .expect("actions")
        .iter()
        .map(|a| (a["action"].as_str().unwrap_or_default().to_owned(), a["file"].as_str().unwrap_or("").to_owned()))
        .collect()
}

async fn token(app: &TestApp, tab: &reqwest::Client, scopes: &str) -> String {
    let (s, body) = call(app, tab, "tokens/create", &[("name", "cli"), ("scopes", scopes)]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    serde_json::from_str::<Value>(&body).expect("json")["token"].as_str().expect("token").to_owned()
}

async fn studio(app: &TestApp, token: &str, slug: &str) -> Value {
    reqwest::Client::new()
        .get(app.url(&format!("/api/v1/studio/listings/{slug}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

async fn log_size(app: &TestApp) -> u64 {
    let v: Value = app.get("/api/v1/log/checkpoint").await.json().await.expect("json");
    v["tree_size"].as_u64().expect("size")
}

const WORKFLOW: &str = r#"{
  "3": {"class_type": "KSampler", "inputs": {"seed": 42, "steps": 20, "model": ["4", 0]}},
  "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}}
}"#;

// Multi-threaded: the CLI runs as a blocking child process while the server answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_lists_signs_uploads_resumes_and_reruns_as_a_no_op() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let server = app.url("");
    let key = SigningKey::from_seed(&[61; 32]);
    let tab = creator_with_key(&app, "pipeline", &key).await;
    let token = token(&app, &tab, "read,publish").await;
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let fast = KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 };
    let sealed = KeyFile::seal(&key, PASSPHRASE, fast, "ci", 0, &mut rand_core::OsRng).expect("seal");
    std::fs::write(d.join("key.json"), sealed.to_json()).expect("key");
    let tide = png(120, 80);
    std::fs::write(d.join("tide.png"), &tide).expect("png");
    std::fs::write(d.join("flow.json"), WORKFLOW).expect("workflow");
    std::fs::write(
        d.join("colophon.toml"),
        r#"
[[listing]]
slug = "tide-01"
kind = "edition"
title = "Tide 01"
price = "25"
edition_size = 5
tags = ["ocean"]
files = ["tide.png"]
[listing.license]
credit_required = true

[[listing]]
slug = "tide-flow"
kind = "workflow"
title = "The Tide workflow"
price = "4.50"
files = ["flow.json"]
"#,
    )
    .expect("manifest");
    let base = ["--server", &server, "--key", "key.json", "--manifest", "colophon.toml"];

    // Dry run: says what it would do, changes nothing.
    let before = log_size(&app).await;
    let mut dry = base.to_vec();
    dry.push("--dry-run");
    let (code, out, err) = publish(d, &token, &dry);
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(
        actions(&out),
        [
            ("would_create".into(), "".into()),
            ("would_upload".into(), "tide.png".into()),
            ("would_publish".into(), "".into()),
            ("would_create".into(), "".into()),
            ("would_upload".into(), "flow.json".into()),
            ("would_publish".into(), "".into()),
        ]
    );
    assert_eq!(studio(&app, &token, "tide-01").await["error"], "not_found");
    assert_eq!(log_size(&app).await, before);

    // The real run: two listings, two signed files, both published.
    let (code, out, err) = publish(d, &token, &base);
    assert_eq!(code, 0, "{out} {err}");
    let did = actions(&out);
    assert!(did.contains(&("uploaded".into(), "tide.png".into())), "{out}");
    assert!(did.contains(&("uploaded".into(), "flow.json".into())), "{out}");
    assert_eq!(did.iter().filter(|(a, _)| a == "published").count(), 2, "{out}");
    let listing = studio(&app, &token, "tide-01").await;
    assert_eq!(listing["status"], "published");
    assert_eq!(listing["versions"][0]["sha256"], ContentHash::of(&tide).to_hex());
    let flow = studio(&app, &token, "tide-flow").await;
    assert_eq!((flow["status"].as_str(), flow["price_minor"].as_i64()), (Some("published"), Some(450)));
    // The file is registered under the creator's key, as the ledger tells anyone.
    let prov: Value =
        app.get(&format!("/api/v1/provenance/{}", ContentHash::of(&tide).to_hex())).await.json().await.expect("json");
    assert_eq!(prov["matches"][0]["signer_fingerprint"], key.public_key().key_id().fingerprint());

    // Again: nothing to do, nothing appended to the log.
    let size = log_size(&app).await;
    let (code, out, err) = publish(d, &token, &base);
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(
        actions(&out),
        [
            ("exists".into(), "".into()),
            ("skipped".into(), "tide.png".into()),
            ("exists".into(), "".into()),
            ("skipped".into(), "flow.json".into()),
        ]
    );
    assert_eq!(log_size(&app).await, size);

    // A run killed mid-upload left a half-sent file and its upload id in the
    // state file (FORMATS §10); the next run resumes at that offset.
    let tide2 = png(300, 200);
    std::fs::write(d.join("tide.png"), &tide2).expect("new version");
    let http = reqwest::Client::new();
    let up: Value = http
        .post(app.url("/api/v1/uploads"))
        .bearer_auth(&token)
        .json(&json!({"listing_id": listing["id"], "size": tide2.len(), "sha256": ContentHash::of(&tide2).to_hex()}))
        .send()
        .await
        .expect("start")
        .json()
        .await
        .expect("json");
    let id = up["upload_id"].as_str().expect("id");
    let half = tide2.len() / 2;
    let res = http
        .put(app.url(&format!("/api/v1/uploads/{id}")))
        .bearer_auth(&token)
        .header("upload-offset", "0")
        .body(tide2[..half].to_vec())
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let state = json!({"uploads": {format!("tide-01/{}", ContentHash::of(&tide2).to_hex()): id}});
    std::fs::write(d.join(".colophon-publish.json"), state.to_string()).expect("state");
    let (code, out, err) = publish(d, &token, &base);
    assert_eq!(code, 0, "{out} {err}");
    let resumed = out.as_array().expect("actions").iter().find(|a| a["action"] == "resumed").expect("resumed").clone();
    assert!(resumed["detail"].as_str().expect("detail").contains(&format!("resumed at byte {half}")), "{resumed}");
    let listing = studio(&app, &token, "tide-01").await;
    assert_eq!(listing["versions"].as_array().map(Vec::len), Some(2), "a new version, the old one kept");
    assert_eq!(listing["versions"][0]["sha256"], ContentHash::of(&tide2).to_hex());
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join(".colophon-publish.json")).expect("state")).expect("json");
    assert_eq!(state["uploads"], json!({}), "finished uploads leave the state file");

    // Files without a manifest: one listing each, kind from the content.
    std::fs::write(d.join("dusk_study.png"), png(64, 64)).expect("png");
    let (code, out, err) = publish(
        d,
        &token,
        &[
            "--server",
            &server,
            "--key",
            "key.json",
            "--price",
            "9.99",
            "--edition-size",
            "3",
            "--draft",
            "dusk_study.png",
        ],
    );
    assert_eq!(code, 0, "{out} {err}");
    let dusk = studio(&app, &token, "dusk-study").await;
    assert_eq!(
        (dusk["kind"].as_str(), dusk["status"].as_str(), dusk["title"].as_str()),
        (Some("edition"), Some("draft"), Some("dusk study"))
    );

    // Refusals: another key file, a read-only token, a bad manifest, no passphrase.
    let stranger =
        KeyFile::seal(&SigningKey::from_seed(&[62; 32]), PASSPHRASE, fast, "", 0, &mut rand_core::OsRng).expect("seal");
    std::fs::write(d.join("other.json"), stranger.to_json()).expect("key");
    let (code, out, _) =
        publish(d, &token, &["--server", &server, "--key", "other.json", "--manifest", "colophon.toml"]);
    assert_eq!(code, 2);
    assert!(out["error"].as_str().expect("error").contains("is not your active signing key"), "{out}");
    let reader = self::token(&app, &tab, "read").await;
    let (code, out, _) = publish(d, &reader, &base);
    assert_eq!(code, 2);
    assert!(out["error"].as_str().expect("error").contains("publish scope"), "{out}");
    std::fs::write(d.join("bad.toml"), "[[listing]]\nslug = \"x\"\ncolour = 1\n").expect("bad");
    let (code, out, _) = publish(d, &token, &["--server", &server, "--key", "key.json", "--manifest", "bad.toml"]);
    assert_eq!(code, 2);
    assert!(out["error"].as_str().expect("error").contains("colour"), "{out}");
    std::fs::write(d.join("note.txt"), "just text").expect("txt");
    let (code, out, _) = publish(d, &token, &["--server", &server, "--key", "key.json", "--price", "1", "note.txt"]);
    assert_eq!(code, 2);
    assert!(out["error"].as_str().expect("error").contains("not a PNG"), "{out}");
    app.stop().await;
}
