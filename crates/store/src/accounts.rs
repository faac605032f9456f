//! Accounts, creator profiles and creator keys.

use chrono::{DateTime, Utc};

use crate::{NewLogEntry, Store, StoreError};

/// A signed-in person as the app needs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRow {
    pub id: i64,
    pub email: String,
    pub creator: Option<CreatorRow>,
}

/// A creator profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatorRow {
    pub id: i64,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
}

/// Where a key is in its life. Stored as `active` | `rotated` | `revoked`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    Active,
    Rotated,
    Revoked,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Rotated => "rotated",
            Self::Revoked => "revoked",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "active" => Ok(Self::Active),
            "rotated" => Ok(Self::Rotated),
            "revoked" => Ok(Self::Revoked),
            other => Err(StoreError::Corrupt(format!("unknown key status {other:?}"))),
        }
    }
}

/// A creator's public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRow {
    pub key_id: [u8; 32],
    pub creator_id: i64,
    pub public_key: [u8; 32],
    pub status: KeyState,
    pub registered_leaf: u64,
    pub ended_leaf: Option<u64>,
    pub revoke_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// How a key enters the log with its row.
#[derive(Clone, Debug)]
pub struct NewKey<'a> {
    pub creator_id: i64,
    pub key_id: [u8; 32],
    pub public_key: [u8; 32],
    /// The `KeyRegistered` (first key) or `KeyRotated` (successor) statement.
    pub entry: NewLogEntry<'a>,
    /// For a rotation: the key the new one replaces (must be the active one).
    pub replaces: Option<[u8; 32]>,
}

impl Store {
    /// Creates an account; `Conflict` when the email is taken.
    pub async fn create_account(
        &self,
        email: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, create_account(email, password_hash, now))
    }

    /// The account id and password hash for an email, if it exists.
    pub async fn account_credentials(&self, email: &str) -> Result<Option<(i64, String)>, StoreError> {
        dispatch!(self, account_credentials(email))
    }

    /// An account with its creator profile, if any.
    pub async fn account(&self, id: i64) -> Result<Option<AccountRow>, StoreError> {
        dispatch!(self, account(id))
    }

    /// Makes an account a creator; `Conflict` when the handle is taken or the
    /// account already is one.
    pub async fn become_creator(
        &self,
        account_id: i64,
        handle: &str,
        display_name: &str,
        bio: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, become_creator(account_id, handle, display_name, bio, now))
    }

    /// Updates a creator's display name and bio (the handle is permanent: statements name it).
    pub async fn update_creator_profile(
        &self,
        creator_id: i64,
        display_name: &str,
        bio: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, update_creator_profile(creator_id, display_name, bio))
    }

    /// Appends the key's statement and stores the key in ONE transaction.
    /// A rotation marks the replaced key `rotated` in the same transaction.
    /// `Conflict` when the creator already has an active key (first
    /// registration) or the replaced key is not the active one (rotation).
    pub async fn register_key(&self, key: &NewKey<'_>) -> Result<u64, StoreError> {
        dispatch!(self, register_key(key))
    }

    /// Appends a `KeyRevoked` statement and marks the key revoked, in one transaction.
    pub async fn revoke_key(
        &self,
        key_id: &[u8; 32],
        reason: &str,
        entry: &NewLogEntry<'_>,
    ) -> Result<u64, StoreError> {
        dispatch!(self, revoke_key(key_id, reason, entry))
    }

    /// Every key a creator has had, newest first.
    pub async fn creator_keys(&self, creator_id: i64) -> Result<Vec<KeyRow>, StoreError> {
        dispatch!(self, creator_keys(creator_id))
    }

    /// One key by id.
    pub async fn key(&self, key_id: &[u8; 32]) -> Result<Option<KeyRow>, StoreError> {
        dispatch!(self, key(key_id))
    }
}

macro_rules! key_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, crate::StoreError>(crate::KeyRow {
            key_id: crate::log::to_array(&r.key_id, "key id")?,
            creator_id: r.creator_id,
            public_key: crate::log::to_array(&r.public_key, "public key")?,
            status: crate::accounts::KeyState::parse(&r.status)?,
            registered_leaf: crate::log::to_u64(r.registered_leaf, "leaf")?,
            ended_leaf: r.ended_leaf.map(|l| crate::log::to_u64(l, "leaf")).transpose()?,
            revoke_reason: r.revoke_reason,
            created_at: r.created_at,
        })
    }};
}
pub(crate) use key_row;
