//! Helpers for tests (feature `testing`): `TestApp`, the real server on port 0
//! with a fresh database (SQLite or PostgreSQL) and its own anvil, like
//! `make run` but isolated per test; a creator with a key, signed uploads,
//! and a checker of answers against the OpenAPI document. Used by the
//! server's and the CLI's integration tests.

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use crate::{Application, Config};
use chrono::{TimeZone, Utc};
use colophon_store::{Backend, ListingKind, ListingStatus, NewCreator, NewListing, Store, testing::TestDb};
use tokio::{sync::oneshot, task::JoinHandle};

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub store: Store,
    pub data_dir: PathBuf,
    db: Option<TestDb>,
    _data: Option<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

pub use colophon_ledger::testing::anvil_bin;

/// The configuration `TestApp` runs with: port 0, its own anvil, no demo, plus `extra`.
pub fn test_config(data_dir: &Path, database_url: Option<String>, extra: &[(&'static str, String)]) -> Config {
    crate::telemetry::init_for_tests();
    colophon_ledger::install_tls();
    let mut vars = HashMap::from([
        ("COLOPHON_ADDR", "127.0.0.1:0".to_owned()),
        ("COLOPHON_DATA_DIR", data_dir.display().to_string()),
        ("COLOPHON_ANVIL_PORT", "0".to_owned()),
        ("COLOPHON_ANVIL_BIN", anvil_bin()),
        ("COLOPHON_SITE_ROOT", data_dir.join("site").display().to_string()),
        ("COLOPHON_DEMO", "0".to_owned()),
        // Tests drive many requests from one address and token; `limits.rs` tests turn them on.
        ("COLOPHON_RATE_SIGN_IN", "0".to_owned()),
        ("COLOPHON_RATE_SEARCH", "0".to_owned()),
        ("COLOPHON_RATE_API", "0".to_owned()),
        ("COLOPHON_RATE_UPLOADS", "0".to_owned()),
        // Tests seed through the store, which the page cache cannot see; `page_cache.rs` turns it on.
        ("COLOPHON_PAGE_CACHE_MS", "0".to_owned()),
    ]);
    if let Some(url) = database_url {
        vars.insert("DATABASE_URL", url);
    }
    vars.extend(extra.iter().cloned());
    Config::from_lookup(|k| vars.get(k).cloned()).expect("test config")
}

impl TestApp {
    /// A fresh database of `backend` and a fresh data directory.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_env(backend, &[]).await
    }

    /// A fresh database and data directory, with extra configuration.
    pub async fn spawn_env(backend: Backend, extra: &[(&'static str, String)]) -> Self {
        let db = TestDb::new(backend).await;
        let data = tempfile::tempdir().expect("temp dir");
        let mut app = Self::spawn_with(data.path(), Some(db.url.clone()), extra).await;
        app.db = Some(db);
        app._data = Some(data);
        app
    }

    /// The server on an existing data directory (to test restarts).
    pub async fn spawn_with(data_dir: &Path, database_url: Option<String>, extra: &[(&'static str, String)]) -> Self {
        let app = Application::build(test_config(data_dir, database_url, extra)).await.expect("server starts");
        let addr = app.local_addr();
        let store = app.state().store.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Self { stop: Some(stop), handle: Some(handle), ..Self::attach(addr, store, data_dir) }
    }

    /// A server another process runs at `addr` on the database `store` reads
    /// (scale-out tests); [`TestApp::stop`] leaves it running.
    pub fn attach(addr: SocketAddr, store: Store, data_dir: &Path) -> Self {
        Self {
            addr,
            client: reqwest::Client::new(),
            store,
            data_dir: data_dir.to_owned(),
            db: None,
            _data: None,
            stop: None,
            handle: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    /// Stops the server gracefully (anvil saves its state), and drops a
    /// PostgreSQL test database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("server task").expect("server stopped cleanly");
        }
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
    }

    /// Inserts a creator and a listing through the store.
    pub async fn seed_listing(&self, slug: &str, title: &str, kind: ListingKind, status: ListingStatus) -> i64 {
        let at = Utc.timestamp_opt(1_790_000_000, 0).single().expect("time");
        let handle = format!("creator-{slug}");
        let creator_id = self
            .store
            .create_creator(&NewCreator { handle: &handle, display_name: "Ada Vector", created_at: at })
            .await
            .expect("seed creator");
        self.store
            .create_listing(&NewListing {
                creator_id,
                slug,
                kind,
                title,
                description: "A seeded listing",
                price_minor: 1250,
                currency: "USD",
                edition_size: (kind == ListingKind::Edition).then_some(25),
                status,
                created_at: at,
            })
            .await
            .expect("seed listing")
    }
}

/// A client that keeps cookies and does not follow redirects, like a browser tab.
#[allow(dead_code)]
pub fn browser() -> reqwest::Client {
    colophon_ledger::install_tls();
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// Calls a server function (form-encoded POST) the way the hydrated app does.
#[allow(dead_code)]
pub async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (reqwest::StatusCode, String) {
    let res = client
        .post(app.url(&format!("/api/{endpoint}")))
        .header(reqwest::header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .form(form)
        .send()
        .await
        .expect("request");
    let status = res.status();
    (status, res.text().await.expect("body"))
}

/// Unix milliseconds now.
#[allow(dead_code)]
pub fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).expect("time")
}

/// Signs up `handle@example.com`, becomes creator `handle` and registers `key`; returns the signed-in client.
#[allow(dead_code)]
pub async fn creator_with_key(app: &TestApp, handle: &str, key: &colophon_provenance::SigningKey) -> reqwest::Client {
    let tab = browser();
    let email = format!("{handle}@example.com");
    let (s, b) = call(app, &tab, "account/sign_up", &[("email", &email), ("password", "correct horse battery")]).await;
    assert!(s.is_success() || s.is_redirection(), "{s} {b}");
    let (s, b) =
        call(app, &tab, "account/become_creator", &[("handle", handle), ("display_name", handle), ("bio", "")]).await;
    assert!(s.is_success() || s.is_redirection(), "{s} {b}");
    let signed = colophon_provenance::Statement::KeyRegistered {
        public_key: key.public_key().to_bytes(),
        account: handle.into(),
        time_ms: now_ms(),
    }
    .sign(key)
    .expect("sign");
    let (s, b) = call(
        app,
        &tab,
        "keys/submit",
        &[
            ("statement_hex", &hex::encode(&signed.bytes)),
            ("public_key_hex", &signed.public_key.to_hex()),
            ("signature_hex", &hex::encode(signed.signature)),
        ],
    )
    .await;
    assert_eq!(s, reqwest::StatusCode::OK, "{b}");
    tab
}

// --- creators listing and uploading, as the Studio does ----------------------

use colophon_provenance::{ContentHash, ContentKind, Statement};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A signed-in creator and their key.
pub struct Creator {
    pub tab: reqwest::Client,
    pub key: colophon_provenance::SigningKey,
}

pub async fn listing(app: &TestApp, c: &Creator, kind: &str, title: &str) -> Value {
    let mut form = vec![
        ("kind", kind),
        ("title", title),
        ("description", "A test listing."),
        ("price", "12.50"),
        ("credit_required", "on"),
    ];
    if kind == "edition" {
        form.push(("edition_size", "10"));
    }
    let (s, body) = call(app, &c.tab, "listings/create", &form).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    serde_json::from_str(&body).expect("listing json")
}

pub async fn start(app: &TestApp, c: &Creator, listing_id: i64, bytes: &[u8]) -> reqwest::Response {
    c.tab
        .post(app.url("/api/v1/uploads"))
        .json(&json!({"listing_id": listing_id, "size": bytes.len(), "sha256": ContentHash::of(bytes).to_hex()}))
        .send()
        .await
        .expect("start")
}

pub async fn put(app: &TestApp, c: &Creator, id: &str, offset: usize, chunk: &[u8]) -> reqwest::Response {
    c.tab
        .put(app.url(&format!("/api/v1/uploads/{id}")))
        .header("upload-offset", offset.to_string())
        .body(chunk.to_vec())
        .send()
        .await
        .expect("put")
}

pub fn statement(
    c: &Creator,
    listing: &Value,
    upload: &Value,
    kind: ContentKind,
    bytes: &[u8],
    parents: Vec<ContentHash>,
) -> Value {
    let signed = Statement::ContentRegistered {
        content_hash: ContentHash::of(bytes),
        content_kind: kind,
        size: bytes.len() as u64,
        creator_key: c.key.public_key().key_id(),
        listing_id: upload["listing_ref"].as_str().expect("listing ref").to_owned(),
        file_id: upload["file_id"].as_str().expect("file id").to_owned(),
        parents,
        license_terms: Some(ContentHash::parse(listing["license_hash"].as_str().expect("licence")).expect("hash")),
        perceptual_hash: None,
        time_ms: now_ms(),
    }
    .sign(&c.key)
    .expect("sign");
    json!({"statement_hex": hex::encode(&signed.bytes), "signature_hex": hex::encode(signed.signature)})
}

pub async fn complete(app: &TestApp, c: &Creator, id: &str, body: &Value) -> (StatusCode, Value) {
    let res = c.tab.post(app.url(&format!("/api/v1/uploads/{id}/complete"))).json(body).send().await.expect("complete");
    (res.status(), res.json().await.expect("json"))
}

/// Starts, uploads in two chunks (checking resume), completes.
pub async fn upload(
    app: &TestApp,
    c: &Creator,
    listing: &Value,
    kind: ContentKind,
    bytes: &[u8],
    parents: Vec<ContentHash>,
) -> (StatusCode, Value) {
    let res = start(app, c, listing["id"].as_i64().expect("id"), bytes).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let up: Value = res.json().await.expect("json");
    let id = up["upload_id"].as_str().expect("id").to_owned();
    let half = bytes.len() / 2;
    // A file its first bytes already refuse is refused by the PUT that brings them.
    let res = put(app, c, &id, 0, &bytes[..half]).await;
    if res.status() != StatusCode::OK {
        return (res.status(), res.json().await.unwrap_or_default());
    }
    // Resume: ask where we are, send the rest.
    let status: Value =
        c.tab.get(app.url(&format!("/api/v1/uploads/{id}"))).send().await.expect("status").json().await.expect("json");
    assert_eq!(status["offset"], half);
    let res = put(app, c, &id, half, &bytes[half..]).await;
    if res.status() != StatusCode::OK {
        return (res.status(), res.json().await.unwrap_or_default());
    }
    complete(app, c, &id, &statement(c, listing, &up, kind, bytes, parents)).await
}

/// `GET path` as `tab` (signed in or not), as JSON.
pub async fn get_json(app: &TestApp, tab: &reqwest::Client, path: &str) -> Value {
    tab.get(app.url(path)).send().await.expect("get").json().await.expect("json")
}

/// Waits (up to ten seconds) for the quote `order_id` to complete — its
/// payment confirmed, its order issued — as `tab`'s buyer sees it; its state.
pub async fn quote_completed(app: &TestApp, tab: &reqwest::Client, order_id: &str) -> Value {
    let url = format!("/api/v1/orders/quote/{order_id}");
    let mut state = Value::Null;
    for _ in 0..100 {
        state = get_json(app, tab, &url).await;
        if state["status"] == "completed" {
            return state;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("quote {order_id} did not complete: {state}");
}

/// A collector's browser, signed up.
pub async fn collector(app: &TestApp, email: &str) -> reqwest::Client {
    let tab = browser();
    let (s, b) = call(app, &tab, "account/sign_up", &[("email", email), ("password", "correct horse battery")]).await;
    assert!(s.is_success() || s.is_redirection(), "{s} {b}");
    tab
}

/// Publishes the creator's listing `id` from the Studio.
pub async fn publish(app: &TestApp, c: &Creator, id: i64) {
    let (s, b) =
        call(app, &c.tab, "listings/status", &[("listing_id", &id.to_string()), ("status", "published")]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// `POST /api/v1/orders` from a browser tab: `body` or `{"listing": slug, "price_minor": 1250}`.
pub async fn order(
    app: &TestApp,
    tab: &reqwest::Client,
    slug: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = tab.post(app.url("/api/v1/orders")).header("sec-fetch-site", "same-origin");
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let res =
        req.json(&body.unwrap_or_else(|| json!({"listing": slug, "price_minor": 1250}))).send().await.expect("post");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 3) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("png");
    out.into_inner()
}

// --- checking answers against the OpenAPI document --------------------------

/// Checks `value` against the parts of a JSON Schema the spec uses: `$ref`,
/// `type` (incl. lists), `required`, `properties`, `items`, `oneOf`, `enum`,
/// `const`, `pattern` (`^[0-9a-f]{N}$` and an address). Returns what does not conform.
pub fn conform(spec: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return conform(spec, &spec["components"]["schemas"][name], value, at, out);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let fits = options.iter().filter(|o| {
            let mut e = Vec::new();
            conform(spec, o, value, at, &mut e);
            e.is_empty()
        });
        if fits.count() != 1 {
            out.push(format!("{at}: fits not exactly one of oneOf: {value}"));
        }
        return;
    }
    let kind = |t: &str, v: &Value| match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_u64() || v.is_i64(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => true,
    };
    match &schema["type"] {
        Value::String(t) if !kind(t, value) => out.push(format!("{at}: not {t}: {value}")),
        Value::Array(ts) if !ts.iter().any(|t| kind(t.as_str().unwrap_or(""), value)) => {
            out.push(format!("{at}: none of {ts:?}: {value}"))
        }
        _ => {}
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        out.push(format!("{at}: {value} not in {options:?}"));
    }
    if !schema["const"].is_null() && schema["const"] != *value {
        out.push(format!("{at}: {value} is not {}", schema["const"]));
    }
    if let (Some(p), Some(s)) = (schema["pattern"].as_str(), value.as_str()) {
        let fits = if p == "^0x[0-9a-fA-F]{40}$" {
            s.len() == 42 && s.starts_with("0x") && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
        } else {
            let n: usize = p
                .strip_prefix("^[0-9a-f]{")
                .and_then(|r| r.strip_suffix("}$"))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{at}: the checker does not know the pattern {p}"));
            s.len() == n && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        if !fits {
            out.push(format!("{at}: {s:?} does not match {p}"));
        }
    }
    for r in schema["required"].as_array().into_iter().flatten() {
        let r = r.as_str().expect("name");
        if value.get(r).is_none() {
            out.push(format!("{at}: missing {r}"));
        }
    }
    if let (Some(props), Some(obj)) = (schema["properties"].as_object(), value.as_object()) {
        for (name, sub) in props {
            if let Some(v) = obj.get(name) {
                conform(spec, sub, v, &format!("{at}.{name}"), out);
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            conform(spec, items, v, &format!("{at}[{i}]"), out);
        }
    }
}
