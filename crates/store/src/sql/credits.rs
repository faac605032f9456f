//! Credits: which published workflows and LoRAs a file names (by hash
//! prefix), and where a listing's files are named. `hex()` is SQLite's own and
//! a migration of PostgreSQL's (uppercase, as SQLite's).

use super::Pool;
use chrono::{DateTime, Utc};

use crate::{CreditRow, CreditedRow, StoreError};

pub(crate) async fn made_with(pool: &Pool, listing_id: i64) -> Result<Vec<CreditRow>, StoreError> {
    Ok(query_as!(
        CreditRow,
        r#"SELECT DISTINCT c.kind AS "kind!", l2.slug AS "slug!", l2.title AS "title!", l2.kind AS "listing_kind!",
                  cr.display_name AS "creator!"
           FROM listing_files f
           JOIN file_credits c ON c.file_id = f.id
           JOIN listing_files f2 ON f2.listing_id <> f.listing_id AND (substr(lower(hex(f2.sha256)), 1, length(c.hash_prefix)) = c.hash_prefix
                     OR (f2.alt_hash IS NOT NULL AND substr(lower(hex(f2.alt_hash)), 1, length(c.hash_prefix)) = c.hash_prefix))
           JOIN listings l2 ON l2.id = f2.listing_id AND l2.status = 'published' AND l2.kind IN ('lora', 'workflow')
           JOIN creators cr ON cr.id = l2.creator_id
           WHERE f.listing_id = $1
           ORDER BY l2.title"#,
        listing_id
    )
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn used_in(pool: &Pool, listing_id: i64) -> Result<Vec<CreditRow>, StoreError> {
    Ok(query_as!(
        CreditRow,
        r#"SELECT DISTINCT c.kind AS "kind!", l.slug AS "slug!", l.title AS "title!", l.kind AS "listing_kind!",
                  cr.display_name AS "creator!"
           FROM listing_files f2
           JOIN file_credits c ON (substr(lower(hex(f2.sha256)), 1, length(c.hash_prefix)) = c.hash_prefix
                     OR (f2.alt_hash IS NOT NULL AND substr(lower(hex(f2.alt_hash)), 1, length(c.hash_prefix)) = c.hash_prefix))
           JOIN listing_files f ON f.id = c.file_id AND f.listing_id <> f2.listing_id
           JOIN listings l ON l.id = f.listing_id AND l.status = 'published'
           JOIN creators cr ON cr.id = l.creator_id
           WHERE f2.listing_id = $1
           ORDER BY l.title"#,
        listing_id
    )
    .fetch_all(pool)
    .await?)
}

/// Where a creator's LoRAs and workflows are credited, across all of them in
/// one query: by listing (newest first), then by the crediting work's title.
pub(crate) async fn creator_credited(pool: &Pool, creator_id: i64) -> Result<Vec<CreditedRow>, StoreError> {
    let rows = query!(
        r#"SELECT DISTINCT mine.id AS "mine_id!: i64", mine.created_at AS "mine_at!: DateTime<Utc>",
                  mine.title AS "yours_title!", mine.slug AS "yours_slug!",
                  c.kind AS "kind!", l.slug AS "slug!", l.title AS "title!", l.kind AS "listing_kind!",
                  cr.display_name AS "creator!"
           FROM listings mine
           JOIN listing_files f2 ON f2.listing_id = mine.id
           JOIN file_credits c ON (substr(lower(hex(f2.sha256)), 1, length(c.hash_prefix)) = c.hash_prefix
                     OR (f2.alt_hash IS NOT NULL AND substr(lower(hex(f2.alt_hash)), 1, length(c.hash_prefix)) = c.hash_prefix))
           JOIN listing_files f ON f.id = c.file_id AND f.listing_id <> f2.listing_id
           JOIN listings l ON l.id = f.listing_id AND l.status = 'published'
           JOIN creators cr ON cr.id = l.creator_id
           WHERE mine.creator_id = $1 AND mine.kind <> 'edition'
           ORDER BY mine.created_at DESC, mine.id DESC, l.title"#,
        creator_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CreditedRow {
            yours_title: r.yours_title,
            yours_slug: r.yours_slug,
            credit: CreditRow {
                kind: r.kind,
                slug: r.slug,
                title: r.title,
                listing_kind: r.listing_kind,
                creator: r.creator,
            },
        })
        .collect())
}
