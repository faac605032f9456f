//! Collectors paying from their own wallets (`COLOPHON_PAYMENTS=chain`) while
//! the server and its chain are killed: quotes hold editions, wallets send
//! `pay` (ETH) or `payWithPermit` (dUSD, an EIP-2612 permit signed by the
//! node for the dev account), and the payment watcher issues each order once
//! its payment has its confirmations. Kills land mid-confirmation; a killed
//! chain restarts from its last state dump, so payments mined after it are
//! dropped (a reorg), and the wallet sends them again, as a wallet whose
//! transaction vanished would. At the end every `Paid` event on the chain
//! must have exactly one order, and every chain-paid order a `Paid` event.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use colophon_bench::driver::{Rng, Tab, is_transport};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// anvil's dev wallets 1–3 (the buyers) and 4–6 (the creators' payout addresses).
pub const BUYER_WALLETS: [&str; 3] = [
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
];
pub const PAYOUT_WALLETS: [&str; 3] = [
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
];
/// Blocks on top of a payment before its order is issued; with a block a
/// second this is deeper than what a killed anvil loses (its state is dumped
/// every 2 s), as confirmations on a real chain are chosen deeper than its reorgs.
pub const CONFIRMATIONS: &str = "5";

/// One JSON-RPC call to the chain node.
pub async fn rpc(client: &reqwest::Client, url: &str, method: &str, params: Value) -> anyhow::Result<Value> {
    let body: Value = client
        .post(url)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .timeout(Duration::from_secs(10))
        .send()
        .await?
        .json()
        .await?;
    if let Some(e) = body.get("error") {
        bail!("{method}: {e}");
    }
    Ok(body["result"].clone())
}

/// A block a second, as on a real chain (anvil mines on every transaction by
/// default, which would make confirmations a count of transactions).
pub async fn interval_mining(url: &str) -> anyhow::Result<()> {
    rpc(&reqwest::Client::new(), url, "evm_setIntervalMining", json!([1])).await.map(|_| ())
}

async fn post(tab: &Tab, path: &str, key: Option<&str>, body: Value) -> anyhow::Result<(StatusCode, Value)> {
    let mut req = tab.client().post(tab.url(path)).header("sec-fetch-site", "same-origin").json(&body);
    if let Some(key) = key {
        req = req.header("idempotency-key", key);
    }
    let res = req.send().await?;
    let status = res.status();
    Ok((status, res.json().await.unwrap_or(Value::Null)))
}

/// Proves `wallet` as the signed-in creator's payout address (EIP-4361,
/// signed by the node for the unlocked dev account).
pub async fn prove_payout(tab: &Tab, rpc_url: &str, wallet: &str) -> anyhow::Result<()> {
    let (s, m) = post(tab, "/api/v1/studio/payout-address/challenge", None, json!({"address": wallet})).await?;
    anyhow::ensure!(s == StatusCode::OK, "payout challenge: {s} {m}");
    let message = m["message"].as_str().context("message")?;
    let hex_message = format!("0x{}", hex::encode(message.as_bytes()));
    let signature = rpc(tab.client(), rpc_url, "personal_sign", json!([hex_message, wallet])).await?;
    let (s, b) = post(tab, "/api/v1/studio/payout-address", None, json!({"signature": signature})).await?;
    anyhow::ensure!(s.is_success(), "payout proof: {s} {b}");
    Ok(())
}

/// A payment a wallet made (or may have made) for a quote.
#[derive(Clone, Debug)]
pub struct Payment {
    pub buyer: usize,
    pub order_id: String,
    /// The transactions that pay it, to send again if the chain drops them.
    pub transactions: Vec<Value>,
    /// The last paying transaction sent.
    pub tx_hash: Option<String>,
}

#[derive(Default)]
pub struct WalletLedger {
    /// Quotes paid (or being paid) and not yet seen completed.
    pub pending: Vec<Payment>,
    /// order id → the edition the completed order got.
    pub completed: BTreeMap<String, i64>,
    pub counts: BTreeMap<&'static str, u64>,
}

impl WalletLedger {
    fn count(&mut self, what: &'static str) {
        *self.counts.entry(what).or_default() += 1;
    }
}

/// Sends `tx` from `from` (`eth_sendTransaction`: the node signs for its dev account).
async fn send(client: &reqwest::Client, rpc_url: &str, from: &str, tx: &Value) -> anyhow::Result<String> {
    let hash = rpc(
        client,
        rpc_url,
        "eth_sendTransaction",
        json!([{"from": from, "to": tx["to"], "data": tx["data"], "value": tx["value"]}]),
    )
    .await?;
    hash.as_str().map(str::to_owned).context("no transaction hash")
}

/// The transactions that pay a quote: for dUSD, a permit signed by the
/// node (`eth_signTypedData_v4`) turned into one `payWithPermit` by the server.
async fn paying_transactions(tab: &Tab, rpc_url: &str, wallet: &str, q: &Value) -> anyhow::Result<Vec<Value>> {
    let Some(typed) = q["permit"]["typed_data"].as_object() else {
        return Ok(q["transactions"].as_array().cloned().unwrap_or_default());
    };
    let signature = rpc(tab.client(), rpc_url, "eth_signTypedData_v4", json!([wallet, typed])).await?;
    let order_id = q["order_id"].as_str().unwrap_or_default();
    let (s, tx) =
        post(tab, &format!("/api/v1/orders/quote/{order_id}/permit"), None, json!({"signature": signature})).await?;
    anyhow::ensure!(s == StatusCode::OK, "permit: {s} {tx}");
    Ok(vec![tx])
}

/// What the wallet buyers buy, and where their chain is.
pub struct Shop {
    pub rpc_url: String,
    pub slugs: Arc<Vec<String>>,
    pub price_minor: i64,
}

/// Quotes, pays and waits, until told to stop; a payment cut off is left
/// in `ledger.pending` for [`settle`].
pub async fn wallet_buyer(
    (tab, index): (Tab, usize),
    shop: Arc<Shop>,
    stop: Arc<AtomicBool>,
    ledger: Arc<Mutex<WalletLedger>>,
    seed: u64,
) {
    let Shop { rpc_url, slugs, price_minor } = &*shop;
    let (rpc_url, price_minor) = (rpc_url.as_str(), *price_minor);
    let mut rng = Rng::seeded(seed);
    let wallet = BUYER_WALLETS[index];
    // One payment at a time per wallet: finish the one a kill interrupted first.
    while !stop.load(Ordering::Relaxed) {
        let waiting = ledger.lock().expect("ledger").pending.iter().any(|p| p.buyer == index);
        if waiting {
            tokio::time::sleep(Duration::from_millis(300)).await;
            match progress(&tab, index, rpc_url, &ledger).await {
                Ok(()) => continue,
                Err(e) if is_transport(&e) => return,
                Err(_) => continue,
            }
        }
        let slug = slugs[rng.below(slugs.len() as u64) as usize].clone();
        let token = if rng.below(2) == 0 { "eth" } else { "usd" };
        let key = format!("wallet-{index}-{:016x}", rng.next_u64());
        let body = json!({"listing": slug, "price_minor": price_minor, "wallet": wallet, "token": token});
        let q = match post(&tab, "/api/v1/orders/quote", Some(&key), body).await {
            Ok((StatusCode::CREATED, q)) => q,
            Ok((StatusCode::CONFLICT, _)) => {
                ledger.lock().expect("ledger").count("quotes refused (all sold or reserved)");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            Ok((s, b)) => {
                ledger.lock().expect("ledger").count("quotes failed otherwise (chain not answering…)");
                eprintln!("quote: {s} {b}");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            Err(e) if is_transport(&e) => return,
            Err(e) => {
                eprintln!("quote: {e:#}");
                continue;
            }
        };
        let order_id = q["order_id"].as_str().unwrap_or_default().to_owned();
        let transactions = match paying_transactions(&tab, rpc_url, wallet, &q).await {
            Ok(t) => t,
            Err(e) => {
                // The hold lapses at the deadline; nothing was paid.
                ledger.lock().expect("ledger").count("quotes left unpaid (permit or chain failed)");
                if is_transport(&e) {
                    return;
                }
                continue;
            }
        };
        let mut payment = Payment { buyer: index, order_id, transactions, tx_hash: None };
        // Sent or not, the payment is pending until its order is seen (a send
        // cut off may still have reached the node).
        let sent = send_all(rpc_url, wallet, &mut payment).await;
        {
            let mut l = ledger.lock().expect("ledger");
            l.count(if token == "eth" { "payments sent in ETH" } else { "payments sent in dUSD with a permit" });
            l.pending.push(payment);
        }
        if sent.is_err() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Sends a payment's transactions in order, waiting for each but the last to be mined.
async fn send_all(rpc_url: &str, wallet: &str, p: &mut Payment) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let last = p.transactions.len().saturating_sub(1);
    for (i, tx) in p.transactions.clone().iter().enumerate() {
        let hash = send(&client, rpc_url, wallet, tx).await?;
        if i < last {
            for _ in 0..50 {
                if !rpc(&client, rpc_url, "eth_getTransactionReceipt", json!([hash])).await?.is_null() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        } else {
            p.tx_hash = Some(hash);
        }
    }
    Ok(())
}

/// Looks at `buyer`'s pending payments: a completed
/// order is recorded; an open quote whose payment the chain does not have
/// (dropped by a restart from an older state, or never sent) is paid again.
pub async fn progress(tab: &Tab, buyer: usize, rpc_url: &str, ledger: &Arc<Mutex<WalletLedger>>) -> anyhow::Result<()> {
    let pending: Vec<Payment> =
        ledger.lock().expect("ledger").pending.iter().filter(|p| p.buyer == buyer).cloned().collect();
    let client = reqwest::Client::new();
    for mut p in pending {
        let (s, state) = tab.get_json(&format!("/api/v1/orders/quote/{}", p.order_id)).await?;
        anyhow::ensure!(s == StatusCode::OK, "quote state: {s} {state}");
        match state["status"].as_str() {
            Some("completed") => {
                let (s, o) = tab.get_json(&format!("/api/v1/orders/{}", p.order_id)).await?;
                anyhow::ensure!(s == StatusCode::OK, "order: {s} {o}");
                let mut l = ledger.lock().expect("ledger");
                l.pending.retain(|q| q.order_id != p.order_id);
                l.completed.insert(p.order_id.clone(), o["edition"].as_i64().unwrap_or(-1));
                l.count("wallet orders completed");
            }
            Some("expired") => {
                let mut l = ledger.lock().expect("ledger");
                l.pending.retain(|q| q.order_id != p.order_id);
                l.count("quotes expired unpaid");
            }
            _ => {
                let mined = match &p.tx_hash {
                    Some(h) => !rpc(&client, rpc_url, "eth_getTransactionReceipt", json!([h])).await?.is_null(),
                    None => false,
                };
                let in_pool = match &p.tx_hash {
                    Some(h) => !rpc(&client, rpc_url, "eth_getTransactionByHash", json!([h])).await?.is_null(),
                    None => false,
                };
                if !mined && !in_pool {
                    // The chain lost it (or it never left): pay again; the contract
                    // takes each order id at most once.
                    send_all(rpc_url, BUYER_WALLETS[p.buyer], &mut p).await?;
                    let mut l = ledger.lock().expect("ledger");
                    l.count("payments the chain dropped, sent again");
                    if let Some(q) = l.pending.iter_mut().find(|q| q.order_id == p.order_id) {
                        q.tx_hash = p.tx_hash.clone();
                    }
                }
            }
        }
    }
    Ok(())
}

/// After the last trial: every pending payment completes (resending what the
/// chain dropped) within two minutes.
pub async fn settle(buyers: &[Tab], rpc_url: &str, ledger: &Arc<Mutex<WalletLedger>>) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        for (i, tab) in buyers.iter().enumerate() {
            progress(tab, i, rpc_url, ledger).await?;
        }
        let left = ledger.lock().expect("ledger").pending.len();
        if left == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{left} wallet payments did not complete within two minutes of the last kill");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The promises about chain payments, from the chain's own events: every
/// `Paid` event has exactly one order (0 lost, 0 duplicated), every order paid
/// on chain names a `Paid` event the chain has, for its own order id (0 unpaid
/// editions issued), and every completed payment the wallets saw is one of them.
pub async fn check(
    rpc_url: &str,
    sales: alloy::primitives::Address,
    buyers: &[Tab],
    ledger: &Arc<Mutex<WalletLedger>>,
) -> anyhow::Result<(Vec<String>, usize)> {
    let reader = colophon_ledger::SalesReader::new(rpc_url, sales)?;
    let head = reader.head().await?;
    let events = reader.paid_events(0, head).await?;
    let mut bad = Vec::new();
    let mut paid: HashMap<String, String> = HashMap::new();
    for e in &events {
        let Some(order_id) = colophon_market::chain::order_id_of(&e.order_id) else {
            bad.push(format!("a Paid event for an order id the marketplace never issued: {}", e.order_id));
            continue;
        };
        if paid.insert(order_id.clone(), format!("{}:{}", e.tx_hash, e.log_index)).is_some() {
            bad.push(format!("order {order_id} was paid twice on chain"));
        }
    }
    let mut orders: HashMap<String, Value> = HashMap::new();
    for b in buyers {
        for o in b.orders().await? {
            if o["payment_provider"] != "chain" {
                continue;
            }
            let id = o["order_id"].as_str().unwrap_or_default().to_owned();
            if orders.insert(id.clone(), o).is_some() {
                bad.push(format!("order {id} is listed twice"));
            }
        }
    }
    for (id, payment) in &paid {
        match orders.get(id) {
            None => bad.push(format!("LOST: {id} was paid on chain ({payment}) but has no order")),
            Some(o) if o["payment_ref"].as_str() != Some(payment.as_str()) => {
                bad.push(format!("order {id} names payment {} but the chain's is {payment}", o["payment_ref"]))
            }
            Some(_) => {}
        }
    }
    for id in orders.keys() {
        if !paid.contains_key(id) {
            bad.push(format!("UNPAID: order {id} was issued but the chain has no Paid event for it"));
        }
    }
    let l = ledger.lock().expect("ledger");
    for (id, edition) in &l.completed {
        match orders.get(id) {
            Some(o) if o["edition"].as_i64() == Some(*edition) => {}
            other => bad.push(format!("the wallet saw order {id} as edition {edition}; now it is {other:?}")),
        }
    }
    Ok((bad, events.len()))
}
