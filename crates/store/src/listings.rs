//! Listings and the creators who own them.

use chrono::{DateTime, Utc};

use crate::{Store, StoreError};

/// What a listing sells. Stored as `edition` | `workflow` | `lora`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListingKind {
    Edition,
    Workflow,
    Lora,
}

impl ListingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edition => "edition",
            Self::Workflow => "workflow",
            Self::Lora => "lora",
        }
    }

    pub(crate) fn parse(value: &str) -> Result<Self, StoreError> {
        match value {
            "edition" => Ok(Self::Edition),
            "workflow" => Ok(Self::Workflow),
            "lora" => Ok(Self::Lora),
            other => Err(StoreError::Corrupt(format!("unknown listing kind {other:?}"))),
        }
    }
}

/// Where a listing is in its life. Stored as `draft` | `published` | `archived`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListingStatus {
    Draft,
    Published,
    Archived,
}

impl ListingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    pub(crate) fn parse(value: &str) -> Result<Self, StoreError> {
        match value {
            "draft" => Ok(Self::Draft),
            "published" => Ok(Self::Published),
            "archived" => Ok(Self::Archived),
            other => Err(StoreError::Corrupt(format!("unknown listing status {other:?}"))),
        }
    }
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
            kind: $crate::ListingKind::parse(&r.kind)?,
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
