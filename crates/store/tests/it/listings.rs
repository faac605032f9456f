//! Listings on both backends: round trips, ordering, and the constraints that
//! keep bad rows out.

use chrono::{DateTime, TimeZone, Utc};
use colophon_store::{
    ListingKind, ListingStatus, NewCreator, NewListing, Store, StoreError,
    testing::{BACKENDS, TestDb},
};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_790_000_000 + secs, 0).single().expect("valid time")
}

fn listing<'a>(creator_id: i64, slug: &'a str, title: &'a str, secs: i64) -> NewListing<'a> {
    NewListing {
        creator_id,
        slug,
        kind: ListingKind::Edition,
        title,
        description: "",
        price_minor: 2500,
        currency: "USD",
        edition_size: Some(25),
        status: ListingStatus::Published,
        created_at: at(secs),
    }
}

async fn creator(store: &Store, handle: &str) -> i64 {
    store
        .create_creator(&NewCreator { handle, display_name: "Ada Vector", created_at: at(0) })
        .await
        .expect("create creator")
}

#[tokio::test]
async fn published_listings_newest_first_without_drafts() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        assert_eq!(store.backend(), backend);
        let ada = creator(&store, "ada").await;

        store.create_listing(&listing(ada, "first", "First light", 1)).await.expect("insert");
        store.create_listing(&listing(ada, "second", "Second sight", 2)).await.expect("insert");
        let draft = NewListing { status: ListingStatus::Draft, ..listing(ada, "draft", "Not yet", 3) };
        store.create_listing(&draft).await.expect("insert draft");
        let lora = NewListing { kind: ListingKind::Lora, edition_size: None, ..listing(ada, "lora", "Ink LoRA", 4) };
        store.create_listing(&lora).await.expect("insert lora");

        let rows = store.published_listings(10).await.expect("list");
        let titles: Vec<_> = rows.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(titles, ["Ink LoRA", "Second sight", "First light"], "{backend:?}");
        assert_eq!(rows[0].kind, ListingKind::Lora);
        assert_eq!(rows[0].edition_size, None);
        assert_eq!(rows[1].edition_size, Some(25));
        assert_eq!(rows[1].creator_name, "Ada Vector");
        assert_eq!(rows[1].sold, 0);
        assert_eq!(store.published_listings(1).await.expect("list").len(), 1, "limit applies");

        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test]
async fn duplicates_and_invalid_rows_are_refused() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let ada = creator(&store, "ada").await;

        let err = store
            .create_creator(&NewCreator { handle: "ada", display_name: "Other", created_at: at(0) })
            .await
            .expect_err("duplicate handle");
        assert!(matches!(err, StoreError::Conflict { .. }), "{backend:?}: {err:?}");

        store.create_listing(&listing(ada, "same", "One", 1)).await.expect("insert");
        let err = store.create_listing(&listing(ada, "same", "Two", 2)).await.expect_err("duplicate slug");
        assert!(matches!(err, StoreError::Conflict { .. }), "{backend:?}: {err:?}");

        // An edition needs a size in 1..=10,000; a workflow must not have one.
        let too_big = NewListing { edition_size: Some(10_001), ..listing(ada, "big", "Big", 3) };
        assert!(store.create_listing(&too_big).await.is_err(), "{backend:?}: edition size over 10,000");
        let no_size = NewListing { edition_size: None, ..listing(ada, "nosize", "No size", 3) };
        assert!(store.create_listing(&no_size).await.is_err(), "{backend:?}: edition without size");
        let sized_workflow = NewListing { kind: ListingKind::Workflow, ..listing(ada, "wf", "Workflow with size", 3) };
        assert!(store.create_listing(&sized_workflow).await.is_err(), "{backend:?}: workflow with size");
        let negative = NewListing { price_minor: -1, ..listing(ada, "neg", "Negative", 3) };
        assert!(store.create_listing(&negative).await.is_err(), "{backend:?}: negative price");
        let orphan = listing(ada + 999, "orphan", "No creator", 3);
        assert!(store.create_listing(&orphan).await.is_err(), "{backend:?}: unknown creator");

        assert_eq!(store.published_listings(10).await.expect("list").len(), 1, "{backend:?}: nothing else stored");
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_ping_works() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        store.migrate().await.expect("second migrate is a no-op");
        store.ping().await.expect("ping");
        store.close().await;
        let again = db.store().await;
        again.ping().await.expect("reconnect to a migrated database");
        again.close().await;
        db.drop_db().await;
    }
}

#[tokio::test]
async fn unsupported_urls_are_named_clearly() {
    let err = Store::connect("mysql://root@localhost/x").await.expect_err("unsupported");
    assert!(err.to_string().contains("unsupported database URL"), "{err}");
}
