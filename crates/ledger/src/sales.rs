//! The sales contract: bindings, the EIP-712 quote the server signs with its
//! sales-signer key, and deployment (with the local chain's demo stablecoin).
//! docs/FORMATS.md §14 specifies the quote for other implementations.

// The generated bindings take as many arguments as the contract's functions and events.
#![allow(clippy::too_many_arguments)]

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    signers::{SignerSync as _, local::PrivateKeySigner},
    sol,
    sol_types::{Eip712Domain, SolStruct as _, eip712_domain},
};

use crate::{LedgerError, provider, rpc};

sol!(
    /// The ColophonSales contract (bindings from the committed artifact).
    #[sol(rpc)]
    #[derive(Debug)]
    ColophonSales,
    "../../contracts/artifacts/ColophonSales.json"
);

sol!(
    /// The local chain's dollar stablecoin: 6 decimals, EIP-2612 permit.
    #[sol(rpc)]
    #[derive(Debug)]
    DemoUSD,
    "../../contracts/artifacts/DemoUSD.json"
);

pub use ColophonSales::Quote;
pub use alloy_dyn_abi::TypedData;

sol! {
    /// EIP-2612's permit, as the token's holder signs it (`eth_signTypedData_v4`).
    #[derive(Debug, serde::Serialize)]
    struct Permit {
        address owner;
        address spender;
        uint256 value;
        uint256 nonce;
        uint256 deadline;
    }
}

/// Why a permit signature cannot pay a quote.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PermitError {
    #[error("The permit signature must be 65 bytes of 0x-hex, as eth_signTypedData_v4 returns it.")]
    Malformed,
    #[error(
        "The permit was not signed by the paying wallet {0}, or not for this payment (a newer permit of that wallet \
         changed its nonce). Sign it again from that wallet."
    )]
    WrongSigner(Address),
}

/// The `payWithPermit` calldata paying `quote` (signed by the sales signer:
/// `quote_signature`), once `permit_signature` is the quote's buyer's
/// signature of `permit` (as [`SalesReader::permit`] built it). The signer is
/// checked here, so a wrong wallet or a stale nonce is refused before the buyer
/// spends gas on a payment that would revert.
pub fn pay_with_permit(
    quote: &Quote,
    quote_signature: Bytes,
    permit: &TypedData,
    permit_signature: &[u8],
) -> Result<Bytes, PermitError> {
    use alloy::sol_types::SolCall as _;
    let signature = alloy::primitives::Signature::try_from(permit_signature).map_err(|_| PermitError::Malformed)?;
    // OpenZeppelin's ECDSA takes only the lower-half `s`: a wallet's upper-half
    // one is the same signature mirrored, so it is sent mirrored.
    let signature = signature.normalize_s().unwrap_or(signature);
    let digest = permit.eip712_signing_hash().map_err(|_| PermitError::Malformed)?;
    let signer = signature.recover_address_from_prehash(&digest).map_err(|_| PermitError::Malformed)?;
    if signer != quote.buyer {
        return Err(PermitError::WrongSigner(quote.buyer));
    }
    Ok(ColophonSales::payWithPermitCall {
        q: quote.clone(),
        signature: quote_signature,
        permitDeadline: U256::from(quote.deadline),
        v: 27 + u8::from(signature.v()),
        r: signature.r().into(),
        s: signature.s().into(),
    }
    .abi_encode()
    .into())
}

/// `Quote.kind` of a primary sale (the creator sells; no royalty).
pub const PRIMARY: u8 = 0;
/// `Quote.kind` of a resale (an owner sells; the listing's royalty goes to its creator).
pub const RESALE: u8 = 1;

/// The EIP-712 domain quotes are signed in: the contract's name and version,
/// the chain and the contract's address, so a quote pays on one deployment only.
pub fn sales_domain(chain_id: u64, contract: Address) -> Eip712Domain {
    eip712_domain! {
        name: "Colophon Sales",
        version: "1",
        chain_id: chain_id,
        verifying_contract: contract,
    }
}

/// Signs quotes for one sales contract with the sales-signer key.
#[derive(Clone, Debug)]
pub struct QuoteSigner {
    signer: PrivateKeySigner,
    domain: Eip712Domain,
}

impl QuoteSigner {
    pub fn new(signer: PrivateKeySigner, chain_id: u64, contract: Address) -> Self {
        Self { signer, domain: sales_domain(chain_id, contract) }
    }

    /// The address the contract must hold as `salesSigner`.
    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// The EIP-712 digest of `quote` (what `quoteDigest` answers on chain).
    pub fn digest(&self, quote: &Quote) -> B256 {
        quote.eip712_signing_hash(&self.domain)
    }

    /// The 65-byte signature `r ‖ s ‖ v` (v = 27 or 28) `pay` checks.
    pub fn sign(&self, quote: &Quote) -> Result<Bytes, LedgerError> {
        let signature = self
            .signer
            .sign_hash_sync(&self.digest(quote))
            .map_err(|e| LedgerError::Contract(format!("signing a quote: {e}")))?;
        Ok(Bytes::from(signature.as_bytes().to_vec()))
    }
}

/// Keeps each listing's resale royalty on chain (`setRoyalty`, sent by the
/// sales signer) equal to what the marketplace quotes, so a resale quote the
/// contract checks against `royaltyInfo` pays. The sales signer needs gas for
/// these transactions (the local chain funds it).
#[derive(Clone, Debug)]
pub struct RoyaltySetter {
    provider: alloy::providers::DynProvider,
    contract: Address,
    /// One `setRoyalty` at a time: they share the signer's nonces.
    lock: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl RoyaltySetter {
    pub fn new(rpc_url: &str, signer: PrivateKeySigner, contract: Address) -> Result<Self, LedgerError> {
        Ok(Self { provider: provider(rpc_url, Some(signer))?, contract, lock: Default::default() })
    }

    /// The royalty the contract holds for `listing_id`: receiver and basis points.
    pub async fn royalty(&self, listing_id: u64) -> Result<(Address, u16), LedgerError> {
        let sales = ColophonSales::new(self.contract, &self.provider);
        let info = sales.royaltyInfo(U256::from(listing_id), U256::from(10_000u64)).call().await.map_err(rpc)?;
        Ok((info.receiver, u16::try_from(info.royaltyAmount).unwrap_or(u16::MAX)))
    }

    /// Sets `listing_id`'s royalty to `bps` for `receiver` unless the contract
    /// already holds exactly that; waits for the transaction's receipt.
    /// Returns whether a transaction was sent.
    pub async fn ensure(&self, listing_id: u64, receiver: Address, bps: u16) -> Result<bool, LedgerError> {
        let _one_at_a_time = self.lock.lock().await;
        if self.royalty(listing_id).await? == (receiver, bps) {
            return Ok(false);
        }
        let sales = ColophonSales::new(self.contract, &self.provider);
        let contract = |e: alloy::contract::Error| LedgerError::Contract(e.to_string());
        let receipt = sales
            .setRoyalty(U256::from(listing_id), receiver, bps)
            .send()
            .await
            .map_err(contract)?
            .get_receipt()
            .await
            .map_err(|e| LedgerError::Contract(e.to_string()))?;
        if !receipt.status() {
            return Err(LedgerError::Contract(format!("setRoyalty {} reverted", receipt.transaction_hash)));
        }
        tracing::info!(listing_id, %receiver, bps, tx = %receipt.transaction_hash, "set a listing's resale royalty on chain");
        Ok(true)
    }
}

/// The sales contract and the stablecoin it accepts, as deployed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SalesDeployment {
    pub chain_id: u64,
    pub sales: Address,
    /// The demo stablecoin (local chains only), allowed on `sales`.
    pub usd: Address,
}

/// Deploys `ColophonSales` (owned by the deployer, quotes signed by
/// `sales_signer`, fees credited to `fee_recipient`) and `DemoUSD`, allows the
/// stablecoin, and mints `usd_each` of it to each of `wallets`. For local
/// chains: on a public chain the stablecoin is a real one and only the sales
/// contract is deployed.
pub async fn deploy_sales(
    rpc_url: &str,
    deployer: PrivateKeySigner,
    sales_signer: Address,
    fee_recipient: Address,
    wallets: &[Address],
    usd_each: U256,
) -> Result<SalesDeployment, LedgerError> {
    let owner = deployer.address();
    let provider = provider(rpc_url, Some(deployer))?;
    let chain_id = provider.get_chain_id().await.map_err(rpc)?;
    let contract = |e: alloy::contract::Error| LedgerError::Contract(e.to_string());
    let sales = ColophonSales::deploy(&provider, owner, sales_signer, fee_recipient).await.map_err(contract)?;
    let usd = DemoUSD::deploy(&provider, owner).await.map_err(contract)?;
    let receipt = |r: Result<alloy::rpc::types::TransactionReceipt, _>| -> Result<(), LedgerError> {
        let r = r.map_err(|e: alloy::providers::PendingTransactionError| LedgerError::Contract(e.to_string()))?;
        if r.status() { Ok(()) } else { Err(LedgerError::Contract(format!("{} reverted", r.transaction_hash))) }
    };
    receipt(sales.setTokenAllowed(*usd.address(), true).send().await.map_err(contract)?.get_receipt().await)?;
    for wallet in wallets {
        receipt(usd.mint(*wallet, usd_each).send().await.map_err(contract)?.get_receipt().await)?;
    }
    tracing::info!(sales = %sales.address(), usd = %usd.address(), "deployed ColophonSales and DemoUSD");
    Ok(SalesDeployment { chain_id, sales: *sales.address(), usd: *usd.address() })
}

/// A `Paid` event as the watcher needs it: what was paid, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaidEvent {
    pub order_id: B256,
    pub buyer: Address,
    pub payee: Address,
    pub token: Address,
    pub amount: U256,
    pub tx_hash: alloy::primitives::TxHash,
    pub log_index: u64,
    pub block_number: u64,
}

/// A `Withdrawn` event: an account took what it was owed in one token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    pub token: Address,
    pub amount: U256,
    pub tx_hash: alloy::primitives::TxHash,
    pub block_number: u64,
}

/// Reads the sales contract's events and the chain's head (no key).
#[derive(Clone, Debug)]
pub struct SalesReader {
    provider: alloy::providers::DynProvider,
    contract: Address,
}

impl SalesReader {
    pub fn new(rpc_url: &str, contract: Address) -> Result<Self, LedgerError> {
        Ok(Self { provider: provider(rpc_url, None)?, contract })
    }

    pub fn contract(&self) -> Address {
        self.contract
    }

    /// The newest block number.
    pub async fn head(&self) -> Result<u64, LedgerError> {
        self.provider.get_block_number().await.map_err(rpc)
    }

    /// Block `number`'s timestamp (Unix seconds).
    pub async fn block_time(&self, number: u64) -> Result<u64, LedgerError> {
        let block = self.provider.get_block_by_number(number.into()).await.map_err(rpc)?;
        block.map(|b| b.header.timestamp).ok_or_else(|| LedgerError::Rpc(format!("block {number} is unknown")))
    }

    /// The EIP-2612 permit that lets the sales contract take `value` of
    /// `token` from `owner` until `deadline`: in the token's own domain (its
    /// EIP-5267 `eip712Domain()`), with the owner's current nonce.
    pub async fn permit(
        &self,
        token: Address,
        owner: Address,
        value: U256,
        deadline: u64,
    ) -> Result<TypedData, LedgerError> {
        let erc20 = DemoUSD::new(token, &self.provider);
        let d = erc20.eip712Domain().call().await.map_err(rpc)?;
        let nonce = erc20.nonces(owner).call().await.map_err(rpc)?;
        let domain = Eip712Domain::new(
            Some(d.name.into()),
            Some(d.version.into()),
            Some(d.chainId),
            Some(d.verifyingContract),
            None,
        );
        let permit = Permit { owner, spender: self.contract, value, nonce, deadline: U256::from(deadline) };
        Ok(TypedData::from_struct(&permit, Some(domain)))
    }

    /// What the contract owes `account` in `token` (zero address: ETH).
    pub async fn owed(&self, account: Address, token: Address) -> Result<U256, LedgerError> {
        ColophonSales::new(self.contract, &self.provider).owed(account, token).call().await.map_err(rpc)
    }

    /// `account`'s withdrawals from block `from` on, newest first.
    pub async fn withdrawals(&self, account: Address, from: u64) -> Result<Vec<Withdrawal>, LedgerError> {
        use alloy::sol_types::SolEvent as _;
        let filter = alloy::rpc::types::Filter::new()
            .address(self.contract)
            .event_signature(ColophonSales::Withdrawn::SIGNATURE_HASH)
            .topic1(account.into_word())
            .from_block(from);
        let logs = self.provider.get_logs(&filter).await.map_err(rpc)?;
        let mut out = logs
            .into_iter()
            .map(|log| {
                let (tx_hash, block_number) = (log.transaction_hash, log.block_number);
                let w =
                    log.log_decode::<ColophonSales::Withdrawn>().map_err(|e| LedgerError::Contract(e.to_string()))?;
                Ok(Withdrawal {
                    token: w.inner.data.token,
                    amount: w.inner.data.amount,
                    tx_hash: tx_hash.ok_or_else(|| LedgerError::Rpc("a log without its transaction".into()))?,
                    block_number: block_number.ok_or_else(|| LedgerError::Rpc("a log without its block".into()))?,
                })
            })
            .collect::<Result<Vec<_>, LedgerError>>()?;
        out.reverse();
        Ok(out)
    }

    /// Every `Paid` event in blocks `from..=to`, in chain order.
    pub async fn paid_events(&self, from: u64, to: u64) -> Result<Vec<PaidEvent>, LedgerError> {
        use alloy::sol_types::SolEvent as _;
        let filter = alloy::rpc::types::Filter::new()
            .address(self.contract)
            .event_signature(ColophonSales::Paid::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        let logs = self.provider.get_logs(&filter).await.map_err(rpc)?;
        logs.into_iter()
            .map(|log| {
                let (tx_hash, log_index, block_number) = (log.transaction_hash, log.log_index, log.block_number);
                let paid = log.log_decode::<ColophonSales::Paid>().map_err(|e| LedgerError::Contract(e.to_string()))?;
                let e = paid.inner.data;
                Ok(PaidEvent {
                    order_id: e.orderId,
                    buyer: e.buyer,
                    payee: e.payee,
                    token: e.token,
                    amount: e.amount,
                    tx_hash: tx_hash.ok_or_else(|| LedgerError::Rpc("a log without its transaction".into()))?,
                    log_index: log_index.ok_or_else(|| LedgerError::Rpc("a log without its index".into()))?,
                    block_number: block_number.ok_or_else(|| LedgerError::Rpc("a log without its block".into()))?,
                })
            })
            .collect()
    }
}

/// What the chain says of a payment a sale statement binds (docs/FORMATS.md §2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentOnChain {
    /// The transaction succeeded and its log at `log_index` is the sales
    /// contract's `Paid` event for that token and amount, `confirmations`
    /// blocks deep (its own block counts as one).
    Found { confirmations: u64 },
    /// It is not there as the statement says; why, in words.
    Missing(String),
}

/// Looks up a bound payment on the chain at `rpc_url` (which must be on the
/// payment's chain): the transaction's receipt, its log, the event's fields.
pub async fn find_payment(
    rpc_url: &str,
    payment: &colophon_provenance::Payment,
) -> Result<PaymentOnChain, LedgerError> {
    use alloy::sol_types::SolEvent as _;
    let provider = provider(rpc_url, None)?;
    let chain_id = provider.get_chain_id().await.map_err(rpc)?;
    if chain_id != payment.chain_id {
        return Err(LedgerError::Rpc(format!(
            "the node is on chain {chain_id}, the payment on chain {}",
            payment.chain_id
        )));
    }
    let missing = |why: &str| Ok(PaymentOnChain::Missing(why.to_owned()));
    let Some(receipt) = provider.get_transaction_receipt(B256::from(payment.tx_hash)).await.map_err(rpc)? else {
        return missing("the chain has no such transaction");
    };
    if !receipt.status() {
        return missing("the transaction reverted");
    }
    let Some(log) = receipt.inner.logs().iter().find(|l| l.log_index == Some(payment.log_index)) else {
        return missing("the transaction has no log at that index");
    };
    if log.address() != Address::from(payment.contract) {
        return missing("that log was not emitted by the sales contract the statement names");
    }
    if log.topics().first() != Some(&ColophonSales::Paid::SIGNATURE_HASH) {
        return missing("that log is not a Paid event");
    }
    let Ok(paid) = log.log_decode::<ColophonSales::Paid>() else {
        return missing("that Paid event does not decode");
    };
    let e = paid.inner.data;
    if e.token != Address::from(payment.token) || e.amount != U256::from_be_bytes(payment.amount) {
        return missing("the Paid event's token or amount differs from the statement's");
    }
    let block = receipt.block_number.ok_or_else(|| LedgerError::Rpc("a receipt without its block".into()))?;
    let head = provider.get_block_number().await.map_err(rpc)?;
    Ok(PaymentOnChain::Found { confirmations: head.saturating_sub(block) + 1 })
}
