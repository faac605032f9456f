//! The browser's files under `/pkg`: the hydration module, its wasm and the
//! stylesheet.
//!
//! `scripts/build` names each after its content (`colophon-<hash>.js`,
//! `colophon-<hash>_bg.wasm`, `colophon-<hash>.css`), lists the names in
//! `pkg/assets.txt`, and writes a brotli and a gzip copy beside each
//! (`colophon-precompress`). Pages link the hashed names; `/pkg` serves the
//! precompressed copy the browser accepts, and a hashed name as
//! `immutable` for a year (a new build is a new name). Anything else there
//! is revalidated (`no-cache`). Without `assets.txt` (a server built without
//! the site, as in the Rust tests) the plain names are used.

use std::path::Path;

use axum::{Router, extract::Request, middleware::Next, response::Response};
use http::{HeaderValue, header};
use tower_http::services::ServeDir;

/// What the build named the hydration files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetNames {
    /// The wasm-bindgen output name (`<name>.js`, `<name>_bg.wasm`).
    pub output_name: String,
    /// The stylesheet's URL path.
    pub stylesheet: String,
}

impl Default for AssetNames {
    fn default() -> Self {
        Self { output_name: "colophon".into(), stylesheet: "/pkg/colophon.css".into() }
    }
}

impl AssetNames {
    /// Reads `pkg/assets.txt` under the site root (`js NAME`, `css FILE` lines).
    pub fn read(site_root: &Path) -> Self {
        let mut names = Self::default();
        let Ok(text) = std::fs::read_to_string(site_root.join("pkg/assets.txt")) else { return names };
        let safe = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        for line in text.lines() {
            match line.split_once(' ') {
                Some(("js", name)) if safe(name) => names.output_name = name.to_owned(),
                Some(("css", file)) if safe(file) => names.stylesheet = format!("/pkg/{file}"),
                _ => {}
            }
        }
        names
    }
}

/// Whether a `/pkg` path names a content-hashed file (`colophon-<16 hex>…`).
fn hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.strip_prefix("colophon-")
        .is_some_and(|rest| rest.len() > 16 && rest.as_bytes()[..16].iter().all(u8::is_ascii_hexdigit))
}

async fn cache_control(req: Request, next: Next) -> Response {
    let immutable = hashed(req.uri().path());
    let mut res = next.run(req).await;
    if res.status().is_success() || res.status() == http::StatusCode::NOT_MODIFIED {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(if immutable { "public, max-age=31536000, immutable" } else { "no-cache" }),
        );
    }
    res
}

/// `/pkg`: the files, precompressed where the build compressed them.
pub fn router<S: Clone + Send + Sync + 'static>(site_root: &Path) -> Router<S> {
    let files = ServeDir::new(site_root.join("pkg")).precompressed_br().precompressed_gzip();
    Router::new().fallback_service(files).layer(axum::middleware::from_fn(cache_control))
}

/// Writes `FILE.br` (quality 11) and `FILE.gz` (level 9) beside each `.js`,
/// `.wasm` and `.css` file in `dir` (and below), unless they are already
/// newer than it; the build's last step (`colophon-precompress DIR`).
pub fn precompress(dir: &Path) -> std::io::Result<Vec<(String, u64, u64, u64)>> {
    use std::io::Write as _;
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_owned()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
            if !matches!(ext, "js" | "wasm" | "css") {
                continue;
            }
            let bytes = std::fs::read(&path)?;
            let br_path = path.with_extension(format!("{ext}.br"));
            let gz_path = path.with_extension(format!("{ext}.gz"));
            let fresh = |p: &Path| {
                let (Ok(a), Ok(b)) = (std::fs::metadata(p), std::fs::metadata(&path)) else { return false };
                matches!((a.modified(), b.modified()), (Ok(x), Ok(y)) if x >= y)
            };
            if !(fresh(&br_path) && fresh(&gz_path)) {
                let mut br = Vec::new();
                {
                    let mut w = brotli::CompressorWriter::new(&mut br, 1 << 16, 11, 22);
                    w.write_all(&bytes)?;
                }
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                gz.write_all(&bytes)?;
                write_atomically(&br_path, &br)?;
                write_atomically(&gz_path, &gz.finish()?)?;
            }
            let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or_default();
            out.push((path.display().to_string(), bytes.len() as u64, size(&br_path), size(&gz_path)));
        }
    }
    out.sort();
    Ok(out)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt as _;

    #[test]
    fn hashed_names_are_recognised() {
        assert!(hashed("/pkg/colophon-0123456789abcdef.js"));
        assert!(hashed("/pkg/colophon-0123456789abcdef_bg.wasm"));
        assert!(!hashed("/pkg/colophon.js"));
        assert!(!hashed("/pkg/colophon-notahash.css"));
    }

    #[tokio::test]
    async fn hashed_files_are_immutable_and_precompressed() {
        let site = tempfile::tempdir().expect("dir");
        let pkg = site.path().join("pkg");
        std::fs::create_dir_all(&pkg).expect("pkg");
        let css = "body { color: black; }\n".repeat(200);
        std::fs::write(pkg.join("colophon-0123456789abcdef.css"), &css).expect("css");
        std::fs::write(pkg.join("assets.txt"), "js colophon-fedcba9876543210\ncss colophon-0123456789abcdef.css\n")
            .expect("names");
        let listed = precompress(&pkg).expect("precompress");
        assert_eq!(listed.len(), 1);
        assert!(listed[0].2 < listed[0].1 / 10 && listed[0].3 < listed[0].1 / 10, "{listed:?}");
        assert_eq!(
            AssetNames::read(site.path()),
            AssetNames {
                output_name: "colophon-fedcba9876543210".into(),
                stylesheet: "/pkg/colophon-0123456789abcdef.css".into()
            }
        );

        let app: Router = router(site.path());
        let get = |encoding: &'static str| {
            let app = app.clone();
            async move {
                let req = http::Request::get("/colophon-0123456789abcdef.css")
                    .header(header::ACCEPT_ENCODING, encoding)
                    .body(axum::body::Body::empty())
                    .expect("request");
                app.oneshot(req).await.expect("answer")
            }
        };
        let br = get("gzip, deflate, br").await;
        assert_eq!(br.status(), http::StatusCode::OK);
        assert_eq!(br.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(br.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        let bytes = axum::body::to_bytes(br.into_body(), usize::MAX).await.expect("body");
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut &bytes[..], &mut plain).expect("brotli");
        assert_eq!(plain, css.as_bytes(), "the brotli copy is the file");
        let gz = get("gzip").await;
        assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
        let none = get("identity").await;
        assert!(none.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(axum::body::to_bytes(none.into_body(), usize::MAX).await.expect("body").len(), css.len());
    }
}
