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
    /// Session storage (same database).
    pub sessions: crate::sessions::Sessions,
    /// Sign-in attempts per address and per email.
    pub sign_in_limiter: app::auth::SignInLimiter,
    /// Mark cookies `Secure` (the site is served over https).
    pub secure_cookies: bool,
    /// `COLOPHON_PUBLIC_URL`, for links that leave the site.
    pub public_url: Option<String>,
    /// The chain RPC browsers are pointed at for their own root check.
    #[from_ref(skip)]
    pub public_rpc_url: Option<String>,
    /// Uploads and the file store.
    pub uploads: crate::uploads::Uploads,
    /// Checkout: payments, edition allocation, sale statements.
    pub market: colophon_market::Market,
    /// With chain payments: the sales contract's reader and the block it was
    /// deployed in (where its events start), for creators' payouts.
    #[from_ref(skip)]
    pub sales_reader: Option<(colophon_ledger::SalesReader, u64)>,
    /// `COLOPHON_METRICS_TOKEN`: what `/metrics` asks for (none: no `/metrics`).
    #[from_ref(skip)]
    pub metrics_token: Option<Arc<secrecy::SecretString>>,
    /// Rate limits per address, token and account.
    #[from_ref(skip)]
    pub limits: crate::limits::Limits,
    /// Anonymous pages, kept briefly.
    #[from_ref(skip)]
    pub page_cache: crate::page_cache::PageCache,
}
