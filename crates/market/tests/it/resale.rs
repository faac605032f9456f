//! Resales end to end on both databases and a real anvil: a collector who
//! paid from a wallet offers their edition; another pays the resale quote;
//! the contract credits the seller's wallet, the creator's royalty and the
//! platform's fee; the watcher passes the edition on with an operator-signed
//! `EditionTransferred` whose `seller_ref` is the first buyer's `buyer_ref`.

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use chrono::Utc;
use colophon_ledger::{
    QuoteSigner, RoyaltySetter, SalesReader, deploy_sales,
    sales::{ColophonSales, RESALE},
    testing::{Anvil, dev_key},
};
use colophon_market::{
    MarketError,
    chain::{ChainSales, PayToken, PaymentWatcher, QuoteRequest},
    resale::{ResaleQuoteRequest, royalty_of},
};
use colophon_provenance::{Statement, buyer_ref};
use colophon_store::{ListingKind, OfferStatus, Refusal, testing::BACKENDS, testing::TestDb};

use super::checkout::{Shop, Terms, statement_at};

const CONFIRMATIONS: u64 = 1;
const EDITION_3: Terms = Terms { kind: ListingKind::Edition, size: Some(3), cap: None, starts: None, ends: None };

fn wallet(rpc: &str, signer: PrivateKeySigner) -> DynProvider {
    ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(rpc.parse().expect("url")).erased()
}

async fn pay(provider: &DynProvider, contract: Address, offer: &colophon_market::chain::QuoteOffer) {
    let sales = ColophonSales::new(contract, provider.clone());
    let sig = alloy::primitives::Bytes::copy_from_slice(&offer.signature);
    let receipt =
        sales.pay(offer.quote.clone(), sig).value(offer.quote.amount).send().await.expect("send").get_receipt().await;
    assert!(receipt.expect("receipt").status(), "paid");
    let _: serde_json::Value = provider.raw_request("anvil_mine".into(), (CONFIRMATIONS,)).await.expect("mine");
}

fn refused<T: std::fmt::Debug>(r: Result<T, MarketError>) -> Refusal {
    match r {
        Err(MarketError::Refused(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edition_resells_with_the_royalty_and_its_custody_is_logged() {
    for backend in BACKENDS {
        let anvil = Anvil::start().await;
        let rpc = anvil.rpc.clone();
        let (first, second) = (dev_key(1), dev_key(2));
        let creator_wallet = Address::repeat_byte(0xc0);
        let fees = Address::repeat_byte(0xfe);
        // The sales signer holds no ETH of its own until funded: setRoyalty needs gas.
        let sales_key = PrivateKeySigner::random();
        let d = deploy_sales(&rpc, dev_key(0), sales_key.address(), fees, &[], U256::ZERO).await.expect("deploy");
        let funder = wallet(&rpc, dev_key(0));
        let fund = alloy::rpc::types::TransactionRequest::default()
            .with_to(sales_key.address())
            .with_value(U256::from(10u64).pow(U256::from(18u64)));
        funder.send_transaction(fund).await.expect("fund").get_receipt().await.expect("funded");
        let start = funder.get_block_number().await.expect("head");

        let db = TestDb::new(backend).await;
        let shop = Shop::new(db.store().await).await;
        let store = shop.store.clone();
        store.set_creator_payout_address(shop.creator_id, &creator_wallet.to_checksum(None)).await.expect("payout");
        let listing = shop.listing(&EDITION_3).await;
        let [a, b, c] = shop.buyers(3).await[..] else { unreachable!() };
        let market = shop.market.clone().with_chain(ChainSales {
            signer: QuoteSigner::new(sales_key.clone(), d.chain_id, d.sales),
            royalties: RoyaltySetter::new(&rpc, sales_key, d.sales).expect("setter"),
            chain_id: d.chain_id,
            contract: d.sales,
            usd_token: d.usd,
            eth_usd_cents: 300_000,
            fee_bps: 500,
            confirmations: CONFIRMATIONS,
        });
        let watcher =
            PaymentWatcher::new(market.clone(), SalesReader::new(&rpc, d.sales).expect("reader"), CONFIRMATIONS, start);

        // Collector A buys edition #1 from their wallet.
        let primary = market
            .quote(&QuoteRequest {
                account_id: a,
                buyer_creator_id: None,
                listing_id: listing,
                price_minor: 2500,
                buyer: first.address(),
                token: PayToken::Eth,
                idempotency_key: "primary-a-1",
                now: Utc::now(),
            })
            .await
            .expect("primary quote");
        let first_chain = wallet(&rpc, first.clone());
        pay(&first_chain, d.sales, &primary).await;
        assert_eq!(watcher.tick().await.expect("tick").completed, 1);
        let bought = store.order(&primary.row.order_id).await.expect("q").expect("A's order");
        // C buys edition #2 in test mode (no wallet): nothing to pay the proceeds to.
        let carded = shop.market.buy(c, None, listing, 2500, "card-c-0001", Utc::now()).await.expect("bought");

        // Only the holder offers, at a real price, once; an edition bought without a wallet cannot be.
        let now = Utc::now();
        assert_eq!(refused(market.offer_resale(b, &bought.id, 5000, now).await), Refusal::NotHeld);
        assert!(matches!(market.offer_resale(a, &bought.id, 0, now).await, Err(MarketError::BadPrice(_))));
        assert_eq!(refused(market.offer_resale(c, &carded.row.id, 5000, now).await), Refusal::NotFromWallet);
        let offer = market.offer_resale(a, &bought.id, 5000, now).await.expect("offered");
        assert_eq!((offer.edition, offer.price_minor, offer.royalty_bps), (1, 5000, 500));
        assert_eq!(offer.payout_address, first.address().to_checksum(None), "proceeds go to the wallet that paid");
        assert_eq!(refused(market.offer_resale(a, &bought.id, 6000, now).await), Refusal::AlreadyOffered);
        assert_eq!(store.listing_offers(listing).await.expect("q").len(), 1);
        // Offering puts the royalty on chain in the background, before any buyer asks.
        let sales_view = ColophonSales::new(d.sales, funder.clone());
        let on_chain = || async {
            let id = U256::from(u64::try_from(listing).expect("id"));
            sales_view.royaltyInfo(id, U256::from(10_000u64)).call().await.expect("royaltyInfo")
        };
        for _ in 0..100 {
            if on_chain().await.receiver == creator_wallet {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let set = on_chain().await;
        assert_eq!((set.receiver, set.royaltyAmount), (creator_wallet, U256::from(500u64)), "set when offered");

        // B quotes it: kind resale, the seller's wallet paid, the creator's royalty set on chain.
        let ask = |account: i64, buyer: Address, key: &'static str| ResaleQuoteRequest {
            account_id: account,
            offer_id: &offer.id,
            price_minor: 5000,
            buyer,
            token: PayToken::Eth,
            idempotency_key: key,
            now: Utc::now(),
        };
        assert_eq!(refused(market.resale_quote(&ask(a, first.address(), "own-offer-1")).await), Refusal::OwnOffer);
        let stale = ResaleQuoteRequest { price_minor: 4000, ..ask(b, second.address(), "stale-price") };
        assert_eq!(refused(market.resale_quote(&stale).await), Refusal::PriceChanged);
        let q = market.resale_quote(&ask(b, second.address(), "resale-b-1")).await.expect("resale quote");
        // $50.00 at $3,000/ETH, rounded up to the wei; 5 % fee; 5 % royalty of the whole.
        let amount = U256::from(16_666_666_666_666_667u64);
        assert_eq!((q.quote.kind, q.quote.amount), (RESALE, amount));
        assert_eq!((q.quote.payee, q.quote.royaltyReceiver), (first.address(), creator_wallet));
        assert_eq!(q.quote.royalty, royalty_of(amount, 500));
        let info = sales_view
            .royaltyInfo(U256::from(u64::try_from(listing).expect("id")), amount)
            .call()
            .await
            .expect("royaltyInfo");
        assert_eq!((info.receiver, info.royaltyAmount), (creator_wallet, q.quote.royalty), "EIP-2981 view agrees");
        // The quote holds the offer: nobody else may quote it, and the seller cannot pull it away.
        assert_eq!(refused(market.resale_quote(&ask(c, second.address(), "resale-c-1")).await), Refusal::BeingPaid);
        assert_eq!(refused(market.withdraw_resale(a, &offer.id).await), Refusal::BeingPaid);
        // Primary sales are not held by it: two editions are still for sale.
        let state = store.sale_state(listing).await.expect("q").expect("listing");
        assert_eq!((state.sold, state.reserved), (2, 0));

        // B pays; once confirmed, the edition passes to B with the transfer statement.
        pay(&wallet(&rpc, second.clone()), d.sales, &q).await;
        assert_eq!(watcher.tick().await.expect("tick").completed, 1);
        let resold = store.order(&q.row.order_id).await.expect("q").expect("B's order");
        assert_eq!((resold.account_id, resold.edition, resold.price_minor), (b, Some(1), 5000));
        assert!(!resold.resold);
        let before = store.order(&bought.id).await.expect("q").expect("A's order");
        assert!(before.resold, "A no longer holds edition #1");
        assert!(store.account_orders(a).await.expect("q").iter().all(|o| o.id != bought.id));
        let sold = statement_at(&store, before.log_leaf).await;
        let Statement::EditionSold { buyer_ref: a_ref, .. } = sold.statement else { panic!("EditionSold") };
        let moved = statement_at(&store, resold.log_leaf).await;
        let Statement::EditionTransferred { edition, seller_ref, buyer_ref: b_ref, price_minor, payment, .. } =
            moved.statement
        else {
            panic!("EditionTransferred, got {:?}", moved.statement)
        };
        assert_eq!((edition, price_minor), (1, 5000));
        assert_eq!(seller_ref, a_ref, "the chain of custody links to A's sale");
        assert_eq!(b_ref, buyer_ref(&resold.buyer_salt, &resold.id), "B's certificate proves B's link");
        assert_eq!((moved.bytes[13], U256::from_be_bytes(payment.amount)), (2, amount));
        let custody = store.custody(listing, 1).await.expect("q");
        assert_eq!(
            custody.iter().map(|c| (c.resale, c.price_minor)).collect::<Vec<_>>(),
            [(false, 2500), (true, 5000)]
        );
        assert_eq!(store.offer(&offer.id).await.expect("q").expect("offer").status, OfferStatus::Sold);
        // Primary sales stay what they were: two, and the listing's sold count is unchanged.
        assert_eq!(store.listing_sales(listing, 10).await.expect("q").len(), 2);
        assert_eq!(store.sale_state(listing).await.expect("q").expect("listing").sold, 2);

        // What each is owed, on chain: the seller's share, the creator's royalty on
        // top of the primary sale's share, and the platform's fees.
        let owed = |who: Address| {
            let s = sales_view.clone();
            async move { s.owed(who, Address::ZERO).call().await.expect("owed") }
        };
        let resale_fee = amount * U256::from(500u64) / U256::from(10_000u64);
        assert_eq!(owed(first.address()).await, amount - resale_fee - q.quote.royalty);
        let primary_share = primary.quote.amount - primary.quote.platformFee;
        assert_eq!(owed(creator_wallet).await, primary_share + q.quote.royalty);
        assert_eq!(owed(fees).await, primary.quote.platformFee + resale_fee);

        // Read again (a crash before the cursor moved): nothing twice.
        let size = store.log_size().await.expect("size");
        store.set_payment_cursor(&d.sales.to_checksum(None), start).await.expect("rewind");
        watcher.tick().await.expect("tick again");
        assert_eq!(store.log_size().await.expect("size"), size, "no second statement");
        // A no longer holds it; B, who paid from a wallet, may resell it.
        assert_eq!(refused(market.offer_resale(a, &bought.id, 7000, Utc::now()).await), Refusal::NotHeld);
        let again = market.offer_resale(b, &resold.id, 7000, Utc::now()).await.expect("B resells");
        market.withdraw_resale(b, &again.id).await.expect("withdrawn");
        assert!(store.listing_offers(listing).await.expect("q").is_empty());
        drop(anvil);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licences_are_not_resellable() {
    let db = TestDb::new(BACKENDS[0]).await;
    let shop = Shop::new(db.store().await).await;
    let lora = shop.listing(&Terms { kind: ListingKind::Lora, size: None, cap: None, starts: None, ends: None }).await;
    let [a] = shop.buyers(1).await[..] else { unreachable!() };
    let order = shop.market.buy(a, None, lora, 2500, "licence-a-1", Utc::now()).await.expect("licensed");
    let why = refused(shop.market.offer_resale(a, &order.row.id, 5000, Utc::now()).await);
    assert_eq!(why, Refusal::NotResellable);
    assert!(why.to_string().contains("not resellable"), "{why}");
}
