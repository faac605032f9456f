//! Avatars: the queries both databases run as written.

use super::Pool;
use crate::StoreError;
use chrono::{DateTime, Utc};

pub(crate) async fn avatar_set(
    pool: &Pool,
    creator_id: i64,
    sha256: &[u8],
    storage_key: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let mut tx = pool.begin().await?;
    let old = query_scalar!("SELECT storage_key FROM creator_avatars WHERE creator_id = $1", creator_id)
        .fetch_optional(&mut *tx)
        .await?;
    query!(
        "INSERT INTO creator_avatars (creator_id, sha256, storage_key, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (creator_id) DO UPDATE SET sha256 = excluded.sha256, storage_key = excluded.storage_key,
                                                updated_at = excluded.updated_at",
        creator_id,
        sha256,
        storage_key,
        now
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(old)
}

pub(crate) async fn avatar_remove(pool: &Pool, creator_id: i64) -> Result<Option<String>, StoreError> {
    Ok(query_scalar!("DELETE FROM creator_avatars WHERE creator_id = $1 RETURNING storage_key", creator_id)
        .fetch_optional(pool)
        .await?)
}

pub(crate) async fn avatar_by_handle(pool: &Pool, handle: &str) -> Result<Option<crate::AvatarRow>, StoreError> {
    Ok(query_as!(
        crate::AvatarRow,
        r#"SELECT a.creator_id AS "creator_id!: i64", a.sha256, a.storage_key,
                  a.updated_at AS "updated_at!: DateTime<Utc>"
           FROM creator_avatars a JOIN creators c ON c.id = a.creator_id WHERE c.handle = $1"#,
        handle
    )
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn avatar_of(pool: &Pool, creator_id: i64) -> Result<Option<crate::AvatarRow>, StoreError> {
    Ok(query_as!(
        crate::AvatarRow,
        r#"SELECT creator_id AS "creator_id!: i64", sha256, storage_key, updated_at AS "updated_at!: DateTime<Utc>"
           FROM creator_avatars WHERE creator_id = $1"#,
        creator_id
    )
    .fetch_optional(pool)
    .await?)
}
