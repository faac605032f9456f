//! `GET /healthz`: is the database reachable, is the chain reachable and does
//! the registry contract exist there. 200 when all is well, 503 otherwise.

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;

use crate::state::AppState;

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
    database: DatabaseHealth,
    chain: ChainHealth,
    /// `null` when this server does not anchor (no key configured).
    anchoring: Option<crate::jobs::anchor::AnchorHealth>,
}

#[derive(Serialize)]
struct DatabaseHealth {
    ok: bool,
    backend: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

#[derive(Serialize)]
struct ChainHealth {
    ok: bool,
    chain_id: u64,
    registry: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    block_number: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest_anchored_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (db, chain) = tokio::join!(state.store.ping(), state.chain.status());

    let database = DatabaseHealth {
        ok: db.is_ok(),
        backend: state.store.backend().name(),
        error: db.as_ref().err().map(|err| {
            tracing::warn!(%err, "health check: database unreachable");
            "database unreachable"
        }),
    };
    let chain = match chain {
        Ok(s) => ChainHealth {
            ok: true,
            chain_id: s.chain_id,
            registry: s.registry.to_string(),
            block_number: Some(s.block_number),
            latest_anchored_size: Some(s.latest_anchored_size),
            error: None,
        },
        Err(err) => {
            tracing::warn!(%err, "health check: chain unreachable");
            ChainHealth {
                ok: false,
                chain_id: state.chain.chain_id(),
                registry: state.chain.registry().to_string(),
                block_number: None,
                latest_anchored_size: None,
                error: Some("chain RPC unreachable"),
            }
        }
    };
    let anchoring = match &state.anchoring {
        Some(health) => Some(health.read().await.clone()),
        None => None,
    };
    // Anchoring that has not run yet is not a failure; one that is failing is.
    let anchoring_ok = anchoring.as_ref().is_none_or(|a| a.failing_since.is_none());
    let healthy = database.ok && chain.ok && anchoring_ok;
    let status = if healthy { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Health { status: if healthy { "ok" } else { "degraded" }, database, chain, anchoring }))
}
