//! `colophon-server`: serves the Colophon site on the embedded defaults
//! (SQLite, local files, a local anvil chain) or on whatever the environment
//! configures. See the README's Configuration section.

use anyhow::Context as _;
use server::{Config, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init();
    let config = Config::from_env().context("invalid configuration")?;
    let app = server::Application::build(config).await?;
    tracing::info!(url = %format!("http://{}", app.local_addr()), "Colophon is listening");
    println!("Colophon is running at http://{}  (Ctrl-C to stop)", app.local_addr());
    app.run_until_stopped(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
