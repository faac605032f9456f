//! The ledger API: `/api/v1/log/*` and `/api/v1/provenance/{sha256}`. Thin:
//! parse, call `crate::provenance`, answer JSON.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, Query, State},
};
use colophon_provenance::ContentHash;

use crate::{
    error::AppError,
    provenance::{self, Checkpoint, ConsistencyView, InclusionView, ProvenanceView, SalesQuery},
    state::AppState,
};

fn number(params: &HashMap<String, String>, name: &str) -> Result<u64, AppError> {
    let raw = params.get(name).ok_or_else(|| AppError::BadRequest(format!("missing query parameter `{name}`")))?;
    raw.parse().map_err(|_| AppError::BadRequest(format!("`{name}` must be a non-negative integer")))
}

pub async fn checkpoint(State(state): State<AppState>) -> Result<Json<Checkpoint>, AppError> {
    provenance::checkpoint(&state.store).await.map(Json)
}

pub async fn inclusion(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<InclusionView>, AppError> {
    let (index, size) = (number(&params, "leaf_index")?, number(&params, "tree_size")?);
    provenance::inclusion(&state.store, index, size).await.map(Json)
}

pub async fn consistency(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<ConsistencyView>, AppError> {
    let (from, to) = (number(&params, "from")?, number(&params, "to")?);
    provenance::consistency(&state.store, from, to).await.map(Json)
}

/// `?limit=` (sales per page, 1 to 100, default 20) and `?before=` (a
/// previous page's `sales.next_before`).
pub async fn by_hash(
    State(state): State<AppState>,
    Path(hash): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<ProvenanceView>, AppError> {
    let hash = ContentHash::parse(&hash).map_err(|e| AppError::BadRequest(format!("not a SHA-256 hash: {e}")))?;
    let mut query = SalesQuery::default();
    if params.contains_key("limit") {
        query.limit = u32::try_from(number(&params, "limit")?)
            .ok()
            .filter(|n| (1..=SalesQuery::MAX_LIMIT).contains(n))
            .ok_or_else(|| AppError::BadRequest(format!("`limit` must be from 1 to {}", SalesQuery::MAX_LIMIT)))?;
    }
    if params.contains_key("before") {
        query.before = Some(number(&params, "before")?);
    }
    provenance::provenance(&state.store, hash, query).await.map(Json)
}

/// The API's OpenAPI 3.1 document (`app/src/openapi.json`, also rendered at
/// `/docs/api`; tests check every path and response against a running server).
pub async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(http::header::CONTENT_TYPE, "application/json"), (http::header::CACHE_CONTROL, "public, max-age=300")],
        app::pages::OPENAPI,
    )
}

/// `GET /api/v1/chain`: where the log is anchored, so a verifier can read the
/// roots from the chain itself. `rpc_url` is only a suggestion (null when the
/// operator publishes none): any node of that chain answers the same.
#[derive(Debug, serde::Serialize)]
pub struct ChainView {
    pub chain_id: u64,
    pub registry: String,
    pub rpc_url: Option<String>,
}

pub async fn chain(State(state): State<AppState>) -> Json<ChainView> {
    Json(ChainView {
        chain_id: state.chain.chain_id(),
        registry: state.chain.registry().to_checksum(None),
        rpc_url: state.public_rpc_url.clone(),
    })
}
