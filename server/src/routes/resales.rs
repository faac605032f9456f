//! Resales: a holder offers an edition they paid for from a wallet
//! (`POST /api/v1/orders/{id}/resale`), buyers see a listing's open offers
//! and quote one (`POST /api/v1/orders/quote` with `offer`), and anyone reads
//! an edition's chain of custody. docs/FORMATS.md §2.1 (kind 7) and §14.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use chrono::Utc;
use colophon_api::{CustodyEntry, ErrorBody, OfferResale, ResaleOffer};
use colophon_store::OfferRow;
use tower_sessions::Session;

use crate::{error::HttpError, routes::uploads::account, state::AppState};

fn offer_view(o: OfferRow) -> ResaleOffer {
    app::api::storefront::resale_offer(o)
}

/// Offers the edition one of your orders holds for resale
///
/// Editions only (licences are not resellable), held now, and paid from a
/// wallet: the seller's share is credited to that wallet by the sales
/// contract when a buyer pays. The listing's royalty goes to its creator.
#[utoipa::path(post, path = "/api/v1/orders/{id}/resale", tag = "collector", operation_id = "offerResale",
    security(("session" = [])),
    params(("id" = String, Path, description = "Your order's id (`ord_…`).")),
    request_body = OfferResale,
    responses(
        (status = 201, description = "The open offer", body = ResaleOffer),
        (status = 400, description = "A malformed body or a price out of range", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No edition of yours has this order id", body = ErrorBody),
        (status = 409, description = "Refused, with the reason (a licence, not paid from a wallet, already offered…)", body = ErrorBody),
    ))]
pub async fn offer(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ResaleOffer>), HttpError> {
    let account = account(&state, &session).await?;
    let req: OfferResale = crate::error::json_body(&body)?;
    let offer = state.market.offer_resale(account.id, &id, req.price_minor, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(offer_view(offer))))
}

/// Withdraws one of your open resale offers (not while a buyer is paying it)
#[utoipa::path(delete, path = "/api/v1/resales/{id}", tag = "collector", operation_id = "withdrawResale",
    security(("session" = [])),
    params(("id" = String, Path, description = "The offer's id (`rs_…`).")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No offer of yours has this id", body = ErrorBody),
        (status = 409, description = "Sold, withdrawn already, or held by a buyer's quote", body = ErrorBody),
    ))]
pub async fn withdraw(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<StatusCode, HttpError> {
    let account = account(&state, &session).await?;
    state.market.withdraw_resale(account.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Your open resale offers, cheapest first
#[utoipa::path(get, path = "/api/v1/resales/mine", tag = "collector", operation_id = "myResales",
    security(("session" = [])),
    responses(
        (status = 200, description = "Open offers", body = Vec<ResaleOffer>),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn mine(State(state): State<AppState>, session: Session) -> Result<Json<Vec<ResaleOffer>>, HttpError> {
    let account = account(&state, &session).await?;
    let offers = state.store.account_offers(account.id).await?;
    Ok(Json(offers.into_iter().map(offer_view).collect()))
}

/// A listing's open resale offers, cheapest first (sellers stay private)
#[utoipa::path(get, path = "/api/v1/listings/{slug}/resales", tag = "collector", operation_id = "listingResales",
    params(("slug" = String, Path, description = "The listing's slug.")),
    responses(
        (status = 200, description = "Open offers", body = Vec<ResaleOffer>),
        (status = 404, description = "No such listing", body = ErrorBody),
    ))]
pub async fn listing(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Vec<ResaleOffer>>, HttpError> {
    let id = state.store.listing_id_by_slug(&slug).await?.ok_or(HttpError::NotFound)?;
    let offers = state.store.listing_offers(id).await?;
    Ok(Json(offers.into_iter().map(offer_view).collect()))
}

/// An edition's chain of custody: its sale, then each resale, oldest first
///
/// Each entry names the operator-signed statement in the log (`EditionSold`,
/// then `EditionTransferred`, docs/FORMATS.md §2.1) and the paying transaction.
#[utoipa::path(get, path = "/api/v1/listings/{slug}/editions/{edition}/custody", tag = "collector",
    operation_id = "editionCustody",
    params(
        ("slug" = String, Path, description = "The listing's slug."),
        ("edition" = i64, Path, description = "The edition number (1..=N)."),
    ),
    responses(
        (status = 200, description = "Holders, first buyer first (empty: not sold yet)", body = Vec<CustodyEntry>),
        (status = 404, description = "No such listing", body = ErrorBody),
    ))]
pub async fn custody(
    State(state): State<AppState>,
    Path((slug, edition)): Path<(String, i64)>,
) -> Result<Json<Vec<CustodyEntry>>, HttpError> {
    let id = state.store.listing_id_by_slug(&slug).await?.ok_or(HttpError::NotFound)?;
    let rows = state.store.custody(id, edition).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| CustodyEntry {
                leaf_index: r.log_leaf,
                resale: r.resale,
                price_minor: r.price_minor,
                currency: r.currency,
                tx_hash: (r.payment_provider == "chain")
                    .then(|| r.payment_ref.split(':').next().unwrap_or_default().to_owned()),
                at: r.created_at.timestamp(),
            })
            .collect(),
    ))
}
