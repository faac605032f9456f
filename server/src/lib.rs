//! The Colophon web server as a library, so tests can start it on port 0.

pub mod config;
pub mod devchain;
pub mod error;
pub mod routes;
pub mod state;
pub mod telemetry;

use std::{future::Future, net::SocketAddr, path::Path};

use anyhow::Context as _;
use colophon_ledger::Chain;
use colophon_store::Store;
use secrecy::ExposeSecret as _;

pub use config::{ChainConfig, Config};
pub use state::AppState;

/// A built server: bound socket, router, and the processes it owns.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: axum::Router,
    state: AppState,
    devchain: Option<devchain::DevChain>,
}

impl Application {
    /// Opens the database (migrating it), connects to or starts the chain,
    /// and binds the listening socket.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;

        let store = Store::connect(config.database_url.expose_secret()).await.context("cannot open the database")?;
        tracing::info!(backend = store.backend().name(), "database ready");

        let (chain, devchain) = match &config.chain {
            ChainConfig::Local(local) => {
                let dev = devchain::DevChain::start(local, &config.data_dir.join("chain")).await?;
                let chain = Chain::connect(&dev.rpc_url, dev.deployment.registry, Some(dev.deployment.chain_id))
                    .await
                    .context("cannot connect to the local chain")?;
                (chain, Some(dev))
            }
            ChainConfig::Remote(remote) => {
                let chain = Chain::connect(remote.rpc_url.expose_secret(), remote.registry, remote.chain_id)
                    .await
                    .context("cannot connect to the chain at COLOPHON_RPC_URL")?;
                (chain, None)
            }
        };
        tracing::info!(chain_id = chain.chain_id(), registry = %chain.registry(), "chain ready");

        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let state = AppState::new(store, chain, leptos_options(&config, listener.local_addr()?));
        let router = routes::router(state.clone());
        Ok(Self { listener, router, state, devchain })
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
        let result = axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await;
        if let Some(dev) = self.devchain {
            dev.stop().await;
        }
        self.state.store.close().await;
        result.context("server error")
    }
}

fn leptos_options(config: &Config, addr: SocketAddr) -> leptos::config::LeptosOptions {
    leptos::config::LeptosOptions::builder()
        .output_name("colophon")
        .site_root(path_str(&config.site_root))
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build()
}

fn path_str(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
