//! TLS for every HTTP client Colophon makes (alloy's JSON-RPC transport, the
//! object store, webhook deliveries, the CLI): reqwest on rustls with the
//! platform's certificate store, and *ring* as rustls' crypto provider.
//!
//! reqwest is built with `rustls-no-provider`, so a process must install a
//! provider before it builds its first client — reqwest panics otherwise.
//! [`install_tls`] does that, once, and every place that builds a client calls
//! it first (it is cheap and idempotent).

use std::sync::Once;

/// Installs *ring* as the process' default rustls crypto provider. Safe to call
/// any number of times, from any thread; a provider some other code installed
/// first is kept.
pub fn install_tls() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means a provider is already installed: that one serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
