//! Listings and the creators who own them.

use chrono::{DateTime, Utc};

use crate::{Store, StoreError};

pub use colophon_api::{ListingKind, ListingStatus};

/// A stored kind word back as the domain's kind.
pub(crate) fn kind(word: &str) -> Result<ListingKind, StoreError> {
    word.parse().map_err(|_| StoreError::Corrupt(format!("unknown listing kind {word:?}")))
}

/// A stored status word back as the domain's status.
pub(crate) fn status(word: &str) -> Result<ListingStatus, StoreError> {
    word.parse().map_err(|_| StoreError::Corrupt(format!("unknown listing status {word:?}")))
}

/// A published listing as the store grid needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingRow {
    pub id: i64,
    pub slug: String,
    pub kind: ListingKind,
    pub title: String,
    pub creator_name: String,
    pub price_minor: i64,
    pub currency: String,
    pub edition_size: Option<i64>,
    pub sold: i64,
}

/// A creator to insert.
#[derive(Clone, Debug)]
pub struct NewCreator<'a> {
    pub handle: &'a str,
    pub display_name: &'a str,
    pub created_at: DateTime<Utc>,
}

/// A listing to insert. `published_at` is set when `status` is published.
#[derive(Clone, Debug)]
pub struct NewListing<'a> {
    pub creator_id: i64,
    pub slug: &'a str,
    pub kind: ListingKind,
    pub title: &'a str,
    pub description: &'a str,
    pub price_minor: i64,
    pub currency: &'a str,
    pub edition_size: Option<i64>,
    pub status: ListingStatus,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Inserts a creator and returns its id.
    pub async fn create_creator(&self, creator: &NewCreator<'_>) -> Result<i64, StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => crate::sqlite::create_creator(pool, creator).await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => crate::postgres::create_creator(pool, creator).await,
        }
    }

    /// Inserts a listing and returns its id.
    pub async fn create_listing(&self, listing: &NewListing<'_>) -> Result<i64, StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => crate::sqlite::create_listing(pool, listing).await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => crate::postgres::create_listing(pool, listing).await,
        }
    }

    /// Published listings, newest first, at most `limit`.
    pub async fn published_listings(&self, limit: i64) -> Result<Vec<ListingRow>, StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => crate::sqlite::published_listings(pool, limit).await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => crate::postgres::published_listings(pool, limit).await,
        }
    }
}

/// A [`ListingRow`] from a `query!` record of the store-grid columns (both backends).
macro_rules! listing_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, $crate::StoreError>($crate::ListingRow {
            id: r.id,
            slug: r.slug,
            kind: $crate::listings::kind(&r.kind)?,
            title: r.title,
            creator_name: r.creator_name,
            price_minor: r.price_minor,
            currency: r.currency,
            edition_size: r.edition_size,
            sold: r.sold,
        })
    }};
}
pub(crate) use listing_row;

/// How store search results are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Most recently published first (the default without a search text).
    #[default]
    Newest,
    PriceLow,
    PriceHigh,
    /// Best text match first (falls back to newest without a search text).
    Relevance,
}

impl Sort {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::PriceLow => "price_asc",
            Self::PriceHigh => "price_desc",
            Self::Relevance => "relevance",
        }
    }

    /// Parses the URL form; anything unknown is `None`.
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Newest, Self::PriceLow, Self::PriceHigh, Self::Relevance].into_iter().find(|s| s.as_str() == value)
    }
}

/// A store search: free text and filters over published listings.
#[derive(Clone, Debug)]
pub struct SearchQuery<'a> {
    /// Words to find in titles, descriptions, tags and creator names (all
    /// must match, each as a prefix). Anything but letters and digits separates words.
    pub text: &'a str,
    pub kind: Option<ListingKind>,
    /// A creator's handle.
    pub creator: Option<&'a str>,
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
    /// Only what can be bought at `now`: in its sale window and not sold out.
    pub available_now: bool,
    pub now: DateTime<Utc>,
    pub sort: Sort,
    pub limit: i64,
    pub offset: i64,
}

/// One page of search results and how many matched in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchPage {
    pub rows: Vec<ListingRow>,
    pub total: i64,
}

/// The words of a search text: letters and digits only (so nothing the user
/// types can reach the full-text query syntax), lower-cased, at most 8 of
/// at most 64 characters.
pub fn search_terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(64).collect::<String>().to_lowercase())
        .take(8)
        .collect()
}

impl Store {
    /// Published listings matching `q`, one page at a time.
    pub async fn search_listings(&self, q: &SearchQuery<'_>) -> Result<SearchPage, StoreError> {
        dispatch!(self, search_listings(q))
    }

    /// A listing's id by its slug.
    pub async fn listing_id_by_slug(&self, slug: &str) -> Result<Option<i64>, StoreError> {
        dispatch!(self, listing_id_by_slug(slug))
    }

    /// A creator profile by id.
    pub async fn creator(&self, id: i64) -> Result<Option<crate::CreatorRow>, StoreError> {
        dispatch!(self, creator(id))
    }

    /// Where a creator's primary-sale shares are paid on chain (0x + 40 hex), if set.
    pub async fn creator_payout_address(&self, creator_id: i64) -> Result<Option<String>, StoreError> {
        dispatch!(self, creator_payout_address(creator_id))
    }

    /// Sets a creator's payout address (the caller checked their wallet signed for it).
    pub async fn set_creator_payout_address(&self, creator_id: i64, address: &str) -> Result<(), StoreError> {
        dispatch!(self, set_creator_payout_address(creator_id, address))
    }
}

#[cfg(test)]
mod tests {
    use super::search_terms;

    #[test]
    fn search_text_cannot_reach_query_syntax() {
        assert_eq!(search_terms(r#"Dawn "OR" NEAR(x*) -y:z"#), ["dawn", "or", "near", "x", "y", "z"]);
        assert_eq!(search_terms("  "), Vec::<String>::new());
        assert_eq!(search_terms("Café über"), ["café", "über"]);
        assert_eq!(search_terms(&"a ".repeat(20)).len(), 8);
    }
}
