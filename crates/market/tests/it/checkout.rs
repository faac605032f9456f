//! Checkout on both databases: concurrent buyers never oversell or share a
//! number, idempotency, caps, sale windows, licences, and the statements.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use colophon_market::{Market, MarketError, OperatorKey, TestPayments};
use colophon_provenance::{SignedStatement, Statement, buyer_ref};
use colophon_store::{
    ListingDraft, ListingKind, ListingStatus, Refusal, Store,
    testing::{BACKENDS, TestDb, draft, publish_with_file},
};

pub(crate) struct Shop {
    pub(crate) store: Store,
    pub(crate) market: Market,
    pub(crate) creator_id: i64,
    next: std::sync::atomic::AtomicU32,
}

pub(crate) struct Terms {
    pub(crate) kind: ListingKind,
    pub(crate) size: Option<i64>,
    pub(crate) cap: Option<i64>,
    pub(crate) starts: Option<DateTime<Utc>>,
    pub(crate) ends: Option<DateTime<Utc>>,
}

const EDITION_10: Terms = Terms { kind: ListingKind::Edition, size: Some(10), cap: None, starts: None, ends: None };

impl Shop {
    pub(crate) async fn new(store: Store) -> Self {
        let acc = store.create_account("maker@example.com", "x", Utc::now()).await.expect("account");
        let creator_id = store.become_creator(acc, "maker", "Maker", "", Utc::now()).await.expect("creator");
        let market = Market::new(store.clone(), OperatorKey::from_seed(&[7; 32]), Arc::new(TestPayments));
        Self { store, market, creator_id, next: 0.into() }
    }

    pub(crate) async fn listing(&self, t: &Terms) -> i64 {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let slug = format!("work-{n}");
        let id = self
            .store
            .create_draft(&ListingDraft {
                kind: t.kind,
                edition_size: t.size,
                sale_starts_at: t.starts,
                sale_ends_at: t.ends,
                per_account_cap: t.cap,
                ..draft(self.creator_id, &slug)
            })
            .await
            .expect("draft");
        publish_with_file(&self.store, self.creator_id, id).await;
        id
    }

    pub(crate) async fn buyers(&self, n: usize) -> Vec<i64> {
        let mut ids = Vec::with_capacity(n);
        let base = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for i in 0..n {
            ids.push(
                self.store.create_account(&format!("b{base}-{i}@example.com"), "x", Utc::now()).await.expect("buyer"),
            );
        }
        ids
    }

    async fn buy(&self, account: i64, listing: i64, key: &str) -> Result<colophon_market::Order, MarketError> {
        self.market.buy(account, None, listing, 2500, key, Utc::now()).await
    }
}

fn refusal(r: Result<colophon_market::Order, MarketError>) -> Refusal {
    match r {
        Err(MarketError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

pub(crate) async fn statement_at(store: &Store, leaf: u64) -> SignedStatement {
    let row = store.log_entry(leaf).await.expect("q").expect("entry");
    let key = colophon_provenance::PublicKey::from_bytes(&row.public_key).expect("key");
    SignedStatement::verify(&row.statement, key, row.signature).expect("a valid signature")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_buyers_for_ten_editions_never_oversell() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let shop = Arc::new(Shop::new(db.store().await).await);
        let buyers = shop.buyers(500).await;
        for round in 0..3 {
            let listing = shop.listing(&EDITION_10).await;
            let log_before = shop.store.log_size().await.expect("size");
            let tasks: Vec<_> = buyers
                .iter()
                .map(|&b| {
                    let shop = shop.clone();
                    tokio::spawn(async move { shop.buy(b, listing, &format!("race-{round}-{b}")).await })
                })
                .collect();
            let mut sold = Vec::new();
            for t in tasks {
                match t.await.expect("task") {
                    Ok(order) => sold.push(order.row),
                    Err(MarketError::Refused(Refusal::SoldOut)) => {}
                    Err(e) => panic!("{backend:?}: unexpected {e}"),
                }
            }
            let mut numbers: Vec<i64> = sold.iter().map(|o| o.edition.expect("numbered")).collect();
            numbers.sort_unstable();
            assert_eq!(numbers, (1..=10).collect::<Vec<_>>(), "{backend:?} round {round}");
            let l = shop.store.listing(listing).await.expect("q").expect("listing");
            assert_eq!(l.sold, 10);
            // One EditionSold per order, signed by the operator, naming the order's number.
            assert_eq!(shop.store.log_size().await.expect("size"), log_before + 10);
            for o in &sold {
                let signed = statement_at(&shop.store, o.log_leaf).await;
                assert_eq!(signed.public_key, shop.market.operator().public_key());
                match signed.statement {
                    Statement::EditionSold { edition, edition_size, buyer_ref: r, price_minor, .. } => {
                        assert_eq!((Some(edition as i64), edition_size, price_minor), (o.edition, 10, 2500));
                        assert_eq!(r, buyer_ref(&o.buyer_salt, &o.id));
                    }
                    other => panic!("expected EditionSold, got {other:?}"),
                }
            }
            assert_eq!(refusal(shop.buy(buyers[0], listing, "late-buyer-key").await), Refusal::SoldOut);
        }
        shop.store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_key_makes_one_order_even_concurrently() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let shop = Arc::new(Shop::new(db.store().await).await);
        let listing = shop.listing(&EDITION_10).await;
        let buyer = shop.buyers(1).await[0];
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let shop = shop.clone();
                tokio::spawn(async move { shop.buy(buyer, listing, "double-click-1").await })
            })
            .collect();
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.expect("task").expect("bought").row.id);
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "{backend:?}: one order for one key");
        assert_eq!(shop.store.account_orders(buyer).await.expect("q").len(), 1);
        assert_eq!(shop.store.listing(listing).await.expect("q").expect("l").sold, 1);
        // A retry later replays; the same key for another listing is refused.
        let again = shop.buy(buyer, listing, "double-click-1").await.expect("replay");
        assert!(again.replayed);
        let other = shop.listing(&EDITION_10).await;
        assert_eq!(refusal(shop.buy(buyer, other, "double-click-1").await), Refusal::KeyReused);
        assert!(matches!(shop.buy(buyer, other, "short").await, Err(MarketError::BadIdempotencyKey)));
        shop.store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test]
async fn caps_windows_licences_and_ownership() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let shop = Shop::new(db.store().await).await;
        let buyer = shop.buyers(1).await[0];
        let now = Utc::now();

        // Cap 2: the third is refused and takes no number.
        let capped = shop.listing(&Terms { cap: Some(2), ..EDITION_10 }).await;
        shop.buy(buyer, capped, "cap-00001").await.expect("first");
        shop.buy(buyer, capped, "cap-00002").await.expect("second");
        assert_eq!(refusal(shop.buy(buyer, capped, "cap-00003").await), Refusal::CapReached(2));
        assert_eq!(shop.store.listing(capped).await.expect("q").expect("l").sold, 2);

        // Window edges: not yet started; ended (the end is exclusive); open.
        let later = shop.listing(&Terms { starts: Some(now + Duration::hours(1)), ..EDITION_10 }).await;
        assert!(matches!(refusal(shop.buy(buyer, later, "win-00001").await), Refusal::NotStarted(_)));
        let ended = shop.listing(&Terms { ends: Some(now - Duration::seconds(1)), ..EDITION_10 }).await;
        assert!(matches!(refusal(shop.buy(buyer, ended, "win-00002").await), Refusal::Ended(_)));
        let open = shop
            .listing(&Terms {
                starts: Some(now - Duration::seconds(1)),
                ends: Some(now + Duration::hours(1)),
                ..EDITION_10
            })
            .await;
        shop.buy(buyer, open, "win-00003").await.expect("open window");
        let edge = shop.listing(&Terms { ends: Some(now + Duration::hours(1)), ..EDITION_10 }).await;
        let at_end = shop.market.buy(buyer, None, edge, 2500, "win-00004", now + Duration::hours(1)).await;
        assert!(matches!(refusal(at_end), Refusal::Ended(_)));

        // Licences: one per account, LicenseGranted with the terms' hash.
        let lora = shop.listing(&Terms { kind: ListingKind::Lora, size: None, ..EDITION_10 }).await;
        let order = shop.buy(buyer, lora, "lic-00001").await.expect("licence");
        assert_eq!(order.row.edition, None);
        match statement_at(&shop.store, order.row.log_leaf).await.statement {
            Statement::LicenseGranted { license_terms, .. } => assert_eq!(license_terms.0, [4; 32]),
            other => panic!("expected LicenseGranted, got {other:?}"),
        }
        assert_eq!(refusal(shop.buy(buyer, lora, "lic-00002").await), Refusal::AlreadyLicensed);

        // The creator cannot buy their own; a stale price is refused; drafts and archives are not for sale.
        let own = shop.market.buy(buyer, Some(shop.creator_id), open, 2500, "own-00001", now).await;
        assert!(matches!(own, Err(MarketError::OwnListing)));
        let stale = shop.market.buy(buyer, None, open, 100, "own-00002", now).await;
        assert_eq!(refusal(stale), Refusal::PriceChanged);
        assert!(shop.store.set_listing_status(open, shop.creator_id, ListingStatus::Archived, now).await.expect("q"));
        assert_eq!(refusal(shop.buy(buyer, open, "arc-00001").await), Refusal::NotForSale);
        assert_eq!(refusal(shop.buy(buyer, 999_999, "none-0001").await), Refusal::NotFound);

        // Nothing refused left a log entry or an order behind.
        let orders = shop.store.account_orders(buyer).await.expect("q");
        assert_eq!(orders.len(), 4);
        shop.store.close().await;
        db.drop_db().await;
    }
}

/// One group commit judges each purchase as if it were its own transaction
/// after the previous one: what the batch sold counts for the sale rule, a
/// key twice makes one order, and one purchase whose key another request used
/// fails only itself.
#[tokio::test]
async fn a_batch_judges_each_purchase_after_the_ones_before_it() {
    use colophon_store::{Checkout, Purchase, TxOutcome};
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let shop = Shop::new(db.store().await).await;
        let [a, b, c] = shop.buyers(3).await[..] else { unreachable!() };
        let two = shop.listing(&Terms { size: Some(2), ..EDITION_10 }).await;
        let capped = shop.listing(&Terms { cap: Some(1), ..EDITION_10 }).await;
        let lora = shop.listing(&Terms { kind: ListingKind::Lora, size: None, ..EDITION_10 }).await;
        // `c` already holds an order made with key "taken-key".
        shop.buy(c, capped, "taken-key").await.expect("earlier order");
        let now = Utc::now();
        let keys: Vec<String> = (0..20).map(|i| format!("batch-key-{i}")).collect();
        let ids: Vec<String> = (0..20).map(|i| format!("ord_batch_{i}")).collect();
        let purchase = |i: usize, account: i64, listing: i64, key: &'static str| Purchase {
            order_id: &ids[i],
            account_id: account,
            listing_id: listing,
            price_minor: 2500,
            idempotency_key: if key.is_empty() { &keys[i] } else { key },
            payment_provider: "test",
            payment_ref: "ref",
            buyer_salt: [i as u8; 32],
            now,
            paid_quote: None,
        };
        let batch = [
            purchase(0, a, two, ""),
            purchase(1, b, two, ""),
            purchase(2, c, two, ""),          // the third of two: sold out by this batch
            purchase(3, a, capped, ""),       // a's first of cap 1
            purchase(4, a, capped, ""),       // a's second: over the cap within the batch
            purchase(5, a, lora, ""),         // a licence
            purchase(6, a, lora, ""),         // the same licence again in the batch
            purchase(7, b, lora, "same-key"), // b's licence...
            purchase(8, b, lora, "same-key"), // ...and a double click in the same batch
            purchase(9, b, capped, ""),
        ];
        let operator = shop.market.operator().clone();
        let sign = |a: &colophon_store::Allocation, i: usize| {
            let statement = colophon_provenance::Statement::LicenseGranted {
                listing_id: format!("l{i}"),
                content_hash: colophon_provenance::ContentHash(a.content_hash),
                licensee_ref: [i as u8; 32],
                license_terms: colophon_provenance::ContentHash([0; 32]),
                time_ms: 1,
                payment: None,
            };
            statement.sign(operator.signing_key()).map_err(|e| colophon_store::StoreError::Corrupt(e.to_string()))
        };
        let log_before = shop.store.log_size().await.expect("size");
        let outcomes: Vec<TxOutcome> = shop
            .store
            .checkout_batch(&batch, |i, a| sign(a, i))
            .await
            .into_iter()
            .map(|o| o.expect("outcome"))
            .collect();
        use TxOutcome::{Done, DuplicateKey, Refused};
        assert_eq!(
            outcomes,
            [
                Done,
                Done,
                Refused(Refusal::SoldOut),
                Done,
                Refused(Refusal::CapReached(1)),
                Done,
                Refused(Refusal::AlreadyLicensed),
                Done,
                DuplicateKey,
                Done
            ],
            "{backend:?}"
        );
        // Six orders, six log entries, in batch order; editions 1 and 2 of `two`.
        assert_eq!(shop.store.log_size().await.expect("size"), log_before + 6);
        let mut leaves = Vec::new();
        for (i, p) in batch.iter().enumerate() {
            let got = shop.store.checkout_result(p, outcomes[i].clone()).await.expect("result");
            if let Checkout::Created(row) = &got {
                leaves.push(row.log_leaf);
                match statement_at(&shop.store, row.log_leaf).await.statement {
                    colophon_provenance::Statement::LicenseGranted { listing_id, .. } => {
                        assert_eq!(listing_id, format!("l{i}"), "purchase {i} signed its own statement");
                    }
                    other => panic!("{other:?}"),
                }
            }
            if i == 8 {
                assert!(matches!(got, Checkout::Replayed(ref row) if row.id == "ord_batch_7"), "{got:?}");
            }
        }
        assert_eq!(leaves, (log_before..log_before + 6).collect::<Vec<_>>());
        let editions: Vec<Option<i64>> = shop
            .store
            .account_orders(a)
            .await
            .expect("q")
            .iter()
            .chain(&shop.store.account_orders(b).await.expect("q"))
            .filter(|o| o.listing_id == two)
            .map(|o| o.edition)
            .collect();
        let mut editions = editions;
        editions.sort_unstable();
        assert_eq!(editions, [Some(1), Some(2)]);
        assert_eq!(shop.store.listing(two).await.expect("q").expect("l").sold, 2);
        // The log's nodes are those of one append at a time.
        let size = shop.store.log_size().await.expect("size");
        let mut tree = colophon_provenance::merkle::MemoryTree::new();
        for leaf in 0..size {
            tree.push_hash(shop.store.log_entry(leaf).await.expect("q").expect("entry").leaf_hash);
        }
        assert_eq!(shop.store.log_root(size).await.expect("root"), tree.root());

        // A key another request already used fails the batch; each is then tried alone.
        let more = shop.listing(&EDITION_10).await;
        // A double click on something the batch refuses gets the refusal twice (not an error).
        let refused_twice = [purchase(13, c, two, "sold-out-click"), purchase(14, c, two, "sold-out-click")];
        let outcomes: Vec<TxOutcome> = shop
            .store
            .checkout_batch(&refused_twice, |i, a| sign(a, i))
            .await
            .into_iter()
            .map(|o| o.expect("o"))
            .collect();
        assert_eq!(outcomes, [Refused(Refusal::SoldOut), Refused(Refusal::SoldOut)], "{backend:?}");
        let again = [purchase(10, c, lora, ""), purchase(11, c, more, "taken-key"), purchase(12, b, more, "")];
        let log_before = shop.store.log_size().await.expect("size");
        let outcomes: Vec<TxOutcome> =
            shop.store.checkout_batch(&again, |i, a| sign(a, i)).await.into_iter().map(|o| o.expect("o")).collect();
        assert_eq!(outcomes, [Done, DuplicateKey, Done], "{backend:?}");
        assert_eq!(shop.store.log_size().await.expect("size"), log_before + 2, "the refused one logged nothing");
        let reused = shop.store.checkout_result(&again[1], outcomes[1].clone()).await.expect("result");
        assert!(matches!(reused, Checkout::Refused(Refusal::KeyReused)), "{reused:?}");
        assert_eq!(shop.store.listing(more).await.expect("q").expect("l").sold, 1);
        shop.store.close().await;
        db.drop_db().await;
    }
}
