#![doc = include_str!("../README.md")]

/// Calls the same-named function of the backend this store talks to.
macro_rules! dispatch {
    ($self:ident, $f:ident ( $($arg:expr),* )) => {
        match $self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => crate::sqlite::$f(pool, $($arg),*).await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => crate::postgres::$f(pool, $($arg),*).await,
        }
    };
}

mod accounts;
mod anchors;
mod avatars;
mod error;
mod files;
mod listings;
mod log;
mod ops;
mod orders;
#[cfg(feature = "postgres")]
mod postgres;
mod previews;
mod resales;
mod sessions;
#[cfg(feature = "sqlite")]
mod sqlite;
mod styles;
#[cfg(feature = "testing")]
pub mod testing;
mod tokens;
mod webhooks;

use std::{str::FromStr, time::Duration};

pub use accounts::{AccountRow, CreatorRow, KeyRow, KeyState, NewKey};
pub use anchors::{AnchorRow, AnchorStatus, AnchorUpdate};
pub use avatars::AvatarRow;
pub use error::StoreError;
pub use files::{CreditRow, CreditedRow, FileRow, ListingDraft, ListingRecord, NewFile, UploadRow};
pub use listings::{
    ListingKind, ListingRow, ListingStatus, NewCreator, NewListing, SearchPage, SearchQuery, Sort, search_terms,
};
pub use log::{ContentEntries, LogEntryRow, NewLogEntry};
pub use ops::{Backlogs, PoolUse};
pub use orders::{
    Allocation, ChainPayment, Checkout, NewQuote, OrderRow, Purchase, QuoteRow, QuoteStatus, Quoted, Refusal, SaleRow,
    SaleState, TxOutcome,
};
pub use previews::{
    MAX_PREVIEW_ATTEMPTS, NewPreview, PreviewJob, PreviewJobStatus, PreviewRow, SimilarFile, band_probes, phash_bands,
};
pub use resales::{CustodyRow, NewOffer, OfferRow, OfferStatus, ResaleQuote, Transfer, TransferAllocation};
pub use styles::StyleRow;
pub use tokens::{NewToken, TokenRow};
pub use webhooks::{AttemptOutcome, DeliveryRow, DueDelivery, WebhookRow};

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The name used in logs and `/healthz`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A connection pool to one of the supported databases. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Store {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
}

impl Store {
    /// Connects to `url` (`sqlite://path/to/file.db` or `postgres://…`),
    /// creating a missing SQLite file, and applies pending migrations.
    #[tracing::instrument(skip(url), fields(db = %redact_url(url)))]
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let store = if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url).await?
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        store.migrate().await?;
        Ok(store)
    }

    #[cfg(feature = "sqlite")]
    async fn connect_sqlite(url: &str) -> Result<Self, StoreError> {
        use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
        let options = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::Connect)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool =
            SqlitePoolOptions::new().max_connections(8).connect_with(options).await.map_err(StoreError::Connect)?;
        Ok(Self::Sqlite(pool))
    }

    #[cfg(not(feature = "sqlite"))]
    async fn connect_sqlite(url: &str) -> Result<Self, StoreError> {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }

    #[cfg(feature = "postgres")]
    async fn connect_postgres(url: &str) -> Result<Self, StoreError> {
        use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
        let options = PgConnectOptions::from_str(url).map_err(StoreError::Connect)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(StoreError::Connect)?;
        Ok(Self::Postgres(pool))
    }

    #[cfg(not(feature = "postgres"))]
    async fn connect_postgres(url: &str) -> Result<Self, StoreError> {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }

    /// Applies the migrations for this backend that have not run yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => sqlx::migrate!("../../migrations/sqlite").run(pool).await?,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => sqlx::migrate!("../../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// A round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => sqlite::ping(pool).await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => postgres::ping(pool).await,
        }
    }

    /// Closes every connection (waits for checked-out ones to come back).
    pub async fn close(&self) {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => pool.close().await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// `url` with any password replaced by `***`, safe to log or show.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &userinfo[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(redact_url("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(redact_url("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(redact_url("sqlite://data/colophon.db"), "sqlite://data/colophon.db");
    }
}
