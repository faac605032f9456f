//! The sales contract on a real anvil: a quote signed here (alloy's EIP-712)
//! is the one the contract checks; buyers pay it in ETH and in the stablecoin
//! with an EIP-2612 permit signed here; a tampered or replayed quote reverts;
//! the creator withdraws what was credited.

use alloy::{
    network::EthereumWallet,
    primitives::{Address, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::{SignerSync as _, local::PrivateKeySigner},
    sol,
    sol_types::{SolStruct as _, eip712_domain},
};
use colophon_ledger::sales::{ColophonSales, DemoUSD, PRIMARY, Quote, QuoteSigner};
use colophon_ledger::testing::{Anvil, dev_key};

const DEPLOYER: usize = 0;
const BUYER: usize = 1;
const CREATOR: usize = 2;

const ETHER: u64 = 1_000_000_000_000_000_000;

sol! {
    struct Permit { address owner; address spender; uint256 value; uint256 nonce; uint256 deadline; }
}

fn key(n: usize) -> PrivateKeySigner {
    dev_key(n)
}

fn wallet(rpc: &str, signer: PrivateKeySigner) -> DynProvider {
    ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(rpc.parse().expect("url")).erased()
}

fn ether(milli: u64) -> U256 {
    U256::from(ETHER / 1000 * milli)
}

fn error_name(err: &alloy::contract::Error) -> String {
    match err.as_decoded_interface_error::<ColophonSales::ColophonSalesErrors>() {
        Some(e) => format!("{e:?}").split('(').next().unwrap_or_default().to_owned(),
        None => format!("undecoded: {err}"),
    }
}

struct Setup {
    chain: Anvil,
    signer: QuoteSigner,
    sales: Address,
    usd: Address,
    buyer: Address,
    creator: Address,
    fees: Address,
    now: u64,
}

async fn setup() -> Setup {
    colophon_ledger::install_tls();
    let chain = Anvil::start().await;
    let sales_key = PrivateKeySigner::random();
    let fees = Address::repeat_byte(0xfe);
    let buyer = key(BUYER).address();
    let d = colophon_ledger::deploy_sales(
        &chain.rpc,
        key(DEPLOYER),
        sales_key.address(),
        fees,
        &[buyer],
        U256::from(1_000_000_000u64), // 1,000 dUSD
    )
    .await
    .expect("deploy");
    let provider = wallet(&chain.rpc, key(DEPLOYER));
    let now = provider.get_block_by_number(Default::default()).await.expect("block").expect("latest").header.timestamp;
    Setup {
        signer: QuoteSigner::new(sales_key, d.chain_id, d.sales),
        sales: d.sales,
        usd: d.usd,
        buyer,
        creator: key(CREATOR).address(),
        fees,
        now,
        chain,
    }
}

impl Setup {
    fn quote(&self, order: &str, token: Address, amount: U256, fee: U256) -> Quote {
        Quote {
            orderId: keccak256(order.as_bytes()),
            listingId: U256::from(7),
            kind: PRIMARY,
            buyer: self.buyer,
            payee: self.creator,
            token,
            amount,
            platformFee: fee,
            royaltyReceiver: Address::ZERO,
            royalty: U256::ZERO,
            deadline: self.now + 900,
        }
    }

    fn as_buyer(&self) -> ColophonSales::ColophonSalesInstance<DynProvider> {
        ColophonSales::new(self.sales, wallet(&self.chain.rpc, key(BUYER)))
    }
}

#[tokio::test]
async fn a_quote_signed_here_pays_once_in_eth_and_the_creator_withdraws() {
    let s = setup().await;
    let q = s.quote("order-eth", Address::ZERO, ether(50), ether(5));
    let sales = s.as_buyer();
    // The digest the contract computes is the one signed here: the EIP-712 encodings agree.
    let on_chain = sales.quoteDigest(q.clone()).call().await.expect("quoteDigest");
    assert_eq!(on_chain, s.signer.digest(&q));

    let sig = s.signer.sign(&q).expect("sign");
    let receipt = sales
        .pay(q.clone(), sig.clone())
        .value(q.amount)
        .send()
        .await
        .expect("send")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(receipt.status(), "paid");
    let paid: Vec<_> = receipt
        .logs()
        .iter()
        .filter_map(|l| l.log_decode::<ColophonSales::Paid>().ok())
        .map(|l| l.inner.data)
        .collect();
    assert_eq!(paid.len(), 1, "one Paid event");
    assert_eq!(paid[0].orderId, q.orderId);
    assert_eq!(paid[0].payeeShare, ether(45));
    assert_eq!(paid[0].platformFee, ether(5));
    assert_eq!(sales.owed(s.creator, Address::ZERO).call().await.expect("owed"), ether(45));
    assert_eq!(sales.owed(s.fees, Address::ZERO).call().await.expect("owed"), ether(5));

    // The same quote again: the order is paid, nothing is charged twice.
    let again = sales.pay(q.clone(), sig.clone()).value(q.amount).call().await.expect_err("replay");
    assert_eq!(error_name(&again), "OrderAlreadyPaid");
    // Paying less than quoted breaks the signature.
    let mut cheaper = s.quote("order-cheap", Address::ZERO, ether(50), ether(5));
    let cheap_sig = s.signer.sign(&cheaper).expect("sign");
    cheaper.amount = ether(1);
    let err = sales.pay(cheaper, cheap_sig).value(ether(1)).call().await.expect_err("tampered");
    assert_eq!(error_name(&err), "BadSignature");

    // The creator withdraws: their wallet gains what was owed, less gas.
    let creator_provider = wallet(&s.chain.rpc, key(CREATOR));
    let before = creator_provider.get_balance(s.creator).await.expect("balance");
    let as_creator = ColophonSales::new(s.sales, creator_provider.clone());
    let r = as_creator.withdraw(Address::ZERO).send().await.expect("send").get_receipt().await.expect("receipt");
    assert!(r.status(), "withdrawn");
    let gas = U256::from(r.gas_used) * U256::from(r.effective_gas_price);
    let after = creator_provider.get_balance(s.creator).await.expect("balance");
    assert_eq!(after, before + ether(45) - gas);
    assert_eq!(as_creator.owed(s.creator, Address::ZERO).call().await.expect("owed"), U256::ZERO);
    let held = creator_provider.get_balance(s.sales).await.expect("balance");
    assert_eq!(held, as_creator.totalOwed(Address::ZERO).call().await.expect("total"), "holds what it owes");
}

#[tokio::test]
async fn the_stablecoin_pays_with_a_permit_signed_here() {
    use alloy::{network::TransactionBuilder as _, rpc::types::TransactionRequest};
    use colophon_ledger::sales::{PermitError, SalesReader, pay_with_permit};
    let s = setup().await;
    let amount = U256::from(25_000_000u64); // 25 dUSD
    let q = s.quote("order-usd", s.usd, amount, U256::from(2_500_000u64));
    let sig = s.signer.sign(&q).expect("sign");
    let provider = wallet(&s.chain.rpc, key(BUYER));
    let usd = DemoUSD::new(s.usd, provider.clone());

    // The typed data the server reads from the token is EIP-2612's permit in
    // the token's domain, as written out by hand here.
    let reader = SalesReader::new(&s.chain.rpc, s.sales).expect("reader");
    let typed = reader.permit(s.usd, s.buyer, amount, q.deadline).await.expect("permit typed data");
    let nonce = usd.nonces(s.buyer).call().await.expect("nonce");
    let permit = Permit { owner: s.buyer, spender: s.sales, value: amount, nonce, deadline: U256::from(q.deadline) };
    let domain = eip712_domain! {
        name: "Demo USD",
        version: "1",
        chain_id: provider.get_chain_id().await.expect("chain id"),
        verifying_contract: s.usd,
    };
    let digest = permit.eip712_signing_hash(&domain);
    assert_eq!(typed.eip712_signing_hash().expect("hash"), digest);
    assert_eq!(typed.primary_type, "Permit");

    // Refused before anything is sent: another wallet's signature, bytes that are none.
    let other = key(CREATOR).sign_hash_sync(&digest).expect("sign");
    assert_eq!(pay_with_permit(&q, sig.clone(), &typed, &other.as_bytes()), Err(PermitError::WrongSigner(s.buyer)));
    assert_eq!(pay_with_permit(&q, sig.clone(), &typed, &[1, 2, 3]), Err(PermitError::Malformed));
    // The buyer's signature makes the call; its mirrored (upper-half s) form makes the same one.
    let signed = key(BUYER).sign_hash_sync(&digest).expect("permit");
    let calldata = pay_with_permit(&q, sig.clone(), &typed, &signed.as_bytes()).expect("calldata");
    let order =
        U256::from_str_radix("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16).expect("n");
    let mirrored = alloy::primitives::Signature::new(signed.r(), order - signed.s(), !signed.v());
    assert_eq!(pay_with_permit(&q, sig, &typed, &mirrored.as_bytes()), Ok(calldata.clone()));

    let receipt = provider
        .send_transaction(TransactionRequest::default().with_to(s.sales).with_input(calldata))
        .await
        .expect("send")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(receipt.status(), "paid with the permit");
    let sales = s.as_buyer();
    assert_eq!(sales.owed(s.creator, s.usd).call().await.expect("owed"), U256::from(22_500_000u64));
    assert_eq!(usd.balanceOf(s.buyer).call().await.expect("balance"), U256::from(975_000_000u64));
    assert_eq!(usd.allowance(s.buyer, s.sales).call().await.expect("allowance"), U256::ZERO, "nothing left approved");
    assert_eq!(usd.balanceOf(s.sales).call().await.expect("balance"), sales.totalOwed(s.usd).call().await.expect("t"));
}

#[tokio::test]
async fn an_expired_quote_reverts() {
    let s = setup().await;
    let mut q = s.quote("order-late", Address::ZERO, ether(10), U256::ZERO);
    q.deadline = s.now - 1;
    let sig = s.signer.sign(&q).expect("sign");
    let err = s.as_buyer().pay(q.clone(), sig).value(q.amount).call().await.expect_err("expired");
    assert_eq!(error_name(&err), "QuoteExpired");
}
