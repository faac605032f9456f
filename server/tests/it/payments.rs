//! Paying from a wallet over HTTP, on the app's own anvil: a collector asks
//! for a quote (which holds the only edition), their wallet sends the
//! transactions the quote lists — as a browser wallet would, through
//! `eth_sendTransaction` — and the order appears once the payment is
//! confirmed; the creator's share waits in the contract for them.

use alloy::{
    network::EthereumWallet,
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
};
use colophon_ledger::{
    sales::ColophonSales,
    testing::{dev_key, send_wallet_tx},
};
use colophon_provenance::{ContentKind, SigningKey};
use colophon_store::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::testing::{
    Creator, TestApp, browser, call, creator_with_key, get_json, listing, png, quote_completed, upload,
};

async fn quote(app: &TestApp, tab: &reqwest::Client, key: &str, body: Value) -> (StatusCode, Value) {
    let res = tab
        .post(app.url("/api/v1/orders/quote"))
        .header("sec-fetch-site", "same-origin")
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .expect("post");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_collector_pays_from_their_wallet_and_the_order_follows_the_confirmed_payment() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn_env(
            backend,
            &[("COLOPHON_PAYMENTS", "chain".into()), ("COLOPHON_PAYMENT_CONFIRMATIONS", "2".into())],
        )
        .await;
        let key = SigningKey::from_seed(&[21; 32]);
        let creator = Creator { tab: creator_with_key(&app, "tidal", &key).await, key };
        let edition = listing(&app, &creator, "edition", "Tide Pool").await;
        let (s, file) = upload(&app, &creator, &edition, ContentKind::EditionImage, &png(32, 24), vec![]).await;
        assert_eq!(s, StatusCode::CREATED, "{file}");
        let id = edition["id"].as_i64().expect("id");
        let slug = edition["slug"].as_str().expect("slug").to_owned();
        let price = edition["price_minor"].as_i64().expect("price");
        let (s, b) =
            call(&app, &creator.tab, "listings/status", &[("listing_id", &id.to_string()), ("status", "published")])
                .await;
        assert_eq!(s, StatusCode::OK, "{b}");

        let anna = browser();
        let (s, b) = call(
            &app,
            &anna,
            "account/sign_up",
            &[("email", "anna@example.com"), ("password", "correct horse battery")],
        )
        .await;
        assert!(s.is_success() || s.is_redirection(), "{s} {b}");
        let buyer = dev_key(1);
        let wallet = buyer.address().to_checksum(None);
        let ask = |token: &str| json!({"listing": slug, "price_minor": price, "wallet": wallet, "token": token});

        // Bad requests say why.
        let (s, b) = quote(
            &app,
            &anna,
            "quote-bad-1",
            json!({"listing": slug, "price_minor": price, "wallet": "0x12", "token": "eth"}),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        let (s, b) = quote(&app, &anna, "quote-bad-2", ask("doge")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        // The creator has no payout address yet: said before anything is held.
        let (s, b) = quote(&app, &anna, "quote-anna-1", ask("eth")).await;
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        assert!(b["message"].as_str().expect("message").contains("payout address"), "{b}");
        let creator_wallet = dev_key(2).address();
        prove_payout_address(&app, &creator.tab, &anna, &dev_key(2)).await;

        let (s, q) = quote(&app, &anna, "quote-anna-1", ask("eth")).await;
        assert_eq!(s, StatusCode::CREATED, "{q}");
        let (s, again) = quote(&app, &anna, "quote-anna-1", ask("eth")).await;
        assert_eq!((s, &again["order_id"], again["replayed"].as_bool()), (StatusCode::OK, &q["order_id"], Some(true)));
        let amount: U256 = q["amount"].as_str().expect("amount").parse().expect("decimal");
        let fee: U256 = q["platform_fee"].as_str().expect("fee").parse().expect("decimal");
        let share: U256 = q["creator_share"].as_str().expect("share").parse().expect("decimal");
        assert_eq!(fee + share, amount, "every wei is someone's");
        assert_eq!(q["payee"], creator_wallet.to_checksum(None));
        let order_id = q["order_id"].as_str().expect("order id").to_owned();

        // The edition is held: the listing page says so, and another buyer must wait.
        let (s, page) = call(&app, &anna, "store/listing", &[("slug", &slug)]).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let page: Value = serde_json::from_str(&page).expect("json");
        let edition_size = page["card"]["edition_size"].as_i64().expect("size");
        assert_eq!(page["reserved"], 1, "{page}");
        if edition_size == 1 {
            assert!(page["unavailable"].as_str().expect("why").contains("reserved"), "{page}");
        }

        // The wallet sends what the quote lists (here: `pay`, with the ETH).
        let rpc = app.get("/api/v1/chain").await.json::<Value>().await.expect("chain")["rpc_url"]
            .as_str()
            .expect("the local chain's URL")
            .to_owned();
        let provider =
            ProviderBuilder::new().wallet(EthereumWallet::from(buyer.clone())).connect_http(rpc.parse().expect("url"));
        let txs = q["transactions"].as_array().expect("transactions");
        assert_eq!(txs.len(), 1, "ETH needs no approval");
        let receipt = send_wallet_tx(&provider, &txs[0]).await;

        // Confirmed after two more blocks; then the order is there, numbered, with the payment's transaction.
        let state = |app: &TestApp| {
            let url = app.url(&format!("/api/v1/orders/quote/{order_id}"));
            let anna = anna.clone();
            async move { anna.get(url).send().await.expect("get").json::<Value>().await.expect("json") }
        };
        assert_eq!(state(&app).await["status"], "open");
        let _: Value = provider.raw_request("anvil_mine".into(), (2u64,)).await.expect("mine");
        let done = quote_completed(&app, &anna, &order_id).await;
        assert_eq!(done["tx_hash"], receipt.transaction_hash.to_string());
        let order = get_json(&app, &anna, &format!("/api/v1/orders/{order_id}")).await;
        assert_eq!(order["edition"], 1, "{order}");
        assert_eq!(order["payment_provider"], "chain", "{order}");

        // The creator's share waits in the contract, provable on chain.
        let contract: Address = q["contract"].as_str().expect("contract").parse().expect("address");
        let sales = ColophonSales::new(contract, &provider);
        assert_eq!(sales.owed(creator_wallet, Address::ZERO).call().await.expect("owed"), share);

        // The Studio's payouts say the same, and hold the withdrawal for the creator's wallet to send.
        let payouts = |tab: reqwest::Client| {
            let url = app.url("/api/v1/studio/payouts");
            async move { tab.get(url).send().await.expect("get").json::<Value>().await.expect("json") }
        };
        let p = payouts(creator.tab.clone()).await;
        assert_eq!(p["payout_address"], creator_wallet.to_checksum(None), "{p}");
        let eth = p["balances"].as_array().expect("balances").iter().find(|b| b["symbol"] == "ETH").expect("ETH row");
        assert_eq!(eth["owed"], share.to_string(), "{p}");
        assert_eq!(p["withdrawals"], json!([]));
        let withdraw = &eth["withdraw"];
        let creator_chain =
            ProviderBuilder::new().wallet(EthereumWallet::from(dev_key(2))).connect_http(rpc.parse().expect("url"));
        let before = creator_chain.get_balance(creator_wallet).await.expect("balance");
        let receipt = send_wallet_tx(&creator_chain, withdraw).await;
        let gas = U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
        let after = creator_chain.get_balance(creator_wallet).await.expect("balance");
        assert_eq!(after + gas - before, share, "the creator received exactly their share");
        let p = payouts(creator.tab.clone()).await;
        let eth = p["balances"].as_array().expect("balances").iter().find(|b| b["symbol"] == "ETH").expect("ETH row");
        assert_eq!((&eth["owed"], &eth["withdraw"]), (&json!("0"), &Value::Null), "{p}");
        assert_eq!(p["withdrawals"][0]["amount"], share.to_string(), "{p}");
        assert_eq!(p["withdrawals"][0]["tx_hash"], receipt.transaction_hash.to_string(), "{p}");
        // A collector has no payouts.
        let res = anna.get(app.url("/api/v1/studio/payouts")).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        // Someone else's quote does not exist for you.
        let ben = browser();
        call(&app, &ben, "account/sign_up", &[("email", "ben@example.com"), ("password", "correct horse battery")])
            .await;
        let res = ben.get(app.url(&format!("/api/v1/orders/quote/{order_id}"))).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::NOT_FOUND);

        // Anna resells the edition to Ben; the creator's royalty is paid from the price.
        resell(&app, (&anna, &ben), &order_id, &slug, price * 2, (&provider, creator_wallet)).await;
        // Then pays for another edition in the stablecoin with a permit instead of an approval.
        pay_with_permit(&app, &anna, &ask, &provider, creator_wallet).await;
        app.stop().await;
    }
}

/// `seller` offers the edition `order_id` holds; `buyer` pays the resale quote
/// from anvil wallet 3; the edition, its custody and every share follow.
async fn resell(
    app: &TestApp,
    (seller, buyer): (&reqwest::Client, &reqwest::Client),
    order_id: &str,
    slug: &str,
    price: i64,
    (provider, creator_wallet): (&impl Provider, Address),
) {
    let post = |tab: &reqwest::Client, path: String, body: Value| {
        let req = tab.post(app.url(&path)).header("sec-fetch-site", "same-origin").json(&body);
        async move {
            let res = req.send().await.expect("post");
            (res.status(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let offer_path = format!("/api/v1/orders/{order_id}/resale");
    // Only the holder offers it, and at a real price.
    let (s, b) = post(buyer, offer_path.clone(), json!({"price_minor": price})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    let (s, b) = post(seller, offer_path.clone(), json!({"price_minor": 0})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, b) = post(seller, offer_path.clone(), json!({"price_minor": "lots"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, offer) = post(seller, offer_path.clone(), json!({"price_minor": price})).await;
    assert_eq!(s, StatusCode::CREATED, "{offer}");
    assert_eq!((offer["edition"].as_i64(), offer["royalty_bps"].as_i64()), (Some(1), Some(500)), "{offer}");
    let (s, b) = post(seller, offer_path, json!({"price_minor": price})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    // Anyone sees the listing's offers; no seller is named.
    let offers: Value = reqwest::get(app.url(&format!("/api/v1/listings/{slug}/resales")))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(offers.as_array().map(Vec::len), Some(1), "{offers}");
    assert_eq!(offers[0]["id"], offer["id"]);
    assert!(offers[0].get("payout_address").is_none() && offers[0].get("seller").is_none(), "{offers}");

    let wallet = dev_key(3);
    let ask = json!({"listing": slug, "price_minor": price, "wallet": wallet.address().to_checksum(None),
                     "token": "eth", "offer": offer["id"]});
    let (s, b) = quote(app, seller, "resale-own-1", ask.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "the seller cannot buy their own offer: {b}");
    let (s, q) = quote(app, buyer, "resale-ben-1", ask).await;
    assert_eq!(s, StatusCode::CREATED, "{q}");
    assert_eq!((q["kind"].as_str(), q["royalty_bps"].as_u64()), (Some("resale"), Some(500)), "{q}");
    let amount: U256 = q["amount"].as_str().expect("amount").parse().expect("decimal");
    let fee: U256 = q["platform_fee"].as_str().expect("fee").parse().expect("decimal");
    let royalty: U256 = q["creator_share"].as_str().expect("royalty").parse().expect("decimal");
    let seller_share: U256 = q["seller_share"].as_str().expect("seller share").parse().expect("decimal");
    assert_eq!(royalty, amount * U256::from(500u64) / U256::from(10_000u64), "5 % of the price, stated before paying");
    assert_eq!(fee + royalty + seller_share, amount, "every wei is someone's");
    assert_eq!(q["payee"], dev_key(1).address().to_checksum(None), "the seller's wallet (the one that paid)");
    let (s, b) = quote(
        app,
        seller,
        "resale-again-1",
        json!({"listing": slug, "price_minor": price, "wallet": dev_key(1).address().to_checksum(None),
               "token": "eth", "offer": "rs_nope"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");

    let rpc = app.get("/api/v1/chain").await.json::<Value>().await.expect("chain")["rpc_url"]
        .as_str()
        .expect("rpc")
        .to_owned();
    let chain = ProviderBuilder::new().wallet(EthereumWallet::from(wallet)).connect_http(rpc.parse().expect("url"));
    let receipt = send_wallet_tx(&chain, &q["transactions"][0]).await;
    let _: Value = chain.raw_request("anvil_mine".into(), (2u64,)).await.expect("mine");
    let new_order = q["order_id"].as_str().expect("id").to_owned();
    quote_completed(app, buyer, &new_order).await;

    // The buyer holds edition #1 now; the seller's download passed with it.
    let mine = get_json(app, buyer, &format!("/api/v1/orders/{new_order}")).await;
    assert_eq!(mine["edition"], 1, "{mine}");
    let res = seller.get(app.url(&format!("/api/v1/orders/{order_id}/download"))).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = buyer.get(app.url(&format!("/api/v1/orders/{new_order}/download"))).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    // The custody: the sale, then the resale, each with its transaction; the offer is gone.
    let custody: Value = reqwest::get(app.url(&format!("/api/v1/listings/{slug}/editions/1/custody")))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let rows = custody.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{custody}");
    assert_eq!((rows[0]["resale"].as_bool(), rows[1]["resale"].as_bool()), (Some(false), Some(true)));
    assert_eq!(rows[1]["tx_hash"], receipt.transaction_hash.to_string());
    let offers: Value = reqwest::get(app.url(&format!("/api/v1/listings/{slug}/resales")))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(offers, json!([]));
    // On chain: the seller's share and the creator's royalty, owed by the contract.
    let contract: Address = q["contract"].as_str().expect("contract").parse().expect("address");
    let sales = ColophonSales::new(contract, provider);
    assert_eq!(sales.owed(dev_key(1).address(), Address::ZERO).call().await.expect("owed"), seller_share);
    assert_eq!(sales.owed(creator_wallet, Address::ZERO).call().await.expect("owed"), royalty);
}

/// The creator proves `wallet` as their payout address with Sign-In-With-
/// Ethereum, after the refusals a hostile or confused caller meets.
async fn prove_payout_address(
    app: &TestApp,
    creator: &reqwest::Client,
    collector: &reqwest::Client,
    wallet: &alloy::signers::local::PrivateKeySigner,
) {
    use alloy::signers::SignerSync as _;
    let post = |tab: &reqwest::Client, path: &str, body: Value| {
        let req = tab.post(app.url(path)).header("sec-fetch-site", "same-origin").json(&body);
        async move {
            let res = req.send().await.expect("post");
            (res.status(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let address = wallet.address().to_checksum(None);
    let challenge = |tab| post(tab, "/api/v1/studio/payout-address/challenge", json!({"address": address}));
    let sign = |message: &Value| {
        let text = message["message"].as_str().expect("message");
        format!(
            "0x{}",
            alloy::primitives::hex::encode(wallet.sign_message_sync(text.as_bytes()).expect("sign").as_bytes())
        )
    };

    // Only creators have payouts; an address must be one.
    let (s, b) = challenge(collector).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = post(creator, "/api/v1/studio/payout-address/challenge", json!({"address": "0x1234"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    // Nothing issued yet: nothing to prove.
    let (s, b) = post(creator, "/api/v1/studio/payout-address", json!({"signature": "0x00"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");

    // An EIP-4361 message naming this site, the address, the chain and a nonce.
    let (s, m) = challenge(creator).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    let text = m["message"].as_str().expect("message");
    let host = app.url("").trim_start_matches("http://").trim_end_matches('/').to_owned();
    assert!(
        text.starts_with(&format!("{host} wants you to sign in with your Ethereum account:\n{address}\n")),
        "{text}"
    );
    assert!(text.contains("\nChain ID: 31337\n") && text.contains("\nNonce: ") && text.contains("\nExpiration Time: "));

    // Signed by another wallet: refused, and the message is used up.
    let other = alloy::signers::local::PrivateKeySigner::from_bytes(&[7u8; 32].into()).expect("key");
    let forged = format!(
        "0x{}",
        alloy::primitives::hex::encode(other.sign_message_sync(text.as_bytes()).expect("sign").as_bytes())
    );
    let (s, b) = post(creator, "/api/v1/studio/payout-address", json!({"signature": forged})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(b["message"].as_str().expect("message").contains("not this address's signature"), "{b}");
    let (s, b) = post(creator, "/api/v1/studio/payout-address", json!({"signature": sign(&m)})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a message is good once, whatever happened to it: {b}");

    // A fresh message, signed by the wallet itself: the address is set.
    let (_, m) = challenge(creator).await;
    let signature = sign(&m);
    let (s, p) = post(creator, "/api/v1/studio/payout-address", json!({"signature": signature})).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["payout_address"], address, "{p}");
    // …and the same signature cannot be played again.
    let (s, b) = post(creator, "/api/v1/studio/payout-address", json!({"signature": signature})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
}

/// A stablecoin quote paid with an EIP-2612 permit: the wallet signs the
/// typed data the quote carries and the server turns the signature into one
/// `payWithPermit` transaction. A permit from another wallet, a malformed
/// signature and a permit for an ETH quote are refused in words, before any
/// gas is spent.
async fn pay_with_permit(
    app: &TestApp,
    anna: &reqwest::Client,
    ask: &impl Fn(&str) -> Value,
    provider: &impl Provider,
    creator_wallet: Address,
) {
    use alloy::signers::SignerSync as _;
    use colophon_ledger::sales::TypedData;
    let post_permit = |order_id: &str, signature: String| {
        let req = anna
            .post(app.url(&format!("/api/v1/orders/quote/{order_id}/permit")))
            .header("sec-fetch-site", "same-origin")
            .json(&json!({"signature": signature}));
        async move {
            let res = req.send().await.expect("post");
            (res.status(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, eth) = quote(app, anna, "quote-anna-eth-2", ask("eth")).await;
    assert_eq!(s, StatusCode::CREATED, "{eth}");
    assert_eq!(eth["permit"], Value::Null, "ETH needs no permit");
    let (s, b) = post_permit(eth["order_id"].as_str().expect("id"), format!("0x{}", "11".repeat(65))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");

    let (s, q) = quote(app, anna, "quote-anna-usd-1", ask("usd")).await;
    assert_eq!(s, StatusCode::CREATED, "{q}");
    let order_id = q["order_id"].as_str().expect("order id").to_owned();
    assert_eq!(q["transactions"].as_array().expect("txs").len(), 2, "wallets without permits approve, then pay");
    let typed: TypedData = serde_json::from_value(q["permit"]["typed_data"].clone()).expect("EIP-712 typed data");
    assert_eq!(typed.primary_type, "Permit");
    let token: Address = q["token"].as_str().expect("token").parse().expect("address");
    let contract: Address = q["contract"].as_str().expect("contract").parse().expect("address");
    assert_eq!(typed.domain.verifying_contract, Some(token), "the token's own domain");
    assert_eq!(typed.message["spender"].as_str().map(str::to_lowercase), Some(contract.to_string().to_lowercase()));
    assert_eq!(
        typed.message["owner"].as_str().map(str::to_lowercase),
        Some(dev_key(1).address().to_string().to_lowercase())
    );
    let digest = typed.eip712_signing_hash().expect("hash");

    // Refused in words: another wallet's signature, bytes that are no signature.
    let other = dev_key(3).sign_hash_sync(&digest).expect("sign");
    let (s, b) = post_permit(&order_id, format!("0x{}", alloy::primitives::hex::encode(other.as_bytes()))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(b["message"].as_str().expect("message").contains("not signed by the paying wallet"), "{b}");
    let (s, b) = post_permit(&order_id, "0x1234".into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(b["message"].as_str().expect("message").contains("65 bytes"), "{b}");

    // The buyer's signature: one transaction pays, and no allowance is left behind.
    let sig = dev_key(1).sign_hash_sync(&digest).expect("sign");
    let (s, tx) = post_permit(&order_id, format!("0x{}", alloy::primitives::hex::encode(sig.as_bytes()))).await;
    assert_eq!(s, StatusCode::OK, "{tx}");
    assert_eq!(tx["value"], "0x0");
    let usd = colophon_ledger::sales::DemoUSD::new(token, provider);
    let before = usd.balanceOf(dev_key(1).address()).call().await.expect("balance");
    let owed_before = ColophonSales::new(contract, provider).owed(creator_wallet, token).call().await.expect("owed");
    send_wallet_tx(provider, &tx).await;
    let amount: U256 = q["amount"].as_str().expect("amount").parse().expect("decimal");
    let share: U256 = q["creator_share"].as_str().expect("share").parse().expect("decimal");
    assert_eq!(before - usd.balanceOf(dev_key(1).address()).call().await.expect("balance"), amount);
    assert_eq!(usd.allowance(dev_key(1).address(), contract).call().await.expect("allowance"), U256::ZERO);
    let owed = ColophonSales::new(contract, provider).owed(creator_wallet, token).call().await.expect("owed");
    assert_eq!(owed - owed_before, share, "the creator's share, in dUSD");
    let _: Value = provider.raw_request("anvil_mine".into(), (2u64,)).await.expect("mine");
    quote_completed(app, anna, &order_id).await;
    // The quote is paid: a permit for it now is refused.
    let (s, b) = post_permit(&order_id, format!("0x{}", alloy::primitives::hex::encode(sig.as_bytes()))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
}
