//! Scaling out as the README promises: three `colophon-server` processes
//! (the real binary, each with its own data directory) on one PostgreSQL,
//! one S3 bucket (s3s-fs) and one chain (anvil, contracts deployed as an
//! operator would, `COLOPHON_RPC_URL`). It checks what a load balancer in
//! front of them relies on:
//!
//! - a session made on one process is the same session on the others, and a
//!   sign-out on one ends it everywhere;
//! - buyers of one edition spread over the three processes never oversell it
//!   and get distinct numbers;
//! - each preview job is rendered once, by whichever process claimed it;
//! - exactly one process anchors and one watches payments (a lease in the
//!   database): when the holder is killed (SIGKILL) another takes over and
//!   anchors what was logged meanwhile; when one stops cleanly (SIGTERM) it
//!   hands the lease over at once.
//!
//! PostgreSQL only: SQLite is one file for one process (README, Scaling out).

use std::{
    io::{BufRead as _, BufReader},
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use alloy::primitives::U256;
use colophon_ledger::testing::{Anvil, DEV_KEYS, dev_key};
use colophon_provenance::{ContentKind, SigningKey};
use colophon_store::{Backend, Store, testing::TestDb};
use reqwest::StatusCode;
use serde_json::Value;
use server::testing::{Creator, TestApp, call, collector, creator_with_key, listing, order, png, publish, upload};

use crate::s3::{S3Server, SECRET_KEY};

const METRICS_TOKEN: &str = "scale-out-metrics-token-0123456789abcdef";

/// One server process; killed when dropped.
struct Process {
    name: &'static str,
    child: Child,
    app: TestApp,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Process {
    async fn start(name: &'static str, env: &[(&str, String)], data: &Path, store: &Store) -> Self {
        let data_dir = data.join(name);
        let mut child = Command::new(env!("CARGO_BIN_EXE_colophon-server"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("COLOPHON_DATA_DIR", &data_dir)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start colophon-server");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let (logs, tx) = (logs.clone(), tx.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(at) = line.find("Colophon is running at http://") {
                        let addr = line[at + "Colophon is running at http://".len()..].split_whitespace().next();
                        if let Some(addr) = addr.and_then(|a| a.parse::<SocketAddr>().ok()) {
                            let _ = tx.send(addr);
                        }
                    }
                    logs.lock().expect("logs").push(line);
                }
            });
        }
        let addr = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(60)))
            .await
            .expect("wait")
            .unwrap_or_else(|_| panic!("{name} did not start: {}", logs.lock().expect("logs").join("\n")));
        Self { name, child, app: TestApp::attach(addr, store.clone(), &data_dir), logs }
    }

    fn tail(&self) -> String {
        let logs = self.logs.lock().expect("logs");
        format!("--- {} ---\n{}", self.name, logs[logs.len().saturating_sub(30)..].join("\n"))
    }

    /// `/healthz`'s anchoring section.
    async fn anchoring(&self) -> Value {
        let health: Value = self.app.get("/healthz").await.json().await.unwrap_or_default();
        health["anchoring"].clone()
    }

    /// A gauge or counter from `/metrics` (0 when absent).
    async fn metric(&self, series: &str) -> f64 {
        let text = self
            .app
            .client
            .get(self.app.url("/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .expect("scrape")
            .text()
            .await
            .expect("text");
        text.lines()
            .filter(|l| l.starts_with(series) && l[series.len()..].starts_with([' ', '{']))
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    fn terminate(&mut self) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("SIGTERM");
        let status = self.child.wait().expect("exit");
        assert!(status.success(), "{} stopped cleanly on SIGTERM: {status}\n{}", self.name, self.tail());
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn key_file(dir: &Path, name: &str, hex: &str) -> String {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    std::fs::write(&path, hex).expect("key file");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path.display().to_string()
}

/// Which of `live` hold the anchoring lease now, as their healthz says.
async fn anchor_leaders(live: &[&Process]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for p in live {
        if p.anchoring().await["leader"] == true {
            out.push(p.name);
        }
    }
    out
}

/// Waits until exactly one of `live` anchors and every log entry is covered
/// by a confirmed anchor whose root the contract holds; returns the leader.
async fn anchored_by_one(live: &[&Process], chain: &colophon_ledger::Chain, store: &Store) -> &'static str {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let leaders = anchor_leaders(live).await;
        assert!(leaders.len() <= 1, "two processes anchor at once: {leaders:?}");
        let size = store.log_size().await.expect("log size");
        let anchored = store.latest_confirmed_anchor().await.expect("anchor").map_or(0, |a| a.tree_size);
        if let [leader] = leaders[..]
            && anchored == size
        {
            let root = store.log_root(size).await.expect("root");
            assert_eq!(chain.anchored_root(size).await.expect("rootFor"), Some(root), "the chain holds our root");
            return leader;
        }
        if Instant::now() > deadline {
            let tails: Vec<String> = live.iter().map(|p| p.tail()).collect();
            panic!(
                "no single anchorer covered {size} entries (anchored {anchored}, leaders {leaders:?})\n{}",
                tails.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn three_processes_share_one_postgres_one_bucket_and_one_chain() {
    let db = TestDb::new(Backend::Postgres).await;
    let store = db.store().await;
    let s3 = S3Server::start();
    let anvil = Anvil::start().await;
    let registry = colophon_ledger::deploy(&anvil.rpc, dev_key(0)).await.expect("deploy the registry").registry;
    let sales = colophon_ledger::deploy_sales(
        &anvil.rpc,
        dev_key(0),
        dev_key(3).address(),
        dev_key(0).address(),
        &[],
        U256::ZERO,
    )
    .await
    .expect("deploy the sales contract");
    let chain = colophon_ledger::Chain::connect(&anvil.rpc, registry, Some(31337)).await.expect("chain");

    let data = tempfile::tempdir().expect("temp dir");
    let mut env: Vec<(&str, String)> = vec![
        ("DATABASE_URL", db.url.clone()),
        ("COLOPHON_ADDR", "127.0.0.1:0".into()),
        ("COLOPHON_SITE_ROOT", data.path().join("site").display().to_string()),
        ("COLOPHON_DEMO", "0".into()),
        ("COLOPHON_RPC_URL", anvil.rpc.clone()),
        ("COLOPHON_REGISTRY_ADDRESS", registry.to_string()),
        ("COLOPHON_CHAIN_ID", "31337".into()),
        // Every process has the anchor key: the lease decides which one uses it.
        ("COLOPHON_ANCHOR_KEY_FILE", key_file(data.path(), "anchor.key", DEV_KEYS[0])),
        ("COLOPHON_ANCHOR_INTERVAL", "1".into()),
        ("COLOPHON_PAYMENTS", "chain".into()),
        ("COLOPHON_SALES_CONTRACT", sales.sales.to_string()),
        ("COLOPHON_USD_TOKEN", sales.usd.to_string()),
        ("COLOPHON_SALES_KEY_FILE", key_file(data.path(), "sales.key", DEV_KEYS[3])),
        ("COLOPHON_OPERATOR_KEY", data.path().join("operator.key").display().to_string()),
        ("COLOPHON_PREVIEW_BACKEND", "cpu".into()),
        ("COLOPHON_METRICS_TOKEN", METRICS_TOKEN.into()),
        ("COLOPHON_RATE_SIGN_IN", "0".into()),
        ("COLOPHON_RATE_SEARCH", "0".into()),
        ("COLOPHON_RATE_API", "0".into()),
        ("COLOPHON_RATE_UPLOADS", "0".into()),
    ];
    env.extend(s3.env("fleet", SECRET_KEY));

    // The first start makes the operator key the others then share (in
    // production it comes from the secret store).
    let mut a = Process::start("a", &env, data.path(), &store).await;
    let (b, c) =
        tokio::join!(Process::start("b", &env, data.path(), &store), Process::start("c", &env, data.path(), &store));
    let (mut b, mut c) = (b, c);

    // A session made on A is the same session on B and C.
    let key = SigningKey::from_seed(&[71; 32]);
    let creator = Creator { tab: creator_with_key(&a.app, "fleet", &key).await, key };
    for p in [&b, &c] {
        let me: Value = creator.tab.get(p.app.url("/api/v1/me")).send().await.expect("me").json().await.expect("json");
        assert_eq!(me["creator"]["handle"], "fleet", "{} knows A's session: {me}", p.name);
    }
    // A sign-out on one process ends the session on every other.
    let leaving = collector(&a.app, "leaving@example.com").await;
    assert_eq!(leaving.get(c.app.url("/api/v1/me")).send().await.expect("me").status(), StatusCode::OK);
    let (s, body) = call(&b.app, &leaving, "account/sign_out", &[]).await;
    assert!(s.is_success() || s.is_redirection(), "{s} {body}");
    for p in [&a, &b, &c] {
        let me = leaving.get(p.app.url("/api/v1/me")).send().await.expect("me");
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "{} after a sign-out on b", p.name);
    }

    // Six editions, their files uploaded through all three processes (an
    // upload's chunks go to one process: README), published through another.
    let procs = [&a, &b, &c];
    let mut slugs = Vec::new();
    for i in 0..6 {
        let (here, there) = (procs[i % 3], procs[(i + 1) % 3]);
        let edition = listing(&here.app, &creator, "edition", &format!("Fleet {i}")).await;
        let image = png(320 + i as u32, 200);
        let (s, file) = upload(&here.app, &creator, &edition, ContentKind::EditionImage, &image, vec![]).await;
        assert_eq!(s, StatusCode::CREATED, "{file}");
        let id = edition["id"].as_i64().expect("id");
        publish(&there.app, &creator, id).await;
        slugs.push(edition["slug"].as_str().expect("slug").to_owned());
    }

    // An anonymous visitor's page on C is kept (the page cache, 1 s by default)...
    let visitor = reqwest::Client::new();
    let page = c.app.url(&format!("/listings/{}", slugs[0]));
    let seen = visitor.get(&page).send().await.expect("page").text().await.expect("html");
    assert!(seen.contains("10 of 10 left"), "the visitor sees ten left");

    // 45 buyers race for the first edition's 10 numbers, each signed up on
    // one process and buying on the next.
    let buyers = futures::future::join_all((0..45).map(|i| {
        let (signed_up, buys) = (procs[i % 3], procs[(i + 1) % 3]);
        let slug = slugs[0].clone();
        async move {
            let tab = collector(&signed_up.app, &format!("racer{i}@example.com")).await;
            order(&buys.app, &tab, &slug, Some(&format!("race-key-{i}")), None).await
        }
    }))
    .await;
    let mut numbers: Vec<i64> = buyers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, o)| o["edition"].as_i64().expect("edition number"))
        .collect();
    let refused: Vec<&Value> = buyers.iter().filter(|(s, _)| *s != StatusCode::CREATED).map(|(_, o)| o).collect();
    assert!(
        buyers.iter().all(|(s, _)| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "only sales and sold-out refusals: {buyers:?}"
    );
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=10).collect::<Vec<i64>>(), "ten distinct numbers, none oversold: {refused:?}");
    let first = store.listing(listing_id(&store, &slugs[0]).await).await.expect("listing").expect("exists");
    assert_eq!(first.sold, 10, "the database counts ten sold");

    // ...and shows the sales made through A and B within a second or so.
    let sold = Instant::now();
    loop {
        let html = visitor.get(&page).send().await.expect("page").text().await.expect("html");
        if html.contains("Sold out") {
            break;
        }
        assert!(sold.elapsed() < Duration::from_secs(3), "C still shows the page from before the sales");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Each preview job rendered once, by whichever process claimed it.
    let creator_id = first.creator_id;
    let deadline = Instant::now() + Duration::from_secs(90);
    let jobs = loop {
        let jobs = store.creator_preview_jobs(creator_id).await.expect("jobs");
        if jobs.len() == 6 && jobs.iter().all(|j| j.status == "done") {
            break jobs;
        }
        assert!(Instant::now() < deadline, "previews not rendered: {jobs:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(jobs.iter().all(|j| j.attempts == 1), "each job claimed once: {jobs:?}");
    let mut rendered = 0.0;
    for p in procs {
        rendered += p.metric("colophon_previews_rendered_total").await;
    }
    assert_eq!(rendered, 6.0, "six renders across the three processes, no job twice");

    // One anchorer, one payment watcher.
    let leader = anchored_by_one(&procs, &chain, &store).await;
    let mut watchers = 0.0;
    for p in procs {
        watchers += p.metric("colophon_lease_held{role=\"payments\"}").await;
    }
    assert_eq!(watchers, 1.0, "exactly one process watches payments");

    // Kill the anchorer; what is logged meanwhile is anchored by another.
    let (victim, rest): (&mut Process, Vec<&Process>) = match leader {
        "a" => (&mut a, vec![&b, &c]),
        "b" => (&mut b, vec![&a, &c]),
        _ => (&mut c, vec![&a, &b]),
    };
    victim.kill();
    let late = collector(&rest[0].app, "late@example.com").await;
    let (s, o) = order(&rest[1].app, &late, &slugs[1], Some("after-the-kill"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let successor = anchored_by_one(&rest, &chain, &store).await;
    assert_ne!(successor, leader);
    // The payments lease lapses on its own clock (renewed each watcher round,
    // not each anchor round), so it may pass over a little after the anchor's.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut watchers = 0.0;
        for p in &rest {
            watchers += p.metric("colophon_lease_held{role=\"payments\"}").await;
        }
        assert!(watchers <= 1.0, "two survivors watch payments at once");
        if watchers == 1.0 {
            break;
        }
        assert!(Instant::now() < deadline, "no survivor took over watching payments");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // A clean stop hands the lease over at once: the row is gone when the process has exited.
    let (stopping, last) = if rest[0].name == successor { (0, 1) } else { (1, 0) };
    let stopping_name = rest[stopping].name;
    let last_name = rest[last].name;
    let held_by = store.lease_holder("anchor", chrono::Utc::now()).await.expect("lease").expect("held");
    match stopping_name {
        "a" => a.terminate(),
        "b" => b.terminate(),
        _ => c.terminate(),
    }
    let holder = store.lease_holder("anchor", chrono::Utc::now()).await.expect("lease");
    assert_ne!(holder.as_deref(), Some(held_by.as_str()), "the stopped process released its lease");
    let survivor = match last_name {
        "a" => &a,
        "b" => &b,
        _ => &c,
    };
    let (s, o) = order(&survivor.app, &late, &slugs[2], Some("after-the-stop"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    assert_eq!(anchored_by_one(&[survivor], &chain, &store).await, last_name);

    drop(a);
    drop(b);
    drop(c);
    store.close().await;
    db.drop_db().await;
}

async fn listing_id(store: &Store, slug: &str) -> i64 {
    store.listing_id_by_slug(slug).await.expect("listing").expect("exists")
}
