//! The payment watcher's loop: one round a second (more at once while it
//! catches up), issuing each order once its chain payment is confirmed and
//! lapsing quotes the chain has passed (colophon_market::chain).

use std::time::Duration;

use colophon_market::chain::PaymentWatcher;
use tokio::sync::watch;

use super::lease::Lease;

/// Runs until `stop` says so. A round that fails (node or database down) is
/// logged and retried after the idle wait; nothing is lost: the cursor only
/// moves after its blocks are done. Only the holder of `lease` watches (one
/// process of those sharing the database); it releases the lease on stop.
pub async fn run(watcher: PaymentWatcher, lease: Lease, mut stop: watch::Receiver<bool>) {
    let mut failing = false;
    loop {
        if *stop.borrow() {
            break;
        }
        if !lease.hold().await {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                _ = stop.changed() => break,
            }
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
    lease.release().await;
}
