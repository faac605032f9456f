//! The local chain for `make run`: an anvil process whose state lives in the
//! data directory, with the ProvenanceRegistry deployed once and its address
//! remembered, so restarts keep the chain's history.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use alloy::{
    primitives::{Address, U256},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context as _, bail};
use colophon_ledger::{Chain, Deployment};
use tokio::process::{Child, Command};

use crate::config::LocalChain;

/// anvil's first well-known development account. Public knowledge: it only
/// ever signs on the local chain, never on a real network.
const ANVIL_DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// The local chain's deployer and anchorer: anvil's first dev account.
pub fn dev_signer() -> anyhow::Result<PrivateKeySigner> {
    ANVIL_DEV_KEY.parse().context("parsing the anvil dev key")
}

/// A running local chain (or one adopted from an earlier run).
pub struct DevChain {
    child: Option<Child>,
    pub rpc_url: String,
    pub deployment: Deployment,
}

impl DevChain {
    /// Starts anvil with its state file in `dir` (unless a node already
    /// answers on the port) and makes sure the registry is deployed.
    pub async fn start(cfg: &LocalChain, dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let port = if cfg.port == 0 { free_port()? } else { cfg.port };
        let rpc_url = format!("http://127.0.0.1:{port}");
        let pid_file = dir.join("anvil.pid");
        let state_file = dir.join("anvil-state.json");
        stop_orphan(&pid_file, &state_file).await;

        let child = if let Ok(id) = colophon_ledger::chain_id(&rpc_url).await {
            if id != cfg.chain_id {
                bail!("a chain with id {id} already answers on {rpc_url}; stop it or set COLOPHON_ANVIL_PORT");
            }
            tracing::warn!(%rpc_url, "a node already answers on the anvil port (left over from an earlier run?); using it");
            None
        } else {
            let child = spawn_anvil(cfg, port, &state_file).await?;
            if let Some(pid) = child.id() {
                write_atomically(&pid_file, pid.to_string().as_bytes())?;
            }
            Some(child)
        };
        match ensure_registry(&rpc_url, dir, cfg.chain_id).await {
            Ok(deployment) => Ok(Self { child, rpc_url, deployment }),
            Err(err) => {
                if let Some(child) = child {
                    stop_child(child).await;
                }
                Err(err)
            }
        }
    }

    /// Stops anvil gracefully (SIGTERM, so it writes its state file), then
    /// forcefully if it does not exit within five seconds.
    pub async fn stop(mut self) {
        if let Some(child) = self.child.take() {
            stop_child(child).await;
        }
    }
}

async fn ensure_registry(rpc_url: &str, dir: &Path, chain_id: u64) -> anyhow::Result<Deployment> {
    let record = dir.join("deployment.json");
    if let Some(known) = read_deployment(&record)? {
        if known.chain_id == chain_id && Chain::connect(rpc_url, known.registry, Some(chain_id)).await.is_ok() {
            tracing::info!(registry = %known.registry, "using the registry deployed earlier");
            return Ok(known);
        }
        tracing::warn!(
            registry = %known.registry,
            "the remembered registry is not on the local chain (its state file was lost?); deploying a new one"
        );
    }
    let deployment = colophon_ledger::deploy(rpc_url, dev_signer()?).await.context("deploying ProvenanceRegistry")?;
    write_atomically(&record, &serde_json::to_vec_pretty(&deployment)?)?;
    Ok(deployment)
}

/// The sales contract and its stablecoin on the local chain: deployed once
/// (remembered in `sales.json`), quotes signed by `signer`, fees credited to
/// the deployer, and 10,000 dUSD minted to each of anvil's other dev wallets
/// so a browser wallet on them can pay in either token.
pub async fn ensure_sales(rpc_url: &str, dir: &Path, chain_id: u64, signer: Address) -> anyhow::Result<SalesRecord> {
    fund(rpc_url, signer).await.context("funding the sales signer on the local chain")?;
    let record = dir.join("sales.json");
    if let Some(known) = std::fs::read(&record).ok().and_then(|b| serde_json::from_slice::<SalesRecord>(&b).ok())
        && known.deployment.chain_id == chain_id
    {
        let sales = colophon_ledger::sales::ColophonSales::new(known.deployment.sales, provider(rpc_url)?);
        match sales.salesSigner().call().await {
            Ok(current) if current == signer => return Ok(known),
            Ok(_) => {
                // The signer key file was replaced: point the contract at the new key.
                sales.setSalesSigner(signer).send().await?.get_receipt().await?;
                return Ok(known);
            }
            Err(_) => tracing::warn!("the remembered sales contract is not on the local chain; deploying a new one"),
        }
    }
    let deployer = dev_signer()?;
    let start_block = {
        use alloy::providers::Provider as _;
        provider(rpc_url)?.get_block_number().await.context("reading the local chain's head")?
    };
    let wallets: Vec<Address> = DEV_WALLETS.iter().map(|w| w.parse()).collect::<Result<_, _>>()?;
    let deployment = colophon_ledger::deploy_sales(
        rpc_url,
        deployer.clone(),
        signer,
        deployer.address(),
        &wallets,
        U256::from(10_000_000_000u64), // 10,000 dUSD
    )
    .await
    .context("deploying ColophonSales")?;
    let known = SalesRecord { deployment, start_block };
    write_atomically(&record, &serde_json::to_vec_pretty(&known)?)?;
    Ok(known)
}

/// Gives the sales signer gas for its `setRoyalty` transactions (resales):
/// 10 ETH from the development wallet whenever it holds less than 1.
async fn fund(rpc_url: &str, account: Address) -> anyhow::Result<()> {
    use alloy::network::TransactionBuilder as _;
    use alloy::providers::Provider as _;
    let provider = provider(rpc_url)?;
    let one_eth = U256::from(10u64).pow(U256::from(18u64));
    if provider.get_balance(account).await? >= one_eth {
        return Ok(());
    }
    let tx = alloy::rpc::types::TransactionRequest::default().with_to(account).with_value(one_eth * U256::from(10u64));
    provider.send_transaction(tx).await?.get_receipt().await?;
    Ok(())
}

/// Where the local sales contract is, and the block to read its events from.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct SalesRecord {
    pub deployment: colophon_ledger::SalesDeployment,
    pub start_block: u64,
}

/// anvil's development wallets 1–9 (its default mnemonic's; public knowledge).
pub const DEV_WALLETS: [&str; 9] = [
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
];

fn provider(rpc_url: &str) -> anyhow::Result<alloy::providers::DynProvider> {
    use alloy::providers::{Provider as _, ProviderBuilder};
    Ok(ProviderBuilder::new()
        .wallet(alloy::network::EthereumWallet::from(dev_signer()?))
        .connect_http(rpc_url.parse().context("the local chain's URL")?)
        .erased())
}

async fn stop_child(mut child: Child) {
    if let Some(pid) = child.id().and_then(|id| i32::try_from(id).ok()) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGTERM);
    }
    match tokio::time::timeout(Duration::from_secs(5), child.wait()).await {
        Ok(_) => tracing::info!("local chain stopped; state saved"),
        Err(_) => {
            tracing::warn!("anvil did not stop within 5 s; killing it");
            let _ = child.kill().await;
        }
    }
}

/// An anvil left running by a server that was killed (SIGKILL, OOM, power
/// loss in a container) still holds the port and the state file. Stop it
/// gracefully, so it writes its state, before starting our own.
async fn stop_orphan(pid_file: &Path, state_file: &Path) {
    use nix::{sys::signal, unistd::Pid};
    let Some(pid) = std::fs::read_to_string(pid_file).ok().and_then(|s| s.trim().parse::<i32>().ok()) else {
        return;
    };
    let _ = std::fs::remove_file(pid_file);
    // Only an anvil on *this* data directory's state file: a reused pid or
    // another project's node is left alone.
    let ours = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|cmd| {
            let cmd = String::from_utf8_lossy(&cmd);
            cmd.contains("anvil") && cmd.contains(&*state_file.to_string_lossy())
        })
        .unwrap_or(false);
    if !ours {
        return;
    }
    tracing::warn!(pid, "stopping the anvil left running by an earlier server");
    let pid = Pid::from_raw(pid);
    if signal::kill(pid, signal::Signal::SIGTERM).is_err() {
        return;
    }
    let exited = |pid: Pid| {
        // Gone, or a zombie waiting for a parent that no longer reaps it.
        signal::kill(pid, None).is_err()
            || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|stat| stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z')))
                .unwrap_or(true)
    };
    for _ in 0..100 {
        if exited(pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = signal::kill(pid, signal::Signal::SIGKILL);
}

async fn spawn_anvil(cfg: &LocalChain, port: u16, state: &Path) -> anyhow::Result<Child> {
    let mut child = Command::new(&cfg.anvil_bin)
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--chain-id", &cfg.chain_id.to_string()])
        .arg("--state")
        .arg(state)
        .args(["--state-interval", "2", "--silent"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| {
            format!(
                "cannot start anvil ({}): run `make run` (it installs it) or set COLOPHON_ANVIL_BIN or COLOPHON_RPC_URL",
                cfg.anvil_bin.display()
            )
        })?;
    let rpc_url = format!("http://127.0.0.1:{port}");
    for _ in 0..300 {
        if let Some(status) = child.try_wait()? {
            bail!("anvil exited during start-up ({status}); is port {port} free?");
        }
        if colophon_ledger::chain_id(&rpc_url).await.is_ok() {
            tracing::info!(%rpc_url, state = %state.display(), "local chain (anvil) started");
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill().await;
    bail!("anvil did not answer on {rpc_url} within 30 s")
}

fn read_deployment(path: &Path) -> anyhow::Result<Option<Deployment>> {
    match std::fs::read(path) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(d) => Ok(Some(d)),
            Err(err) => {
                tracing::warn!(path = %path.display(), %err, "ignoring an unreadable deployment record");
                Ok(None)
            }
        },
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes `bytes` to `path` via a temporary file and a rename, so a crash
/// never leaves a half-written file.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp: PathBuf = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
