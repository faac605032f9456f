#![doc = include_str!("../README.md")]

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, TxHash},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    sol,
};
use serde::{Deserialize, Serialize};

sol!(
    /// The ProvenanceRegistry contract (bindings from the committed artifact).
    #[sol(rpc)]
    #[derive(Debug)]
    ProvenanceRegistry,
    "../../contracts/artifacts/ProvenanceRegistry.json"
);

/// Everything that can go wrong talking to the chain.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The RPC URL could not be parsed.
    #[error("invalid RPC URL: {0}")]
    BadUrl(String),
    /// The node did not answer or answered with an error.
    #[error("chain RPC failed: {0}")]
    Rpc(String),
    /// A contract call or deployment failed.
    #[error("contract call failed: {0}")]
    Contract(String),
    /// The registry address holds no contract code on this chain.
    #[error("no contract code at registry address {0}")]
    NoCode(Address),
    /// The node reports a different chain than configured.
    #[error("chain id mismatch: configured {configured}, node reports {actual}")]
    ChainIdMismatch { configured: u64, actual: u64 },
}

/// Where the registry lives, as remembered in the data directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub chain_id: u64,
    pub registry: Address,
    pub tx_hash: TxHash,
    pub block_number: u64,
}

/// A snapshot of the chain for health checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainStatus {
    pub chain_id: u64,
    pub block_number: u64,
    pub registry: Address,
    pub latest_anchored_size: u64,
}

/// A connection to one EVM node and the registry on it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Chain {
    provider: DynProvider,
    registry: Address,
    chain_id: u64,
}

fn provider(rpc_url: &str, signer: Option<PrivateKeySigner>) -> Result<DynProvider, LedgerError> {
    let url = rpc_url.parse().map_err(|_| LedgerError::BadUrl(rpc_url.to_owned()))?;
    Ok(match signer {
        Some(signer) => ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(url).erased(),
        None => ProviderBuilder::new().connect_http(url).erased(),
    })
}

fn rpc<E: std::fmt::Display>(err: E) -> LedgerError {
    LedgerError::Rpc(err.to_string())
}

/// The chain id the node at `rpc_url` reports (also a liveness probe).
pub async fn chain_id(rpc_url: &str) -> Result<u64, LedgerError> {
    provider(rpc_url, None)?.get_chain_id().await.map_err(rpc)
}

/// Deploys a new registry, owned by `signer`, with `signer` as its first anchorer.
#[tracing::instrument(skip(signer))]
pub async fn deploy(rpc_url: &str, signer: PrivateKeySigner) -> Result<Deployment, LedgerError> {
    let anchorer = signer.address();
    let provider = provider(rpc_url, Some(signer))?;
    let chain_id = provider.get_chain_id().await.map_err(rpc)?;
    let receipt = ProvenanceRegistry::deploy_builder(&provider, anchorer)
        .send()
        .await
        .map_err(|e| LedgerError::Contract(e.to_string()))?
        .get_receipt()
        .await
        .map_err(|e| LedgerError::Contract(e.to_string()))?;
    let registry = receipt
        .contract_address
        .ok_or_else(|| LedgerError::Contract("deployment receipt has no contract address".into()))?;
    if !receipt.status() {
        return Err(LedgerError::Contract(format!("deployment transaction {} reverted", receipt.transaction_hash)));
    }
    let deployment = Deployment {
        chain_id,
        registry,
        tx_hash: receipt.transaction_hash,
        block_number: receipt.block_number.unwrap_or_default(),
    };
    tracing::info!(%registry, tx = %deployment.tx_hash, "deployed ProvenanceRegistry");
    Ok(deployment)
}

impl Chain {
    /// Connects to `rpc_url` and checks that `registry` holds contract code
    /// and, when `expected_chain_id` is given, that the node is on that chain.
    pub async fn connect(
        rpc_url: &str,
        registry: Address,
        expected_chain_id: Option<u64>,
    ) -> Result<Self, LedgerError> {
        let provider = provider(rpc_url, None)?;
        let chain_id = provider.get_chain_id().await.map_err(rpc)?;
        if let Some(configured) = expected_chain_id
            && configured != chain_id
        {
            return Err(LedgerError::ChainIdMismatch { configured, actual: chain_id });
        }
        let chain = Self { provider, registry, chain_id };
        if !chain.registry_has_code().await? {
            return Err(LedgerError::NoCode(registry));
        }
        Ok(chain)
    }

    /// The chain id this connection was opened on.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The registry's address.
    pub fn registry(&self) -> Address {
        self.registry
    }

    /// Whether contract code exists at the registry address.
    pub async fn registry_has_code(&self) -> Result<bool, LedgerError> {
        let code = self.provider.get_code_at(self.registry).await.map_err(rpc)?;
        Ok(!code.is_empty())
    }

    /// The latest anchor: (root, tree size); zero before the first.
    pub async fn latest_anchor(&self) -> Result<(B256, u64), LedgerError> {
        let registry = ProvenanceRegistry::new(self.registry, &self.provider);
        let latest = registry.latest().call().await.map_err(|e| LedgerError::Contract(e.to_string()))?;
        Ok((latest.root, latest.treeSize))
    }

    /// Node and registry status, for `/healthz`.
    pub async fn status(&self) -> Result<ChainStatus, LedgerError> {
        let block_number = self.provider.get_block_number().await.map_err(rpc)?;
        let (_, latest_anchored_size) = self.latest_anchor().await?;
        Ok(ChainStatus { chain_id: self.chain_id, block_number, registry: self.registry, latest_anchored_size })
    }
}
