//! What the browser reads: the ledger's answer for a hash, and the registry's
//! root from a chain node the verifier picks (remembered in this browser).

use super::*;

#[cfg(feature = "hydrate")]
pub(super) async fn json_rpc(url: &str, method: &str, params: serde_json::Value) -> Result<String, String> {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let resp = gloo_net::http::Request::post(url)
        .json(&body)
        .map_err(|_| "Could not build the chain request.".to_owned())?
        .send()
        .await
        .map_err(|_| {
            format!("Could not reach the chain node at {url} (is it up, and does it allow this page's origin?).")
        })?;
    let answer: serde_json::Value =
        resp.json().await.map_err(|_| format!("{url} did not answer as a JSON-RPC chain node."))?;
    if let Some(err) = answer.get("error") {
        return Err(format!(
            "The chain node refused {method}: {}",
            err["message"].as_str().unwrap_or("no reason given")
        ));
    }
    answer["result"].as_str().map(str::to_owned).ok_or_else(|| format!("{url} gave no result for {method}."))
}

#[cfg(feature = "hydrate")]
pub(super) async fn read_chain(settings: ChainSettings, tree_size: u64) -> Result<ChainReading, String> {
    let url = settings.rpc_url.trim();
    if url.is_empty() {
        return Err("Set a chain RPC URL under \"Chain\" to check the root on-chain.".into());
    }
    let registry = settings.registry.trim();
    let call =
        serde_json::json!([{"to": registry, "data": colophon_provenance::root_for_call_data(tree_size)}, "latest"]);
    Ok(ChainReading {
        chain_id: parse_quantity(&json_rpc(url, "eth_chainId", serde_json::json!([])).await?)?,
        root: parse_root(&json_rpc(url, "eth_call", call).await?)?,
        head: parse_quantity(&json_rpc(url, "eth_blockNumber", serde_json::json!([])).await?)?,
    })
}

#[cfg(not(feature = "hydrate"))]
pub(super) async fn read_chain(_settings: ChainSettings, _tree_size: u64) -> Result<ChainReading, String> {
    Err("The chain is read by your browser once the page has loaded.".into())
}

/// Where the settings are remembered in this browser.
#[cfg(feature = "hydrate")]
pub(super) const CHAIN_SETTINGS_KEY: &str = "colophon.verify.chain";

/// The remembered settings, else the operator's suggestion.
#[cfg(feature = "hydrate")]
pub(super) async fn initial_chain_settings() -> Option<ChainSettings> {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if let Some(saved) = storage.as_ref().and_then(|s| s.get_item(CHAIN_SETTINGS_KEY).ok().flatten())
        && let Ok(settings) = serde_json::from_str::<ChainSettings>(&saved)
    {
        return Some(settings);
    }
    let resp = gloo_net::http::Request::get("/api/v1/chain").send().await.ok()?;
    let chain: colophon_api::Chain = resp.json().await.ok()?;
    Some(ChainSettings { rpc_url: chain.rpc_url.unwrap_or_default(), registry: chain.registry })
}

#[cfg(feature = "hydrate")]
pub(super) fn remember_chain_settings(settings: &ChainSettings) {
    if let (Some(storage), Ok(json)) =
        (web_sys::window().and_then(|w| w.local_storage().ok().flatten()), serde_json::to_string(settings))
    {
        let _ = storage.set_item(CHAIN_SETTINGS_KEY, &json);
    }
}

#[cfg(feature = "hydrate")]
pub(super) async fn fetch_provenance(path: String) -> Result<Option<Provenance>, String> {
    let resp = gloo_net::http::Request::get(&path)
        .send()
        .await
        .map_err(|_| "Could not reach Colophon. Check your connection and try again.".to_owned())?;
    match resp.status() {
        200 => resp.json().await.map(Some).map_err(|_| "The ledger's answer could not be read.".to_owned()),
        404 => Ok(None),
        _ => {
            let body: serde_json::Value = resp.json().await.unwrap_or_default();
            Err(body["message"].as_str().unwrap_or("The look-up failed.").to_owned())
        }
    }
}

#[cfg(not(feature = "hydrate"))]
pub(super) async fn fetch_provenance(_path: String) -> Result<Option<Provenance>, String> {
    Err("Look-ups run in your browser once the page has loaded.".to_owned())
}
