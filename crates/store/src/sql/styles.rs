//! Style library: the queries both databases run as written.

use super::Pool;
use crate::StoreError;
use chrono::{DateTime, Utc};

pub(crate) async fn style_save(
    pool: &Pool,
    creator_id: i64,
    listing_id: i64,
    name: &str,
    generation: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    Ok(query_scalar!(
        r#"INSERT INTO style_entries (creator_id, listing_id, name, generation, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (creator_id, listing_id) DO UPDATE SET name = excluded.name, generation = excluded.generation
           RETURNING id AS "id!: i64""#,
        creator_id,
        listing_id,
        name,
        generation,
        now
    )
    .fetch_one(pool)
    .await?)
}

pub(crate) async fn styles_of(pool: &Pool, creator_id: i64) -> Result<Vec<crate::StyleRow>, StoreError> {
    Ok(query_as!(
        crate::StyleRow,
        r#"SELECT s.id AS "id!: i64", s.creator_id AS "creator_id!: i64", s.listing_id AS "listing_id!: i64",
                  l.slug AS "listing_slug!", l.title AS "listing_title!", s.name, s.generation,
                  s.created_at AS "created_at!: DateTime<Utc>"
           FROM style_entries s JOIN listings l ON l.id = s.listing_id
           WHERE s.creator_id = $1 ORDER BY s.id DESC"#,
        creator_id
    )
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn style_delete(pool: &Pool, id: i64, creator_id: i64) -> Result<bool, StoreError> {
    let done =
        query!("DELETE FROM style_entries WHERE id = $1 AND creator_id = $2", id, creator_id).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}
