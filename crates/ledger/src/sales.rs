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

/// The sales contract and the stablecoin it accepts, as deployed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
