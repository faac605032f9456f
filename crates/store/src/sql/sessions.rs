//! Sessions: the queries both databases run as written.

use super::Pool;
use crate::StoreError;

pub(crate) async fn session_insert(pool: &Pool, id: &str, data: &[u8], expires_at: i64) -> Result<bool, StoreError> {
    let n = query!(
        "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        id,
        data,
        expires_at
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub(crate) async fn session_save(pool: &Pool, id: &str, data: &[u8], expires_at: i64) -> Result<(), StoreError> {
    query!(
        "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        id,
        data,
        expires_at
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn session_load(pool: &Pool, id: &str, now: i64) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(query_scalar!("SELECT data FROM sessions WHERE id = $1 AND expires_at > $2", id, now)
        .fetch_optional(pool)
        .await?)
}

pub(crate) async fn session_delete(pool: &Pool, id: &str) -> Result<(), StoreError> {
    query!("DELETE FROM sessions WHERE id = $1", id).execute(pool).await?;
    Ok(())
}

pub(crate) async fn session_delete_expired(pool: &Pool, now: i64) -> Result<u64, StoreError> {
    Ok(query!("DELETE FROM sessions WHERE expires_at <= $1", now).execute(pool).await?.rows_affected())
}
