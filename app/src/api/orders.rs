//! A collector's orders (collection, certificates) and a creator's sales.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{api::storefront::AnchorInfo, error::ApiError, types::ListingKind};

pub use crate::context::SiteUrl;

/// One owned edition or licence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollectionItem {
    pub order_id: String,
    pub slug: String,
    pub title: String,
    pub kind: ListingKind,
    pub creator: String,
    pub creator_handle: String,
    pub edition: Option<i64>,
    pub edition_size: Option<i64>,
    pub price_minor: i64,
    pub currency: String,
    pub bought_ms: i64,
    pub sha256: String,
    pub file_type: String,
    pub size: i64,
    pub leaf_index: u64,
    /// Paid from a wallet: the edition can be resold, to that wallet's credit.
    pub from_wallet: bool,
    /// The open resale offer of this edition, if any: its id and price.
    pub offer: Option<(String, i64)>,
}

impl CollectionItem {
    /// "#7 of 25" for editions, "Licence" otherwise.
    pub fn label(&self) -> String {
        match (self.edition, self.edition_size) {
            (Some(e), Some(n)) => format!("#{e} of {n}"),
            _ => "Licence".to_owned(),
        }
    }
}

#[cfg(feature = "ssr")]
fn to_item(o: colophon_store::OrderRow) -> CollectionItem {
    CollectionItem {
        order_id: o.id,
        slug: o.slug,
        title: o.title,
        kind: o.kind,
        creator: o.creator_name,
        creator_handle: o.creator_handle,
        edition: o.edition,
        edition_size: o.edition_size,
        price_minor: o.price_minor,
        currency: o.currency,
        bought_ms: o.created_at.timestamp_millis(),
        sha256: colophon_provenance::ContentHash(o.sha256).to_hex(),
        file_type: o.file_type,
        size: o.size,
        leaf_index: o.log_leaf,
        from_wallet: o.payment_provider == "chain",
        offer: None,
    }
}

/// The signed-in account's editions and licences, newest first.
#[server(endpoint = "collection/mine")]
pub async fn my_collection() -> Result<Vec<CollectionItem>, ApiError> {
    crate::error::with_status(
        async move {
            let (store, account) = crate::auth::signed_in().await?;
            let offers = store.account_offers(account.id).await?;
            Ok(store
                .account_orders(account.id)
                .await?
                .into_iter()
                .map(|o| {
                    let offer = offers.iter().find(|r| r.order_id == o.id).map(|r| (r.id.clone(), r.price_minor));
                    CollectionItem { offer, ..to_item(o) }
                })
                .collect())
        }
        .await,
    )
}

/// Offers one of the signed-in account's editions for resale at `price`
/// (e.g. `50` or `49.50`, in the listing's currency).
#[server(endpoint = "collection/resell")]
pub async fn resell(order_id: String, price: String) -> Result<(), ApiError> {
    crate::error::with_status(
        async move {
            let (_, account) = crate::auth::signed_in().await?;
            let market = crate::error::server_context::<colophon_market::Market>()?;
            let price = colophon_catalog::Price::parse(&price).map_err(|e| ApiError::BadRequest(e.to_string()))?;
            market.offer_resale(account.id, &order_id, price.minor(), chrono::Utc::now()).await?;
            Ok(())
        }
        .await,
    )
}

/// Withdraws one of the signed-in account's resale offers.
#[server(endpoint = "collection/withdraw_resale")]
pub async fn withdraw_resale(offer_id: String) -> Result<(), ApiError> {
    crate::error::with_status(
        async move {
            let (_, account) = crate::auth::signed_in().await?;
            let market = crate::error::server_context::<colophon_market::Market>()?;
            market.withdraw_resale(account.id, &offer_id).await?;
            Ok(())
        }
        .await,
    )
}

/// One holder in an edition's chain of custody, as the certificate shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustodyLine {
    /// The sale or transfer statement's log index.
    pub leaf_index: u64,
    pub resale: bool,
    pub price_minor: i64,
    pub currency: String,
    /// `0x…:N` for wallet payments.
    pub payment: Option<String>,
    pub at_ms: i64,
    /// This certificate's own order.
    pub this: bool,
}

/// A certificate of ownership: what was bought, and everything needed to check it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    pub item: CollectionItem,
    /// Proves which statement's `buyer_ref` is this order's (docs/FORMATS.md §11).
    pub buyer_salt: String,
    pub buyer_ref: String,
    pub operator_fingerprint: String,
    /// The file's ContentRegistered entry and who signed it.
    pub content_leaf: Option<u64>,
    pub creator_fingerprint: Option<String>,
    pub anchor: Option<AnchorInfo>,
    pub verify_url: String,
    /// The verify URL as a QR code (SVG markup made by the server).
    pub qr_svg: String,
    /// Bought through the test payment provider: no money moved.
    pub test_mode: bool,
    /// Paid from a wallet: the paying transaction and its log index
    /// (`0x…:N`), which the sale statement binds (docs/FORMATS.md §2.1).
    pub chain_payment: Option<String>,
    /// Editions: every holder so far, first buyer first (docs/FORMATS.md §2.1, kind 7).
    pub custody: Vec<CustodyLine>,
    /// The edition passed to a later buyer: this order no longer holds it.
    pub resold: bool,
}

/// The certificate of one of the signed-in account's orders.
#[server(endpoint = "collection/certificate")]
pub async fn get_certificate(order_id: String) -> Result<Certificate, ApiError> {
    crate::error::with_status(
        async move {
            let (store, account) = crate::auth::signed_in().await?;
            let market = crate::error::server_context::<colophon_market::Market>()?;
            let order = store
                .order(&order_id)
                .await?
                .filter(|o| o.account_id == account.id)
                .ok_or_else(|| ApiError::NotFound("There is no such order in your collection.".into()))?;
            let file = store.files_by_hash(&order.sha256).await?.into_iter().find(|f| f.id == order.file_id);
            let creator_fingerprint = match &file {
                Some(f) => store
                    .log_entry(f.log_leaf)
                    .await?
                    .and_then(|e| colophon_provenance::PublicKey::from_bytes(&e.public_key).ok())
                    .map(|k| k.key_id().fingerprint()),
                None => None,
            };
            let base = match crate::error::server_context::<SiteUrl>().ok().and_then(|s| s.0) {
                Some(url) => url,
                None => {
                    let headers = leptos_axum::extract::<http::HeaderMap>().await.unwrap_or_default();
                    let host = headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
                    format!("http://{host}")
                }
            };
            let sha = colophon_provenance::ContentHash(order.sha256).to_hex();
            let verify_url = format!("{base}/verify?hash={sha}");
            let qr_svg = qrcode::QrCode::new(verify_url.as_bytes())
                .map(|code| {
                    code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(180, 180).quiet_zone(true).build()
                })
                .unwrap_or_default();
            let custody = match order.edition {
                Some(edition) => store
                    .custody(order.listing_id, edition)
                    .await?
                    .into_iter()
                    .map(|c| CustodyLine {
                        leaf_index: c.log_leaf,
                        resale: c.resale,
                        price_minor: c.price_minor,
                        currency: c.currency,
                        payment: (c.payment_provider == "chain").then_some(c.payment_ref),
                        at_ms: c.created_at.timestamp_millis(),
                        this: c.order_id == order.id,
                    })
                    .collect(),
                None => Vec::new(),
            };
            Ok(Certificate {
                custody,
                resold: order.resold,
                buyer_salt: order.buyer_salt.iter().map(|b| format!("{b:02x}")).collect(),
                buyer_ref: colophon_provenance::buyer_ref(&order.buyer_salt, &order.id)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
                operator_fingerprint: market.operator().public_key().key_id().fingerprint(),
                content_leaf: file.as_ref().map(|f| f.log_leaf),
                creator_fingerprint,
                anchor: crate::api::storefront::anchor_for(&store, order.log_leaf).await?,
                verify_url,
                qr_svg,
                test_mode: order.payment_provider != "chain" && market.payments().is_test_mode(),
                chain_payment: (order.payment_provider == "chain").then(|| order.payment_ref.clone()),
                item: to_item(order),
            })
        }
        .await,
    )
}

/// One sale on the creator's dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaleView {
    pub order_id: String,
    pub title: String,
    pub edition: Option<i64>,
    pub edition_size: Option<i64>,
    pub price_minor: i64,
    pub currency: String,
    pub at_ms: i64,
}

/// A day's sales for the chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DaySales {
    /// YYYY-MM-DD (UTC).
    pub day: String,
    pub count: i64,
    pub revenue_minor: i64,
}

/// The creator's sales dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SalesDashboard {
    pub total_sales: i64,
    /// Revenue per currency, e.g. [("USD", 12500)].
    pub revenue: Vec<(String, i64)>,
    /// The last 30 days, oldest first.
    pub days: Vec<DaySales>,
    pub recent: Vec<SaleView>,
}

/// The signed-in creator's sales.
#[server(endpoint = "studio/sales")]
pub async fn my_sales() -> Result<SalesDashboard, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            let sales = store.creator_sales(creator.id).await?;
            let today = chrono::Utc::now().date_naive();
            let mut days: Vec<DaySales> = (0..30)
                .rev()
                .map(|back| DaySales {
                    day: (today - chrono::Days::new(back)).format("%Y-%m-%d").to_string(),
                    count: 0,
                    revenue_minor: 0,
                })
                .collect();
            let mut revenue: Vec<(String, i64)> = Vec::new();
            for s in &sales {
                let day = s.created_at.date_naive().format("%Y-%m-%d").to_string();
                if let Some(d) = days.iter_mut().find(|d| d.day == day) {
                    d.count += 1;
                    d.revenue_minor += s.price_minor;
                }
                match revenue.iter_mut().find(|(c, _)| *c == s.currency) {
                    Some((_, total)) => *total += s.price_minor,
                    None => revenue.push((s.currency.clone(), s.price_minor)),
                }
            }
            Ok(SalesDashboard {
                total_sales: i64::try_from(sales.len()).unwrap_or(i64::MAX),
                revenue,
                days,
                recent: sales
                    .into_iter()
                    .take(20)
                    .map(|s| SaleView {
                        order_id: s.order_id,
                        title: s.title,
                        edition: s.edition,
                        edition_size: s.edition_size,
                        price_minor: s.price_minor,
                        currency: s.currency,
                        at_ms: s.created_at.timestamp_millis(),
                    })
                    .collect(),
            })
        }
        .await,
    )
}
