//! State shared by every request.

use std::sync::Arc;

use axum::extract::FromRef;
use colophon_ledger::Chain;
use colophon_store::Store;
use leptos::config::LeptosOptions;

use crate::jobs::anchor::AnchorHealth;

/// Cheap to clone: every field is a handle.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub chain: Chain,
    /// The anchor service's health, when this server anchors.
    pub anchoring: Option<Arc<tokio::sync::RwLock<AnchorHealth>>>,
}

impl AppState {
    pub fn new(
        store: Store,
        chain: Chain,
        anchoring: Option<Arc<tokio::sync::RwLock<AnchorHealth>>>,
        leptos_options: LeptosOptions,
    ) -> Self {
        Self { leptos_options, store, chain, anchoring }
    }
}
