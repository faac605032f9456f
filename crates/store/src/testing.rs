//! Fresh databases for tests, on both backends. Every test gets its own
//! SQLite file or PostgreSQL database, so tests run in parallel and never see
//! each other's rows. PostgreSQL is reached through `COLOPHON_TEST_PG_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`); if it is down the
//! test fails: it is never skipped.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection as _, Executor as _, PgConnection};

use chrono::Utc;
use colophon_provenance::merkle;

use crate::{Backend, ListingDraft, ListingKind, ListingStatus, NewFile, NewLogEntry, SearchQuery, Sort, Store};

/// Both backends, for tests that must pass on each.
pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// Prefix of every database a test creates (`scripts/test` drops leftovers).
pub const PG_PREFIX: &str = "colophon_test_";

/// A database that exists for one test.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

fn admin_url() -> String {
    std::env::var("COLOPHON_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestDb {
    /// Creates an empty database (not yet migrated: [`Store::connect`] does that).
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Self { backend, url, _dir: Some(dir), pg_name: None }
            }
            Backend::Postgres => {
                static COUNTER: AtomicU32 = AtomicU32::new(0);
                let name = format!(
                    "{PG_PREFIX}{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.subsec_nanos())
                        .unwrap_or_default()
                );
                let admin = admin_url();
                let mut conn = PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL must run for the tests ({admin}): {e}"));
                conn.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await.expect("create test database");
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
                Self { backend, url: format!("{base}/{name}"), _dir: None, pg_name: Some(name) }
            }
        }
    }

    /// A migrated store on this database.
    pub async fn store(&self) -> Store {
        Store::connect(&self.url).await.expect("connect and migrate the test database")
    }

    /// Drops the PostgreSQL database (SQLite files go with the temp dir).
    /// Call at the end of a test; `store` must be closed first.
    pub async fn drop_db(self) {
        if let Some(name) = &self.pg_name
            && let Ok(mut conn) = PgConnection::connect(&admin_url()).await
        {
            let _ = conn.execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str()).await;
        }
    }
}

/// A log entry of `data` with placeholder keys (not a real statement: the
/// store does not read statements), appended now, about no file.
pub fn log_entry(data: &[u8]) -> NewLogEntry<'_> {
    NewLogEntry {
        leaf_hash: merkle::leaf_hash(data),
        kind: 1,
        statement: data,
        public_key: [1; 32],
        signature: [2; 64],
        content_hash: None,
        created_at: Utc::now(),
    }
}

/// A Store search for `text`, newest first, first 24, no filters.
pub fn search(text: &str) -> SearchQuery<'_> {
    SearchQuery {
        text,
        kind: None,
        creator: None,
        min_price_minor: None,
        max_price_minor: None,
        available_now: false,
        now: Utc::now(),
        sort: Sort::Newest,
        limit: 24,
        offset: 0,
    }
}

/// A draft listing with placeholder terms (an edition of 10 at 25.00 USD,
/// 5 % resale royalty, no sale window, no cap); a test overrides what it is
/// about with struct update syntax: `ListingDraft { price_minor: 100, ..draft(c, "s") }`.
pub fn draft(creator_id: i64, slug: &str) -> ListingDraft<'_> {
    ListingDraft {
        creator_id,
        slug,
        kind: ListingKind::Edition,
        title: "Work",
        description: "",
        price_minor: 2500,
        currency: "USD",
        edition_size: Some(10),
        sale_starts_at: None,
        sale_ends_at: None,
        per_account_cap: None,
        royalty_bps: 500,
        tags: "",
        license_json: "{}",
        license_hash: [4; 32],
        created_at: Utc::now(),
    }
}

/// Registers a placeholder PNG version of a listing (its hash and log entry
/// made from the listing id, so unique per listing) and publishes it: what a
/// listing needs before it can sell.
pub async fn publish_with_file(store: &Store, creator_id: i64, listing_id: i64) {
    let data = listing_id.to_be_bytes();
    let mut sha256 = [0xc0; 32];
    sha256[..8].copy_from_slice(&data);
    let entry = NewLogEntry { content_hash: Some(sha256), ..log_entry(&data) };
    let id = format!("file-{listing_id}");
    let file = NewFile {
        id: &id,
        listing_id,
        sha256,
        size: 1,
        file_type: "png",
        storage_key: "k",
        alt_hash: None,
        details: "{}",
        preview: false,
        phash: None,
        upload_id: None,
        credits: &[],
    };
    store.register_file(&file, &entry).await.expect("register a placeholder file");
    assert!(
        store.set_listing_status(listing_id, creator_id, ListingStatus::Published, Utc::now()).await.expect("publish"),
        "the listing is published"
    );
}
