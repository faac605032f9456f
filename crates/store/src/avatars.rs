//! Creators' avatars (the picture itself lives in the object store).

use chrono::{DateTime, Utc};

use crate::{Store, StoreError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvatarRow {
    pub creator_id: i64,
    /// SHA-256 of the stored PNG (its ETag).
    pub sha256: Vec<u8>,
    pub storage_key: String,
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// Sets the creator's avatar; returns the storage key of the one it replaced, for the caller to delete.
    pub async fn avatar_set(
        &self,
        creator_id: i64,
        sha256: &[u8],
        storage_key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        dispatch!(self, avatar_set(creator_id, sha256, storage_key, now))
    }

    /// Removes the creator's avatar; returns its storage key.
    pub async fn avatar_remove(&self, creator_id: i64) -> Result<Option<String>, StoreError> {
        dispatch!(self, avatar_remove(creator_id))
    }

    /// The avatar of the creator with this handle.
    pub async fn avatar_by_handle(&self, handle: &str) -> Result<Option<AvatarRow>, StoreError> {
        dispatch!(self, avatar_by_handle(handle))
    }

    /// The avatar of this creator.
    pub async fn avatar_of(&self, creator_id: i64) -> Result<Option<AvatarRow>, StoreError> {
        dispatch!(self, avatar_of(creator_id))
    }
}
