//! `colophon verify --server` and `colophon log audit` against the real
//! server (its own anvil, anchoring every second): a purchased original
//! verifies with its registration and sale, and each failure a verifier must
//! catch gets its verdict and exit code — tampered file, tampered receipt,
//! another registry, a pending anchor, a file nobody registered, a revoked
//! key, a forged operator, a log that shrank or was rewritten.

use std::{path::Path, process::Command, time::Duration};

use colophon_provenance::{ContentHash, ContentKind, Receipt, RevocationReason, SigningKey, Statement};
use colophon_store::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::testing::{Creator, TestApp, browser, call, creator_with_key, listing, now_ms, png, upload};

pub(crate) fn colophon(args: &[&str]) -> (u8, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_colophon"))
        .args(args)
        .env("XDG_STATE_HOME", std::env::temp_dir().join("colophon-cli-never-used"))
        .output()
        .expect("run colophon");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1) as u8, text)
}

pub(crate) fn json_out(args: &[&str]) -> (u8, Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let (code, text) = colophon(&all);
    (code, serde_json::from_str(text.trim()).unwrap_or_else(|_| panic!("not JSON: {text}")))
}

/// The port the test server's anvil listens on, from its pid's command line.
pub(crate) fn anvil_rpc(data_dir: &Path) -> String {
    let pid = std::fs::read_to_string(data_dir.join("chain/anvil.pid")).expect("pid");
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", pid.trim())).expect("cmdline");
    let args: Vec<String> = cmdline.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    let at = args.iter().position(|a| a == "--port").expect("--port");
    format!("http://127.0.0.1:{}", args[at + 1])
}

async fn provenance(app: &TestApp, hash: &ContentHash) -> Value {
    app.get(&format!("/api/v1/provenance/{}", hash.to_hex())).await.json().await.expect("json")
}

pub(crate) async fn wait_anchored(app: &TestApp, hash: &ContentHash) -> Value {
    for _ in 0..300 {
        let v = provenance(app, hash).await;
        if v["matches"].as_array().is_some_and(|m| !m.is_empty() && m.iter().all(|m| m["anchored"] == true)) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not anchored after 30 s");
}

pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p.display().to_string()
}

// Multi-threaded: the CLI runs as a blocking child process while the server answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_and_audit_against_a_live_ledger() {
    let app = TestApp::spawn_env(Backend::Sqlite, &[("COLOPHON_ANCHOR_INTERVAL", "1".to_owned())]).await;
    let server = app.url("");
    let rpc = anvil_rpc(&app.data_dir);
    let dir = tempfile::tempdir().expect("dir");
    let key = SigningKey::from_seed(&[31; 32]);
    let ada = Creator { tab: creator_with_key(&app, "ada", &key).await, key };

    // Ada lists and publishes an edition; a collector buys #1.
    let edition = listing(&app, &ada, "edition", "Tides").await;
    let original = png(96, 64);
    let (s, f) = upload(&app, &ada, &edition, ContentKind::EditionImage, &original, vec![]).await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let (s, b) =
        call(&app, &ada.tab, "listings/status", &[("listing_id", &edition["id"].to_string()), ("status", "published")])
            .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let buyer = browser();
    let (s, b) =
        call(&app, &buyer, "account/sign_up", &[("email", "bo@example.com"), ("password", "correct horse battery")])
            .await;
    assert!(s.is_success() || s.is_redirection(), "{b}");
    let slug = edition["slug"].as_str().expect("slug");
    let res = buyer
        .post(app.url("/api/v1/orders"))
        .header("sec-fetch-site", "same-origin")
        .header("idempotency-key", "cli-test-order-1")
        .json(&json!({"listing": slug, "price_minor": 1250}))
        .send()
        .await
        .expect("order");
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap_or_default());
    let hash = ContentHash::of(&original);
    let view = wait_anchored(&app, &hash).await;
    let file = write(dir.path(), "tides.png", &original);

    // 1. Everything the ledger says about the file checks out, chain included.
    let (code, out) = colophon(&["verify", &file, "--server", &server, "--rpc", &rpc]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("registered by key") && out.contains("active in the ledger"), "{out}");
    let (code, v) = json_out(&["verify", &file, "--server", &server, "--rpc", &rpc]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["sha256"], hash.to_hex());
    let kinds: Vec<(&str, &str)> = v["receipts"]
        .as_array()
        .expect("receipts")
        .iter()
        .map(|r| (r["statement"].as_str().expect("s"), r["verdict"].as_str().expect("v")))
        .collect();
    assert_eq!(kinds, [("registration", "verified"), ("sale", "verified")], "{v}");

    // The receipts the server hands out, saved as a collector keeps them.
    let reg: Receipt = serde_json::from_value(view["matches"][0]["receipt"].clone()).expect("receipt");
    let sale: Receipt = serde_json::from_value(view["matches"][1]["receipt"].clone()).expect("receipt");
    let reg_path = write(dir.path(), "reg.json", reg.to_json().as_bytes());
    let sale_path = write(dir.path(), "sale.json", sale.to_json().as_bytes());
    let (code, out) = colophon(&["verify", &file, "--receipt", &sale_path, "--rpc", &rpc, "--server", &server]);
    assert_eq!(code, 0, "a sale receipt alone, operator key from the server: {out}");
    assert!(out.contains("operator key"), "{out}");
    let stranger = SigningKey::from_seed(&[99; 32]).public_key().to_hex();
    let (code, out) = colophon(&["verify", &file, "--receipt", &sale_path, "--rpc", &rpc, "--operator-key", &stranger]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not by the marketplace's operator key"), "{out}");

    // 2. Tampered file.
    let mut tampered = original.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let bad_file = write(dir.path(), "tampered.png", &tampered);
    let (code, out) = colophon(&["verify", &bad_file, "--receipt", &reg_path, "--rpc", &rpc]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("is not the hash"), "{out}");
    let (code, out) = colophon(&["verify", &bad_file, "--server", &server]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("is not in the ledger"), "{out}");

    // 3. Tampered receipts: signature, proof/root, registry.
    let mut forged = reg.clone();
    forged.signature = hex::encode(SigningKey::from_seed(&[7; 32]).sign(b"something else"));
    let p = write(dir.path(), "forged.json", forged.to_json().as_bytes());
    let (code, out) = colophon(&["verify", &file, "--receipt", &p, "--rpc", &rpc]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("signature does not verify"), "{out}");
    let mut moved = reg.clone();
    moved.root = "11".repeat(32);
    let p = write(dir.path(), "moved.json", moved.to_json().as_bytes());
    let (code, out) = colophon(&["verify", &file, "--receipt", &p, "--rpc", &rpc]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("inclusion proof does not lead"), "{out}");
    let other_registry = "0x000000000000000000000000000000000000dEaD";
    let (code, out) = colophon(&["verify", &file, "--receipt", &reg_path, "--rpc", &rpc, "--registry", other_registry]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not in the registry you trust"), "{out}");

    // 4. A receipt issued before its anchor: signature and proof pass, the chain is pending.
    let mut pending = reg.clone();
    pending.anchor = None;
    let p = write(dir.path(), "pending.json", pending.to_json().as_bytes());
    let (code, out) = colophon(&["verify", &file, "--receipt", &p, "--rpc", &rpc]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("has not anchored size"), "{out}");
    let (code, out) = colophon(&["verify", &file, "--receipt", &reg_path]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("pass --rpc"), "{out}");
    assert!(out.contains("revocation status not checked"), "{out}");

    // 5. The log audit: a first checkpoint, then growth with a consistency proof.
    let state = dir.path().join("audit.json");
    let state_s = state.display().to_string();
    let (code, out) = colophon(&["log", "audit", "--server", &server, "--rpc", &rpc, "--state", &state_s]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("first audit") && out.contains("the log extends that root"), "{out}");
    let seen: Value = serde_json::from_str(&std::fs::read_to_string(&state).expect("state")).expect("json");

    // 6. Ada's key is revoked as compromised: nothing it signed verifies any more.
    let revoke = Statement::KeyRevoked {
        key: ada.key.public_key().key_id(),
        reason: RevocationReason::Compromised,
        time_ms: now_ms(),
    }
    .sign(&ada.key)
    .expect("sign");
    let (s, b) = call(
        &app,
        &ada.tab,
        "keys/submit",
        &[
            ("statement_hex", &hex::encode(&revoke.bytes)),
            ("public_key_hex", &revoke.public_key.to_hex()),
            ("signature_hex", &hex::encode(revoke.signature)),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (code, out) = colophon(&["verify", &file, "--server", &server, "--rpc", &rpc]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("revoked (Compromised)"), "{out}");
    // The saved receipt too, once the server is asked about the key.
    let (code, out) = colophon(&["verify", &file, "--receipt", &reg_path, "--server", &server]);
    assert_eq!(code, 1, "{out}");

    // The log grew by the revocation: the audit accepts the extension (and waits for no anchor).
    let (code, out) = colophon(&["log", "audit", "--server", &server, "--state", &state_s]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("append-only extension"), "{out}");

    // 7. A log that shrank or was rewritten is caught.
    let size = seen["tree_size"].as_u64().expect("size");
    std::fs::write(&state, json!({"server": server, "tree_size": size + 1000, "root": seen["root"]}).to_string())
        .expect("state");
    let (code, out) = colophon(&["log", "audit", "--server", &server, "--state", &state_s]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("shrank"), "{out}");
    std::fs::write(&state, json!({"server": server, "tree_size": size, "root": "22".repeat(32)}).to_string())
        .expect("state");
    let (code, out) = colophon(&["log", "audit", "--server", &server, "--state", &state_s]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rewritten"), "{out}");
    // A refused audit keeps the state it had.
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(&state).expect("state")).expect("json");
    assert_eq!(kept["root"], "22".repeat(32));

    // 8. Usage errors.
    let (code, out) = colophon(&["verify", &file]);
    assert_eq!(code, 2, "{out}");
    let (code, out) = colophon(&["verify", &file, "--server", "http://127.0.0.1:9"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot reach"), "{out}");
    app.stop().await;
}
