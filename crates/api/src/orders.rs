//! Buying (`/api/v1/orders`): the order a buyer asks for and the order they
//! get, with where to fetch its original, its receipts and its certificate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ListingKind;

/// `POST /api/v1/orders`, with an `Idempotency-Key` header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    /// The listing's slug.
    pub listing: String,
    /// The price the buyer agreed to, in minor units (refused when it changed).
    pub price_minor: i64,
}

/// An order as its buyer sees it (nobody else can).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderView {
    pub order_id: String,
    /// The listing's slug, title and kind, and its creator's handle.
    pub listing: String,
    pub title: String,
    pub kind: ListingKind,
    pub creator: String,
    /// The edition number and size (editions only).
    pub edition: Option<i64>,
    pub edition_size: Option<i64>,
    /// What was paid, in minor units of `currency`.
    pub price_minor: i64,
    pub currency: String,
    /// The file version bought: its SHA-256 (hex), type and size in bytes.
    pub sha256: String,
    pub file_type: String,
    pub size: i64,
    /// The `EditionSold` / `LicenseGranted` statement's log index.
    pub leaf_index: u64,
    /// With `order_id`, proves which statement's `buyer_ref` is this order's (docs/FORMATS.md §11).
    pub buyer_salt: String,
    pub buyer_ref: String,
    /// `test` (no money moved) or `chain` (then `payment_ref` is `TX_HASH:LOG_INDEX`).
    pub payment_provider: String,
    pub payment_ref: String,
    pub created_at: DateTime<Utc>,
    /// True when this `Idempotency-Key` had already made the order.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replayed: bool,
    pub download_url: String,
    pub receipt_url: String,
    pub sale_receipt_url: String,
    pub certificate_url: String,
}
