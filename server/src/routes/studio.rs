//! The creator API (`/api/v1/me`, `/api/v1/studio/*`): what the Studio does,
//! for pipelines and the CLI. Authenticated by an API token (scopes `read`,
//! `publish`, `sales`) or the browser session. The rules are the Studio's own
//! (`colophon_market::listings`), so page and API cannot disagree.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use colophon_api::{ActiveKey, ErrorBody, ListingRequest, Me, MeCreator, Sale, Scope, StatusChange, StudioListing};
use colophon_market::listings::{ListingError, change_status, create_draft, creator_listings, to_studio};

use crate::{
    caller::Caller,
    error::{HttpError, json_body},
    state::AppState,
};

/// The caller: account, creator profile, active signing key, scopes
#[utoipa::path(get, path = "/api/v1/me", tag = "creator", operation_id = "me",
    security(("token" = ["read"]), ("session" = [])),
    responses((status = 200, description = "The caller", body = Me), crate::openapi::CallerRefused))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>, HttpError> {
    let account = caller.require(Scope::Read)?;
    let creator = match &account.creator {
        Some(c) => {
            let keys = state.store.creator_keys(c.id).await?;
            let active = keys.into_iter().find(|k| k.status == colophon_store::KeyState::Active).map(|k| {
                let id = colophon_provenance::KeyId(k.key_id);
                ActiveKey { key_id: id.to_hex(), public_key: hex::encode(k.public_key), fingerprint: id.fingerprint() }
            });
            Some(MeCreator { handle: c.handle.clone(), display_name: c.display_name.clone(), active_key: active })
        }
        None => None,
    };
    Ok(Json(Me { account_id: account.id, email: account.email.clone(), creator, scopes: caller.scopes().to_vec() }))
}

/// Every listing of the creator, drafts included, newest first
#[utoipa::path(get, path = "/api/v1/studio/listings", tag = "creator", operation_id = "listStudioListings",
    security(("token" = ["read"]), ("session" = [])),
    responses((status = 200, description = "Listings", body = Vec<StudioListing>), crate::openapi::CallerRefused))]
pub async fn listings(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<StudioListing>>, HttpError> {
    let creator = caller.creator(Scope::Read)?;
    Ok(Json(creator_listings(&state.store, creator.id).await?))
}

/// One of the creator's listings by slug, with its file versions; 404 for
/// anyone else's (drafts are private).
async fn owned(state: &AppState, creator_id: i64, slug: &str) -> Result<StudioListing, HttpError> {
    let id = state.store.listing_id_by_slug(slug).await?.ok_or(HttpError::NotFound)?;
    let listing = state.store.listing(id).await?.filter(|l| l.creator_id == creator_id).ok_or(HttpError::NotFound)?;
    let files = state.store.listing_files(listing.id).await?;
    Ok(to_studio(listing, files))
}

/// One of the creator's listings with its file versions
#[utoipa::path(get, path = "/api/v1/studio/listings/{slug}", tag = "creator", operation_id = "getStudioListing",
    security(("token" = ["read"]), ("session" = [])),
    params(("slug" = String, Path, description = "The listing's slug.")),
    responses(
        (status = 200, description = "The listing", body = StudioListing),
        (status = 404, description = "No listing of this creator has this slug", body = ErrorBody),
        crate::openapi::CallerRefused,
    ))]
pub async fn listing(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<Json<StudioListing>, HttpError> {
    let creator = caller.creator(Scope::Read)?;
    Ok(Json(owned(&state, creator.id, &slug).await?))
}

/// Create a draft listing
///
/// The same rules as the Studio's form. Give `slug` to make re-runs
/// idempotent: look the slug up first (GET …/{slug}); a taken slug answers 409.
#[utoipa::path(post, path = "/api/v1/studio/listings", tag = "creator", operation_id = "createListing",
    security(("token" = ["publish"]), ("session" = [])),
    request_body = ListingRequest,
    responses(
        (status = 201, description = "The draft", body = StudioListing),
        (status = 400, description = "Invalid field (the message says which)", body = ErrorBody),
        (status = 409, description = "The requested slug is taken", body = ErrorBody),
        crate::openapi::CallerRefused,
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<StudioListing>), HttpError> {
    let creator = caller.creator(Scope::Publish)?;
    let req: ListingRequest = json_body(&body)?;
    Ok((StatusCode::CREATED, Json(create_draft(&state.store, creator.id, req).await?)))
}

/// Publish or archive
#[utoipa::path(post, path = "/api/v1/studio/listings/{slug}/status", tag = "creator", operation_id = "setListingStatus",
    security(("token" = ["publish"]), ("session" = [])),
    params(("slug" = String, Path, description = "The listing's slug.")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "The listing now (unchanged if it already had this status)", body = StudioListing),
        (status = 400, description = "Not allowed now (e.g. publishing without a signed file)", body = ErrorBody),
        (status = 404, description = "No listing of this creator has this slug", body = ErrorBody),
        crate::openapi::CallerRefused,
    ))]
pub async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<StudioListing>, HttpError> {
    let creator = caller.creator(Scope::Publish)?;
    let change: StatusChange = json_body(&body)?;
    let listing = owned(&state, creator.id, &slug).await?;
    if listing.status.as_str() == change.status {
        return Ok(Json(listing)); // already there: a re-run is a no-op
    }
    Ok(Json(change_status(&state.store, creator.id, listing.id, &change.status).await?))
}

/// The creator's sales, newest first
#[utoipa::path(get, path = "/api/v1/studio/sales", tag = "creator", operation_id = "listSales",
    security(("token" = ["sales"]), ("session" = [])),
    responses((status = 200, description = "Sales", body = Vec<Sale>), crate::openapi::CallerRefused))]
pub async fn sales(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Sale>>, HttpError> {
    let creator = caller.creator(Scope::Sales)?;
    let sales = state.store.creator_sales(creator.id).await?;
    Ok(Json(
        sales
            .into_iter()
            .map(|s| Sale {
                order_id: s.order_id,
                listing_id: s.listing_id,
                title: s.title,
                kind: s.kind,
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

impl From<ListingError> for HttpError {
    fn from(err: ListingError) -> Self {
        match err {
            ListingError::Rule(_) | ListingError::Invalid(_) => Self::BadRequest(err.to_string()),
            ListingError::SlugTaken(_) => Self::Conflict(err.to_string()),
            ListingError::NotYours => Self::Forbidden(err.to_string()),
            ListingError::Gone => Self::Unavailable {
                message: "The listing changed meanwhile. Please try again.",
                source: anyhow::Error::new(err),
            },
            ListingError::Store(e) => e.into(),
        }
    }
}
