//! The creator API (`/api/v1/me`, `/api/v1/studio/*`): what the Studio does,
//! for pipelines and the CLI. Authenticated by an API token (scopes `read`,
//! `publish`, `sales`) or the browser session. The rules are the Studio's own
//! (`app::api::listings`), so page and API cannot disagree.

use app::api::{
    listings::{ListingRequest, StudioListing, change_status, create_draft, to_studio},
    tokens::Scope,
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};

use crate::{caller::Caller, error::AppError, state::AppState};

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body).map_err(|e| AppError::BadRequest(format!("invalid JSON body: {e}")))
}

/// `GET /api/v1/me`.
#[derive(Debug, Serialize)]
pub struct MeView {
    pub account_id: i64,
    pub email: String,
    pub creator: Option<CreatorView>,
    /// The call's scopes: a token's, or every scope for a browser session.
    pub scopes: Vec<Scope>,
}

#[derive(Debug, Serialize)]
pub struct CreatorView {
    pub handle: String,
    pub display_name: String,
    /// The key that signs new files now, if one is registered.
    pub active_key: Option<KeyView>,
}

#[derive(Debug, Serialize)]
pub struct KeyView {
    pub key_id: String,
    pub public_key: String,
    pub fingerprint: String,
}

pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<MeView>, AppError> {
    let account = caller.require(Scope::Read)?;
    let creator = match &account.creator {
        Some(c) => {
            let keys = state.store.creator_keys(c.id).await?;
            let active = keys.into_iter().find(|k| k.status == colophon_store::KeyState::Active).map(|k| {
                let id = colophon_provenance::KeyId(k.key_id);
                KeyView { key_id: id.to_hex(), public_key: hex::encode(k.public_key), fingerprint: id.fingerprint() }
            });
            Some(CreatorView { handle: c.handle.clone(), display_name: c.display_name.clone(), active_key: active })
        }
        None => None,
    };
    Ok(Json(MeView { account_id: account.id, email: account.email.clone(), creator, scopes: caller.scopes().to_vec() }))
}

/// `GET /api/v1/studio/listings`: every listing of the creator, drafts included, newest first.
pub async fn listings(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<StudioListing>>, AppError> {
    let creator = caller.creator(Scope::Read)?;
    let mut out = Vec::new();
    for l in state.store.creator_listings(creator.id).await? {
        let files = state.store.listing_files(l.id).await?;
        out.push(to_studio(l, files));
    }
    Ok(Json(out))
}

/// One of the creator's listings by slug, with its file versions; 404 for
/// anyone else's (drafts are private).
async fn owned(state: &AppState, creator_id: i64, slug: &str) -> Result<StudioListing, AppError> {
    let id = state.store.listing_id_by_slug(slug).await?.ok_or(AppError::NotFound)?;
    let listing =
        state.store.owned_listing(id).await?.filter(|l| l.creator_id == creator_id).ok_or(AppError::NotFound)?;
    let files = state.store.listing_files(listing.id).await?;
    Ok(to_studio(listing, files))
}

/// `GET /api/v1/studio/listings/{slug}`.
pub async fn listing(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<Json<StudioListing>, AppError> {
    let creator = caller.creator(Scope::Read)?;
    Ok(Json(owned(&state, creator.id, &slug).await?))
}

/// `POST /api/v1/studio/listings`: a new draft.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<StudioListing>), AppError> {
    let creator = caller.creator(Scope::Publish)?;
    let req: ListingRequest = json_body(&body)?;
    Ok((StatusCode::CREATED, Json(create_draft(&state.store, creator.id, req).await?)))
}

/// `POST /api/v1/studio/listings/{slug}/status` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `published` | `archived`.
    pub status: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<StudioListing>, AppError> {
    let creator = caller.creator(Scope::Publish)?;
    let change: StatusChange = json_body(&body)?;
    let listing = owned(&state, creator.id, &slug).await?;
    if listing.status == change.status {
        return Ok(Json(listing)); // already there: a re-run is a no-op
    }
    Ok(Json(change_status(&state.store, creator.id, listing.id, &change.status).await?))
}

/// One sale of the creator's work.
#[derive(Debug, Serialize)]
pub struct SaleView {
    pub order_id: String,
    pub listing_id: i64,
    pub title: String,
    pub kind: &'static str,
    pub edition: Option<i64>,
    pub edition_size: Option<i64>,
    pub price_minor: i64,
    pub currency: String,
    /// The `EditionSold` / `LicenseGranted` statement's log index.
    pub leaf_index: u64,
    pub sold_at: String,
}

/// `GET /api/v1/studio/sales`: newest first.
pub async fn sales(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<SaleView>>, AppError> {
    let creator = caller.creator(Scope::Sales)?;
    let sales = state.store.creator_sales(creator.id).await?;
    Ok(Json(
        sales
            .into_iter()
            .map(|s| SaleView {
                order_id: s.order_id,
                listing_id: s.listing_id,
                title: s.title,
                kind: s.kind.as_str(),
                edition: s.edition,
                edition_size: s.edition_size,
                price_minor: s.price_minor,
                currency: s.currency,
                leaf_index: s.log_leaf,
                sold_at: s.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            })
            .collect(),
    ))
}
