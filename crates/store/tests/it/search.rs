//! Store search on both backends: words (prefixes, accents, creator names),
//! filters, sorting, pagination and hostile text.

use chrono::{Duration, Utc};
use colophon_store::{
    ListingDraft, ListingKind, SearchQuery, Sort, Store,
    testing::{BACKENDS, TestDb, draft, publish_with_file, search},
};

async fn publish(store: &Store, creator_id: i64, n: u8, title: &str, tags: &str, kind: ListingKind, price: i64) -> i64 {
    let slug = format!("l-{n}");
    let id = store
        .create_draft(&ListingDraft {
            kind,
            title,
            description: "Generative ink on paper.",
            price_minor: price,
            edition_size: (kind == ListingKind::Edition).then_some(5),
            sale_ends_at: (n == 3).then(|| Utc::now() - Duration::hours(1)),
            tags,
            ..draft(creator_id, &slug)
        })
        .await
        .expect("draft");
    publish_with_file(store, creator_id, id).await;
    id
}

fn query(text: &str) -> SearchQuery<'_> {
    search(text)
}

fn titles(page: &colophon_store::SearchPage) -> Vec<&str> {
    page.rows.iter().map(|r| r.title.as_str()).collect()
}

#[tokio::test]
async fn search_filters_sorts_and_pages() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let a = store.create_account("a@example.com", "x", Utc::now()).await.expect("account");
        let mira = store.become_creator(a, "mira", "Mira Okafor", "", Utc::now()).await.expect("creator");
        let b = store.create_account("b@example.com", "x", Utc::now()).await.expect("account");
        let juno = store.become_creator(b, "juno", "Juno Vale", "", Utc::now()).await.expect("creator");
        publish(&store, mira, 1, "Tidal Memory", "ink,ocean", ListingKind::Edition, 4800).await;
        publish(&store, mira, 2, "Dawn Café", "sunrise", ListingKind::Edition, 1200).await;
        publish(&store, juno, 3, "Ended Dawn", "sunrise", ListingKind::Edition, 900).await;
        publish(&store, juno, 4, "Watercolor LoRA", "watercolor,sdxl", ListingKind::Lora, 1500).await;
        // A draft never shows.
        store
            .create_draft(&ListingDraft {
                kind: ListingKind::Workflow,
                title: "Hidden Dawn",
                price_minor: 1,
                edition_size: None,
                ..draft(mira, "hidden")
            })
            .await
            .expect("draft");

        let s = |q: SearchQuery<'static>| {
            let store = store.clone();
            async move { store.search_listings(&q).await.expect("search") }
        };
        let all = s(query("")).await;
        assert_eq!((all.total, all.rows.len()), (4, 4), "{backend:?}");
        assert_eq!(titles(&s(query("tid")).await), ["Tidal Memory"], "{backend:?}: prefix");
        assert_eq!(titles(&s(query("ocean")).await), ["Tidal Memory"], "{backend:?}: tags");
        assert_eq!(titles(&s(query("okafor")).await).len(), 2, "{backend:?}: creator name");
        assert_eq!(titles(&s(query("dawn cafe")).await), ["Dawn Café"], "{backend:?}: all words");
        assert!(s(query("nothing-like-this")).await.rows.is_empty());
        // Hostile text is just words.
        for hostile in [r#"""#, "*", "dawn OR", "NEAR(", "')--", "a:*&|!"] {
            let _ = s(query(hostile)).await;
        }

        let loras = s(SearchQuery { kind: Some(ListingKind::Lora), ..query("") }).await;
        assert_eq!(titles(&loras), ["Watercolor LoRA"]);
        let by_juno = s(SearchQuery { creator: Some("juno"), ..query("") }).await;
        assert_eq!(by_juno.total, 2);
        let mid = s(SearchQuery { min_price_minor: Some(1000), max_price_minor: Some(2000), ..query("") }).await;
        assert_eq!(titles(&mid), ["Watercolor LoRA", "Dawn Café"]);
        let available = s(SearchQuery { available_now: true, ..query("dawn") }).await;
        assert_eq!(titles(&available), ["Dawn Café"], "{backend:?}: the ended sale is not available");
        let cheap_first = s(SearchQuery { sort: Sort::PriceLow, ..query("") }).await;
        assert_eq!(titles(&cheap_first), ["Ended Dawn", "Dawn Café", "Watercolor LoRA", "Tidal Memory"]);
        let dear_first = s(SearchQuery { sort: Sort::PriceHigh, ..query("") }).await;
        assert_eq!(titles(&dear_first)[0], "Tidal Memory");
        let relevance = s(SearchQuery { sort: Sort::Relevance, ..query("dawn") }).await;
        assert_eq!(relevance.total, 2);

        let page2 = s(SearchQuery { limit: 3, offset: 3, ..query("") }).await;
        assert_eq!((page2.total, page2.rows.len()), (4, 1), "{backend:?}: the total survives paging");
        store.close().await;
        db.drop_db().await;
    }
}
