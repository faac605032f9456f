#![doc = include_str!("../README.md")]

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, TxHash, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol,
    sol_types::SolEvent as _,
};
use serde::{Deserialize, Serialize};

pub mod sales;
#[cfg(feature = "testing")]
pub mod testing;
mod tls;
pub use sales::{PaidEvent, QuoteSigner, RoyaltySetter, SalesDeployment, SalesReader, deploy_sales, sales_domain};
pub use tls::install_tls;

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
    /// The registry refused the anchor: the size is not above the latest anchored size.
    #[error("the registry already holds an anchor at or above size {tree_size} (latest {latest})")]
    SizeNotIncreasing { latest: u64, tree_size: u64 },
    /// The signing account may not anchor on this registry.
    #[error("this key is not an authorized anchorer on the registry")]
    NotAnchorer,
    /// No signing key was configured for a call that sends a transaction.
    #[error("no anchor key configured")]
    NoSigner,
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
    can_sign: bool,
}

/// What the node knows about a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxState {
    /// Unknown to the node (never arrived, or dropped by a reorg or restart).
    Unknown,
    /// In the node's pool, not mined.
    Pending,
    /// Mined in `block`; `success` false if it reverted.
    Mined { block: u64, success: bool },
}

fn provider(rpc_url: &str, signer: Option<PrivateKeySigner>) -> Result<DynProvider, LedgerError> {
    install_tls();
    let url = rpc_url.parse().map_err(|_| LedgerError::BadUrl(rpc_url.to_owned()))?;
    Ok(match signer {
        // The node's pending count decides each nonce (SimpleNonceManager), not a
        // local cache: alloy's default cache never resyncs after a reorg, a
        // failed send or a restart, and the anchorer must survive all three.
        Some(signer) => ProviderBuilder::new()
            .disable_recommended_fillers()
            .with_gas_estimation()
            .with_blob_gas_estimation()
            .with_simple_nonce_management()
            .fetch_chain_id()
            .wallet(EthereumWallet::from(signer))
            .connect_http(url)
            .erased(),
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
        Self::connect_inner(rpc_url, registry, expected_chain_id, None).await
    }

    /// Like [`Chain::connect`], with a key that signs anchor transactions.
    pub async fn connect_with_signer(
        rpc_url: &str,
        registry: Address,
        expected_chain_id: Option<u64>,
        signer: PrivateKeySigner,
    ) -> Result<Self, LedgerError> {
        Self::connect_inner(rpc_url, registry, expected_chain_id, Some(signer)).await
    }

    async fn connect_inner(
        rpc_url: &str,
        registry: Address,
        expected_chain_id: Option<u64>,
        signer: Option<PrivateKeySigner>,
    ) -> Result<Self, LedgerError> {
        let can_sign = signer.is_some();
        let provider = provider(rpc_url, signer)?;
        let chain_id = provider.get_chain_id().await.map_err(rpc)?;
        if let Some(configured) = expected_chain_id
            && configured != chain_id
        {
            return Err(LedgerError::ChainIdMismatch { configured, actual: chain_id });
        }
        let chain = Self { provider, registry, chain_id, can_sign };
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

impl Chain {
    /// The underlying provider (tests use it for node-specific RPCs).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The current block number.
    pub async fn block_number(&self) -> Result<u64, LedgerError> {
        self.provider.get_block_number().await.map_err(rpc)
    }

    /// The root anchored for exactly `tree_size` leaves (zero if none).
    pub async fn root_for(&self, tree_size: u64) -> Result<B256, LedgerError> {
        let registry = ProvenanceRegistry::new(self.registry, &self.provider);
        registry.rootFor(tree_size).call().await.map_err(|e| LedgerError::Contract(e.to_string()))
    }

    /// The chain reader for verification: the root the registry holds for a
    /// receipt's `tree_size`, or `None` while that size is not anchored.
    pub async fn anchored_root(&self, tree_size: u64) -> Result<Option<[u8; 32]>, LedgerError> {
        let root = self.root_for(tree_size).await?;
        Ok((root != B256::ZERO).then_some(root.0))
    }

    /// Sends `anchor(root, tree_size)` and returns its hash once the node has
    /// accepted it, without waiting for it to be mined. Reverts the node
    /// predicts (already anchored, unauthorized) come back as typed errors.
    pub async fn send_anchor(&self, root: B256, tree_size: u64) -> Result<TxHash, LedgerError> {
        if !self.can_sign {
            return Err(LedgerError::NoSigner);
        }
        let registry = ProvenanceRegistry::new(self.registry, &self.provider);
        match registry.anchor(root, tree_size).send().await {
            Ok(pending) => Ok(*pending.tx_hash()),
            Err(err) => Err(match err.as_decoded_interface_error::<ProvenanceRegistry::ProvenanceRegistryErrors>() {
                Some(ProvenanceRegistry::ProvenanceRegistryErrors::SizeNotIncreasing(e)) => {
                    LedgerError::SizeNotIncreasing { latest: e.latestSize, tree_size: e.treeSize }
                }
                Some(ProvenanceRegistry::ProvenanceRegistryErrors::NotAnchorer(_)) => LedgerError::NotAnchorer,
                _ => LedgerError::Contract(err.to_string()),
            }),
        }
    }

    /// Where a transaction stands.
    pub async fn tx_state(&self, tx: TxHash) -> Result<TxState, LedgerError> {
        if let Some(receipt) = self.provider.get_transaction_receipt(tx).await.map_err(rpc)? {
            return Ok(TxState::Mined { block: receipt.block_number.unwrap_or_default(), success: receipt.status() });
        }
        Ok(match self.provider.get_transaction_by_hash(tx).await.map_err(rpc)? {
            Some(_) => TxState::Pending,
            None => TxState::Unknown,
        })
    }

    /// The transaction and block of the `Anchored` event for `tree_size` on
    /// the canonical chain, if any.
    pub async fn anchored_event(&self, tree_size: u64) -> Result<Option<(TxHash, u64)>, LedgerError> {
        let filter = Filter::new()
            .address(self.registry)
            .event_signature(ProvenanceRegistry::Anchored::SIGNATURE_HASH)
            .topic2(B256::from(U256::from(tree_size)))
            .from_block(0);
        let logs = self.provider.get_logs(&filter).await.map_err(rpc)?;
        Ok(logs.last().and_then(|log| Some((log.transaction_hash?, log.block_number?))))
    }
}

/// One `Anchored` event: the leaves `(previous, tree_size]` committed under `root`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchorEvent {
    pub root: B256,
    pub tree_size: u64,
    pub previous: u64,
    pub tx_hash: Option<TxHash>,
    pub block_number: Option<u64>,
}

impl Chain {
    /// Every `Anchored` event of the registry on the canonical chain, oldest
    /// first: a monitor checks that they cover the log once, without gaps.
    pub async fn anchors(&self) -> Result<Vec<AnchorEvent>, LedgerError> {
        let filter = Filter::new()
            .address(self.registry)
            .event_signature(ProvenanceRegistry::Anchored::SIGNATURE_HASH)
            .from_block(0);
        let logs = self.provider.get_logs(&filter).await.map_err(rpc)?;
        logs.iter()
            .map(|log| {
                let event = log
                    .log_decode::<ProvenanceRegistry::Anchored>()
                    .map_err(|e| LedgerError::Contract(format!("undecodable Anchored event: {e}")))?;
                let e = &event.inner.data;
                Ok(AnchorEvent {
                    root: e.root,
                    tree_size: e.treeSize,
                    previous: e.previousSize,
                    tx_hash: log.transaction_hash,
                    block_number: log.block_number,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use alloy::sol_types::SolCall as _;

    #[test]
    fn verifiers_without_alloy_call_the_contracts_root_for() {
        // The verify page builds its eth_call by hand from colophon-provenance.
        let call = super::ProvenanceRegistry::rootForCall { treeSize: 1234 }.abi_encode();
        assert_eq!(colophon_provenance::root_for_call_data(1234), format!("0x{}", alloy::hex::encode(call)));
    }
}
