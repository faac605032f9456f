//! `make soak`: mixed traffic against the real server binary on loopback for
//! a while (default 10 minutes) — browse the Store, search, open listings,
//! look hashes up in the ledger, buy, upload signed files — from concurrent
//! users, while the anchorer and the preview worker run. Reports, per kind
//! of request, the count and the p50/p99/max latency; the errors (any answer
//! a user would not expect, or none); and the server's resident memory over
//! time. Fails (exit 1) on any error, or when memory keeps growing: when the
//! median RSS of the last minute exceeds that of the first minute after
//! warm-up by more than 15 % and more than 32 MiB; or when throughput falls
//! as the data grows: the last minute serves more than 20 % fewer requests
//! than the second. Each minute it prints its requests and each kind's p50.
//!
//! Usage: soak [SECONDS=600] [USERS=16]   (env: COLOPHON_SERVER_BIN, COLOPHON_ANVIL_BIN)

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context as _;
use colophon_bench::driver::{LocalServer, Rng, Tab, png, quantile, rss_kib};
use colophon_provenance::{ContentHash, ContentKind, SigningKey};
use reqwest::StatusCode;
use serde_json::Value;

const WARM_UP: Duration = Duration::from_secs(60);

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The most the last minute's requests may fall below the second minute's.
const THROUGHPUT_DROP: f64 = 0.20;

#[derive(Default)]
struct Stats {
    latencies: BTreeMap<&'static str, Vec<Duration>>,
    errors: BTreeMap<&'static str, u64>,
    first_errors: Vec<String>,
    sold_out: u64,
}

impl Stats {
    fn ok(&mut self, kind: &'static str, took: Duration) {
        self.latencies.entry(kind).or_default().push(took);
    }

    fn error(&mut self, kind: &'static str, what: String) {
        *self.errors.entry(kind).or_default() += 1;
        if self.first_errors.len() < 20 {
            self.first_errors.push(format!("{kind}: {what}"));
        }
    }
}

struct Shop {
    slugs: Vec<String>,
    hashes: Vec<String>,
    creator: Tab,
    key: SigningKey,
    drafts: Vec<Value>,
}

async fn user(i: usize, shop: Arc<Shop>, base: String, stop: Arc<AtomicBool>, stats: Arc<Mutex<Stats>>, seed: u64) {
    let mut rng = Rng::seeded(seed);
    let tab = Tab::new(&base);
    let signed_up = tab.sign_up(&format!("soak{i}@soak.test")).await;
    if let Err(e) = signed_up {
        stats.lock().expect("stats").error("sign up", format!("{e:#}"));
        return;
    }
    let queries = ["tidal", "rings", "ink", "lora", "workflow", "moire", "grid"];
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let roll = rng.below(100);
        let t0 = Instant::now();
        let (kind, outcome): (&'static str, anyhow::Result<bool>) = if roll < 35 {
            ("browse /", tab.get_text("/").await.map(|(s, n)| s == StatusCode::OK && n > 1000))
        } else if roll < 55 {
            let q = queries[rng.below(queries.len() as u64) as usize];
            ("search", tab.get_text(&format!("/?q={q}&sort=newest")).await.map(|(s, _)| s == StatusCode::OK))
        } else if roll < 72 {
            let slug = &shop.slugs[rng.below(shop.slugs.len() as u64) as usize];
            ("listing page", tab.get_text(&format!("/listings/{slug}")).await.map(|(s, _)| s == StatusCode::OK))
        } else if roll < 87 {
            let h = &shop.hashes[rng.below(shop.hashes.len() as u64) as usize];
            ("verify look-up", tab.get_json(&format!("/api/v1/provenance/{h}")).await.map(|(s, _)| s == StatusCode::OK))
        } else if roll < 97 {
            let slug = &shop.slugs[rng.below(shop.slugs.len() as u64) as usize];
            let key = format!("soak-{i}-{n}-{:08x}", rng.next_u64() as u32);
            match tab.buy(slug, 1250, &key).await {
                Ok((StatusCode::CREATED, _)) => ("checkout", Ok(true)),
                Ok((StatusCode::CONFLICT, v)) => {
                    // Sold out, or a licence already held: the store said why; not an error.
                    stats.lock().expect("stats").sold_out += 1;
                    ("checkout", Ok(v["message"].is_string() || v["error"].is_string()))
                }
                Ok((s, v)) => ("checkout", Err(anyhow::anyhow!("{s} {v}"))),
                Err(e) => ("checkout", Err(e)),
            }
        } else {
            let listing = &shop.drafts[rng.below(shop.drafts.len() as u64) as usize];
            ("upload (signed, 2 chunks)", upload(&shop, listing, seed ^ n << 8 ^ i as u64).await)
        };
        let took = t0.elapsed();
        let mut s = stats.lock().expect("stats");
        match outcome {
            Ok(true) => s.ok(kind, took),
            Ok(false) => s.error(kind, "unexpected answer".into()),
            Err(e) => s.error(kind, format!("{e:#}")),
        }
    }
}

async fn upload(shop: &Shop, listing: &Value, seed: u64) -> anyhow::Result<bool> {
    let bytes = png(64, 48, seed);
    let up = shop.creator.start_upload(listing, &bytes).await?;
    let id = up["upload_id"].as_str().context("upload id")?.to_owned();
    shop.creator.send_from(&id, &bytes, 0, bytes.len().div_ceil(2)).await?;
    let (s, f) = shop.creator.complete_upload(&shop.key, listing, &up, ContentKind::EditionImage, &bytes).await?;
    Ok(s == StatusCode::CREATED && f["sha256"] == ContentHash::of(&bytes).to_hex())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let secs: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(600);
    let users: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(16);
    let bin = PathBuf::from(std::env::var("COLOPHON_SERVER_BIN").unwrap_or("target/release/colophon-server".into()));
    let dir = tempfile::Builder::new().prefix("colophon-soak-").tempdir()?;
    let mut server = LocalServer::new(bin, dir.path().to_path_buf());
    let metrics_token = "soak-metrics-token-0123456789abcdef0123";
    server.env("COLOPHON_DEMO", "1").env("COLOPHON_ANCHOR_INTERVAL", "5").env("COLOPHON_METRICS_TOKEN", metrics_token);
    server.start().await?;
    let base = server.base();
    let pid = server.pid().context("server pid")?;

    // The demo store is there to browse; one creator of ours sells large editions and uploads versions.
    let creator = Tab::new(&base);
    creator.sign_up("soak-maker@soak.test").await?;
    let key = SigningKey::from_seed(&[42; 32]);
    creator.become_creator("soakmaker", &key).await?;
    let mut slugs = Vec::new();
    let mut hashes = Vec::new();
    let mut drafts = Vec::new();
    for j in 0..3 {
        let l = creator.create_listing("edition", &format!("Soak field {j}"), 10_000).await?;
        let bytes = png(96, 64, j);
        let up = creator.start_upload(&l, &bytes).await?;
        let id = up["upload_id"].as_str().context("id")?.to_owned();
        creator.send_from(&id, &bytes, 0, bytes.len()).await?;
        let (s, f) = creator.complete_upload(&key, &l, &up, ContentKind::EditionImage, &bytes).await?;
        anyhow::ensure!(s == StatusCode::CREATED, "setup upload: {s} {f}");
        creator.publish(&l).await?;
        slugs.push(l["slug"].as_str().unwrap_or_default().to_owned());
        hashes.push(ContentHash::of(&bytes).to_hex());
        drafts.push(creator.create_listing("edition", &format!("Soak draft {j}"), 10).await?);
    }
    let shop = Arc::new(Shop { slugs, hashes, creator, key, drafts });
    println!("soak: {secs} s, {users} users, server pid {pid} at {base}");

    let stop = Arc::new(AtomicBool::new(false));
    let stats = Arc::new(Mutex::new(Stats::default()));
    let mut tasks = Vec::new();
    for i in 0..users {
        let seed = colophon_bench::driver::now_ms() ^ ((i as u64) << 40);
        tasks.push(tokio::spawn(user(i, shop.clone(), base.clone(), stop.clone(), stats.clone(), seed)));
    }
    let started = Instant::now();
    let mut rss: Vec<(Duration, u64)> = Vec::new();
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut per_minute: Vec<usize> = Vec::new();
    while started.elapsed() < Duration::from_secs(secs) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(kib) = rss_kib(pid) {
            rss.push((started.elapsed(), kib));
        }
        if rss.len().is_multiple_of(60) {
            let s = stats.lock().expect("stats");
            let done: usize = s.latencies.values().map(Vec::len).sum();
            let errors: u64 = s.errors.values().sum();
            let mib = rss.last().map_or(0, |r| r.1 / 1024);
            // This minute's requests and each kind's median, to see which kind slows as the data grows.
            let mut kinds = Vec::new();
            for (kind, all) in &s.latencies {
                let from = seen.get(kind).copied().unwrap_or(0);
                let mut minute: Vec<Duration> = all[from..].to_vec();
                if !minute.is_empty() {
                    kinds.push(format!("{kind} {}", ms(quantile(&mut minute, 0.5))));
                }
                seen.insert(kind, all.len());
            }
            per_minute.push(done - per_minute.iter().sum::<usize>());
            println!(
                "  {:>4} s: {done} requests ({} this minute), {errors} errors, RSS {mib} MiB; p50: {}",
                started.elapsed().as_secs(),
                per_minute.last().copied().unwrap_or(0),
                kinds.join(", ")
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed();
    // What an operator's Prometheus would have read at the end of the run.
    let metrics = scrape_metrics(&base, metrics_token).await;
    server.stop().await;

    let mut s = stats.lock().expect("stats");
    println!("\n| request | count | per s | p50 | p99 | max | errors |\n|---|---|---|---|---|---|---|");
    let kinds: Vec<&'static str> = s.latencies.keys().chain(s.errors.keys()).copied().collect();
    let mut total = 0usize;
    for kind in kinds.into_iter().collect::<std::collections::BTreeSet<_>>() {
        let errors = s.errors.get(kind).copied().unwrap_or(0);
        let l = s.latencies.entry(kind).or_default();
        total += l.len();
        let (p50, p99, max) = (quantile(l, 0.5), quantile(l, 0.99), quantile(l, 1.0));
        println!(
            "| {kind} | {} | {:.1} | {} | {} | {} | {errors} |",
            l.len(),
            l.len() as f64 / elapsed.as_secs_f64(),
            ms(p50),
            ms(p99),
            ms(max)
        );
    }
    let mut all: Vec<Duration> = s.latencies.values().flatten().copied().collect();
    let errors: u64 = s.errors.values().sum();
    println!(
        "| all | {total} | {:.1} | {} | {} | {} | {errors} |",
        total as f64 / elapsed.as_secs_f64(),
        ms(quantile(&mut all, 0.5)),
        ms(quantile(&mut all, 0.99)),
        ms(quantile(&mut all, 1.0))
    );
    println!("(checkouts the store refused with a reason — sold out, licence held: {})", s.sold_out);

    // Memory: the first minute after warm-up against the last minute.
    let window = |from: Duration, to: Duration| {
        let mut v: Vec<u64> = rss.iter().filter(|(t, _)| *t >= from && *t < to).map(|(_, k)| *k).collect();
        v.sort_unstable();
        v.get(v.len() / 2).copied()
    };
    let early = window(WARM_UP, WARM_UP + Duration::from_secs(60));
    let late = window(elapsed.saturating_sub(Duration::from_secs(60)), elapsed + Duration::from_secs(1));
    let peak = rss.iter().map(|r| r.1).max().unwrap_or(0);
    let mut failed = errors > 0;
    match (early, late) {
        (Some(a), Some(b)) => {
            let growth = b as f64 / a as f64 - 1.0;
            let flat = b <= a || growth <= 0.15 || b - a <= 32 * 1024;
            println!(
                "RSS: {} MiB in minute 2 (median), {} MiB in the last minute, peak {} MiB: {:+.1} % — {}",
                a / 1024,
                b / 1024,
                peak / 1024,
                growth * 100.0,
                if flat { "flat" } else { "GROWING" }
            );
            failed |= !flat;
        }
        _ => println!("RSS: run too short to compare minute 2 with the last minute (peak {} MiB)", peak / 1024),
    }
    // Throughput as the data grows: the last minute against the second (the first warms up).
    if let (Some(&second), Some(&last)) = (per_minute.get(1), per_minute.last())
        && per_minute.len() >= 3
    {
        let held = last as f64 / second as f64;
        let ok = held >= 1.0 - THROUGHPUT_DROP;
        println!(
            "Throughput: {second} requests in minute 2, {last} in the last minute ({:+.1} %) — {}",
            (held - 1.0) * 100.0,
            if ok { "holds" } else { "FALLS as the data grows" }
        );
        failed |= !ok;
    }
    match metrics {
        Ok(summary) => println!("{summary}"),
        Err(e) => {
            eprintln!("error: /metrics: {e}");
            failed = true;
        }
    }
    for e in &s.first_errors {
        eprintln!("error: {e}");
    }
    if failed {
        eprintln!("soak FAILED: {errors} errors, or memory or throughput above (see the lines marked in capitals)");
        std::process::exit(1);
    }
    Ok(())
}

/// Scrapes `/metrics` as Prometheus would and picks out the operator's numbers.
async fn scrape_metrics(base: &str, token: &str) -> anyhow::Result<String> {
    let res = reqwest::Client::new().get(format!("{base}/metrics")).bearer_auth(token).send().await?;
    anyhow::ensure!(res.status() == StatusCode::OK, "answered {}", res.status());
    let text = res.text().await?;
    let value = |prefix: &str| {
        text.lines().find(|l| l.starts_with(prefix)).and_then(|l| l.rsplit(' ').next()).unwrap_or("missing").to_owned()
    };
    let completed = value("colophon_checkouts_total{outcome=\"completed\"}");
    anyhow::ensure!(completed != "missing", "no completed checkouts counted");
    Ok(format!(
        "/metrics at the end: {} checkouts completed, anchor lag {} leaves / {} s, {} preview jobs queued, pool {} of {} open",
        completed,
        value("colophon_anchor_lag_leaves "),
        value("colophon_anchor_lag_seconds "),
        value("colophon_preview_jobs{state=\"queued\"}"),
        value("colophon_db_pool_connections{state=\"open\"}"),
        value("colophon_db_pool_connections{state=\"max\"}"),
    ))
}
