//! The creator's listings: create drafts with terms, list them, publish and archive.

// `create_listing` takes one argument per form field (what `ActionForm` posts).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

pub use colophon_api::{FileVersion, LicenseRequest, ListingRequest, StudioListing};

/// The signed-in creator's listings, newest first.
#[server(endpoint = "listings/mine")]
pub async fn my_listings() -> Result<Vec<StudioListing>, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            Ok(colophon_market::listings::creator_listings(&store, creator.id).await?)
        }
        .await,
    )
}

/// Parses "12.50" into minor units (cents): the catalog's rule.
pub fn parse_price(input: &str) -> Result<i64, String> {
    colophon_catalog::Price::parse(input).map(colophon_catalog::Price::minor).map_err(|e| e.0)
}

/// Creates a draft listing from the Studio's form. Checkbox fields arrive only when ticked.
#[server(endpoint = "listings/create")]
pub async fn create_listing(
    kind: String,
    title: String,
    description: String,
    price: String,
    edition_size: Option<String>,
    sale_starts_at: Option<String>,
    sale_ends_at: Option<String>,
    per_account_cap: Option<String>,
    royalty: Option<String>,
    tags: Option<String>,
    commercial_use: Option<String>,
    derivatives: Option<String>,
    credit_required: Option<String>,
    redistribution: Option<String>,
    license_notes: Option<String>,
) -> Result<StudioListing, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            let num = |v: &Option<String>, what: &str| -> Result<Option<i64>, ApiError> {
                match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    None => Ok(None),
                    Some(s) => {
                        s.parse().map(Some).map_err(|_| ApiError::BadRequest(format!("{what} must be a whole number.")))
                    }
                }
            };
            let req = ListingRequest {
                kind,
                title,
                description,
                price_minor: parse_price(&price).map_err(ApiError::BadRequest)?,
                edition_size: num(&edition_size, "The edition size")?,
                sale_starts_at,
                sale_ends_at,
                per_account_cap: num(&per_account_cap, "The per-account cap")?,
                royalty_bps: royalty
                    .as_deref()
                    .filter(|r| !r.trim().is_empty())
                    .map(colophon_catalog::royalty_from_percent)
                    .transpose()
                    .map_err(|e| ApiError::BadRequest(e.0))?,
                tags: tags.unwrap_or_default().split(',').map(str::to_owned).collect(),
                license: LicenseRequest {
                    commercial_use: commercial_use.is_some(),
                    derivatives: derivatives.is_some(),
                    credit_required: credit_required.is_some(),
                    redistribution: redistribution.is_some(),
                    notes: license_notes.unwrap_or_default(),
                },
                slug: None,
            };
            Ok(colophon_market::listings::create_draft(&store, creator.id, req).await?)
        }
        .await,
    )
}

/// Publishes or archives one of the creator's listings.
#[server(endpoint = "listings/status")]
pub async fn set_listing_status(listing_id: i64, status: String) -> Result<StudioListing, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            Ok(colophon_market::listings::change_status(&store, creator.id, listing_id, &status).await?)
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::parse_price;

    #[test]
    fn prices() {
        assert_eq!(parse_price("25"), Ok(2500));
        assert_eq!(parse_price("$12.5"), Ok(1250));
        assert_eq!(parse_price("0.99"), Ok(99));
        assert!(parse_price("1.999").is_err());
        assert!(parse_price("-3").is_err());
        assert!(parse_price("abc").is_err());
        assert!(parse_price("").is_err());
        assert!(parse_price("99999999999999999999").is_err());
    }
}

/// One of the creator's LoRAs or workflows credited by a published work.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credited {
    pub yours_title: String,
    pub yours_slug: String,
    pub work: crate::api::storefront::CreditView,
}

/// Where the signed-in creator's listings were used ("used in" across their listings).
#[server(endpoint = "listings/credited")]
pub async fn my_credits() -> Result<Vec<Credited>, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            Ok(store
                .creator_credited(creator.id)
                .await?
                .into_iter()
                .map(|r| Credited {
                    yours_title: r.yours_title,
                    yours_slug: r.yours_slug,
                    work: crate::api::storefront::CreditView {
                        credited_as: r.credit.kind,
                        slug: r.credit.slug,
                        title: r.credit.title,
                        kind: r.credit.listing_kind,
                        creator: r.credit.creator,
                    },
                })
                .collect())
        }
        .await,
    )
}
