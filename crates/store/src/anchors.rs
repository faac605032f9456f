//! The anchor outbox: one row per tree size the anchor service commits
//! on-chain, recorded before its transaction is sent.

use chrono::{DateTime, Utc};

use crate::{Store, StoreError};

/// Where an anchor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnchorStatus {
    /// Recorded; no transaction known to be in flight.
    Pending,
    /// A transaction was sent (`tx_hash`); not yet confirmed.
    Sent,
    /// On-chain with enough confirmations.
    Confirmed,
    /// A larger size was anchored first, so this size never can be.
    Superseded,
}

impl AnchorStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Confirmed => "confirmed",
            Self::Superseded => "superseded",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "pending" => Self::Pending,
            "sent" => Self::Sent,
            "confirmed" => Self::Confirmed,
            "superseded" => Self::Superseded,
            other => return Err(StoreError::Corrupt(format!("unknown anchor status {other:?}"))),
        })
    }
}

/// An anchor row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchorRow {
    pub tree_size: u64,
    pub root: [u8; 32],
    pub status: AnchorStatus,
    pub chain_id: u64,
    pub contract: String,
    pub tx_hash: Option<String>,
    pub block_number: Option<u64>,
    pub attempts: u64,
    pub last_error: Option<String>,
}

/// A change of an anchor's state.
#[derive(Clone, Debug)]
pub struct AnchorUpdate<'a> {
    pub status: AnchorStatus,
    pub tx_hash: Option<&'a str>,
    pub block_number: Option<u64>,
    /// Counts a send attempt.
    pub attempted: bool,
    pub last_error: Option<&'a str>,
    pub at: DateTime<Utc>,
}

impl Store {
    /// Records the intent to anchor `root` at `tree_size`. A size is recorded
    /// once: a second intent for it is a [`StoreError::Conflict`].
    pub async fn insert_anchor_intent(
        &self,
        tree_size: u64,
        root: &[u8; 32],
        chain_id: u64,
        contract: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => {
                crate::sqlite::insert_anchor_intent(pool, tree_size, root, chain_id, contract, at).await
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => {
                crate::postgres::insert_anchor_intent(pool, tree_size, root, chain_id, contract, at).await
            }
        }
    }

    /// Moves an anchor to a new state.
    pub async fn update_anchor(&self, tree_size: u64, update: &AnchorUpdate<'_>) -> Result<(), StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => crate::sqlite::update_anchor(pool, tree_size, update).await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => crate::postgres::update_anchor(pool, tree_size, update).await,
        }
    }

    /// Every anchor, smallest size first.
    pub async fn anchors(&self) -> Result<Vec<AnchorRow>, StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => crate::sqlite::anchors(pool).await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => crate::postgres::anchors(pool).await,
        }
    }

    /// The smallest confirmed anchor at or above `tree_size`: the root a
    /// receipt for a leaf below `tree_size` can be proven against.
    pub async fn confirmed_anchor_covering(&self, tree_size: u64) -> Result<Option<AnchorRow>, StoreError> {
        dispatch!(self, confirmed_anchor_covering(tree_size))
    }

    /// The anchors a reconciliation pass looks at, smallest size first: every
    /// pending or sent one, and the confirmed ones from `confirmed_since_block`
    /// on (still inside the reorg window). Not the whole history.
    pub async fn anchors_to_reconcile(&self, confirmed_since_block: u64) -> Result<Vec<AnchorRow>, StoreError> {
        dispatch!(self, anchors_to_reconcile(confirmed_since_block))
    }

    /// The largest size recorded for anchoring and not superseded (0 if none).
    pub async fn latest_live_anchor_size(&self) -> Result<u64, StoreError> {
        dispatch!(self, latest_live_anchor_size())
    }

    /// The confirmed anchor of the largest tree, if any is confirmed.
    pub async fn latest_confirmed_anchor(&self) -> Result<Option<AnchorRow>, StoreError> {
        dispatch!(self, latest_confirmed_anchor())
    }
}

/// An [`AnchorRow`] from a `query!` record of the `anchors` columns; both
/// backends' records have the same field names, so one mapping serves both.
macro_rules! anchor_row {
    ($r:expr) => {{
        use $crate::log::{to_array, to_u64};
        let r = $r;
        Ok::<_, $crate::StoreError>($crate::AnchorRow {
            tree_size: to_u64(r.tree_size, "tree size")?,
            root: to_array(&r.root, "root")?,
            status: $crate::AnchorStatus::parse(&r.status)?,
            chain_id: to_u64(r.chain_id, "chain id")?,
            contract: r.contract,
            tx_hash: r.tx_hash,
            block_number: r.block_number.map(|b| to_u64(b, "block number")).transpose()?,
            attempts: to_u64(r.attempts, "attempts")?,
            last_error: r.last_error,
        })
    }};
}
pub(crate) use anchor_row;
