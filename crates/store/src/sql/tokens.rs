//! API tokens: the queries both databases run as written.

use super::Pool;
use crate::StoreError;
use chrono::{DateTime, Utc};

pub(crate) async fn token_create(pool: &Pool, t: &crate::NewToken<'_>) -> Result<i64, StoreError> {
    let hash = &t.token_hash[..];
    Ok(query_scalar!(
        r#"INSERT INTO api_tokens (account_id, name, token_hash, prefix, scopes, created_at)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id AS "id!: i64""#,
        t.account_id,
        t.name,
        hash,
        t.prefix,
        t.scopes,
        t.created_at,
    )
    .fetch_one(pool)
    .await?)
}

pub(crate) async fn tokens_of(pool: &Pool, account_id: i64) -> Result<Vec<crate::TokenRow>, StoreError> {
    Ok(query_as!(
        crate::TokenRow,
        r#"SELECT id AS "id!: i64", account_id AS "account_id!: i64", name, prefix, scopes,
                  created_at AS "created_at!: DateTime<Utc>", last_used_at AS "last_used_at?: DateTime<Utc>",
                  revoked_at AS "revoked_at?: DateTime<Utc>"
           FROM api_tokens WHERE account_id = $1 ORDER BY id DESC"#,
        account_id
    )
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn token_by_hash(pool: &Pool, hash: &[u8; 32]) -> Result<Option<crate::TokenRow>, StoreError> {
    let hash = &hash[..];
    Ok(query_as!(
        crate::TokenRow,
        r#"SELECT id AS "id!: i64", account_id AS "account_id!: i64", name, prefix, scopes,
                  created_at AS "created_at!: DateTime<Utc>", last_used_at AS "last_used_at?: DateTime<Utc>",
                  revoked_at AS "revoked_at?: DateTime<Utc>"
           FROM api_tokens WHERE token_hash = $1"#,
        hash
    )
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn token_touch(pool: &Pool, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    query!("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", id, now).execute(pool).await?;
    Ok(())
}

pub(crate) async fn token_revoke(
    pool: &Pool,
    id: i64,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = query!(
        "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL",
        id,
        account_id,
        now
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
