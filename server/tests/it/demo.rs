//! The demo store: seeded once into an empty database through the real
//! upload and checkout paths, signed, and never seeded twice.

use colophon_store::SearchQuery;
use server::testing::TestApp;

fn all() -> SearchQuery<'static> {
    SearchQuery { limit: 100, ..colophon_store::testing::search("") }
}

#[tokio::test]
async fn an_empty_database_gets_a_signed_demo_store_once() {
    let data = tempfile::tempdir().expect("dir");
    let demo = [("COLOPHON_DEMO", "1".to_owned())];
    let app = TestApp::spawn_with(data.path(), None, &demo).await;
    let page = app.store.search_listings(&all()).await.expect("search");
    assert_eq!(page.total, 12, "a dozen demo listings");
    assert!(page.rows.iter().all(|r| r.title.len() > 3 && r.creator_name.ends_with("(demo)")));
    let kinds: std::collections::BTreeSet<_> = page.rows.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds.len(), 3, "all three kinds");
    let sold_out = page.rows.iter().find(|r| r.title == "Undertow").expect("the sold-out edition");
    assert_eq!((sold_out.sold, sold_out.edition_size), (3, Some(3)));
    let found = app.store.search_listings(&SearchQuery { text: "tidal", ..all() }).await.expect("search");
    assert_eq!(found.rows.len(), 1);

    // Every file went through the upload path: signed, logged, stored.
    let log = app.store.log_size().await.expect("size");
    let sales: i64 = page.rows.iter().map(|r| r.sold).sum();
    assert_eq!(log, 3 + 12 + sales as u64, "3 keys, 12 files and one statement per sale");
    for r in &page.rows {
        let files = app.store.listing_files(r.id).await.expect("files");
        assert_eq!(files.len(), 1, "{}", r.title);
        let bytes = std::fs::read(app.data_dir.join("files").join(&files[0].storage_key)).expect("stored file");
        assert_eq!(colophon_provenance::ContentHash::of(&bytes).0, files[0].sha256);
    }
    let html = app.get("/listings/undertow-demo").await.text().await.expect("page");
    assert!(html.contains("Sold out"), "the sold-out listing says so");
    app.stop().await;

    // A restart on the same data does not seed again.
    let again = TestApp::spawn_with(data.path(), None, &demo).await;
    assert_eq!(again.store.log_size().await.expect("size"), log);
    again.stop().await;
}
