//! `make faults`: the server binary (and its local chain) killed with SIGKILL
//! at random points while creators upload, collectors buy and the anchorer
//! anchors — then restarted, and the promises checked:
//!
//! - every upload the server accepted (201) is in the ledger once and its
//!   stored bytes hash to what was signed; an upload cut off by the kill
//!   resumes from the server's offset, or its commit is found in the ledger;
//! - no edition is oversold: per listing, edition numbers are unique, within
//!   1..N, and every order a buyer was told about exists with its number (a
//!   checkout cut off by the kill is retried with its idempotency key);
//! - every log leaf is claimed by exactly one key, file or order row, and is
//!   anchored exactly once: the chain's `Anchored` events cover (0, size] in
//!   consecutive, non-overlapping ranges, each root is proven a prefix of the
//!   log by a consistency proof, and every leaf's inclusion proof verifies
//!   against the root anchored for the whole log.
//!
//! - collectors paying from their wallets (`wallets.rs`): kills during
//!   confirmation, chain outages while the server runs, and payments dropped
//!   when the killed chain restarts from its last state (a reorg) — 0 lost,
//!   0 duplicated orders, 0 unpaid editions issued.
//!
//! Usage: faults [TRIALS=100] [SEED]   (env: COLOPHON_SERVER_BIN, COLOPHON_ANVIL_BIN)
//! Prints the counts; exits 1 when any promise is broken.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

mod wallets;

use anyhow::{Context as _, bail};
use colophon_bench::driver::{LocalServer as Server, Rng, Tab, is_transport, png};
use colophon_provenance::{ContentHash, ContentKind, SigningKey, merkle};
use reqwest::StatusCode;
use serde_json::Value;

const CREATORS: usize = 3;
const BUYERS: usize = 6;
/// Each creator's first listing sells out within a few trials (the boundary is
/// where overselling would show); the second one does not (checkouts go on).
const EDITION_SIZES: [u32; 2] = [20, 5000];
const PRICE_MINOR: i64 = 1250;

struct Creator {
    tab: Tab,
    key: SigningKey,
    listings: Vec<Value>,
}

/// An upload the client started: what it needs to resume it.
#[derive(Clone)]
struct PendingUpload {
    creator: usize,
    listing: Value,
    upload: Value,
    bytes: Arc<Vec<u8>>,
}

/// What the server told a client it accepted.
#[derive(Clone, Debug)]
struct AcceptedUpload {
    sha256: String,
    leaf_index: u64,
    storage: PathBuf,
}

#[derive(Default)]
struct Ledger {
    accepted_uploads: Vec<AcceptedUpload>,
    pending_uploads: Vec<PendingUpload>,
    /// (buyer, idempotency key, slug) of checkouts whose answer was lost.
    pending_orders: Vec<(usize, String, String)>,
    /// order id → (slug, edition number), as the buyer was told.
    accepted_orders: BTreeMap<String, (String, i64)>,
    counts: BTreeMap<&'static str, u64>,
}

impl Ledger {
    fn count(&mut self, what: &'static str) {
        *self.counts.entry(what).or_default() += 1;
    }
}

fn sha256_of(path: &Path) -> anyhow::Result<String> {
    Ok(ContentHash::of(&std::fs::read(path)?).to_hex())
}

/// Uploads files as versions of the creator's listings until told to stop.
async fn uploader(
    c: Arc<Creator>,
    index: usize,
    stop: Arc<AtomicBool>,
    ledger: Arc<Mutex<Ledger>>,
    data: PathBuf,
    seed: u64,
) {
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let listing = c.listings[(n as usize) % c.listings.len()].clone();
        let bytes = Arc::new(png(48 + (n % 5) as u32 * 8, 40, seed ^ (index as u64) << 32 ^ n));
        let upload = match c.tab.start_upload(&listing, &bytes).await {
            Ok(u) => u,
            Err(e) if is_transport(&e) => return,
            Err(e) => {
                ledger.lock().expect("ledger").count("upload start refused");
                eprintln!("upload start refused: {e:#}");
                continue;
            }
        };
        let pending =
            PendingUpload { creator: index, listing: listing.clone(), upload: upload.clone(), bytes: bytes.clone() };
        let chunk = bytes.len().div_ceil(3);
        let id = upload["upload_id"].as_str().unwrap_or_default().to_owned();
        let sent = c.tab.send_from(&id, &bytes, 0, chunk).await;
        let done = match sent {
            Ok(_) => c.tab.complete_upload(&c.key, &listing, &upload, ContentKind::EditionImage, &bytes).await,
            Err(e) => Err(e),
        };
        let mut l = ledger.lock().expect("ledger");
        match done {
            Ok((StatusCode::CREATED, f)) => {
                l.count("uploads accepted");
                l.accepted_uploads.push(accepted(&f, &listing, &upload, &data));
            }
            Ok((s, b)) => {
                l.count("uploads refused");
                eprintln!("upload refused: {s} {b}");
            }
            Err(e) if is_transport(&e) => {
                l.count("uploads cut off by the kill");
                l.pending_uploads.push(pending);
                return;
            }
            Err(e) => {
                l.count("uploads refused");
                eprintln!("upload failed: {e:#}");
            }
        }
    }
}

fn accepted(f: &Value, listing: &Value, upload: &Value, data: &Path) -> AcceptedUpload {
    AcceptedUpload {
        sha256: f["sha256"].as_str().unwrap_or_default().to_owned(),
        leaf_index: f["leaf_index"].as_u64().unwrap_or(u64::MAX),
        storage: data
            .join("files")
            .join(listing["id"].to_string())
            .join(upload["upload_id"].as_str().unwrap_or_default()),
    }
}

/// Buys from random listings with fresh idempotency keys until told to stop.
async fn buyer(
    tab: Tab,
    index: usize,
    slugs: Arc<Vec<String>>,
    stop: Arc<AtomicBool>,
    ledger: Arc<Mutex<Ledger>>,
    seed: u64,
) {
    let mut rng = Rng::seeded(seed);
    while !stop.load(Ordering::Relaxed) {
        let slug = slugs[rng.below(slugs.len() as u64) as usize].clone();
        let key = format!("faults-{index}-{:016x}", rng.next_u64());
        let res = tab.buy(&slug, PRICE_MINOR, &key).await;
        {
            let mut l = ledger.lock().expect("ledger");
            match res {
                Ok((StatusCode::CREATED, o)) => {
                    l.count("orders accepted");
                    record_order(&mut l, &o);
                }
                Ok((StatusCode::OK, o)) => {
                    // Every key here is fresh: a replay would be another checkout's order.
                    l.count("VIOLATION a fresh idempotency key answered as a replay");
                    eprintln!("VIOLATION: a fresh key {key} was answered with an existing order: {o}");
                }
                Ok((StatusCode::CONFLICT, _)) => l.count("checkouts refused (sold out, cap)"),
                Ok((s, b)) => {
                    l.count("checkouts failed otherwise");
                    eprintln!("checkout: {s} {b}");
                }
                Err(e) if is_transport(&e) => {
                    l.count("checkouts cut off by the kill");
                    l.pending_orders.push((index, key, slug));
                    return;
                }
                Err(e) => eprintln!("checkout: {e:#}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(20 + rng.below(80))).await;
    }
}

fn record_order(l: &mut Ledger, o: &Value) {
    let id = o["order_id"].as_str().unwrap_or_default().to_owned();
    let slug = o["listing"].as_str().unwrap_or_default().to_owned();
    let edition = o["edition"].as_i64().unwrap_or(-1);
    if let Some(before) = l.accepted_orders.insert(id.clone(), (slug.clone(), edition))
        && before != (slug.clone(), edition)
    {
        l.count("VIOLATION order changed");
        eprintln!("VIOLATION: order {id} was {before:?}, now {slug} #{edition}");
    }
}

/// After a restart: finishes what the kill cut off.
async fn recover(
    creators: &[Arc<Creator>],
    buyers: &[Tab],
    ledger: &Arc<Mutex<Ledger>>,
    data: &Path,
) -> anyhow::Result<()> {
    let (uploads, orders) = {
        let mut l = ledger.lock().expect("ledger");
        (std::mem::take(&mut l.pending_uploads), std::mem::take(&mut l.pending_orders))
    };
    for p in uploads {
        let c = &creators[p.creator];
        let id = p.upload["upload_id"].as_str().unwrap_or_default().to_owned();
        let sha = ContentHash::of(&p.bytes).to_hex();
        match c.tab.upload_offset(&id).await? {
            Some(offset) => {
                c.tab.send_from(&id, &p.bytes, offset, p.bytes.len().div_ceil(3)).await?;
                let (s, f) =
                    c.tab.complete_upload(&c.key, &p.listing, &p.upload, ContentKind::EditionImage, &p.bytes).await?;
                let mut l = ledger.lock().expect("ledger");
                if s == StatusCode::CREATED {
                    l.count("uploads resumed after the kill and accepted");
                    l.accepted_uploads.push(accepted(&f, &p.listing, &p.upload, data));
                } else {
                    l.count("VIOLATION resumed upload refused");
                    eprintln!("VIOLATION: a resumed upload was refused: {s} {f}");
                }
            }
            None => {
                // Gone: either it was committed before the kill (then the ledger has it) or never staged.
                let (_, v) = c.tab.get_json(&format!("/api/v1/provenance/{sha}")).await?;
                let leaf = v["matches"]
                    .as_array()
                    .and_then(|m| m.iter().find(|m| m["statement"]["type"] == "content_registered"))
                    .and_then(|m| m["leaf_index"].as_u64());
                let mut l = ledger.lock().expect("ledger");
                match leaf {
                    Some(leaf_index) => {
                        l.count("uploads committed before the kill (answer lost)");
                        let mut a = accepted(&Value::Null, &p.listing, &p.upload, data);
                        a.sha256 = sha;
                        a.leaf_index = leaf_index;
                        l.accepted_uploads.push(a);
                    }
                    None => l.count("uploads never staged"),
                }
            }
        }
    }
    for (b, key, slug) in orders {
        let (s, o) = buyers[b].buy(&slug, PRICE_MINOR, &key).await?;
        let mut l = ledger.lock().expect("ledger");
        match s {
            StatusCode::OK => {
                l.count("checkouts committed before the kill (replayed)");
                record_order(&mut l, &o);
            }
            StatusCode::CREATED => {
                l.count("checkouts retried after the kill");
                record_order(&mut l, &o);
            }
            _ => l.count("checkouts retried after the kill and refused"),
        }
    }
    Ok(())
}

/// Waits (up to 30 s) for a restarted chain node to answer.
async fn wait_for_chain(rpc_url: &str) -> bool {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if wallets::rpc(&client, rpc_url, "eth_chainId", serde_json::json!([])).await.is_ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// The promises about files and orders; returns the violations found.
/// Uploads from `first_upload` on are checked (each trial checks the new ones; the end checks all).
async fn check_sales_and_files(
    creators: &[Arc<Creator>],
    buyers: &[Tab],
    ledger: &Arc<Mutex<Ledger>>,
    first_upload: usize,
) -> anyhow::Result<(Vec<String>, usize)> {
    let mut bad = Vec::new();
    let (uploads, told) = {
        let l = ledger.lock().expect("ledger");
        (l.accepted_uploads.clone(), l.accepted_orders.clone())
    };
    let sizes: HashMap<String, u32> = creators
        .iter()
        .flat_map(|c| c.listings.iter().zip(EDITION_SIZES))
        .map(|(l, n)| (l["slug"].as_str().unwrap_or_default().to_owned(), n))
        .collect();
    let probe = &creators[0].tab;
    for u in uploads.iter().skip(first_upload) {
        match sha256_of(&u.storage) {
            Ok(h) if h == u.sha256 => {}
            Ok(h) => bad.push(format!("{} holds {h}, not the accepted {}", u.storage.display(), u.sha256)),
            Err(e) => bad.push(format!("accepted upload {} has no stored bytes: {e}", u.sha256)),
        }
        let (_, v) = probe.get_json(&format!("/api/v1/provenance/{}", u.sha256)).await?;
        let regs: Vec<u64> = v["matches"]
            .as_array()
            .map(|m| {
                m.iter()
                    .filter(|m| m["statement"]["type"] == "content_registered")
                    .filter_map(|m| m["leaf_index"].as_u64())
                    .collect()
            })
            .unwrap_or_default();
        if regs != [u.leaf_index] {
            bad.push(format!("accepted upload {} is registered at {regs:?}, expected [{}]", u.sha256, u.leaf_index));
        }
    }
    let mut by_listing: HashMap<String, Vec<i64>> = HashMap::new();
    let mut seen: BTreeMap<String, (String, i64)> = BTreeMap::new();
    for b in buyers {
        for o in b.orders().await? {
            let slug = o["listing"].as_str().unwrap_or_default().to_owned();
            let edition = o["edition"].as_i64().unwrap_or(-1);
            by_listing.entry(slug.clone()).or_default().push(edition);
            seen.insert(o["order_id"].as_str().unwrap_or_default().to_owned(), (slug, edition));
        }
    }
    for (slug, numbers) in &by_listing {
        let unique: BTreeSet<_> = numbers.iter().collect();
        if unique.len() != numbers.len() {
            bad.push(format!("{slug}: an edition number was sold twice: {numbers:?}"));
        }
        let size = i64::from(sizes.get(slug).copied().unwrap_or(0));
        if numbers.len() as i64 > size || numbers.iter().any(|n| !(1..=size).contains(n)) {
            bad.push(format!("{slug}: oversold or out of range: {} orders, numbers {numbers:?}", numbers.len()));
        }
    }
    for (id, was) in &told {
        if seen.get(id) != Some(was) {
            bad.push(format!("order {id} ({was:?}) was accepted but is now {:?}", seen.get(id)));
        }
    }
    Ok((bad, uploads.len()))
}

/// Every leaf anchored exactly once, every anchor a prefix of the log, every leaf provable.
async fn check_anchoring(server: &Server) -> anyhow::Result<(Vec<String>, u64, usize)> {
    let tab = Tab::new(&server.base());
    let deadline = Instant::now() + Duration::from_secs(120);
    let checkpoint = loop {
        let (_, c) = tab.get_json("/api/v1/log/checkpoint").await?;
        if c["anchor"]["tree_size"] == c["tree_size"] {
            break c;
        }
        if Instant::now() > deadline {
            bail!("the anchorer did not catch up with the log in 120 s: {c}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let size = checkpoint["tree_size"].as_u64().context("size")?;
    let root = hex32(checkpoint["root"].as_str().context("root")?)?;
    let deployment: Value = serde_json::from_slice(&std::fs::read(server.data.join("chain/deployment.json"))?)?;
    let registry = deployment["registry"].as_str().context("registry")?.parse()?;
    let chain = colophon_ledger::Chain::connect(&server.rpc_url(), registry, None).await?;
    let events = chain.anchors().await?;
    let mut bad = Vec::new();
    let mut covered = 0u64;
    for e in &events {
        if e.previous != covered {
            bad.push(format!(
                "anchor of size {} covers from {} but the previous anchor ended at {covered}",
                e.tree_size, e.previous
            ));
        }
        if e.tree_size <= e.previous {
            bad.push(format!("anchor of size {} does not grow past {}", e.tree_size, e.previous));
        }
        covered = e.tree_size;
        let (_, p) = tab.get_json(&format!("/api/v1/log/consistency?from={}&to={size}", e.tree_size)).await?;
        let proof = proof_of(&p)?;
        if let Err(err) = merkle::verify_consistency(e.tree_size, size, &e.root.0, &root, &proof) {
            bad.push(format!("the root anchored for size {} is not a prefix of the log: {err}", e.tree_size));
        }
    }
    if covered != size {
        bad.push(format!("the anchors cover {covered} leaves of {size}"));
    }
    // Every leaf proven against the root the chain holds for the whole log.
    let anchored = chain.anchored_root(size).await?.context("no root on chain for the log's size")?;
    for leaf in 0..size {
        let (_, p) = tab.get_json(&format!("/api/v1/log/inclusion?leaf_index={leaf}&tree_size={size}")).await?;
        let leaf_hash = hex32(p["leaf_hash"].as_str().unwrap_or_default())?;
        let proof = proof_of(&p)?;
        if let Err(err) = merkle::verify_inclusion(&leaf_hash, leaf, size, &proof, &anchored) {
            bad.push(format!("leaf {leaf} does not verify against the anchored root: {err}"));
        }
    }
    Ok((bad, size, events.len()))
}

/// Each log leaf is claimed by exactly one key event, file or order (SQLite, read-only).
async fn check_rows(data: &Path) -> anyhow::Result<Vec<String>> {
    let url = format!("sqlite://{}?mode=ro", data.join("colophon.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await?;
    let orphans: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT e.leaf_index,
                (SELECT COUNT(*) FROM creator_keys k WHERE k.registered_leaf = e.leaf_index OR k.ended_leaf = e.leaf_index)
              + (SELECT COUNT(*) FROM listing_files f WHERE f.log_leaf = e.leaf_index)
              + (SELECT COUNT(*) FROM orders o WHERE o.log_leaf = e.leaf_index) AS claims
         FROM log_entries e WHERE claims <> 1",
    )
    .fetch_all(&pool)
    .await?;
    let oversold: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT l.slug, l.edition_size, (SELECT COUNT(*) FROM orders o WHERE o.listing_id = l.id) AS n
         FROM listings l WHERE l.edition_size IS NOT NULL AND (n > l.edition_size OR n <> l.editions_sold)",
    )
    .fetch_all(&pool)
    .await?;
    pool.close().await;
    let mut bad: Vec<String> =
        orphans.into_iter().map(|(leaf, n)| format!("log leaf {leaf} is claimed by {n} rows, not 1")).collect();
    bad.extend(
        oversold.into_iter().map(|(s, size, n)| format!("{s}: {n} orders for {size} editions or a wrong sold count")),
    );
    Ok(bad)
}

/// The `proof` of an inclusion or consistency answer.
fn proof_of(answer: &Value) -> anyhow::Result<Vec<merkle::Hash>> {
    answer["proof"].as_array().context("proof")?.iter().map(|h| hex32(h.as_str().unwrap_or_default())).collect()
}

fn hex32(s: &str) -> anyhow::Result<[u8; 32]> {
    let v = hex::decode(s)?;
    v.try_into().map_err(|_| anyhow::anyhow!("not 32 bytes: {s}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let trials: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or_else(colophon_bench::driver::now_ms);
    let bin = PathBuf::from(std::env::var("COLOPHON_SERVER_BIN").unwrap_or("target/release/colophon-server".into()));
    let dir = tempfile::Builder::new().prefix("colophon-faults-").tempdir()?;
    let data = dir.path().to_path_buf();
    println!("faults: {trials} trials, seed {seed}, data {}", data.display());
    let mut server = Server::new(bin, data.clone());
    server
        .env("COLOPHON_DEMO", "0")
        .env("COLOPHON_ANCHOR_INTERVAL", "1")
        .env("COLOPHON_PREVIEW_WORKERS", "1")
        .env("COLOPHON_PAYMENTS", "chain")
        .env("COLOPHON_PAYMENT_CONFIRMATIONS", wallets::CONFIRMATIONS);
    server.start().await?;
    let base = server.base();
    let rpc_url = server.rpc_url();
    wallets::interval_mining(&rpc_url).await?;

    // Creators with published editions, and collectors.
    let mut creators = Vec::new();
    for i in 0..CREATORS {
        let tab = Tab::new(&base);
        tab.sign_up(&format!("maker{i}@faults.test")).await?;
        let key = SigningKey::from_seed(&[i as u8 + 1; 32]);
        tab.become_creator(&format!("maker{i}"), &key).await?;
        wallets::prove_payout(&tab, &rpc_url, wallets::PAYOUT_WALLETS[i]).await?;
        let mut listings = Vec::new();
        for (j, &edition_size) in EDITION_SIZES.iter().enumerate() {
            let l = tab.create_listing("edition", &format!("Fault line {i}-{j}"), edition_size).await?;
            let bytes = png(32, 32, (i * 10 + j) as u64);
            let up = tab.start_upload(&l, &bytes).await?;
            let id = up["upload_id"].as_str().context("id")?.to_owned();
            tab.send_from(&id, &bytes, 0, bytes.len()).await?;
            let (s, f) = tab.complete_upload(&key, &l, &up, ContentKind::EditionImage, &bytes).await?;
            anyhow::ensure!(s == StatusCode::CREATED, "setup upload: {s} {f}");
            tab.publish(&l).await?;
            listings.push(l);
        }
        creators.push(Arc::new(Creator { tab, key, listings }));
    }
    let slugs: Arc<Vec<String>> = Arc::new(
        creators
            .iter()
            .flat_map(|c| c.listings.iter().map(|l| l["slug"].as_str().unwrap_or_default().to_owned()))
            .collect(),
    );
    let mut buyers = Vec::new();
    for i in 0..BUYERS {
        let tab = Tab::new(&base);
        tab.sign_up(&format!("collector{i}@faults.test")).await?;
        buyers.push(tab);
    }
    let mut wallet_tabs = Vec::new();
    for i in 0..wallets::BUYER_WALLETS.len() {
        let tab = Tab::new(&base);
        tab.sign_up(&format!("wallet{i}@faults.test")).await?;
        wallet_tabs.push(tab);
    }
    // Every buyer's orders, for the edition checks.
    let all_buyers: Vec<Tab> = buyers.iter().chain(&wallet_tabs).cloned().collect();
    // Let anvil write its state file once before the first kill can take it down.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let wallet_ledger = Arc::new(Mutex::new(wallets::WalletLedger::default()));
    let shop = Arc::new(wallets::Shop { rpc_url: rpc_url.clone(), slugs: slugs.clone(), price_minor: PRICE_MINOR });
    let mut outage_nodes: Vec<tokio::process::Child> = Vec::new();
    let mut rng = Rng(seed | 1);
    let mut violations = Vec::new();
    let mut checked_uploads = 0;
    let started = Instant::now();
    for trial in 0..trials {
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for (i, c) in creators.iter().enumerate() {
            tasks.push(tokio::spawn(uploader(
                c.clone(),
                i,
                stop.clone(),
                ledger.clone(),
                data.clone(),
                rng.next_u64(),
            )));
        }
        for (i, b) in buyers.iter().enumerate() {
            tasks.push(tokio::spawn(buyer(b.clone(), i, slugs.clone(), stop.clone(), ledger.clone(), rng.next_u64())));
        }
        for (i, tab) in wallet_tabs.iter().enumerate() {
            tasks.push(tokio::spawn(wallets::wallet_buyer(
                (tab.clone(), i),
                shop.clone(),
                stop.clone(),
                wallet_ledger.clone(),
                rng.next_u64(),
            )));
        }
        tokio::time::sleep(Duration::from_millis(200 + rng.below(2300))).await;
        let kind = rng.below(10);
        if kind == 3 {
            // The chain goes away under the running server, then comes back
            // from its last state dump (what it mined since is gone: a reorg).
            if let Some(args) = server.anvil_cmdline() {
                server.kill_anvil();
                tokio::time::sleep(Duration::from_millis(1000 + rng.below(1500))).await;
                outage_nodes.push(
                    tokio::process::Command::new(&args[0])
                        .args(&args[1..])
                        .stdout(std::process::Stdio::null())
                        .stderr(std::process::Stdio::null())
                        .spawn()
                        .context("restarting anvil")?,
                );
                if wait_for_chain(&rpc_url).await {
                    wallets::interval_mining(&rpc_url).await?;
                }
                ledger.lock().expect("ledger").count("chain outages under a running server");
                tokio::time::sleep(Duration::from_millis(500 + rng.below(1500))).await;
            }
        }
        let with_chain = kind <= 3;
        server.kill().await;
        if with_chain {
            let killed = server.kill_anvil();
            ledger.lock().expect("ledger").count(if killed {
                "kills of server + chain"
            } else {
                "kills of server (chain already gone)"
            });
        } else {
            ledger.lock().expect("ledger").count("kills of the server alone");
        }
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        for mut node in outage_nodes.drain(..) {
            let _ = node.kill().await;
        }
        server.start().await.with_context(|| format!("restart after trial {trial}"))?;
        wallets::interval_mining(&rpc_url).await?;
        recover(&creators, &buyers, &ledger, &data).await?;
        let (bad, checked) = check_sales_and_files(&creators, &all_buyers, &ledger, checked_uploads).await?;
        checked_uploads = checked;
        for b in &bad {
            eprintln!("trial {trial}: VIOLATION {b}");
        }
        violations.extend(bad);
        if trial % 10 == 9 {
            println!("  {} trials, {:.0} s", trial + 1, started.elapsed().as_secs_f64());
        }
    }
    // Every wallet payment completes; then everything once more, from the first upload.
    if let Err(e) = wallets::settle(&wallet_tabs, &rpc_url, &wallet_ledger).await {
        violations.push(format!("{e:#}"));
    }
    let sales: Value = serde_json::from_slice(&std::fs::read(server.data.join("chain/sales.json"))?)?;
    let sales = sales["deployment"]["sales"].as_str().context("sales contract")?.parse()?;
    let (bad, paid_events) = wallets::check(&rpc_url, sales, &wallet_tabs, &wallet_ledger).await?;
    violations.extend(bad);
    violations.extend(check_sales_and_files(&creators, &all_buyers, &ledger, 0).await?.0);
    let (bad, size, anchors) = check_anchoring(&server).await?;
    violations.extend(bad);
    server.stop().await;
    violations.extend(check_rows(&data).await?);

    let l = ledger.lock().expect("ledger");
    // What the drivers saw and counted as a violation fails the run too.
    violations
        .extend(l.counts.iter().filter(|(what, _)| what.starts_with("VIOLATION")).map(|(w, n)| format!("{w} ({n}×)")));
    println!("\n| what | count |\n|---|---|");
    println!("| trials (SIGKILL at a random point) | {trials} |");
    for (what, n) in &l.counts {
        println!("| {what} | {n} |");
    }
    let w = wallet_ledger.lock().expect("ledger");
    for (what, n) in &w.counts {
        println!("| {what} | {n} |");
    }
    println!("| Paid events on chain, each with exactly one order | {paid_events} |");
    println!("| accepted uploads checked (bytes + ledger) | {} |", l.accepted_uploads.len());
    println!("| orders checked | {} |", l.accepted_orders.len());
    println!("| log leaves, each anchored once and proven | {size} |");
    println!("| anchors on chain | {anchors} |");
    println!("| server starts | {} |", server.starts);
    println!("| violations | {} |", violations.len());
    println!("\nseed {seed}; {:.0} s", started.elapsed().as_secs_f64());
    if !violations.is_empty() {
        violations.sort();
        violations.dedup();
        for v in &violations {
            eprintln!("VIOLATION: {v}");
        }
        let keep = dir.keep();
        eprintln!("data kept for inspection: {}", keep.display());
        std::process::exit(1);
    }
    Ok(())
}
