//! Chain payments end to end on both databases and a real anvil: quotes hold
//! editions; a wallet pays a quote to the sales contract; the watcher issues
//! the order once the payment has its confirmations, exactly once however
//! often it reads the block; an unpaid quote lapses only when the chain passes
//! its deadline, and then frees its edition.

use alloy::{
    network::EthereumWallet,
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use chrono::Utc;
use colophon_ledger::{
    QuoteSigner, RoyaltySetter, SalesReader, deploy_sales,
    sales::{ColophonSales, PaymentOnChain, find_payment},
    testing::{Anvil, dev_key},
};
use colophon_market::{
    MarketError,
    chain::{ChainSales, PayToken, PaymentWatcher, QuoteRequest},
};
use colophon_provenance::Statement;
use colophon_store::{
    ListingKind, QuoteStatus, Refusal,
    testing::{BACKENDS, TestDb},
};

use super::checkout::{Shop, Terms, statement_at};

const CONFIRMATIONS: u64 = 2;
const EDITION_2: Terms = Terms { kind: ListingKind::Edition, size: Some(2), cap: None, starts: None, ends: None };

fn wallet(rpc: &str, signer: PrivateKeySigner) -> DynProvider {
    ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(rpc.parse().expect("url")).erased()
}

/// Pays `quote` in ETH from the contract instance's wallet; the mined receipt.
async fn pay_eth(
    sales: &ColophonSales::ColophonSalesInstance<DynProvider>,
    quote: &colophon_ledger::sales::Quote,
    signature: &[u8],
) -> alloy::rpc::types::TransactionReceipt {
    let pending = sales
        .pay(quote.clone(), alloy::primitives::Bytes::copy_from_slice(signature))
        .value(quote.amount)
        .send()
        .await
        .expect("send");
    let receipt = pending.get_receipt().await.expect("receipt");
    assert!(receipt.status(), "paid");
    receipt
}

async fn mine(provider: &DynProvider, blocks: u64) {
    let _: serde_json::Value = provider.raw_request("anvil_mine".into(), (blocks,)).await.expect("anvil_mine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wallet_pays_a_quote_and_the_order_is_issued_once_after_confirmations() {
    for backend in BACKENDS {
        // A chain per backend: the second lapses a quote by moving the chain's clock.
        let anvil = Anvil::start().await;
        let rpc = anvil.rpc.clone();
        let buyer_wallet = dev_key(1);
        let creator_wallet = dev_key(2).address();
        let sales_key = PrivateKeySigner::random();
        let fees = Address::repeat_byte(0xfe);
        let d = deploy_sales(
            &rpc,
            dev_key(0),
            sales_key.address(),
            fees,
            &[buyer_wallet.address()],
            U256::from(1_000_000_000u64),
        )
        .await
        .expect("deploy");
        let chain = wallet(&rpc, buyer_wallet.clone());
        let start = chain.get_block_number().await.expect("head");

        let db = TestDb::new(backend).await;
        let shop = Shop::new(db.store().await).await;
        let store = shop.store.clone();
        let listing = shop.listing(&EDITION_2).await;
        let [a, b, c] = shop.buyers(3).await[..] else { unreachable!() };
        let market = shop.market.clone().with_chain(ChainSales {
            signer: QuoteSigner::new(sales_key.clone(), d.chain_id, d.sales),
            royalties: RoyaltySetter::new(&rpc, sales_key.clone(), d.sales).expect("setter"),
            chain_id: d.chain_id,
            contract: d.sales,
            usd_token: d.usd,
            eth_usd_cents: 300_000, // $3,000 per ETH
            fee_bps: 500,
            confirmations: CONFIRMATIONS,
        });
        let ask = |account: i64, token: PayToken, key: &'static str| QuoteRequest {
            account_id: account,
            buyer_creator_id: None,
            listing_id: listing,
            price_minor: 2500,
            buyer: buyer_wallet.address(),
            token,
            idempotency_key: key,
            now: Utc::now(),
        };

        // No payout address yet: nothing to quote, nothing held.
        let err = market.quote(&ask(a, PayToken::Eth, "quote-a-eth")).await.expect_err("no payout address");
        assert!(matches!(err, MarketError::NoPayoutAddress), "{err:?}");
        store.set_creator_payout_address(shop.creator_id, &creator_wallet.to_checksum(None)).await.expect("payout");

        // $25.00 at $3,000/ETH is 0.008333… ETH, rounded up to the wei; 5 % of it is the fee.
        let q1 = market.quote(&ask(a, PayToken::Eth, "quote-a-eth")).await.expect("quote in ETH");
        assert_eq!(q1.quote.amount, U256::from(8_333_333_333_333_334u64));
        assert_eq!(q1.quote.platformFee, U256::from(416_666_666_666_666u64));
        assert_eq!(q1.quote.payee, creator_wallet);
        // $25.00 in dUSD (6 decimals) is exactly 25,000,000 units.
        let q2 = market.quote(&ask(b, PayToken::Usd, "quote-b-usd")).await.expect("quote in dUSD");
        assert_eq!(q2.quote.amount, U256::from(25_000_000u64));
        assert_eq!(q2.quote.token, d.usd);
        // A retry returns the same quote and holds nothing more.
        let again = market.quote(&ask(a, PayToken::Eth, "quote-a-eth")).await.expect("replay");
        assert!(again.replayed);
        assert_eq!((again.row.order_id.as_str(), &again.signature), (q1.row.order_id.as_str(), &q1.signature));

        // Both editions are held: the page says so, and a third buyer is refused however they pay.
        let state = store.sale_state(listing).await.expect("q").expect("listing");
        assert_eq!((state.sold, state.reserved, state.left()), (0, 2, Some(0)));
        let refused = market.quote(&ask(c, PayToken::Eth, "quote-c-eth")).await.expect_err("all reserved");
        assert!(matches!(refused, MarketError::Refused(Refusal::AllReserved)), "{refused:?}");
        let card = shop.market.buy(c, None, listing, 2500, "test-pay-c", Utc::now()).await.expect_err("all reserved");
        assert!(matches!(card, MarketError::Refused(Refusal::AllReserved)), "{card:?}");

        // The buyer's wallet pays quote 1 in ETH.
        let sales = ColophonSales::new(d.sales, chain.clone());
        let receipt = pay_eth(&sales, &q1.quote, &q1.signature).await;

        // Not confirmed yet: no order, the edition still only held.
        let reader = SalesReader::new(&rpc, d.sales).expect("reader");
        let watcher = PaymentWatcher::new(market.clone(), reader, CONFIRMATIONS, start);
        let report = watcher.tick().await.expect("tick");
        assert_eq!(report.completed, 0, "{report:?}");
        assert!(store.order(&q1.row.order_id).await.expect("q").is_none());

        mine(&chain, CONFIRMATIONS).await;
        let report = watcher.tick().await.expect("tick");
        assert_eq!(report.completed, 1, "{report:?}");
        let order = store.order(&q1.row.order_id).await.expect("q").expect("issued");
        assert_eq!((order.edition, order.account_id, order.payment_provider.as_str()), (Some(1), a, "chain"));
        assert!(order.payment_ref.starts_with(&receipt.transaction_hash.to_string()), "{}", order.payment_ref);
        let signed = statement_at(&store, order.log_leaf).await;
        assert!(matches!(signed.statement, Statement::EditionSold { edition: 1, edition_size: 2, .. }));
        // The statement binds the payment (version 2), and what it names is what the chain holds:
        // the receipt's log at that index is the contract's event, for the quoted amount of ETH.
        assert_eq!(signed.bytes[13], 2, "a paid sale is a version-2 statement");
        let paid = signed.statement.payment().expect("the statement binds its payment");
        assert_eq!(paid.chain_id, 31337);
        assert_eq!(paid.contract, d.sales.into_array());
        assert_eq!(paid.tx_hash, receipt.transaction_hash.0);
        assert_eq!(paid.token, [0u8; 20], "native ETH");
        assert_eq!(U256::from_be_bytes(paid.amount), q1.quote.amount);
        let log = receipt
            .inner
            .logs()
            .iter()
            .find(|l| l.log_index == Some(paid.log_index))
            .expect("the receipt holds the bound log index");
        assert_eq!(log.address(), d.sales, "the log was emitted by the sales contract");
        // The event's topic as docs/FORMATS.md §2.1 states it.
        assert_eq!(log.topics()[0].to_string(), "0xc6545308d61d1be2fc7fe7feb16c520f2c661e1856aec28fe419d9e5d2d39cd8");
        assert_eq!(log.topics()[0], ColophonSales::Paid::SIGNATURE_HASH);
        // What a verifier runs: the bound payment is found, confirmed; a statement
        // naming anything else about it is not.
        let found = find_payment(&rpc, paid).await.expect("chain answers");
        assert!(matches!(found, PaymentOnChain::Found { confirmations } if confirmations > CONFIRMATIONS), "{found:?}");
        let mut more = paid.clone();
        more.amount[31] ^= 1;
        assert!(matches!(find_payment(&rpc, &more).await.expect("chain"), PaymentOnChain::Missing(_)));
        let mut other_log = paid.clone();
        other_log.log_index += 1;
        assert!(matches!(find_payment(&rpc, &other_log).await.expect("chain"), PaymentOnChain::Missing(_)));
        let mut other_contract = paid.clone();
        other_contract.contract = d.usd.into_array();
        assert!(matches!(find_payment(&rpc, &other_contract).await.expect("chain"), PaymentOnChain::Missing(_)));
        let quote = store.quote(&q1.row.order_id).await.expect("q").expect("quote");
        assert_eq!(quote.status, QuoteStatus::Completed);

        // The watcher reads the same blocks again (a crash before its cursor moved): nothing twice.
        let log_size = store.log_size().await.expect("size");
        store.set_payment_cursor(&d.sales.to_checksum(None), start).await.expect("rewind");
        watcher.tick().await.expect("tick again");
        assert_eq!(store.log_size().await.expect("size"), log_size, "no second statement");
        assert_eq!(store.listing_sales(listing, 10).await.expect("sales").len(), 1, "one sale");
        // The contract refuses the same quote twice.
        let sig = alloy::primitives::Bytes::from(q1.signature.clone());
        let replay = sales.pay(q1.quote.clone(), sig).value(q1.quote.amount).call().await.expect_err("paid");
        assert!(replay.to_string().contains("revert"), "{replay}");

        // Quote 2 is never paid. Its deadline passing on the wall clock frees nothing;
        // only once a confirmed block is past it (the contract would refuse it) does it lapse.
        let state = store.sale_state(listing).await.expect("q").expect("listing");
        assert_eq!((state.sold, state.reserved, state.left()), (1, 1, Some(0)));
        let _: serde_json::Value =
            chain.raw_request("evm_increaseTime".into(), (16 * 60u64,)).await.expect("evm_increaseTime");
        mine(&chain, 1).await;
        let report = watcher.tick().await.expect("tick");
        assert_eq!(report.expired, 0, "the block past the deadline is not confirmed yet: {report:?}");
        mine(&chain, CONFIRMATIONS).await;
        let report = watcher.tick().await.expect("tick");
        assert_eq!(report.expired, 1, "{report:?}");
        assert_eq!(store.quote(&q2.row.order_id).await.expect("q").expect("quote").status, QuoteStatus::Expired);
        let state = store.sale_state(listing).await.expect("q").expect("listing");
        assert_eq!((state.sold, state.reserved, state.left()), (1, 0, Some(1)));
        // The freed edition sells again.
        let order = shop.market.buy(c, None, listing, 2500, "test-pay-c2", Utc::now()).await.expect("bought");
        assert_eq!(order.row.edition, Some(2));
        let card_sale = statement_at(&store, order.row.log_leaf).await;
        assert!(
            card_sale.statement.payment().is_none() && card_sale.bytes[13] == 1,
            "a sale paid off chain stays version 1"
        );
        drop(anvil);
    }
}

/// A reorg that drops a payment before its confirmations leaves no order, no
/// statement and the hold in place (the buyer can pay again, once); a node
/// that stops answering stops the watcher without moving its cursor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorged_payment_issues_nothing_and_an_outage_loses_nothing() {
    let anvil = Anvil::start().await;
    let rpc = anvil.rpc.clone();
    let buyer_wallet = dev_key(1);
    let sales_key = PrivateKeySigner::random();
    let d = deploy_sales(&rpc, dev_key(0), sales_key.address(), Address::repeat_byte(0xfe), &[], U256::ZERO)
        .await
        .expect("deploy");
    let chain = wallet(&rpc, buyer_wallet.clone());
    let start = chain.get_block_number().await.expect("head");
    let db = TestDb::new(BACKENDS[0]).await;
    let shop = Shop::new(db.store().await).await;
    let store = shop.store.clone();
    let listing = shop.listing(&EDITION_2).await;
    let [a] = shop.buyers(1).await[..] else { unreachable!() };
    store.set_creator_payout_address(shop.creator_id, &dev_key(2).address().to_checksum(None)).await.expect("payout");
    let market = shop.market.clone().with_chain(ChainSales {
        signer: QuoteSigner::new(sales_key.clone(), d.chain_id, d.sales),
        royalties: RoyaltySetter::new(&rpc, sales_key.clone(), d.sales).expect("setter"),
        chain_id: d.chain_id,
        contract: d.sales,
        usd_token: d.usd,
        eth_usd_cents: 300_000,
        fee_bps: 500,
        confirmations: CONFIRMATIONS,
    });
    let q = market
        .quote(&QuoteRequest {
            account_id: a,
            buyer_creator_id: None,
            listing_id: listing,
            price_minor: 2500,
            buyer: buyer_wallet.address(),
            token: PayToken::Eth,
            idempotency_key: "quote-reorg-1",
            now: Utc::now(),
        })
        .await
        .expect("quote");
    let sales = ColophonSales::new(d.sales, chain.clone());
    let watcher =
        PaymentWatcher::new(market.clone(), SalesReader::new(&rpc, d.sales).expect("reader"), CONFIRMATIONS, start);
    let log_size = store.log_size().await.expect("size");

    // The payment is mined, seen unconfirmed, then a reorg takes its block away.
    let snapshot: U256 = chain.raw_request("evm_snapshot".into(), ()).await.expect("evm_snapshot");
    pay_eth(&sales, &q.quote, &q.signature).await;
    mine(&chain, 1).await;
    assert_eq!(watcher.tick().await.expect("tick").completed, 0, "not confirmed yet");
    let reverted: bool = chain.raw_request("evm_revert".into(), (snapshot,)).await.expect("evm_revert");
    assert!(reverted);
    mine(&chain, CONFIRMATIONS + 1).await;
    let report = watcher.tick().await.expect("tick");
    assert_eq!((report.completed, report.expired), (0, 0), "{report:?}");
    assert!(store.order(&q.row.order_id).await.expect("q").is_none(), "no order for a payment the chain dropped");
    assert_eq!(store.log_size().await.expect("size"), log_size, "nothing logged");
    let state = store.sale_state(listing).await.expect("q").expect("listing");
    assert_eq!((state.sold, state.reserved), (0, 1), "the hold stays until the deadline");

    // The node goes away: the round fails and the cursor stays where it was.
    let cursor = store.payment_cursor(&d.sales.to_checksum(None)).await.expect("cursor");
    let dead = PaymentWatcher::new(
        market.clone(),
        SalesReader::new("http://127.0.0.1:9", d.sales).expect("reader"),
        CONFIRMATIONS,
        start,
    );
    assert!(dead.tick().await.is_err(), "an unreachable node is an error, not an empty round");
    assert_eq!(store.payment_cursor(&d.sales.to_checksum(None)).await.expect("cursor"), cursor);

    // The buyer pays the same quote again (the reorg dropped the first payment): one order, once.
    // (A new provider: the old one's idea of the wallet's nonce predates the reorg.)
    let again = ColophonSales::new(d.sales, wallet(&rpc, buyer_wallet.clone()));
    let receipt = pay_eth(&again, &q.quote, &q.signature).await;
    mine(&chain, CONFIRMATIONS).await;
    assert_eq!(watcher.tick().await.expect("tick").completed, 1);
    assert_eq!(watcher.tick().await.expect("tick").completed, 0, "seen once");
    let order = store.order(&q.row.order_id).await.expect("q").expect("issued");
    assert_eq!(order.edition, Some(1));
    assert_eq!(store.log_size().await.expect("size"), log_size + 1, "one statement");
    let signed = statement_at(&store, order.log_leaf).await;
    assert_eq!(
        signed.statement.payment().expect("bound").tx_hash,
        receipt.transaction_hash.0,
        "it binds the payment that stayed"
    );
    drop(anvil);
}
