//! The ledger API: `/api/v1/log/*` and `/api/v1/provenance/{sha256}`. Thin:
//! parse, call `crate::provenance`, answer JSON.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, Query, State},
};
use colophon_provenance::ContentHash;

use colophon_api::{Chain, Checkpoint, Consistency, ErrorBody, Inclusion, Provenance};

use crate::{
    error::HttpError,
    provenance::{self, SalesQuery},
    state::AppState,
};

fn number(params: &HashMap<String, String>, name: &str) -> Result<u64, HttpError> {
    let raw = params.get(name).ok_or_else(|| HttpError::BadRequest(format!("missing query parameter `{name}`")))?;
    raw.parse().map_err(|_| HttpError::BadRequest(format!("`{name}` must be a non-negative integer")))
}

/// The log's current size and root, and the newest confirmed on-chain anchor
#[utoipa::path(get, path = "/api/v1/log/checkpoint", tag = "verifier", operation_id = "checkpoint",
    responses((status = 200, description = "The checkpoint", body = Checkpoint)))]
pub async fn checkpoint(State(state): State<AppState>) -> Result<Json<Checkpoint>, HttpError> {
    provenance::checkpoint(&state.store).await.map(Json)
}

/// An inclusion proof for one leaf in the tree of a given size
///
/// RFC 9162 §2.1.3 (docs/FORMATS.md §4): hash the leaf with the proof to the root.
#[utoipa::path(get, path = "/api/v1/log/inclusion", tag = "verifier", operation_id = "inclusion",
    params(
        ("leaf_index" = u64, Query, description = "The leaf (0-based).", minimum = 0),
        ("tree_size" = u64, Query, description = "The tree the proof leads to: above `leaf_index`, at most the log's size.", minimum = 1),
    ),
    responses(
        (status = 200, description = "The proof", body = Inclusion),
        (status = 400, description = "A clear error", body = ErrorBody),
        (status = 404, description = "A clear error", body = ErrorBody),
    ))]
pub async fn inclusion(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Inclusion>, HttpError> {
    let (index, size) = (number(&params, "leaf_index")?, number(&params, "tree_size")?);
    provenance::inclusion(&state.store, index, size).await.map(Json)
}

/// An RFC 9162 consistency proof between two tree sizes
///
/// Proves the tree of size `to` extends the tree of size `from` (append-only).
#[utoipa::path(get, path = "/api/v1/log/consistency", tag = "verifier", operation_id = "consistency",
    params(
        ("from" = u64, Query, description = "The older size.", minimum = 0),
        ("to" = u64, Query, description = "The newer size, at most the log's.", minimum = 0),
    ),
    responses(
        (status = 200, description = "The proof", body = Consistency),
        (status = 400, description = "A clear error", body = ErrorBody),
    ))]
pub async fn consistency(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Consistency>, HttpError> {
    let (from, to) = (number(&params, "from")?, number(&params, "to")?);
    provenance::consistency(&state.store, from, to).await.map(Json)
}

/// Every registration of a content hash and a page of its sales, each with a receipt
///
/// `matches` is in log order. The first page (no `before`) holds every
/// ContentRegistered statement of the hash and its newest `limit` sales and
/// licences; pass `sales.next_before` as `before` for the next older page,
/// which holds sales only. `sales.next_before` is null on the last page.
#[utoipa::path(get, path = "/api/v1/provenance/{sha256}", tag = "verifier", operation_id = "provenance",
    params(
        ("sha256" = String, Path, description = "The file's SHA-256.", pattern = "^[0-9a-f]{64}$"),
        ("limit" = Option<u32>, Query, description = "Sales and licences per page (default 20).", minimum = 1, maximum = 100),
        ("before" = Option<u64>, Query, description = "Only sales below this leaf index: the previous page's `sales.next_before`.", minimum = 0),
    ),
    responses(
        (status = 200, description = "The matches", body = Provenance),
        (status = 400, description = "A clear error", body = ErrorBody),
        (status = 404, description = "A clear error", body = ErrorBody),
    ))]
pub async fn by_hash(
    State(state): State<AppState>,
    Path(hash): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Provenance>, HttpError> {
    let hash = ContentHash::parse(&hash).map_err(|e| HttpError::BadRequest(format!("not a SHA-256 hash: {e}")))?;
    let mut query = SalesQuery::default();
    if params.contains_key("limit") {
        query.limit = u32::try_from(number(&params, "limit")?)
            .ok()
            .filter(|n| (1..=SalesQuery::MAX_LIMIT).contains(n))
            .ok_or_else(|| HttpError::BadRequest(format!("`limit` must be from 1 to {}", SalesQuery::MAX_LIMIT)))?;
    }
    if params.contains_key("before") {
        query.before = Some(number(&params, "before")?);
    }
    provenance::provenance(&state.store, hash, query).await.map(Json)
}

/// This document
///
/// Generated from the code (crates/api's types, these handlers); the same
/// document is committed as docs/openapi.json and rendered at `/docs/api`.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "verifier", operation_id = "openapi",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json")))]
pub async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(http::header::CONTENT_TYPE, "application/json"), (http::header::CACHE_CONTROL, "public, max-age=300")],
        crate::openapi::document_json(),
    )
}

/// Where the log's roots are anchored: the chain, the registry contract and a suggested RPC node
///
/// Read rootFor(tree_size) from the registry yourself (docs/FORMATS.md §5
/// step 5 gives the raw eth_call). rpc_url is only a suggestion, null when
/// the operator publishes none: any node of the chain answers the same, so a
/// verifier may use its own. Pin the registry address you trust.
#[utoipa::path(get, path = "/api/v1/chain", tag = "verifier", operation_id = "chain",
    responses((status = 200, description = "The anchoring chain", body = Chain)))]
pub async fn chain(State(state): State<AppState>) -> Json<Chain> {
    Json(Chain {
        chain_id: state.chain.chain_id(),
        registry: state.chain.registry().to_checksum(None),
        rpc_url: state.public_rpc_url.clone(),
    })
}
