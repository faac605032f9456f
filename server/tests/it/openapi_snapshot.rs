//! The OpenAPI document is generated from the code; `docs/openapi.json` is
//! its committed snapshot (what `/docs/api` renders and what reviewers diff).
//! This fails when the two drift: run with `COLOPHON_WRITE_OPENAPI=1` to
//! rewrite the snapshot, and commit it with the change that moved it.

use std::path::PathBuf;

#[test]
fn the_committed_openapi_document_is_the_generated_one() {
    let generated = server::openapi::document_json();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    if std::env::var_os("COLOPHON_WRITE_OPENAPI").is_some() {
        std::fs::write(&path, generated).expect("write docs/openapi.json");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json differs from the document the code generates: run \
         `COLOPHON_WRITE_OPENAPI=1 cargo test -p server --test it openapi_snapshot` and commit it"
    );
}
