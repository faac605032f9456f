//! The storefront: search, listing pages and buying.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::ApiError, types::ListingCard};

/// Store search parameters, as they appear in the URL (`/?q=…&kind=…`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoreQuery {
    pub q: String,
    /// edition | workflow | lora | "" (all)
    pub kind: String,
    /// A creator's handle.
    pub creator: String,
    /// Prices in major units ("12.50"), empty for no bound.
    pub min: String,
    pub max: String,
    pub available: bool,
    /// newest | price_asc | price_desc | relevance
    pub sort: String,
    /// 1-based.
    pub page: u32,
}

/// Listings per store page.
pub const PAGE_SIZE: u32 = 24;

/// One page of store results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreResults {
    pub cards: Vec<ListingCard>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
    /// Set when a filter could not be read (the results ignore it).
    pub notice: Option<String>,
}

/// Published listings matching the query, one page at a time.
#[server(endpoint = "store/search")]
pub async fn search_store(query: StoreQuery) -> Result<StoreResults, ApiError> {
    crate::error::with_status(
        async move {
            use colophon_store::{SearchQuery, Sort};
            let store = crate::error::server_context::<colophon_store::Store>()?;
            let mut notice = None;
            let mut price = |s: &str, what: &str| -> Option<i64> {
                if s.trim().is_empty() {
                    return None;
                }
                crate::api::listings::parse_price(s)
                    .map_err(|e| notice = Some(format!("The {what} price was ignored: {e}")))
                    .ok()
            };
            let (min, max) = (price(&query.min, "lowest"), price(&query.max, "highest"));
            let kind = match query.kind.as_str() {
                "edition" => Some(colophon_store::ListingKind::Edition),
                "workflow" => Some(colophon_store::ListingKind::Workflow),
                "lora" => Some(colophon_store::ListingKind::Lora),
                _ => None,
            };
            let has_text = !colophon_store::search_terms(&query.q).is_empty();
            let sort = Sort::parse(&query.sort).unwrap_or(if has_text { Sort::Relevance } else { Sort::Newest });
            let page = query.page.clamp(1, 10_000);
            let creator = query.creator.trim().trim_start_matches('@').to_lowercase();
            let result = store
                .search_listings(&SearchQuery {
                    text: &query.q,
                    kind,
                    creator: (!creator.is_empty()).then_some(creator.as_str()),
                    min_price_minor: min,
                    max_price_minor: max,
                    available_now: query.available,
                    now: chrono::Utc::now(),
                    sort,
                    limit: i64::from(PAGE_SIZE),
                    offset: i64::from((page - 1) * PAGE_SIZE),
                })
                .await?;
            let pages = u32::try_from(result.total).unwrap_or(u32::MAX).div_ceil(PAGE_SIZE).max(1);
            Ok(StoreResults {
                cards: result.rows.into_iter().map(to_card).collect(),
                total: result.total,
                page,
                pages,
                notice,
            })
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub(crate) fn to_card(row: colophon_store::ListingRow) -> ListingCard {
    ListingCard {
        id: row.id,
        slug: row.slug,
        kind: row.kind,
        title: row.title,
        creator: row.creator_name,
        price_minor: row.price_minor,
        currency: row.currency,
        edition_size: row.edition_size,
        sold: row.sold,
    }
}

/// Where a file's statement stands, as the listing's provenance panel shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileProvenance {
    pub version: i64,
    pub sha256: String,
    pub alt_hash: Option<String>,
    pub file_type: String,
    pub size: i64,
    pub leaf_index: u64,
    pub statement_time_ms: i64,
    /// The ed25519 signature over the statement checks out against the key in the entry.
    pub signature_valid: bool,
    pub signer_fingerprint: String,
    /// active | rotated | revoked | unknown
    pub key_status: String,
    pub anchor: Option<AnchorInfo>,
}

/// The on-chain anchor covering an entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnchorInfo {
    pub chain_id: u64,
    pub contract: String,
    pub tx_hash: String,
    pub block_number: u64,
    pub tree_size: u64,
}

/// How many of a listing's newest sales its page lists (the verify page and
/// `GET /api/v1/provenance/{sha256}` page through all of them).
pub const SALES_SHOWN: u32 = 50;

/// One sale on the listing page (buyers stay anonymous).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaleEntry {
    pub edition: Option<i64>,
    pub at_ms: i64,
    pub leaf_index: u64,
}

/// Everything the listing page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListingDetail {
    pub card: ListingCard,
    pub description: String,
    pub tags: Vec<String>,
    /// draft | published | archived
    pub status: String,
    pub creator_handle: String,
    /// The creator's avatar, when they chose one.
    pub creator_avatar: Option<String>,
    pub creator_bio: String,
    /// The creator's active key.
    pub key_fingerprint: Option<String>,
    pub license_words: Vec<String>,
    pub license_hash: String,
    pub sale_starts_ms: Option<i64>,
    pub sale_ends_ms: Option<i64>,
    pub per_account_cap: Option<i64>,
    /// The server's clock when the page was made (countdowns start from it).
    pub now_ms: i64,
    /// The newest file version.
    pub file: Option<FileProvenance>,
    pub sales: Vec<SaleEntry>,
    pub signed_in: bool,
    pub is_owner: bool,
    /// How many of this listing the viewer holds.
    pub holdings: i64,
    /// Why it cannot be bought now, if it cannot.
    pub unavailable: Option<String>,
    /// Editions held by buyers paying from their wallets right now.
    pub reserved: i64,
    /// Buyers can pay from a browser wallet (`COLOPHON_PAYMENTS=chain`).
    pub wallet_payments: bool,
    /// A fresh idempotency key for this page's buy button.
    pub checkout_key: String,
    /// Payments are in test mode (no money moves).
    pub test_mode: bool,
    /// What the newest image's metadata says made it.
    pub generation: Option<GenerationView>,
    /// Published LoRAs and workflows on Colophon this work credits.
    pub made_with: Vec<CreditView>,
    /// Published works whose images credit this listing's files.
    pub used_in: Vec<CreditView>,
    /// Editions holders offer for resale, cheapest first.
    pub resales: Vec<colophon_api::ResaleOffer>,
    /// The viewer's own offers among `resales` (ids): shown without Buy.
    pub own_offers: Vec<String>,
    /// The creator's share of each resale, basis points (editions).
    pub royalty_bps: i64,
}

/// A stored resale offer as the wire shows it (the page and the REST API alike).
#[cfg(feature = "ssr")]
pub fn resale_offer(o: colophon_store::OfferRow) -> colophon_api::ResaleOffer {
    colophon_api::ResaleOffer {
        id: o.id,
        listing: o.slug,
        title: o.title,
        edition: o.edition,
        edition_size: o.edition_size,
        price_minor: o.price_minor,
        currency: o.currency,
        royalty_bps: o.royalty_bps,
        status: o.status.as_str().into(),
        held: o.held,
        created_at: o.created_at.timestamp(),
    }
}

/// An image's generation metadata as the listing page shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerationView {
    pub tool: String,
    pub prompt: Option<String>,
    pub negative_prompt: Option<String>,
    pub seed: Option<String>,
    pub settings: Vec<(String, String)>,
    /// (kind, name, short hash, weight)
    pub models: Vec<(String, String, Option<String>, Option<String>)>,
}

/// A link between a work and what made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditView {
    /// How the image named it: lora, checkpoint, workflow…
    pub credited_as: String,
    pub slug: String,
    pub title: String,
    pub kind: String,
    pub creator: String,
}

#[cfg(feature = "ssr")]
fn generation_view(details: &serde_json::Value) -> Option<GenerationView> {
    let g = details.get("generation").filter(|g| g.is_object())?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    Some(GenerationView {
        tool: text(&g["tool"]).unwrap_or_default(),
        prompt: text(&g["prompt"]),
        negative_prompt: text(&g["negative_prompt"]),
        seed: g["seed"].as_u64().map(|s| s.to_string()),
        settings: g["settings"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), text(v).unwrap_or_default())).collect())
            .unwrap_or_default(),
        models: g["models"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .map(|m| {
                        (
                            text(&m["kind"]).unwrap_or_default(),
                            text(&m["name"]).unwrap_or_default(),
                            text(&m["hash"]),
                            text(&m["weight"]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

#[cfg(feature = "ssr")]
fn credit_views(rows: Vec<colophon_store::CreditRow>) -> Vec<CreditView> {
    rows.into_iter()
        .map(|c| CreditView {
            credited_as: c.kind,
            slug: c.slug,
            title: c.title,
            kind: c.listing_kind,
            creator: c.creator,
        })
        .collect()
}

#[cfg(feature = "ssr")]
mod ssr {
    use colophon_provenance::{PublicKey, SignedStatement};
    use colophon_store::{FileRow, Store};

    use super::{AnchorInfo, FileProvenance};
    use crate::error::ApiError;

    pub(super) fn random_key() -> String {
        crate::auth::random_hex(16)
    }

    pub(crate) async fn anchor_for(store: &Store, leaf: u64) -> Result<Option<AnchorInfo>, ApiError> {
        Ok(store.confirmed_anchor_covering(leaf + 1).await?.and_then(|a| {
            Some(AnchorInfo {
                chain_id: a.chain_id,
                contract: a.contract,
                tx_hash: a.tx_hash?,
                block_number: a.block_number?,
                tree_size: a.tree_size,
            })
        }))
    }

    pub(super) async fn provenance(store: &Store, f: FileRow) -> Result<FileProvenance, ApiError> {
        let (entry, anchor) = tokio::try_join!(
            async { Ok::<_, ApiError>(store.log_entry(f.log_leaf).await?) },
            anchor_for(store, f.log_leaf)
        )?;
        let (signature_valid, signer_fingerprint, key_status, time_ms) = match entry {
            Some(e) => {
                let key = PublicKey::from_bytes(&e.public_key).ok();
                let signed = key.and_then(|k| SignedStatement::verify(&e.statement, k, e.signature).ok());
                let key_id = key.map(|k| k.key_id());
                let status = match &key_id {
                    Some(id) => store.key(&id.0).await?.map_or("unknown", |k| k.status.as_str()),
                    None => "unknown",
                };
                let time = signed.as_ref().map_or(0, |s| i64::try_from(s.statement.time_ms()).unwrap_or_default());
                (signed.is_some(), key_id.map(|k| k.fingerprint()).unwrap_or_default(), status.to_owned(), time)
            }
            None => (false, String::new(), "unknown".to_owned(), 0),
        };
        Ok(FileProvenance {
            version: f.version,
            sha256: colophon_provenance::ContentHash(f.sha256).to_hex(),
            alt_hash: f.alt_hash.map(|h| colophon_provenance::ContentHash(h).to_hex()),
            file_type: f.file_type,
            size: f.size,
            leaf_index: f.log_leaf,
            statement_time_ms: time_ms,
            signature_valid,
            signer_fingerprint,
            key_status,
            anchor,
        })
    }
}
#[cfg(feature = "ssr")]
pub(crate) use ssr::anchor_for;

/// A listing page. Drafts are visible to their creator only.
#[server(endpoint = "store/listing")]
pub async fn get_listing(slug: String) -> Result<ListingDetail, ApiError> {
    crate::error::with_status(
        async move {
            let store = crate::error::server_context::<colophon_store::Store>()?;
            let market = crate::error::server_context::<colophon_market::Market>()?;
            let session = crate::auth::session().await?;
            let viewer_id = crate::auth::session_account_id(&session).await;
            let not_found = || ApiError::NotFound("There is no such listing.".into());
            // A read model: what depends on nothing is read at once, on the
            // pool's connections, instead of one query after another.
            let (viewer, l) = tokio::try_join!(
                async {
                    match viewer_id {
                        Some(id) => store.account(id).await,
                        None => Ok(None),
                    }
                },
                async {
                    match store.listing_id_by_slug(&slug).await? {
                        Some(id) => store.listing(id).await,
                        None => Ok(None),
                    }
                },
            )?;
            let l = l.ok_or_else(not_found)?;
            let id = l.id;
            let is_owner = viewer.as_ref().and_then(|v| v.creator.as_ref()).is_some_and(|c| c.id == l.creator_id);
            if l.status == colophon_store::ListingStatus::Draft && !is_owner {
                return Err(not_found());
            }
            let now = chrono::Utc::now();
            let (creator, avatar, keys, sale, newest, offers, made_with, used_in, sold, holdings) = tokio::try_join!(
                async { Ok::<_, ApiError>(store.creator(l.creator_id).await?) },
                async { Ok(store.avatar_of(l.creator_id).await?) },
                async { Ok(store.creator_keys(l.creator_id).await?) },
                async { Ok(store.sale_state(id).await?) },
                async {
                    match store.listing_files(id).await?.into_iter().next() {
                        Some(f) => {
                            let generation = generation_view(&serde_json::from_str(&f.details).unwrap_or_default());
                            Ok(Some((ssr::provenance(&store, f).await?, generation)))
                        }
                        None => Ok(None),
                    }
                },
                async { Ok(store.listing_offers(id).await?) },
                async { Ok(store.made_with(id).await?) },
                async { Ok(store.used_in(id).await?) },
                async { Ok(store.listing_sales(id, SALES_SHOWN).await?) },
                async {
                    match &viewer {
                        Some(v) => Ok(store.holdings(v.id, id).await?),
                        None => Ok(0),
                    }
                },
            )?;
            let creator = creator.ok_or_else(not_found)?;
            let sale = sale.ok_or_else(not_found)?;
            let creator_avatar = avatar.map(|a| crate::types::avatar_url(&creator.handle, &a.sha256));
            let key_fingerprint = keys
                .into_iter()
                .find(|k| k.status == colophon_store::KeyState::Active)
                .and_then(|k| colophon_provenance::PublicKey::from_bytes(&k.public_key).ok())
                .map(|k| k.key_id().fingerprint());
            let (file, generation) = match newest {
                Some((file, generation)) => (Some(file), generation),
                None => (None, None),
            };
            let own_offers = offers
                .iter()
                .filter(|o| viewer.as_ref().is_some_and(|v| v.id == o.seller_account_id))
                .map(|o| o.id.clone())
                .collect();
            let resales = offers.into_iter().map(resale_offer).collect();
            let made_with = credit_views(made_with);
            let used_in = credit_views(used_in);
            let sales = sold
                .into_iter()
                .map(|s| SaleEntry {
                    edition: s.edition,
                    at_ms: s.created_at.timestamp_millis(),
                    leaf_index: s.log_leaf,
                })
                .collect();
            // The same rules checkout enforces, in the same words.
            let unavailable = match l.status {
                colophon_store::ListingStatus::Draft => Some("This is a draft: publish it to sell it.".to_owned()),
                _ => sale.unavailability(now).map(|r| r.to_string()),
            };
            let license_words = serde_json::from_str::<colophon_formats::LicenseTerms>(&l.license_json)
                .map(|t| t.plain_words())
                .unwrap_or_default();
            Ok(ListingDetail {
                card: ListingCard {
                    id,
                    slug: l.slug.clone(),
                    kind: l.kind,
                    title: l.title.clone(),
                    creator: creator.display_name.clone(),
                    price_minor: l.price_minor,
                    currency: l.currency.clone(),
                    edition_size: l.edition_size,
                    sold: l.sold,
                },
                description: l.description,
                tags: l.tags.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect(),
                status: l.status.as_str().to_owned(),
                creator_handle: creator.handle,
                creator_avatar,
                creator_bio: creator.bio,
                key_fingerprint,
                license_words,
                license_hash: l.license_hash.map(|h| colophon_provenance::ContentHash(h).to_hex()).unwrap_or_default(),
                sale_starts_ms: sale.starts_at.map(|t| t.timestamp_millis()),
                sale_ends_ms: sale.ends_at.map(|t| t.timestamp_millis()),
                per_account_cap: sale.per_account_cap,
                now_ms: now.timestamp_millis(),
                file,
                sales,
                signed_in: viewer.is_some(),
                is_owner,
                holdings,
                unavailable,
                reserved: sale.reserved,
                wallet_payments: market.chain().is_some(),
                checkout_key: ssr::random_key(),
                test_mode: market.payments().is_test_mode(),
                generation,
                made_with,
                used_in,
                resales,
                own_offers,
                royalty_bps: l.royalty_bps,
            })
        }
        .await,
    )
}

/// What a purchase made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bought {
    pub order_id: String,
    pub edition: Option<i64>,
    pub edition_size: Option<i64>,
    /// This checkout key had already bought it (a double click or a retry).
    pub replayed: bool,
}

/// Buys a listing at the price shown. `idempotency_key` comes from the page,
/// so a double click or a resubmitted form makes one order.
#[server(endpoint = "store/buy")]
pub async fn buy_listing(slug: String, price_minor: i64, idempotency_key: String) -> Result<Bought, ApiError> {
    crate::error::with_status(
        async move {
            use colophon_market::MarketError;
            let store = crate::error::server_context::<colophon_store::Store>()?;
            let market = crate::error::server_context::<colophon_market::Market>()?;
            let session = crate::auth::session().await?;
            let account = crate::auth::require_account(&store, &session)
                .await
                .map_err(|_| ApiError::Unauthorized("Sign in to buy.".into()))?;
            let id = store
                .listing_id_by_slug(&slug)
                .await?
                .ok_or_else(|| ApiError::NotFound("There is no such listing.".into()))?;
            let creator = account.creator.as_ref().map(|c| c.id);
            match market.buy(account.id, creator, id, price_minor, &idempotency_key, chrono::Utc::now()).await {
                Ok(o) => Ok(Bought {
                    order_id: o.row.id,
                    edition: o.row.edition,
                    edition_size: o.row.edition_size,
                    replayed: o.replayed,
                }),
                // This form made the key: if it is refused, the page is stale.
                Err(MarketError::BadIdempotencyKey) => {
                    Err(ApiError::BadRequest("This page is out of date: reload it and try again.".into()))
                }
                Err(e) => Err(e.into()),
            }
        }
        .await,
    )
}
