//! API tokens: an account's bearer credentials for pipelines and the CLI.
//! Only the SHA-256 of a token is stored.

use chrono::{DateTime, Utc};

use crate::{Store, StoreError};

/// A token as its owner sees it (never the secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    /// The token's first characters, e.g. `col_1a2b3c4d`.
    pub prefix: String,
    /// Comma-separated scopes.
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token to store.
#[derive(Clone, Debug)]
pub struct NewToken<'a> {
    pub account_id: i64,
    pub name: &'a str,
    pub token_hash: [u8; 32],
    pub prefix: &'a str,
    pub scopes: &'a str,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Stores a token; returns its id.
    pub async fn token_create(&self, token: &NewToken<'_>) -> Result<i64, StoreError> {
        dispatch!(self, token_create(token))
    }

    /// An account's tokens, newest first, revoked ones included.
    pub async fn tokens_of(&self, account_id: i64) -> Result<Vec<TokenRow>, StoreError> {
        dispatch!(self, tokens_of(account_id))
    }

    /// The token whose SHA-256 is `hash`, revoked or not.
    pub async fn token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<TokenRow>, StoreError> {
        dispatch!(self, token_by_hash(hash))
    }

    /// Records a use of the token at `now`.
    pub async fn token_touch(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        dispatch!(self, token_touch(id, now))
    }

    /// Revokes one of `account_id`'s tokens; `false` if it is not theirs or
    /// already revoked.
    pub async fn token_revoke(&self, id: i64, account_id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        dispatch!(self, token_revoke(id, account_id, now))
    }
}
