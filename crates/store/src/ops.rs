//! What an operator watches: work waiting in queues, and the pool.

use chrono::{DateTime, Utc};

use crate::{Store, StoreError};

/// Work waiting, counted now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backlogs {
    /// Preview jobs not yet claimed (retries included).
    pub previews_queued: i64,
    /// Preview jobs a worker holds now.
    pub previews_running: i64,
    /// Webhook deliveries not yet delivered nor given up.
    pub webhooks_pending: i64,
}

/// The connection pool, now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolUse {
    /// Connections open.
    pub open: u32,
    /// Of those, idle.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

impl Store {
    /// The queues' depths, in one query.
    pub async fn backlogs(&self) -> Result<Backlogs, StoreError> {
        dispatch!(self, backlogs())
    }

    /// When log entry `leaf_index` was appended, if it exists.
    pub async fn entry_time(&self, leaf_index: u64) -> Result<Option<DateTime<Utc>>, StoreError> {
        let leaf = i64::try_from(leaf_index).map_err(|_| StoreError::Corrupt("leaf index out of range".into()))?;
        dispatch!(self, entry_time(leaf))
    }

    /// Takes or renews the lease `name` for `holder` until `until`: true when
    /// `holder` holds it now (it was free, expired, released, or already
    /// `holder`'s), false when another holder's lease is still running. One
    /// statement, so two processes asking at once cannot both win.
    pub async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, hold_lease(name, holder, now.timestamp_millis(), until.timestamp_millis()))
    }

    /// Gives the lease up at once (a clean stop), if `holder` holds it.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        dispatch!(self, release_lease(name, holder))
    }

    /// Who holds the lease `name` at `now`, if anyone.
    pub async fn lease_holder(&self, name: &str, now: DateTime<Utc>) -> Result<Option<String>, StoreError> {
        dispatch!(self, lease_holder(name, now.timestamp_millis()))
    }

    /// How much of the pool is in use.
    pub fn pool_use(&self) -> PoolUse {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => PoolUse {
                open: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            },
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => PoolUse {
                open: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            },
        }
    }
}
