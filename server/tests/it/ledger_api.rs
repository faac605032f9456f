//! The ledger API over HTTP on both backends: checkpoint, proofs that verify
//! with the provenance crate, provenance look-ups whose receipts verify
//! against the on-chain root, and clear JSON errors for bad input.

use chrono::Utc;
use colophon_ledger::Chain;
use colophon_provenance::{
    ContentHash, ContentKind, KeyStatus, Receipt, SigningKey, Statement,
    merkle::{verify_consistency, verify_inclusion},
    verify,
};
use colophon_store::{NewLogEntry, testing::BACKENDS};
use serde_json::Value;
use server::testing::{TestApp, conform};

async fn register(app: &TestApp, key: &SigningKey, file: &[u8]) -> ContentHash {
    let hash = ContentHash::of(file);
    let signed = Statement::ContentRegistered {
        content_hash: hash,
        content_kind: ContentKind::Lora,
        size: file.len() as u64,
        creator_key: key.public_key().key_id(),
        listing_id: "lst_api".into(),
        file_id: "fil_api".into(),
        parents: vec![],
        license_terms: None,
        perceptual_hash: None,
        time_ms: 1_795_000_000_000,
    }
    .sign(key)
    .expect("sign");
    app.store
        .append_log_entry(&NewLogEntry {
            leaf_hash: signed.leaf_hash(),
            kind: 1,
            statement: &signed.bytes,
            public_key: signed.public_key.to_bytes(),
            signature: signed.signature,
            content_hash: Some(hash.0),
            created_at: Utc::now(),
        })
        .await
        .expect("append");
    hash
}

/// Appends an EditionSold of `hash` signed by `operator`; returns its leaf index.
async fn sell(app: &TestApp, operator: &SigningKey, hash: ContentHash, edition: u64) -> u64 {
    let signed = Statement::EditionSold {
        listing_id: "lst_api".into(),
        content_hash: hash,
        edition,
        edition_size: 1000,
        buyer_ref: [edition as u8; 32],
        price_minor: 500,
        currency: "EUR".into(),
        time_ms: 1_795_000_000_000 + edition,
        payment: None,
    }
    .sign(operator)
    .expect("sign");
    app.store.append_log_entry(&NewLogEntry::from_signed(&signed, Utc::now())).await.expect("append")
}

fn h32(v: &Value) -> [u8; 32] {
    let mut out = [0u8; 32];
    hex::decode_to_slice(v.as_str().expect("hex string"), &mut out).expect("hex");
    out
}

#[tokio::test]
async fn checkpoint_proofs_and_provenance() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let key = SigningKey::from_seed(&[3; 32]);
        let mut hashes = Vec::new();
        for i in 0..6u8 {
            hashes.push(register(&app, &key, &[i; 100]).await);
        }

        let cp: Value = app.get("/api/v1/log/checkpoint").await.json().await.expect("json");
        assert_eq!(cp["tree_size"], 6, "{backend:?}");
        assert!(cp["anchor"].is_null(), "nothing anchored yet");
        let root6 = h32(&cp["root"]);

        // Before anchoring: the receipt is complete but unanchored.
        let resp = app.get(&format!("/api/v1/provenance/{}", hashes[2])).await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.expect("json");
        let m = &body["matches"][0];
        assert_eq!(m["anchored"], false);
        assert_eq!(m["statement"]["type"], "content_registered");
        assert_eq!(m["signer_key_id"], key.public_key().key_id().to_hex());
        let receipt: Receipt = serde_json::from_value(m["receipt"].clone()).expect("receipt");
        assert!(matches!(
            verify(&hashes[2], &receipt, None, KeyStatus::Active),
            Err(colophon_provenance::VerifyError::Unanchored { .. })
        ));

        let incl: Value = app.get("/api/v1/log/inclusion?leaf_index=4&tree_size=6").await.json().await.expect("json");
        let proof: Vec<[u8; 32]> = incl["proof"].as_array().expect("proof").iter().map(h32).collect();
        verify_inclusion(&h32(&incl["leaf_hash"]), 4, 6, &proof, &root6).expect("inclusion verifies");

        register(&app, &key, b"a seventh file").await;
        let cons: Value = app.get("/api/v1/log/consistency?from=6&to=7").await.json().await.expect("json");
        let proof: Vec<[u8; 32]> = cons["proof"].as_array().expect("proof").iter().map(h32).collect();
        assert_eq!(h32(&cons["from_root"]), root6, "the old root is unchanged");
        verify_consistency(6, 7, &root6, &h32(&cons["to_root"]), &proof).expect("the log only grew");

        app.stop().await;
    }
}

#[tokio::test]
async fn a_hashs_sales_come_a_page_at_a_time_and_each_receipt_verifies() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let (creator, operator) = (SigningKey::from_seed(&[3; 32]), SigningKey::from_seed(&[4; 32]));
        let hash = register(&app, &creator, b"a popular edition").await;
        let other = register(&app, &creator, b"another file").await;
        let mut sold = Vec::new();
        for edition in 1..=25 {
            sold.push(sell(&app, &operator, hash, edition).await);
            if edition % 5 == 0 {
                sell(&app, &operator, other, edition).await;
            }
        }
        sold.reverse();
        let served = &app;
        let page = |query: String| async move {
            let url = format!("/api/v1/provenance/{hash}{query}");
            let resp = served.get(&url).await;
            assert_eq!(resp.status(), 200, "{url}");
            resp.json::<Value>().await.expect("json")
        };
        let leaves = |body: &Value| -> Vec<u64> {
            body["matches"]
                .as_array()
                .expect("matches")
                .iter()
                .map(|m| m["leaf_index"].as_u64().expect("leaf"))
                .collect()
        };

        // The first page: the registration and the newest 20 sales, in log order.
        let first = page(String::new()).await;
        assert_eq!(first["sales"]["total"], 25, "{backend:?}");
        assert_eq!(first["sales"]["shown"], 20);
        let mut want: Vec<u64> = sold[..20].to_vec();
        want.push(0);
        want.sort_unstable();
        assert_eq!(leaves(&first), want);
        assert_eq!(first["sales"]["next_before"], sold[19]);
        // Every receipt on it checks: signature and proof (to the live root: nothing is anchored here).
        for m in first["matches"].as_array().expect("matches") {
            let receipt: Receipt = serde_json::from_value(m["receipt"].clone()).expect("receipt");
            let checked = if m["statement"]["type"] == "edition_sold" {
                colophon_provenance::verify_sale(&hash, &receipt, None)
            } else {
                verify(&hash, &receipt, None, KeyStatus::Active)
            };
            assert!(matches!(checked, Err(colophon_provenance::VerifyError::Unanchored { .. })), "{checked:?}");
        }

        // The next page: the 5 older sales only, and no further cursor.
        let second = page(format!("?before={}", sold[19])).await;
        assert_eq!(leaves(&second), sold[20..].iter().rev().copied().collect::<Vec<_>>(), "{backend:?}");
        assert!(second["sales"]["next_before"].is_null());
        assert_eq!(second["sales"]["shown"], 5);

        // Smaller pages walk the same sales exactly once each.
        let mut walked = Vec::new();
        let mut query = "?limit=7".to_owned();
        loop {
            let body = page(query.clone()).await;
            let sales: Vec<u64> = body["matches"]
                .as_array()
                .expect("matches")
                .iter()
                .filter(|m| m["statement"]["type"] == "edition_sold")
                .map(|m| m["leaf_index"].as_u64().expect("leaf"))
                .rev()
                .collect();
            walked.extend(sales);
            match body["sales"]["next_before"].as_u64() {
                Some(before) => query = format!("?limit=7&before={before}"),
                None => break,
            }
        }
        assert_eq!(walked, sold, "{backend:?}");

        for bad in ["?limit=0", "?limit=101", "?limit=ten", "?before=-1"] {
            let resp = app.get(&format!("/api/v1/provenance/{hash}{bad}")).await;
            assert_eq!(resp.status(), 400, "{bad}");
            let body: Value = resp.json().await.expect("a JSON error");
            assert!(body["message"].as_str().expect("message").contains('`'), "{bad}: {body}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn receipts_from_the_api_verify_against_the_chain() {
    let data = tempfile::tempdir().expect("temp dir");
    let app = TestApp::spawn_with(data.path(), None, &[("COLOPHON_ANCHOR_INTERVAL", "1".to_owned())]).await;
    let key = SigningKey::from_seed(&[4; 32]);
    let file = b"the original of edition 1".to_vec();
    let hash = register(&app, &key, &file).await;
    register(&app, &key, b"another file").await;

    let mut body = Value::Null;
    for _ in 0..100 {
        body = app.get(&format!("/api/v1/provenance/{hash}")).await.json().await.expect("json");
        if body["matches"][0]["anchored"] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let receipt: Receipt = serde_json::from_value(body["matches"][0]["receipt"].clone()).expect("receipt");
    let anchor = receipt.anchor.clone().expect("anchored");
    let health: Value = app.get("/healthz").await.json().await.expect("json");
    let rpc = format!("http://127.0.0.1:{}", anvil_port(&app.data_dir));
    let registry = anchor.contract.parse().expect("address");
    assert_eq!(health["chain"]["registry"].as_str().map(str::to_lowercase), Some(anchor.contract.to_lowercase()));
    let chain = Chain::connect(&rpc, registry, Some(anchor.chain_id)).await.expect("chain");
    let on_chain = chain.anchored_root(receipt.tree_size).await.expect("read root");
    let verdict = verify(&ContentHash::of(&file), &receipt, on_chain.as_ref(), KeyStatus::Active).expect("verifies");
    assert_eq!(verdict.leaf_index, 0);
    app.stop().await;
}

/// The port the test server's anvil listens on, from its pid's command line.
fn anvil_port(data_dir: &std::path::Path) -> u16 {
    let pid = std::fs::read_to_string(data_dir.join("chain/anvil.pid")).expect("pid");
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", pid.trim())).expect("cmdline");
    let args: Vec<String> = cmdline.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    let at = args.iter().position(|a| a == "--port").expect("--port");
    args[at + 1].parse().expect("port")
}

#[tokio::test]
async fn bad_requests_get_clear_json_errors() {
    let app = TestApp::spawn(colophon_store::Backend::Sqlite).await;
    for (path, status, needle) in [
        ("/api/v1/provenance/xyz", 400, "not a SHA-256 hash"),
        ("/api/v1/provenance/abcd", 400, "64 hex digits"),
        (&format!("/api/v1/provenance/{}", "ab".repeat(32)) as &str, 404, "Nothing found"),
        ("/api/v1/log/inclusion?leaf_index=0", 400, "missing query parameter `tree_size`"),
        ("/api/v1/log/inclusion?leaf_index=-1&tree_size=1", 400, "non-negative integer"),
        ("/api/v1/log/inclusion?leaf_index=0&tree_size=1", 400, "log's size (0)"),
        ("/api/v1/log/consistency?from=2&to=1", 400, "from ≤ to"),
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), status, "{path}");
        let body: Value = resp.json().await.expect("a JSON error");
        let message = body["message"].as_str().expect("message");
        assert!(message.contains(needle), "{path}: {message}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_served_openapi_document_describes_what_the_api_answers() {
    let app = TestApp::spawn(colophon_store::Backend::Sqlite).await;
    let key = SigningKey::from_seed(&[8; 32]);
    let hash = register(&app, &key, b"documented").await;
    register(&app, &key, b"documented too").await;
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/json");
    let spec: Value = res.json().await.expect("the document is JSON");
    assert_eq!(spec["openapi"], "3.1.0");
    // The checker itself catches a body that breaks the document.
    let mut errors = Vec::new();
    let checkpoint = serde_json::json!({"$ref": "#/components/schemas/Checkpoint"});
    conform(&spec, &checkpoint, &serde_json::json!({"tree_size": "2", "root": "ab"}), "x", &mut errors);
    assert_eq!(errors.len(), 3, "{errors:?}");
    // Each documented path, with valid parameters and with broken ones.
    let cases: Vec<(&str, String, u16)> = vec![
        ("/api/v1/log/checkpoint", "/api/v1/log/checkpoint".into(), 200),
        ("/api/v1/log/inclusion", "/api/v1/log/inclusion?leaf_index=1&tree_size=2".into(), 200),
        ("/api/v1/log/inclusion", "/api/v1/log/inclusion?leaf_index=5&tree_size=2".into(), 400),
        ("/api/v1/log/consistency", "/api/v1/log/consistency?from=1&to=2".into(), 200),
        ("/api/v1/log/consistency", "/api/v1/log/consistency?from=3&to=2".into(), 400),
        ("/api/v1/provenance/{sha256}", format!("/api/v1/provenance/{hash}"), 200),
        ("/api/v1/provenance/{sha256}", format!("/api/v1/provenance/{hash}?limit=1&before=1"), 200),
        ("/api/v1/provenance/{sha256}", format!("/api/v1/provenance/{hash}?limit=500"), 400),
        ("/api/v1/provenance/{sha256}", format!("/api/v1/provenance/{}", "cd".repeat(32)), 404),
        ("/api/v1/provenance/{sha256}", "/api/v1/provenance/nothex".into(), 400),
        ("/api/v1/operator", "/api/v1/operator".into(), 200),
        ("/api/v1/chain", "/api/v1/chain".into(), 200),
        ("/api/v1/openapi.json", "/api/v1/openapi.json".into(), 200),
    ];
    // The creator API's paths are exercised in creator_api.rs.
    let documented: Vec<&str> = spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(_, ops)| ops["get"]["tags"][0] == "verifier")
        .map(|(p, _)| p.as_str())
        .collect();
    for path in &documented {
        assert!(cases.iter().any(|(p, _, _)| p == path), "{path} is documented but not exercised here");
    }
    for (path, url, want) in cases {
        let op = &spec["paths"][path]["get"];
        assert!(op.is_object(), "{path} is not documented");
        let res = app.get(&url).await;
        assert_eq!(res.status().as_u16(), want, "{url}");
        let response = &op["responses"][want.to_string()];
        assert!(response.is_object(), "{path}: status {want} is not documented");
        let schema = &response["content"]["application/json"]["schema"];
        if schema.is_null() {
            continue;
        }
        let body: Value = res.json().await.expect("json");
        let mut errors = Vec::new();
        conform(&spec, schema, &body, &url, &mut errors);
        assert!(errors.is_empty(), "{url} does not match its documented schema: {errors:#?}");
    }
    app.stop().await;
}
