//! Accounts and keys: the queries both databases run as written.

use super::{Pool, append_in_tx};
use crate::log::to_i64;
use crate::{AccountRow, CreatorRow, KeyRow, NewKey, NewLogEntry, StoreError};
use chrono::{DateTime, Utc};

#[tracing::instrument(skip_all)]
pub(crate) async fn create_account(
    pool: &Pool,
    email: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    query_scalar!(
        r#"INSERT INTO accounts (email, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id AS "id!: i64""#,
        email,
        password_hash,
        now,
    )
    .fetch_one(pool)
    .await
    .map_err(|e| StoreError::on_unique(e, "an account with this email"))
}

pub(crate) async fn account_credentials(pool: &Pool, email: &str) -> Result<Option<(i64, String)>, StoreError> {
    let row = query!(r#"SELECT id AS "id!: i64", password_hash FROM accounts WHERE email = $1"#, email)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| (r.id, r.password_hash)))
}

pub(crate) async fn account(pool: &Pool, id: i64) -> Result<Option<AccountRow>, StoreError> {
    let row = query!(
        r#"SELECT a.id AS "id!: i64", a.email, c.id AS "creator_id?: i64", c.handle AS "handle?: String",
                  c.display_name AS "display_name?: String", c.bio AS "bio?: String"
           FROM accounts a LEFT JOIN creators c ON c.account_id = a.id
           WHERE a.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| AccountRow {
        id: r.id,
        email: r.email,
        creator: match (r.creator_id, r.handle, r.display_name, r.bio) {
            (Some(id), Some(handle), Some(display_name), Some(bio)) => {
                Some(CreatorRow { id, handle, display_name, bio })
            }
            _ => None,
        },
    }))
}

#[tracing::instrument(skip_all, fields(handle))]
pub(crate) async fn become_creator(
    pool: &Pool,
    account_id: i64,
    handle: &str,
    display_name: &str,
    bio: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    query_scalar!(
        r#"INSERT INTO creators (handle, display_name, bio, account_id, created_at) VALUES ($1, $2, $3, $4, $5)
           RETURNING id AS "id!: i64""#,
        handle,
        display_name,
        bio,
        account_id,
        now,
    )
    .fetch_one(pool)
    .await
    .map_err(|e| StoreError::on_unique(e, "a creator with this handle (or for this account)"))
}

pub(crate) async fn update_creator_profile(
    pool: &Pool,
    creator_id: i64,
    display_name: &str,
    bio: &str,
) -> Result<(), StoreError> {
    query!("UPDATE creators SET display_name = $1, bio = $2 WHERE id = $3", display_name, bio, creator_id)
        .execute(pool)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(creator_id = key.creator_id))]
pub(crate) async fn register_key(pool: &Pool, key: &NewKey<'_>) -> Result<u64, StoreError> {
    let mut tx = pool.begin().await?;
    let leaf = append_in_tx(&mut tx, &key.entry).await?;
    let leaf_i = to_i64(leaf)?;
    if let Some(old) = key.replaces {
        let old = &old[..];
        let changed = query!(
            "UPDATE creator_keys SET status = 'rotated', ended_leaf = $1, revoke_reason = 'superseded', ended_at = $2
             WHERE key_id = $3 AND creator_id = $4 AND status = 'active'",
            leaf_i,
            key.entry.created_at,
            old,
            key.creator_id,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::Conflict { what: "a newer key for this creator" });
        }
    }
    let (key_id, public_key) = (&key.key_id[..], &key.public_key[..]);
    query!(
        "INSERT INTO creator_keys (key_id, creator_id, public_key, status, registered_leaf, created_at)
         VALUES ($1, $2, $3, 'active', $4, $5)",
        key_id,
        key.creator_id,
        public_key,
        leaf_i,
        key.entry.created_at,
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| StoreError::on_unique(e, "an active key for this creator (or this key)"))?;
    tx.commit().await?;
    Ok(leaf)
}

#[tracing::instrument(skip_all)]
pub(crate) async fn revoke_key(
    pool: &Pool,
    key_id: &[u8; 32],
    reason: &str,
    entry: &NewLogEntry<'_>,
) -> Result<u64, StoreError> {
    let mut tx = pool.begin().await?;
    let leaf = append_in_tx(&mut tx, entry).await?;
    let leaf_i = to_i64(leaf)?;
    let key_id = &key_id[..];
    // A rotated key can still be revoked (e.g. found compromised later); the reason is then updated.
    let changed = query!(
        "UPDATE creator_keys SET status = 'revoked', ended_leaf = $1, revoke_reason = $2, ended_at = $3
         WHERE key_id = $4 AND status != 'revoked'",
        leaf_i,
        reason,
        entry.created_at,
        key_id,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(StoreError::Conflict { what: "a revocation of this key" });
    }
    tx.commit().await?;
    Ok(leaf)
}

pub(crate) async fn creator_keys(pool: &Pool, creator_id: i64) -> Result<Vec<KeyRow>, StoreError> {
    let rows = query!(
        r#"SELECT key_id AS "key_id!", creator_id AS "creator_id!: i64", public_key, status, registered_leaf AS "registered_leaf!: i64",
                  ended_leaf AS "ended_leaf: i64", revoke_reason, created_at AS "created_at!: DateTime<Utc>"
           FROM creator_keys WHERE creator_id = $1 ORDER BY registered_leaf DESC"#,
        creator_id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::accounts::key_row!(r)).collect()
}

pub(crate) async fn key(pool: &Pool, key_id: &[u8; 32]) -> Result<Option<KeyRow>, StoreError> {
    let key_id = &key_id[..];
    let row = query!(
        r#"SELECT key_id AS "key_id!", creator_id AS "creator_id!: i64", public_key, status, registered_leaf AS "registered_leaf!: i64",
                  ended_leaf AS "ended_leaf: i64", revoke_reason, created_at AS "created_at!: DateTime<Utc>"
           FROM creator_keys WHERE key_id = $1"#,
        key_id
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| crate::accounts::key_row!(r)).transpose()
}
