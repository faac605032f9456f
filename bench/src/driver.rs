//! A client of a running Colophon server that does what users do, over HTTP
//! only: sign up, become a creator, register a key, list, upload (signed,
//! chunked, resumable), publish, buy, look things up. `make soak` and
//! `make faults` drive the real server binary with it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow, bail};
use colophon_provenance::{ContentHash, ContentKind, SigningKey, Statement};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Unix milliseconds now.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default()
}

/// A browser tab: its own cookies, no redirects followed.
#[derive(Clone)]
pub struct Tab {
    pub base: String,
    client: reqwest::Client,
}

/// What a request ended in when it did not end in an answer.
pub fn is_transport(e: &anyhow::Error) -> bool {
    e.downcast_ref::<reqwest::Error>()
        .is_some_and(|e| e.is_connect() || e.is_request() || e.is_body() || e.is_timeout())
}

impl Tab {
    pub fn new(base: &str) -> Self {
        colophon_ledger::install_tls();
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("an HTTP client");
        Self { base: base.trim_end_matches('/').to_owned(), client }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// A server function, called as the hydrated page calls it.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> anyhow::Result<(StatusCode, String)> {
        let res = self
            .client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(reqwest::header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await?;
        let status = res.status();
        Ok((status, res.text().await?))
    }

    async fn call_ok(&self, endpoint: &str, form: &[(&str, &str)]) -> anyhow::Result<String> {
        let (s, b) = self.call(endpoint, form).await?;
        if !(s.is_success() || s.is_redirection()) {
            bail!("{endpoint}: {s} {b}");
        }
        Ok(b)
    }

    pub async fn get_json(&self, path: &str) -> anyhow::Result<(StatusCode, Value)> {
        let res = self.client.get(self.url(path)).send().await?;
        let status = res.status();
        let text = res.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
    }

    pub async fn get_text(&self, path: &str) -> anyhow::Result<(StatusCode, usize)> {
        let res = self.client.get(self.url(path)).send().await?;
        let status = res.status();
        Ok((status, res.bytes().await?.len()))
    }

    /// Signs up; waits and tries again while the server's per-address
    /// sign-up limit (10 at once, then 10 a minute) says 429, as a person would.
    pub async fn sign_up(&self, email: &str) -> anyhow::Result<()> {
        let form = [("email", email), ("password", "correct horse battery staple")];
        for _ in 0..40 {
            let (s, b) = self.call("account/sign_up", &form).await?;
            if s == StatusCode::TOO_MANY_REQUESTS {
                tokio::time::sleep(Duration::from_secs(3)).await;
                continue;
            }
            if !(s.is_success() || s.is_redirection()) {
                bail!("account/sign_up: {s} {b}");
            }
            return Ok(());
        }
        bail!("account/sign_up: still rate limited after two minutes")
    }

    /// Becomes creator `handle` and registers `key` with a signed `KeyRegistered`.
    pub async fn become_creator(&self, handle: &str, key: &SigningKey) -> anyhow::Result<()> {
        self.call_ok("account/become_creator", &[("handle", handle), ("display_name", handle), ("bio", "")]).await?;
        let signed = Statement::KeyRegistered {
            public_key: key.public_key().to_bytes(),
            account: handle.into(),
            time_ms: now_ms(),
        }
        .sign(key)
        .map_err(|e| anyhow!("sign: {e}"))?;
        self.call_ok(
            "keys/submit",
            &[
                ("statement_hex", &hex::encode(&signed.bytes)),
                ("public_key_hex", &signed.public_key.to_hex()),
                ("signature_hex", &hex::encode(signed.signature)),
            ],
        )
        .await?;
        Ok(())
    }

    /// A draft: `edition` (with `edition_size`), `workflow` or `lora`, at 12.50.
    pub async fn create_listing(&self, kind: &str, title: &str, edition_size: u32) -> anyhow::Result<Value> {
        let size = edition_size.to_string();
        let mut form = vec![
            ("kind", kind),
            ("title", title),
            ("description", "Made by the load driver."),
            ("price", "12.50"),
            ("credit_required", "on"),
        ];
        if kind == "edition" {
            form.push(("edition_size", &size));
        }
        Ok(serde_json::from_str(&self.call_ok("listings/create", &form).await?)?)
    }

    pub async fn publish(&self, listing: &Value) -> anyhow::Result<()> {
        let id = listing["id"].to_string();
        self.call_ok("listings/status", &[("listing_id", &id), ("status", "published")]).await?;
        Ok(())
    }

    /// Opens an upload of `bytes` into `listing`.
    pub async fn start_upload(&self, listing: &Value, bytes: &[u8]) -> anyhow::Result<Value> {
        let res = self
            .client
            .post(self.url("/api/v1/uploads"))
            .json(&json!({"listing_id": listing["id"], "size": bytes.len(), "sha256": ContentHash::of(bytes).to_hex()}))
            .send()
            .await?;
        if res.status() != StatusCode::CREATED {
            bail!("start upload: {} {}", res.status(), res.text().await.unwrap_or_default());
        }
        Ok(res.json().await?)
    }

    /// Where an upload stands (`None`: the server no longer has it).
    pub async fn upload_offset(&self, upload_id: &str) -> anyhow::Result<Option<u64>> {
        let (s, v) = self.get_json(&format!("/api/v1/uploads/{upload_id}")).await?;
        match s {
            StatusCode::OK => Ok(v["offset"].as_u64()),
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok(None),
            s => bail!("upload status: {s} {v}"),
        }
    }

    /// Sends `bytes` from `offset` on in chunks of `chunk`; returns the new offset.
    pub async fn send_from(&self, upload_id: &str, bytes: &[u8], offset: u64, chunk: usize) -> anyhow::Result<u64> {
        let mut at = offset as usize;
        while at < bytes.len() {
            let end = (at + chunk).min(bytes.len());
            let res = self
                .client
                .put(self.url(&format!("/api/v1/uploads/{upload_id}")))
                .header("upload-offset", at.to_string())
                .body(bytes[at..end].to_vec())
                .send()
                .await?;
            if res.status() != StatusCode::OK {
                bail!("put chunk: {} {}", res.status(), res.text().await.unwrap_or_default());
            }
            at = end;
        }
        Ok(at as u64)
    }

    /// Signs the file's `ContentRegistered` with `key` and completes the upload.
    pub async fn complete_upload(
        &self,
        key: &SigningKey,
        listing: &Value,
        upload: &Value,
        kind: ContentKind,
        bytes: &[u8],
    ) -> anyhow::Result<(StatusCode, Value)> {
        let license = listing["license_hash"].as_str().context("license_hash")?;
        let signed = Statement::ContentRegistered {
            content_hash: ContentHash::of(bytes),
            content_kind: kind,
            size: bytes.len() as u64,
            creator_key: key.public_key().key_id(),
            listing_id: upload["listing_ref"].as_str().context("listing_ref")?.to_owned(),
            file_id: upload["file_id"].as_str().context("file_id")?.to_owned(),
            parents: vec![],
            license_terms: Some(ContentHash::parse(license).map_err(|e| anyhow!("{e}"))?),
            perceptual_hash: None,
            time_ms: now_ms(),
        }
        .sign(key)
        .map_err(|e| anyhow!("sign: {e}"))?;
        let body = json!({"statement_hex": hex::encode(&signed.bytes), "signature_hex": hex::encode(signed.signature)});
        let id = upload["upload_id"].as_str().context("upload_id")?;
        let res = self.client.post(self.url(&format!("/api/v1/uploads/{id}/complete"))).json(&body).send().await?;
        let status = res.status();
        let text = res.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
    }

    /// `POST /api/v1/orders` with an idempotency key.
    pub async fn buy(
        &self,
        slug: &str,
        price_minor: i64,
        idempotency_key: &str,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let res = self
            .client
            .post(self.url("/api/v1/orders"))
            .header("idempotency-key", idempotency_key)
            .header("sec-fetch-site", "same-origin")
            .json(&json!({"listing": slug, "price_minor": price_minor}))
            .send()
            .await?;
        let status = res.status();
        let text = res.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
    }

    pub async fn orders(&self) -> anyhow::Result<Vec<Value>> {
        let (s, v) = self.get_json("/api/v1/orders").await?;
        if s != StatusCode::OK {
            bail!("orders: {s} {v}");
        }
        let list = v.get("orders").cloned().unwrap_or(v);
        Ok(list.as_array().cloned().unwrap_or_default())
    }
}

/// A PNG of `w`×`h` whose pixels are a function of `seed`: every seed a different file.
pub fn png(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        image::Rgb([(x * 3) as u8 ^ (state as u8 & 7), (y * 5) as u8, (seed as u8).wrapping_add((x ^ y) as u8)])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("encode png");
    out.into_inner()
}

/// Waits until the server answers `/healthz` (any status: it answers 503 while the chain catches up).
pub async fn wait_until_up(base: &str, within: Duration) -> anyhow::Result<()> {
    colophon_ledger::install_tls();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
    let deadline = std::time::Instant::now() + within;
    loop {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            bail!("the server did not answer within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A free TCP port on loopback (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// The real server binary, run as its own process on a data directory of
/// its own, with the local chain it starts (anvil) on a port of its own.
pub struct LocalServer {
    pub bin: std::path::PathBuf,
    pub data: std::path::PathBuf,
    pub port: u16,
    pub anvil_port: u16,
    env: Vec<(String, String)>,
    child: Option<tokio::process::Child>,
    /// How many times it was started.
    pub starts: u32,
}

impl LocalServer {
    pub fn new(bin: std::path::PathBuf, data: std::path::PathBuf) -> Self {
        Self { bin, data, port: free_port(), anvil_port: free_port(), env: vec![], child: None, starts: 0 }
    }

    /// Sets a variable for every start.
    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn rpc_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.anvil_port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|c| c.id())
    }

    /// Starts the server (its log appended to `DATA/server.log`) and waits until it answers.
    pub async fn start(&mut self) -> anyhow::Result<()> {
        self.starts += 1;
        std::fs::create_dir_all(&self.data)?;
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.data.join("server.log"))?;
        let mut cmd = tokio::process::Command::new(&self.bin);
        cmd.env("COLOPHON_ADDR", format!("127.0.0.1:{}", self.port))
            .env("COLOPHON_DATA_DIR", &self.data)
            .env("COLOPHON_ANVIL_PORT", self.anvil_port.to_string())
            .env("COLOPHON_LOG", "warn")
            // The drivers are one client generating a crowd's load: no per-address or per-token limits.
            .env("COLOPHON_RATE_SIGN_IN", "0")
            .env("COLOPHON_RATE_SEARCH", "0")
            .env("COLOPHON_RATE_API", "0")
            .env("COLOPHON_RATE_UPLOADS", "0")
            .env_remove("DATABASE_URL")
            .env_remove("COLOPHON_RPC_URL")
            .stdout(log.try_clone()?)
            .stderr(log);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        self.child = Some(cmd.spawn().with_context(|| format!("start {}", self.bin.display()))?);
        wait_until_up(&self.base(), Duration::from_secs(120)).await
    }

    /// SIGKILL: the process gets no chance to tidy up.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// The local chain node's command line (to start it again as it was), found by its port.
    pub fn anvil_cmdline(&self) -> Option<Vec<String>> {
        let needle = format!("--port\0{}\0", self.anvil_port);
        std::fs::read_dir("/proc").into_iter().flatten().flatten().find_map(|entry| {
            entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let cmd = std::fs::read(entry.path().join("cmdline")).ok()?;
            let text = String::from_utf8_lossy(&cmd);
            (text.contains("anvil") && text.contains(&needle))
                .then(|| text.split('\0').filter(|a| !a.is_empty()).map(str::to_owned).collect())
        })
    }

    /// SIGKILLs the local chain node (which outlives a killed server), found by its port.
    pub fn kill_anvil(&self) -> bool {
        let needle = format!("--port\0{}\0", self.anvil_port);
        let mut killed = false;
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) else { continue };
            let cmd = String::from_utf8_lossy(&cmd);
            if cmd.contains("anvil") && cmd.contains(&needle) {
                killed |= std::process::Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status()
                    .is_ok_and(|s| s.success());
            }
        }
        killed
    }

    /// Stops the server and its chain (SIGTERM to the server lets anvil save; here we only need them gone).
    pub async fn stop(&mut self) {
        self.kill().await;
        self.kill_anvil();
    }
}

/// xorshift64: reproducible choices from a seed (printed, so a run can be repeated).
pub struct Rng(pub u64);

impl Rng {
    /// A generator for one task from a seed drawn off another generator.
    /// `Rng(seed)` itself would walk the parent's own sequence (xorshift's
    /// next state is its output), so tasks seeded one after another, or in
    /// later rounds, would repeat each other's values: scramble the seed first
    /// (splitmix64's finaliser).
    pub fn seeded(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Resident memory of a process in KiB (Linux `/proc`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The `q` quantile (0..=1) of `xs` (sorted here).
pub fn quantile(xs: &mut [Duration], q: f64) -> Duration {
    if xs.is_empty() {
        return Duration::ZERO;
    }
    xs.sort_unstable();
    let i = ((xs.len() - 1) as f64 * q).round() as usize;
    xs[i.min(xs.len() - 1)]
}
