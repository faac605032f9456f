//! The payment watcher's loop: one round a second (more at once while it
//! catches up), issuing each order once its chain payment is confirmed and
//! lapsing quotes the chain has passed (colophon_market::chain).

use std::time::Duration;

use colophon_market::chain::PaymentWatcher;
use tokio::sync::watch;

/// Runs until `stop` says so. A round that fails (node or database down) is
/// logged and retried after the idle wait; nothing is lost: the cursor only
/// moves after its blocks are done.
pub async fn run(watcher: PaymentWatcher, mut stop: watch::Receiver<bool>) {
    let mut failing = false;
    loop {
        if *stop.borrow() {
            break;
        }
        let busy = match watcher.tick().await {
            Ok(report) => {
                if failing {
                    tracing::info!("payment watcher recovered");
                    failing = false;
                }
                report.blocks > 1
            }
            Err(e) => {
                if !failing {
                    tracing::error!(error = %e, "payment watcher round failed; retrying");
                    failing = true;
                }
                false
            }
        };
        if !busy {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stop.changed() => break,
            }
        }
    }
}
