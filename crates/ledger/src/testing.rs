//! A real local chain for other crates' tests (feature `testing`): anvil on a
//! free port, killed when dropped, and its well-known development keys.

use std::process::{Child, Command};

use alloy::signers::local::PrivateKeySigner;

/// anvil's development keys (public knowledge: local chains only). The first
/// deploys; in tests the second buys and the third creates.
pub const DEV_KEYS: [&str; 4] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
];

/// The `n`th development key as a signer.
pub fn dev_key(n: usize) -> PrivateKeySigner {
    DEV_KEYS[n].parse().expect("a development key")
}

/// The anvil binary: `COLOPHON_ANVIL_BIN`, else the one `make test` installs from npm.
pub fn anvil_bin() -> String {
    if let Ok(bin) = std::env::var("COLOPHON_ANVIL_BIN")
        && !bin.is_empty()
    {
        return bin;
    }
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../node_modules/@foundry-rs"));
    std::fs::read_dir(dir)
        .expect("run `make test`: it installs anvil")
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin/anvil"))
        .find(|p| p.is_file())
        .expect("anvil binary")
        .display()
        .to_string()
}

/// A running anvil (chain id 31337), stopped when dropped.
#[derive(Debug)]
pub struct Anvil {
    child: Child,
    pub port: u16,
    pub rpc: String,
}

impl Anvil {
    /// Starts a fresh chain on a free port and waits until it answers.
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        Self::start_on(port).await
    }

    /// Starts a fresh chain on `port` (a test restarting the chain at one URL).
    pub async fn start_on(port: u16) -> Self {
        let child = Command::new(anvil_bin())
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--silent"])
            .spawn()
            .expect("anvil");
        // Owned from here on: dropped (killed and waited for) on every path, a failed start included.
        let anvil = Self { child, port, rpc: format!("http://127.0.0.1:{port}") };
        for _ in 0..100 {
            if crate::chain_id(&anvil.rpc).await.is_ok() {
                return anvil;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("anvil did not start on port {port}");
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends a transaction as the API lists it for a wallet (`to`, `data` and
/// `value` in 0x-hex: `colophon_api::WalletTransaction`) from `chain`'s
/// wallet, and returns its receipt once mined, asserting it succeeded.
pub async fn send_wallet_tx<P: alloy::providers::Provider>(
    chain: &P,
    tx: &serde_json::Value,
) -> alloy::rpc::types::TransactionReceipt {
    use alloy::{
        network::TransactionBuilder as _,
        primitives::{Address, Bytes, U256},
    };
    let field = |k: &str| tx[k].as_str().unwrap_or_else(|| panic!("the transaction has no {k}: {tx}"));
    let value = U256::from_str_radix(field("value").trim_start_matches("0x"), 16).expect("a hex value");
    let request = alloy::rpc::types::TransactionRequest::default()
        .with_to(field("to").parse::<Address>().expect("an address"))
        .with_input(field("data").parse::<Bytes>().expect("hex calldata"))
        .with_value(value);
    let receipt = chain.send_transaction(request).await.expect("send").get_receipt().await.expect("receipt");
    assert!(receipt.status(), "the transaction reverted: {}", receipt.transaction_hash);
    receipt
}
