//! Checkout under contention, on SQLite and on PostgreSQL: 64 buyers at once
//! for one 64-edition listing (every checkout queues on the same row lock)
//! against the same 64 checkouts spread over 64 listings (no shared row: the
//! log append is the only queue). Each checkout is the full transaction:
//! allocation, cap check, operator-signed statement, log append, order row.
//! PostgreSQL: `COLOPHON_TEST_PG_URL` (default postgres@127.0.0.1).

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use colophon_market::{Market, OperatorKey, TestPayments};
use colophon_store::{
    Backend, ListingDraft, Store,
    testing::{BACKENDS, TestDb, draft, publish_with_file},
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const BUYERS: usize = 64;

struct Shop {
    store: Store,
    market: Market,
    creator: i64,
    buyers: Vec<i64>,
    next: std::sync::atomic::AtomicU64,
}

impl Shop {
    async fn new(store: Store) -> Self {
        let now = Utc::now();
        let acc = store.create_account("maker@example.com", "x", now).await.expect("account");
        let creator = store.become_creator(acc, "maker", "Maker", "", now).await.expect("creator");
        let mut buyers = Vec::new();
        for i in 0..BUYERS {
            buyers.push(store.create_account(&format!("b{i}@example.com"), "x", now).await.expect("buyer"));
        }
        let market = Market::new(store.clone(), OperatorKey::from_seed(&[3; 32]), Arc::new(TestPayments));
        Self { store, market, creator, buyers, next: 0.into() }
    }

    async fn listing(&self, size: i64) -> i64 {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let slug = format!("l{n}");
        let id = self
            .store
            .create_draft(&ListingDraft {
                title: "Bench",
                price_minor: 100,
                edition_size: Some(size),
                ..draft(self.creator, &slug)
            })
            .await
            .expect("draft");
        publish_with_file(&self.store, self.creator, id).await;
        id
    }

    /// 64 concurrent checkouts: all on `listings[0]` or one on each.
    async fn round(self: &Arc<Self>, listings: &[i64]) -> Duration {
        let round = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let start = std::time::Instant::now();
        let tasks: Vec<_> = self
            .buyers
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                let (shop, listing) = (self.clone(), listings[i % listings.len()]);
                tokio::spawn(async move {
                    shop.market.buy(b, None, listing, 100, &format!("bench-{round}-{i}"), Utc::now()).await
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task").expect("bought");
        }
        start.elapsed()
    }
}

fn checkout(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let mut group = c.benchmark_group("checkout_64_buyers");
    group
        .throughput(Throughput::Elements(BUYERS as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for backend in BACKENDS {
        let db = rt.block_on(TestDb::new(backend));
        let shop = Arc::new(rt.block_on(async { Shop::new(db.store().await).await }));
        let name = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        for (label, contended) in [("one_listing", true), ("64_listings", false)] {
            group.bench_function(BenchmarkId::new(label, name), |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            let listings = if contended {
                                vec![shop.listing(BUYERS as i64).await]
                            } else {
                                let mut v = Vec::with_capacity(BUYERS);
                                for _ in 0..BUYERS {
                                    v.push(shop.listing(1).await);
                                }
                                v
                            };
                            total += shop.round(&listings).await;
                        }
                        total
                    })
                })
            });
        }
        rt.block_on(async {
            shop.store.close().await;
            db.drop_db().await;
        });
    }
    group.finish();
}

criterion_group!(benches, checkout);
criterion_main!(benches);
