//! State shared by every request.

use axum::extract::FromRef;
use colophon_ledger::Chain;
use colophon_store::Store;
use leptos::config::LeptosOptions;

/// Cheap to clone: every field is a handle.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub chain: Chain,
}

impl AppState {
    pub fn new(store: Store, chain: Chain, leptos_options: LeptosOptions) -> Self {
        Self { leptos_options, store, chain }
    }
}
