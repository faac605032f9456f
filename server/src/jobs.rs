//! Background work that runs beside the web server.

pub mod anchor;
pub mod lease;
pub mod payments;
pub mod previews;
pub mod webhooks;

use std::{future::Future, time::Duration};

/// Runs `once` until `stop` says so: straight again after it did work, after
/// `idle` when there was none or its queue was unavailable (logged as `what`).
pub async fn poll<F, Fut>(what: &'static str, idle: Duration, mut stop: tokio::sync::watch::Receiver<bool>, mut once: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, colophon_store::StoreError>>,
{
    loop {
        if *stop.borrow() {
            break;
        }
        let n = match once().await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "{what} unavailable");
                0
            }
        };
        if n == 0 {
            tokio::select! {
                _ = tokio::time::sleep(idle) => {}
                _ = stop.changed() => break,
            }
        }
    }
}
