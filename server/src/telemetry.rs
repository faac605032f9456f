//! Logging: `tracing` to stderr, filtered by `COLOPHON_LOG` (or `RUST_LOG`).

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Installs the global subscriber. Safe to call more than once (tests).
pub fn init() {
    let filter = std::env::var("COLOPHON_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let _ = tracing_subscriber::registry().with(filter).with(fmt::layer().with_target(true)).try_init();
}

/// For tests: the same filter, but output goes through the test harness's
/// capture, so passing tests stay quiet.
pub fn init_for_tests() {
    let filter = EnvFilter::try_from_env("COLOPHON_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::registry().with(filter).with(fmt::layer().with_test_writer()).try_init();
}
