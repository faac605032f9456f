//! Files on S3 (`COLOPHON_OBJECT_STORE=s3://BUCKET/PREFIX`), against a real
//! S3 server over HTTP: s3s-fs (the s3s project's file-system backed server,
//! SigV4 authentication, multipart uploads, ranged GETs), which `make test`
//! installs. Originals, previews and avatars land in the bucket under the
//! prefix and nothing under the data directory; buyers download them whole
//! and in ranges; a refused upload leaves no object and no multipart parts;
//! a store the server cannot write (a wrong secret, an unknown access key)
//! stops it at start with a message that names the bucket and never the secret.

use std::{
    io::{BufRead as _, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use colophon_provenance::{ContentKind, SigningKey};
use colophon_store::testing::BACKENDS;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use server::testing::{Creator, TestApp, browser, call, creator_with_key, listing, png, test_config, upload};

pub(crate) const BUCKET: &str = "colophon-test";
const ACCESS_KEY: &str = "colophon-access";
pub(crate) const SECRET_KEY: &str = "s3-secret-never-logged";

/// The s3s-fs binary: `COLOPHON_S3S_BIN`, else `s3s-fs` in cargo's bin directory or on PATH.
fn s3s_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("COLOPHON_S3S_BIN").filter(|b| !b.is_empty()) {
        return bin.into();
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    home.map(|h| h.join("bin/s3s-fs"))
        .filter(|p| p.is_file())
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(|d| d.join("s3s-fs"))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| panic!("s3s-fs not found: run `make test` (scripts/setup installs it)"))
}

/// A running S3 server with one bucket, on a port of its choosing.
pub(crate) struct S3Server {
    child: Child,
    root: tempfile::TempDir,
    endpoint: String,
}

impl S3Server {
    pub(crate) fn start() -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(root.path().join(BUCKET)).expect("bucket directory");
        let mut child = Command::new(s3s_bin())
            .args(["--host", "127.0.0.1", "--port", "0", "--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .env("RUST_LOG", "s3s_fs=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start s3s-fs");
        // It logs "server is running at http://ADDR" once it listens.
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("server is running at ") {
                    let _ = tx.send(line[at + "server is running at ".len()..].trim().to_owned());
                }
            }
        });
        let endpoint = rx.recv_timeout(Duration::from_secs(20)).expect("s3s-fs listens within 20 s");
        Self { child, root, endpoint }
    }

    /// The server's configuration for this bucket under `prefix`, with `secret`.
    pub(crate) fn env(&self, prefix: &str, secret: &str) -> Vec<(&'static str, String)> {
        vec![
            ("COLOPHON_OBJECT_STORE", format!("s3://{BUCKET}/{prefix}")),
            ("AWS_ENDPOINT", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", secret.into()),
        ]
    }

    /// Every object in the bucket under `prefix`, as relative paths.
    pub(crate) fn objects(&self, prefix: &str) -> Vec<String> {
        let base = self.root.path().join(BUCKET).join(prefix);
        let mut out = Vec::new();
        walk(&base, &base, &mut out);
        out.sort();
        out
    }

    /// s3s-fs keeps multipart uploads in progress as `.upload*` files at its root.
    fn multipart_leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.root.path())
            .expect("root")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".upload"))
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(base, &p, out);
        } else {
            // s3s-fs keeps its own metadata beside each object.
            let rel = p.strip_prefix(base).expect("under base").display().to_string();
            if !rel.split('/').any(|part| part.starts_with(".")) {
                out.push(rel);
            }
        }
    }
}

async fn wait_for_preview(app: &TestApp, slug: &str) -> bytes::Bytes {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = app.get(&format!("/api/v1/listings/{slug}/preview/640")).await;
        assert_eq!(r.status(), StatusCode::OK);
        if r.headers()[header::CONTENT_TYPE] == "image/jpeg" {
            return r.bytes().await.expect("preview");
        }
        assert!(Instant::now() < deadline, "no preview after 60 s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn originals_previews_and_avatars_live_in_the_bucket() {
    for backend in BACKENDS {
        let s3 = S3Server::start();
        let app = TestApp::spawn_env(backend, &s3.env("tenant-a", SECRET_KEY)).await;
        assert_eq!(s3.objects("tenant-a"), Vec::<String>::new(), "the start-up probe cleans up after itself");

        let key = SigningKey::from_seed(&[61; 32]);
        let creator = Creator { tab: creator_with_key(&app, "bucketeer", &key).await, key };
        let edition = listing(&app, &creator, "edition", "Cold Storage").await;
        let (id, slug) = (edition["id"].as_i64().expect("id"), edition["slug"].as_str().expect("slug").to_owned());
        let image = png(700, 500);
        let (s, file) = upload(&app, &creator, &edition, ContentKind::EditionImage, &image, vec![]).await;
        assert_eq!(s, StatusCode::CREATED, "{file}");
        let file_id = file["file_id"].as_str().expect("file id");

        // The original is in the bucket, under the prefix, byte for byte; nothing under the data directory.
        let original = s3.root.path().join(BUCKET).join("tenant-a").join(id.to_string()).join(file_id);
        assert_eq!(std::fs::read(&original).expect("the original is in the bucket"), image);
        assert!(!app.data_dir.join("files").exists(), "no local file store when S3 is configured");

        // The preview worker reads the original from S3 and writes its JPEGs there.
        let (s, b) =
            call(&app, &creator.tab, "listings/status", &[("listing_id", &id.to_string()), ("status", "published")])
                .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let preview = wait_for_preview(&app, &slug).await;
        let stored = s3.root.path().join(BUCKET).join(format!("tenant-a/previews/{file_id}/640.jpg"));
        assert_eq!(std::fs::read(stored).expect("the preview is in the bucket"), preview.to_vec());

        // A buyer downloads the original from the bucket, whole and in a range.
        let buyer = browser();
        let (s, b) = call(
            &app,
            &buyer,
            "account/sign_up",
            &[("email", "vault@example.com"), ("password", "correct horse battery")],
        )
        .await;
        assert!(s.is_success() || s.is_redirection(), "{s} {b}");
        let res = buyer
            .post(app.url("/api/v1/orders"))
            .header("sec-fetch-site", "same-origin")
            .header("idempotency-key", "s3-order-1")
            .json(&json!({"listing": slug, "price_minor": 1250}))
            .send()
            .await
            .expect("order");
        assert_eq!(res.status(), StatusCode::CREATED);
        let order: Value = res.json().await.expect("json");
        let download = app.url(&format!("/api/v1/orders/{}/download", order["order_id"].as_str().expect("order id")));
        let whole = buyer.get(&download).send().await.expect("download");
        assert_eq!(whole.status(), StatusCode::OK);
        assert_eq!(whole.bytes().await.expect("bytes").as_ref(), &image[..]);
        let part = buyer.get(&download).header(header::RANGE, "bytes=100-1099").send().await.expect("range");
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.bytes().await.expect("bytes").as_ref(), &image[100..1100]);

        // A refused file (a PNG offered as a workflow) leaves no object and no multipart parts behind.
        let before = s3.objects("tenant-a");
        let workflow = listing(&app, &creator, "workflow", "Not JSON").await;
        let (s, b) = upload(&app, &creator, &workflow, ContentKind::Workflow, &png(64, 64), vec![]).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        assert!(b["message"].as_str().expect("message").contains("ComfyUI workflow"), "{b}");
        assert_eq!(s3.objects("tenant-a"), before, "the refused file is not in the bucket");
        assert_eq!(s3.multipart_leftovers(), Vec::<String>::new(), "no multipart upload is left open");

        // Avatars too.
        let res = creator
            .tab
            .put(app.url("/api/v1/me/avatar"))
            .header("sec-fetch-site", "same-origin")
            .header(header::CONTENT_TYPE, "image/png")
            .body(png(300, 300))
            .send()
            .await
            .expect("avatar");
        assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap_or_default());
        let avatars: Vec<_> = s3.objects("tenant-a").into_iter().filter(|o| o.starts_with("avatars/")).collect();
        assert_eq!(avatars.len(), 1, "{avatars:?}");
        let served = app.get("/api/v1/creators/bucketeer/avatar").await;
        assert_eq!(served.status(), StatusCode::OK);
        let stored = std::fs::read(s3.root.path().join(BUCKET).join("tenant-a").join(&avatars[0])).expect("avatar");
        assert_eq!(served.bytes().await.expect("bytes").to_vec(), stored);

        app.stop().await;
    }
}

#[tokio::test]
async fn a_store_that_cannot_be_written_stops_the_server_at_start() {
    let s3 = S3Server::start();
    for (env, says) in [
        (s3.env("tenant-b", "the-wrong-secret"), "s3://colophon-test/tenant-b"),
        (
            {
                let mut env = s3.env("tenant-c", SECRET_KEY);
                env[4].1 = "someone-else".into();
                env
            },
            "s3://colophon-test/tenant-c",
        ),
    ] {
        let data = tempfile::tempdir().expect("temp dir");
        let Err(e) = server::Application::build(test_config(data.path(), None, &env)).await else {
            panic!("the server started on a store it cannot write ({says})");
        };
        let message = format!("{e:#}");
        assert!(message.contains("COLOPHON_OBJECT_STORE") && message.contains(says), "{message}");
        assert!(!message.contains("the-wrong-secret") && !message.contains(SECRET_KEY), "a secret leaked: {message}");
    }
    assert_eq!(s3.objects(""), Vec::<String>::new(), "nothing was written");
}
