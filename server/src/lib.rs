//! The Colophon web server as a library, so tests can start it on port 0.

pub mod assets;
pub mod avatars;
pub mod caller;
pub mod config;
pub mod csrf;
pub mod decode_budget;
mod demo;
pub mod devchain;
pub mod error;
pub mod jobs;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod page_cache;
pub mod provenance;
pub mod routes;
pub mod sessions;
pub mod state;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod uploads;

use std::{future::Future, net::SocketAddr, path::Path};

use alloy::signers::local::PrivateKeySigner;
use anyhow::Context as _;
use colophon_ledger::Chain;
use colophon_store::Store;
use jobs::anchor::Anchorer;
use secrecy::ExposeSecret as _;

pub use config::{ChainConfig, Config};
pub use state::AppState;

/// A built server: bound socket, router, and the processes it owns.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: axum::Router,
    state: AppState,
    devchain: Option<devchain::DevChain>,
    anchorer: Option<Anchorer>,
    previews: Option<jobs::previews::PreviewWorker>,
    webhooks: jobs::webhooks::WebhookWorker,
    payment_watcher: Option<(colophon_market::chain::PaymentWatcher, jobs::lease::Lease)>,
}

impl Application {
    /// Opens the database (migrating it), connects to or starts the chain,
    /// and binds the listening socket.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        colophon_ledger::install_tls();
        crate::metrics::install();
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;

        // Bind first: a second server on the same address fails here, before
        // it touches the database or the local chain of the one running.
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {} (is Colophon already running?)", config.addr))?;

        let store = Store::connect(config.database_url.expose_secret()).await.context("cannot open the database")?;
        tracing::info!(backend = store.backend().name(), "database ready");

        // This process's name in the `leases` table (one anchorer, one payment watcher per database).
        let holder = jobs::lease::Lease::process_holder();
        let (chain, devchain, signer) = match &config.chain {
            ChainConfig::Local(local) => {
                let dev = devchain::DevChain::start(local, &config.data_dir.join("chain")).await?;
                let chain = Chain::connect(&dev.rpc_url, dev.deployment.registry, Some(dev.deployment.chain_id))
                    .await
                    .context("cannot connect to the local chain")?;
                let signer = Some((dev.rpc_url.clone(), devchain::dev_signer()?));
                (chain, Some(dev), signer)
            }
            ChainConfig::Remote(remote) => {
                let chain = Chain::connect(remote.rpc_url.expose_secret(), remote.registry, remote.chain_id)
                    .await
                    .context("cannot connect to the chain at COLOPHON_RPC_URL")?;
                let signer = match &remote.anchor_key_file {
                    Some(path) => Some((remote.rpc_url.expose_secret().to_owned(), read_anchor_key(path)?)),
                    None => {
                        tracing::warn!("COLOPHON_ANCHOR_KEY_FILE is not set: reading the chain, not anchoring");
                        None
                    }
                };
                (chain, None, signer)
            }
        };
        let anchorer = match signer {
            Some((rpc_url, signer)) => {
                let signing = Chain::connect_with_signer(&rpc_url, chain.registry(), Some(chain.chain_id()), signer)
                    .await
                    .context("cannot connect the anchor key to the chain")?;
                Some(Anchorer::new(store.clone(), signing, config.anchor).with_lease(jobs::lease::Lease::new(
                    store.clone(),
                    "anchor",
                    holder.clone(),
                )))
            }
            None => None,
        };
        tracing::info!(chain_id = chain.chain_id(), registry = %chain.registry(), "chain ready");

        let sessions = sessions::Sessions::new(store.clone());
        let uploads =
            uploads::Uploads::open(store.clone(), &config.data_dir, &config.object_store, config.upload_limits)
                .await
                .context("cannot prepare the file store")?;
        let operator = colophon_market::OperatorKey::load_or_create(&config.operator_key)?;
        tracing::info!(operator_key = %operator.public_key().to_hex(), "operator key ready");
        let market =
            colophon_market::Market::new(store.clone(), operator, std::sync::Arc::new(colophon_market::TestPayments));
        let (market, payment_watcher, sales_reader) = match &config.payments {
            config::PaymentsConfig::Test => (market, None, None),
            config::PaymentsConfig::Chain(p) => {
                let rpc_url = match (&devchain, &config.chain) {
                    (Some(dev), _) => dev.rpc_url.clone(),
                    (None, ChainConfig::Remote(remote)) => remote.rpc_url.expose_secret().to_owned(),
                    (None, ChainConfig::Local(_)) => anyhow::bail!("the local chain did not start"),
                };
                let signer = match &devchain {
                    Some(_) => load_or_create_key(&p.sales_key_file)?,
                    None => read_key_file(&p.sales_key_file, "COLOPHON_SALES_KEY_FILE")?,
                };
                let (deployment, start_block) = match (p.contracts, &devchain) {
                    (Some((sales, usd)), _) => {
                        (colophon_ledger::SalesDeployment { chain_id: chain.chain_id(), sales, usd }, p.start_block)
                    }
                    (None, Some(_)) => {
                        let r = devchain::ensure_sales(
                            &rpc_url,
                            &config.data_dir.join("chain"),
                            chain.chain_id(),
                            signer.address(),
                        )
                        .await?;
                        (r.deployment, r.start_block)
                    }
                    (None, None) => anyhow::bail!("COLOPHON_SALES_CONTRACT is required on a remote chain"),
                };
                tracing::info!(sales = %deployment.sales, usd = %deployment.usd, signer = %signer.address(), "chain payments ready");
                let royalties = colophon_ledger::RoyaltySetter::new(&rpc_url, signer.clone(), deployment.sales)?;
                let market = market.with_chain(colophon_market::chain::ChainSales {
                    signer: colophon_ledger::QuoteSigner::new(signer, deployment.chain_id, deployment.sales),
                    royalties,
                    chain_id: deployment.chain_id,
                    contract: deployment.sales,
                    usd_token: deployment.usd,
                    eth_usd_cents: p.eth_usd_cents,
                    fee_bps: p.fee_bps,
                    confirmations: p.confirmations,
                });
                let reader = colophon_ledger::SalesReader::new(&rpc_url, deployment.sales)?;
                let watcher = colophon_market::chain::PaymentWatcher::new(
                    market.clone(),
                    reader.clone(),
                    p.confirmations,
                    start_block,
                );
                let lease = jobs::lease::Lease::new(store.clone(), "payments", holder.clone());
                (market, Some((watcher, lease)), Some((reader, start_block)))
            }
        };
        let limits = crate::limits::Limits::new(config.rates);
        let state = AppState {
            leptos_options: leptos_options(&config, listener.local_addr()?),
            store,
            chain,
            anchoring: anchorer.as_ref().map(Anchorer::health),
            sessions,
            sign_in_limiter: match config.rates.sign_in_per_minute {
                0 => app::auth::SignInLimiter::unlimited(),
                n => app::auth::SignInLimiter::new(n, n),
            },
            secure_cookies: config.public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
            public_url: config.public_url.clone(),
            public_rpc_url: config.public_rpc_url.clone().or_else(|| devchain.as_ref().map(|d| d.rpc_url.clone())),
            uploads,
            market,
            sales_reader,
            metrics_token: config.metrics_token.clone().map(std::sync::Arc::new),
            limits: limits.clone(),
            page_cache: page_cache::PageCache::new(config.page_cache),
        };
        // Keys whose limits refilled are forgotten once a minute, so memory follows live clients.
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
                limits.shrink();
            }
        });
        if config.demo {
            demo::seed_if_empty(&state).await.context("cannot seed the demo store")?;
            if devchain.is_some() && payment_watcher.is_some() {
                demo::give_payout_addresses(&state.store).await.context("cannot set the demo payout addresses")?;
            }
        }
        let previews = if config.preview_workers > 0 {
            let backend = config.preview_backend;
            let renderer = tokio::task::spawn_blocking(move || colophon_previews::Renderer::select(backend))
                .await?
                .context("COLOPHON_PREVIEW_BACKEND: cannot start the preview renderer")?;
            Some(jobs::previews::PreviewWorker::new(
                state.store.clone(),
                state.uploads.objects(),
                renderer,
                state.uploads.image_limits(),
                state.uploads.decode_budget(),
                config.preview_workers,
            ))
        } else {
            None
        };
        let router = routes::router(state.clone());
        let webhooks = jobs::webhooks::WebhookWorker::new(state.store.clone(), config.webhooks.clone());
        Ok(Self { listener, router, state, devchain, anchorer, previews, webhooks, payment_watcher })
    }

    /// The address the server listens on (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The shared state (tests use it to seed data).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then stops the dev chain (so it saves its state)
    /// and closes the database.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let (stop_jobs, jobs_stopped) = tokio::sync::watch::channel(false);
        let preview_task = self.previews.map(|p| tokio::spawn(p.run(jobs_stopped.clone())));
        let webhook_task = tokio::spawn(self.webhooks.run(jobs_stopped.clone()));
        let payment_task =
            self.payment_watcher.map(|(w, lease)| tokio::spawn(jobs::payments::run(w, lease, jobs_stopped.clone())));
        let anchor_task = self.anchorer.map(|a| tokio::spawn(a.run(jobs_stopped)));
        let (sessions, uploads) = (self.state.sessions.clone(), self.state.uploads.clone());
        let session_sweeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                if let Err(e) = sessions.delete_expired().await {
                    tracing::warn!(error = %e, "could not delete expired sessions");
                }
                uploads.sweep_expired().await;
                uploads.sweep_orphans(chrono::Duration::hours(1)).await;
            }
        });
        let result = axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await;
        let _ = stop_jobs.send(true);
        session_sweeper.abort();
        let _ = webhook_task.await;
        if let Some(task) = anchor_task {
            let _ = task.await;
        }
        if let Some(task) = payment_task {
            let _ = task.await;
        }
        if let Some(task) = preview_task {
            let _ = task.await;
        }
        if let Some(dev) = self.devchain {
            dev.stop().await;
        }
        self.state.store.close().await;
        result.context("server error")
    }
}

/// Reads `COLOPHON_ANCHOR_KEY_FILE`: one line of hex (with or without `0x`).
/// The key is never logged; a file readable by others is refused.
fn read_anchor_key(path: &Path) -> anyhow::Result<PrivateKeySigner> {
    read_key_file(path, "COLOPHON_ANCHOR_KEY_FILE")
}

/// Reads a secp256k1 key file named by `var`: one line of hex (with or
/// without `0x`), mode 0600. The key is never logged or echoed.
fn read_key_file(path: &Path, var: &str) -> anyhow::Result<PrivateKeySigner> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {var} {}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        anyhow::bail!("{var} {} is readable by others: chmod 600 it", path.display());
    }
    let text = secrecy::SecretString::from(std::fs::read_to_string(path)?);
    text.expose_secret()
        .trim()
        .parse::<PrivateKeySigner>()
        .map_err(|_| anyhow::anyhow!("{var} does not hold a hex secp256k1 private key"))
}

/// The local chain's sales signer: read, or made on first start (mode 0600,
/// written whole or not at all), like the operator key.
fn load_or_create_key(path: &Path) -> anyhow::Result<PrivateKeySigner> {
    if path.exists() {
        return read_key_file(path, "COLOPHON_SALES_KEY_FILE");
    }
    use std::{io::Write as _, os::unix::fs::OpenOptionsExt as _};
    let signer = PrivateKeySigner::random();
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    writeln!(file, "{}", alloy::primitives::hex::encode(signer.to_bytes()))?;
    file.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(address = %signer.address(), path = %path.display(), "created the sales signer key");
    Ok(signer)
}

fn leptos_options(config: &Config, addr: SocketAddr) -> leptos::config::LeptosOptions {
    leptos::config::LeptosOptions::builder()
        .output_name(assets::AssetNames::read(&config.site_root).output_name)
        .site_root(path_str(&config.site_root))
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build()
}

fn path_str(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::read_anchor_key;

    fn key_file(contents: &str, mode: u32) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), contents).expect("write");
        std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(mode)).expect("chmod");
        file
    }

    #[test]
    fn anchor_key_files_are_checked_and_never_echoed() {
        let secret = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
        let good = key_file(&format!("{secret}\n"), 0o600);
        let signer = read_anchor_key(good.path()).expect("a 0600 hex key loads");
        assert_eq!(signer.address().to_string(), "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

        let open = key_file(secret, 0o644);
        let err = read_anchor_key(open.path()).expect_err("world-readable").to_string();
        assert!(err.contains("chmod 600"), "{err}");

        let junk = key_file("not a key", 0o600);
        let err = read_anchor_key(junk.path()).expect_err("not hex").to_string();
        assert!(err.contains("does not hold"), "{err}");
        assert!(!err.contains("not a key"), "the file's contents are never echoed");
    }
}
