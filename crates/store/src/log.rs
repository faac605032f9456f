//! The append-only Merkle log: entries, the perfect-subtree nodes that make
//! roots and proofs O(log n) look-ups, and the head (its size).

use chrono::{DateTime, Utc};
use colophon_provenance::merkle::{self, Hash, NodeMap, NodeRecorder};

use crate::{Store, StoreError};

/// A signed statement to append.
#[derive(Clone, Debug)]
pub struct NewLogEntry<'a> {
    pub leaf_hash: Hash,
    pub kind: u8,
    pub statement: &'a [u8],
    pub public_key: [u8; 32],
    pub signature: [u8; 64],
    /// The content hash the statement is about, for look-ups by hash.
    pub content_hash: Option<[u8; 32]>,
    pub created_at: DateTime<Utc>,
}

impl<'a> NewLogEntry<'a> {
    /// The entry for a verified signed statement; the content hash (for
    /// look-ups) is taken from the statements that are about a file.
    pub fn from_signed(signed: &'a colophon_provenance::SignedStatement, created_at: DateTime<Utc>) -> Self {
        let content_hash = signed.statement.content_hash().map(|h| h.0);
        Self {
            leaf_hash: signed.leaf_hash(),
            kind: signed.statement.kind_tag(),
            statement: &signed.bytes,
            public_key: signed.public_key.to_bytes(),
            signature: signed.signature,
            content_hash,
            created_at,
        }
    }
}

/// What the log holds about one content hash ([`Store::content_entries`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContentEntries {
    /// Every ContentRegistered statement of the hash, oldest first.
    pub registrations: Vec<LogEntryRow>,
    /// A page of its EditionSold and LicenseGranted statements, newest first.
    pub sales: Vec<LogEntryRow>,
    /// How many sales and licences the hash has in all.
    pub sales_total: u64,
}

/// A stored log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntryRow {
    pub leaf_index: u64,
    pub leaf_hash: Hash,
    pub kind: u8,
    pub statement: Vec<u8>,
    pub public_key: [u8; 32],
    pub signature: [u8; 64],
}

/// The kind tag of `ContentRegistered` (`Statement::kind_tag`); every other
/// kind of entry that names a file (sales, licences) is counted in
/// `content_sale_counts`.
pub(crate) const REGISTRATION_KIND: u8 = 1;

pub(crate) fn to_array<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N], StoreError> {
    bytes.try_into().map_err(|_| StoreError::Corrupt(format!("{what} has {} bytes, expected {N}", bytes.len())))
}

pub(crate) fn to_u64(v: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} is negative")))
}

pub(crate) fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt("value does not fit a database integer".into()))
}

fn storage(err: merkle::MissingNode) -> StoreError {
    StoreError::Corrupt(format!("log node missing: {err}"))
}

impl Store {
    /// Appends an entry and the tree nodes it completes, in one transaction.
    /// Concurrent appends are serialized by the head row; returns the leaf index.
    pub async fn append_log_entry(&self, entry: &NewLogEntry<'_>) -> Result<u64, StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => crate::sqlite::append_log_entry(pool, entry).await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => crate::postgres::append_log_entry(pool, entry).await,
        }
    }

    /// The number of entries.
    pub async fn log_size(&self) -> Result<u64, StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => crate::sqlite::log_size(pool).await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => crate::postgres::log_size(pool).await,
        }
    }

    /// One entry by leaf index.
    pub async fn log_entry(&self, leaf_index: u64) -> Result<Option<LogEntryRow>, StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => crate::sqlite::log_entry(pool, leaf_index).await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => crate::postgres::log_entry(pool, leaf_index).await,
        }
    }

    /// What the log holds about `content_hash`: every registration, and a
    /// page of its sales and licences (newest first, below leaf `before`).
    pub async fn content_entries(
        &self,
        content_hash: &[u8; 32],
        before: Option<u64>,
        limit: u32,
    ) -> Result<ContentEntries, StoreError> {
        dispatch!(self, content_entries(content_hash, before, limit))
    }

    async fn nodes(&self, wanted: &[(u32, u64)]) -> Result<NodeMap, StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => crate::sqlite::log_nodes(pool, wanted).await,
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => crate::postgres::log_nodes(pool, wanted).await,
        }
    }

    /// The root of the first `size` entries.
    pub async fn log_root(&self, size: u64) -> Result<Hash, StoreError> {
        let recorder = NodeRecorder::new();
        let _ = merkle::root(&recorder, size);
        let nodes = self.nodes(&recorder.wanted()).await?;
        merkle::root(&nodes, size).map_err(storage)
    }

    /// The inclusion proof for `leaf_index` in the tree of `size` entries.
    pub async fn inclusion_proof(&self, leaf_index: u64, size: u64) -> Result<Vec<Hash>, StoreError> {
        let mut proofs = self.inclusion_proofs(&[(leaf_index, size)]).await?;
        Ok(proofs.pop().unwrap_or_default())
    }

    /// Inclusion proofs for `(leaf_index, tree_size)` pairs, in order, from
    /// one read of the nodes they need between them.
    pub async fn inclusion_proofs(&self, wanted: &[(u64, u64)]) -> Result<Vec<Vec<Hash>>, StoreError> {
        let log_size = self.log_size().await?;
        let recorder = NodeRecorder::new();
        for &(leaf_index, size) in wanted {
            if leaf_index >= size || size > log_size {
                return Err(StoreError::Corrupt(format!("no leaf {leaf_index} in a log of size {size}")));
            }
            let _ = merkle::inclusion_proof(&recorder, leaf_index, size);
        }
        let nodes = self.nodes(&recorder.wanted()).await?;
        wanted
            .iter()
            .map(|&(leaf_index, size)| {
                merkle::inclusion_proof(&nodes, leaf_index, size).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect()
    }

    /// The consistency proof from the tree of `old` entries to the tree of `new`.
    pub async fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError> {
        if old > new || new > self.log_size().await? {
            return Err(StoreError::Corrupt(format!("no consistency proof from {old} to {new}")));
        }
        let recorder = NodeRecorder::new();
        let _ = merkle::consistency_proof(&recorder, old, new);
        let nodes = self.nodes(&recorder.wanted()).await?;
        merkle::consistency_proof(&nodes, old, new).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

/// A `log_nodes` row (both backends) as its `(level, idx)` and hash.
pub(crate) fn node_row(level: i64, idx: i64, hash: &[u8]) -> Result<((u32, u64), Hash), StoreError> {
    let level = u32::try_from(level).map_err(|_| StoreError::Corrupt("log node level".into()))?;
    Ok(((level, to_u64(idx, "log node index")?), to_array::<32>(hash, "log node")?))
}

/// The nodes an append of leaf `index` writes, given the siblings it reads.
pub(crate) fn nodes_for_append(
    index: u64,
    leaf: Hash,
    siblings: &NodeMap,
) -> Result<Vec<(u32, u64, Hash)>, StoreError> {
    merkle::nodes_completed_by(siblings, index, leaf).map_err(storage)
}

/// A [`LogEntryRow`] from a `query!` record of the `log_entries` columns (both backends).
macro_rules! log_entry_row {
    ($r:expr) => {{
        use $crate::log::{to_array, to_u64};
        let r = $r;
        Ok::<_, $crate::StoreError>($crate::LogEntryRow {
            leaf_index: to_u64(r.leaf_index, "leaf index")?,
            leaf_hash: to_array(&r.leaf_hash, "leaf hash")?,
            kind: u8::try_from(r.kind).map_err(|_| $crate::StoreError::Corrupt("statement kind".into()))?,
            statement: r.statement,
            public_key: to_array(&r.public_key, "public key")?,
            signature: to_array(&r.signature, "signature")?,
        })
    }};
}
pub(crate) use log_entry_row;
