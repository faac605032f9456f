//! `colophon verify` shows an edition's chain of custody: the server's own
//! anvil takes a wallet payment for edition #1, its holder resells it, a second
//! wallet pays the resale, and the CLI checks the registration, the sale and
//! the transfer — each with the payment it binds, looked up on the chain.

use alloy::{
    network::EthereumWallet,
    primitives::Address,
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use colophon_ledger::testing::dev_key;
use colophon_provenance::{ContentHash, ContentKind, SigningKey};
use colophon_store::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::testing::{Creator, TestApp, call, collector, creator_with_key, listing, png, upload};

use super::against_server::{anvil_rpc, colophon, json_out, wait_anchored, write};

async fn post(app: &TestApp, tab: &reqwest::Client, path: &str, key: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut req = tab.post(app.url(path)).header("sec-fetch-site", "same-origin").json(&body);
    if let Some(key) = key {
        req = req.header("idempotency-key", key);
    }
    let res = req.send().await.expect("post");
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

/// Sends the quote's transactions from `wallet`, mines a block on top and
/// waits for the order; the paying transaction's hash.
async fn pay(app: &TestApp, tab: &reqwest::Client, rpc: &str, wallet: PrivateKeySigner, q: &Value) -> String {
    let chain = ProviderBuilder::new().wallet(EthereumWallet::from(wallet)).connect_http(rpc.parse().expect("url"));
    let receipt = colophon_ledger::testing::send_wallet_tx(&chain, &q["transactions"][0]).await;
    let _: Value = chain.raw_request("anvil_mine".into(), (1u64,)).await.expect("mine");
    server::testing::quote_completed(app, tab, q["order_id"].as_str().expect("id")).await;
    receipt.transaction_hash.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_shows_an_editions_chain_of_custody_with_each_payment() {
    let app = TestApp::spawn_env(
        Backend::Sqlite,
        &[
            ("COLOPHON_PAYMENTS", "chain".to_owned()),
            ("COLOPHON_PAYMENT_CONFIRMATIONS", "1".to_owned()),
            ("COLOPHON_ANCHOR_INTERVAL", "1".to_owned()),
        ],
    )
    .await;
    let (server, rpc) = (app.url(""), anvil_rpc(&app.data_dir));
    let key = SigningKey::from_seed(&[41; 32]);
    let maker = Creator { tab: creator_with_key(&app, "maker", &key).await, key };
    let edition = listing(&app, &maker, "edition", "Custody").await;
    let original = png(40, 30);
    let (s, f) = upload(&app, &maker, &edition, ContentKind::EditionImage, &original, vec![]).await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let id = edition["id"].as_i64().expect("id");
    let (s, b) =
        call(&app, &maker.tab, "listings/status", &[("listing_id", &id.to_string()), ("status", "published")]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let creator_id = app.store.listing(id).await.expect("q").expect("listing").creator_id;
    app.store
        .set_creator_payout_address(creator_id, &Address::repeat_byte(0xc0).to_checksum(None))
        .await
        .expect("payout");
    let (slug, price) = (edition["slug"].as_str().expect("slug"), edition["price_minor"].as_i64().expect("price"));

    // The first collector pays for edition #1 from wallet 1 and offers it at twice the price.
    let first = collector(&app, "first@example.com").await;
    let wallet = |n: usize| dev_key(n).address().to_checksum(None);
    let ask = json!({"listing": slug, "price_minor": price, "wallet": wallet(1), "token": "eth"});
    let (s, q1) = post(&app, &first, "/api/v1/orders/quote", Some("cli-primary-1"), ask).await;
    assert_eq!(s, StatusCode::CREATED, "{q1}");
    let sold_in = pay(&app, &first, &rpc, dev_key(1), &q1).await;
    let order = q1["order_id"].as_str().expect("order");
    let (s, offer) =
        post(&app, &first, &format!("/api/v1/orders/{order}/resale"), None, json!({"price_minor": price * 2})).await;
    assert_eq!(s, StatusCode::CREATED, "{offer}");

    // The second pays the resale from wallet 3.
    let second = collector(&app, "second@example.com").await;
    let ask =
        json!({"listing": slug, "price_minor": price * 2, "wallet": wallet(3), "token": "eth", "offer": offer["id"]});
    let (s, q2) = post(&app, &second, "/api/v1/orders/quote", Some("cli-resale-1"), ask).await;
    assert_eq!(s, StatusCode::CREATED, "{q2}");
    let resold_in = pay(&app, &second, &rpc, dev_key(3), &q2).await;

    // The CLI: the registration, the sale and the transfer all verify, each payment found on chain.
    let hash = ContentHash::of(&original);
    let view = wait_anchored(&app, &hash).await;
    assert_eq!(view["matches"].as_array().map(Vec::len), Some(3), "{view}");
    let dir = tempfile::tempdir().expect("dir");
    let file = write(dir.path(), "custody.png", &original);
    let (code, v) = json_out(&["verify", &file, "--server", &server, "--rpc", &rpc]);
    assert_eq!(code, 0, "{v}");
    let receipts = v["receipts"].as_array().expect("receipts");
    let verdicts: Vec<&str> = receipts.iter().map(|r| r["verdict"].as_str().expect("verdict")).collect();
    assert_eq!(verdicts, ["verified"; 3], "{v}");
    let detail = |needle: &str| {
        receipts.iter().find(|r| r["detail"].as_str().is_some_and(|d| d.contains(needle))).map(|r| r["detail"].clone())
    };
    let sale = detail("edition #1 of").filter(|d| d.as_str().is_some_and(|d| d.contains(" sold,"))).expect("the sale");
    assert!(sale.as_str().expect("text").contains(&format!("transaction {sold_in}")), "{sale}");
    let transfer = detail("resold: holder").expect("the transfer");
    let transfer = transfer.as_str().expect("text");
    assert!(transfer.contains(&format!("transaction {resold_in}")), "{transfer}");
    assert!(transfer.contains("found on chain"), "{transfer}");
    assert!(transfer.contains("operator key"), "{transfer}");
    // The plain output lists the same chain of custody, one line per statement.
    let (code, out) = colophon(&["verify", &file, "--server", &server, "--rpc", &rpc]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("resold: holder") && out.contains(" sold, signed"), "{out}");
    app.stop().await;
}
