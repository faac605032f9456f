//! The server end to end over HTTP, on SQLite and on PostgreSQL.

use colophon_store::{ListingKind, ListingStatus, testing::BACKENDS};
use serde_json::Value;
use server::testing::TestApp;

#[tokio::test]
async fn healthz_reports_database_and_chain() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let resp = app.get("/healthz").await;
        assert_eq!(resp.status(), 200, "{backend:?}");
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["status"], "ok");
        assert_eq!(body["database"]["ok"], true);
        assert_eq!(body["database"]["backend"], backend.name());
        assert_eq!(body["chain"]["ok"], true);
        assert_eq!(body["chain"]["chain_id"], 31337);
        assert_eq!(body["chain"]["latest_anchored_size"], 0);
        let registry = body["chain"]["registry"].as_str().expect("registry address");
        assert!(registry.starts_with("0x") && registry.len() == 42 && registry != format!("0x{}", "0".repeat(40)));
        app.stop().await;
    }
}

#[tokio::test]
async fn store_page_renders_published_listings_from_the_database() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;

        let empty = app.get("/").await.text().await.expect("html");
        assert!(empty.contains("Nothing for sale yet"), "{backend:?}: empty state");

        app.seed_listing("dawn", "Dawn Chorus No. 3", ListingKind::Edition, ListingStatus::Published).await;
        app.seed_listing("ink", "Ink Wash LoRA", ListingKind::Lora, ListingStatus::Published).await;
        app.seed_listing("secret", "Unreleased Draft", ListingKind::Workflow, ListingStatus::Draft).await;

        let resp = app.get("/").await;
        assert_eq!(resp.status(), 200);
        assert!(resp.headers()["content-type"].to_str().expect("ascii").starts_with("text/html"));
        let html = resp.text().await.expect("html");
        assert!(html.contains("Dawn Chorus No. 3"), "{backend:?}: published edition shown");
        assert!(html.contains("Ink Wash LoRA"), "{backend:?}: published LoRA shown");
        assert!(html.contains("25 of 25 left"), "{backend:?}: edition availability");
        assert!(html.contains("$12.50"), "{backend:?}: price");
        assert!(!html.contains("Unreleased Draft"), "{backend:?}: drafts stay private");
        assert!(!html.contains("Nothing for sale yet"));
        // The shell is there, with the hydration script for the browser.
        assert!(html.contains(r#"<nav id="site-nav""#) && html.contains("/pkg/colophon.js"));
        app.stop().await;
    }
}

#[tokio::test]
async fn server_function_returns_listings_as_json() {
    let app = TestApp::spawn(colophon_store::Backend::Sqlite).await;
    app.seed_listing("dawn", "Dawn Chorus No. 3", ListingKind::Edition, ListingStatus::Published).await;
    app.seed_listing("noon", "Noon Study", ListingKind::Workflow, ListingStatus::Published).await;
    let resp = app
        .client
        .post(app.url("/api/store/search"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("query[q]=chorus&query[kind]=edition")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let page: Value = resp.json().await.expect("json");
    assert_eq!(page["total"], 1);
    let cards = &page["cards"];
    assert_eq!(cards[0]["title"], "Dawn Chorus No. 3");
    assert_eq!(cards[0]["kind"], "edition");
    assert_eq!(cards[0]["edition_size"], 25);
    app.stop().await;
}

#[tokio::test]
async fn pages_unknown_paths_and_headers() {
    let app = TestApp::spawn(colophon_store::Backend::Sqlite).await;
    for (path, text) in [("/verify", "Content hash (SHA-256)"), ("/studio", "Studio"), ("/sign-in", "Sign in")] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 200, "{path}");
        assert!(resp.text().await.expect("html").contains(text), "{path}");
    }
    let resp = app.get("/no/such/page").await;
    assert_eq!(resp.status(), 404);
    assert!(resp.headers().contains_key("x-request-id"), "every response carries a request id");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert!(resp.text().await.expect("html").contains("Page not found"));
    app.stop().await;
}

#[tokio::test]
async fn local_chain_survives_restarts_and_recovers_from_a_lost_state_file() {
    let data = tempfile::tempdir().expect("temp dir");
    let registry = |body: &Value| body["chain"]["registry"].as_str().expect("registry").to_owned();

    let first = TestApp::spawn_with(data.path(), None, &[]).await;
    let before: Value = first.get("/healthz").await.json().await.expect("json");
    assert_eq!(before["database"]["backend"], "sqlite", "SQLite in the data dir is the default");
    first.seed_listing("kept", "Kept Across Restarts", ListingKind::Edition, ListingStatus::Published).await;
    first.stop().await;
    assert!(data.path().join("colophon.db").is_file());
    assert!(data.path().join("chain/anvil-state.json").is_file(), "anvil saved its state on shutdown");
    assert!(data.path().join("chain/deployment.json").is_file());

    let second = TestApp::spawn_with(data.path(), None, &[]).await;
    let after: Value = second.get("/healthz").await.json().await.expect("json");
    assert_eq!(after["status"], "ok");
    assert_eq!(registry(&after), registry(&before), "the registry deployed on first start is kept");
    assert!(second.get("/").await.text().await.expect("html").contains("Kept Across Restarts"));
    second.stop().await;

    std::fs::remove_file(data.path().join("chain/anvil-state.json")).expect("remove state");
    let third = TestApp::spawn_with(data.path(), None, &[]).await;
    let recovered: Value = third.get("/healthz").await.json().await.expect("json");
    assert_eq!(recovered["status"], "ok", "a lost chain state means a fresh deployment, not a dead server");
    third.stop().await;
}

#[tokio::test]
async fn unknown_api_paths_answer_json_errors() {
    let app = TestApp::spawn(colophon_store::Backend::Sqlite).await;
    let resp = app.get("/api/v1/nothing-here").await;
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.expect("a JSON error body");
    assert_eq!(body["error"], "not_found");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    app.stop().await;
}

#[tokio::test]
async fn an_anvil_orphaned_by_a_killed_server_is_stopped_and_replaced() {
    let data = tempfile::tempdir().expect("temp dir");
    let chain_dir = data.path().join("chain");
    std::fs::create_dir_all(&chain_dir).expect("chain dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    // What a SIGKILLed server leaves behind: its anvil, still running, and the pid file.
    let mut orphan = std::process::Command::new(server::testing::anvil_bin())
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--silent", "--state"])
        .arg(chain_dir.join("anvil-state.json"))
        .spawn()
        .expect("start anvil");
    std::fs::write(chain_dir.join("anvil.pid"), orphan.id().to_string()).expect("pid file");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let app = TestApp::spawn_with(data.path(), None, &[("COLOPHON_ANVIL_PORT", port.to_string())]).await;
    let status = orphan.try_wait().expect("wait");
    assert!(status.is_some(), "the orphaned anvil was stopped");
    let health: Value = app.get("/healthz").await.json().await.expect("json");
    assert_eq!(health["status"], "ok", "a fresh anvil of our own serves the chain");
    let pid: u32 = std::fs::read_to_string(chain_dir.join("anvil.pid")).expect("pid").trim().parse().expect("pid");
    assert_ne!(pid, orphan.id());
    app.stop().await;
}

#[tokio::test]
async fn the_server_anchors_its_log_in_the_background() {
    use chrono::Utc;
    use colophon_provenance::{ContentHash, ContentKind, SigningKey, Statement};

    let data = tempfile::tempdir().expect("temp dir");
    let app = TestApp::spawn_with(data.path(), None, &[("COLOPHON_ANCHOR_INTERVAL", "1".to_owned())]).await;
    let key = SigningKey::from_seed(&[9; 32]);
    for i in 0..3u32 {
        let signed = Statement::ContentRegistered {
            content_hash: ContentHash::of(&i.to_be_bytes()),
            content_kind: ContentKind::EditionImage,
            size: 10,
            creator_key: key.public_key().key_id(),
            listing_id: "l".into(),
            file_id: format!("f{i}"),
            parents: vec![],
            license_terms: None,
            perceptual_hash: None,
            time_ms: 1,
        }
        .sign(&key)
        .expect("sign");
        app.store
            .append_log_entry(&colophon_store::NewLogEntry {
                leaf_hash: signed.leaf_hash(),
                kind: 1,
                statement: &signed.bytes,
                public_key: signed.public_key.to_bytes(),
                signature: signed.signature,
                content_hash: None,
                created_at: Utc::now(),
            })
            .await
            .expect("append");
    }
    let mut health = Value::Null;
    for _ in 0..100 {
        health = app.get("/healthz").await.json().await.expect("json");
        if health["anchoring"]["anchored_size"] == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(health["anchoring"]["anchored_size"], 3, "{health}");
    assert_eq!(health["anchoring"]["ok"], true);
    assert_eq!(health["chain"]["latest_anchored_size"], 3);
    app.stop().await;
}

#[tokio::test]
async fn a_second_server_on_the_same_address_leaves_the_first_alone() {
    let data = tempfile::tempdir().expect("temp dir");
    let first = TestApp::spawn_with(data.path(), None, &[]).await;
    let vars = std::collections::HashMap::from([
        ("COLOPHON_ADDR", first.addr.to_string()),
        ("COLOPHON_DATA_DIR", data.path().display().to_string()),
        ("COLOPHON_ANVIL_BIN", server::testing::anvil_bin()),
    ]);
    let config = server::Config::from_lookup(|k| vars.get(k).cloned()).expect("config");
    let err = server::Application::build(config).await.err().expect("the address is taken");
    assert!(format!("{err:#}").contains("already running"), "{err:#}");
    let health: Value = first.get("/healthz").await.json().await.expect("json");
    assert_eq!(health["status"], "ok", "the first server's chain is untouched");
    first.stop().await;
}
