//! Session records for tower-sessions: opaque bytes with an expiry (Unix seconds).

use crate::{Store, StoreError};

impl Store {
    /// Inserts a new session; `false` if the id is already taken.
    pub async fn session_insert(&self, id: &str, data: &[u8], expires_at: i64) -> Result<bool, StoreError> {
        dispatch!(self, session_insert(id, data, expires_at))
    }

    /// Inserts or replaces a session.
    pub async fn session_save(&self, id: &str, data: &[u8], expires_at: i64) -> Result<(), StoreError> {
        dispatch!(self, session_save(id, data, expires_at))
    }

    /// A session's data if it has not expired at `now`.
    pub async fn session_load(&self, id: &str, now: i64) -> Result<Option<Vec<u8>>, StoreError> {
        dispatch!(self, session_load(id, now))
    }

    pub async fn session_delete(&self, id: &str) -> Result<(), StoreError> {
        dispatch!(self, session_delete(id))
    }

    /// Deletes sessions expired at `now`; returns how many.
    pub async fn session_delete_expired(&self, now: i64) -> Result<u64, StoreError> {
        dispatch!(self, session_delete_expired(now))
    }
}
