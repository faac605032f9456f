//! Reading a Colophon server and a chain. Nothing read here is trusted: the
//! callers check signatures, proofs and roots themselves.

use alloy::primitives::Address;
use colophon_ledger::Chain;
use serde::de::DeserializeOwned;

use crate::client::Api;

/// GETs `path` from `server` as JSON, without credentials; `Ok(None)` on 404.
pub async fn get_json<T: DeserializeOwned>(server: &str, path: &str) -> Result<Option<T>, String> {
    Ok(Api::anonymous(server).get_optional(path).await?)
}

/// The root the chain holds for `tree_size` in `registry`.
pub async fn chain_root(rpc: &str, registry: &str, chain_id: u64, tree_size: u64) -> Result<Option<[u8; 32]>, String> {
    let registry: Address = registry.parse().map_err(|_| format!("{registry:?} is not a contract address"))?;
    let chain =
        Chain::connect(rpc, registry, Some(chain_id)).await.map_err(|e| format!("cannot read the chain: {e}"))?;
    chain.anchored_root(tree_size).await.map_err(|e| format!("cannot read the chain: {e}"))
}

/// Parses 64 hex digits.
pub fn hash32(s: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(s).map_err(|_| format!("{s:?} is not hex"))?;
    bytes.try_into().map_err(|_| format!("{s:?} is not 32 bytes"))
}
