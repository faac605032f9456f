//! PostgreSQL queries (compile-time checked; offline data in `.sqlx/`).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::{ListingKind, ListingRow, ListingStatus, NewCreator, NewListing, StoreError};

pub(crate) async fn ping(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query_scalar!(r#"SELECT 1 AS "one!: i32""#).fetch_one(pool).await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(handle = creator.handle))]
pub(crate) async fn create_creator(pool: &PgPool, creator: &NewCreator<'_>) -> Result<i64, StoreError> {
    sqlx::query_scalar!(
        r#"INSERT INTO creators (handle, display_name, created_at) VALUES ($1, $2, $3) RETURNING id AS "id!: i64""#,
        creator.handle,
        creator.display_name,
        creator.created_at,
    )
    .fetch_one(pool)
    .await
    .map_err(|e| StoreError::on_unique(e, "a creator with this handle"))
}

#[tracing::instrument(skip_all, fields(slug = listing.slug))]
pub(crate) async fn create_listing(pool: &PgPool, listing: &NewListing<'_>) -> Result<i64, StoreError> {
    let kind = listing.kind.as_str();
    let status = listing.status.as_str();
    let published_at: Option<DateTime<Utc>> =
        (listing.status == ListingStatus::Published).then_some(listing.created_at);
    sqlx::query_scalar!(
        r#"INSERT INTO listings
             (creator_id, slug, kind, title, description, price_minor, currency, edition_size, status, created_at, published_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           RETURNING id AS "id!: i64""#,
        listing.creator_id,
        listing.slug,
        kind,
        listing.title,
        listing.description,
        listing.price_minor,
        listing.currency,
        listing.edition_size,
        status,
        listing.created_at,
        published_at,
    )
    .fetch_one(pool)
    .await
    .map_err(|e| StoreError::on_unique(e, "a listing with this slug"))
}

#[tracing::instrument(skip(pool))]
pub(crate) async fn published_listings(pool: &PgPool, limit: i64) -> Result<Vec<ListingRow>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT l.id AS "id!: i64", l.slug, l.kind, l.title, c.display_name AS creator_name,
                  l.price_minor AS "price_minor!: i64", l.currency, l.edition_size AS "edition_size: i64",
                  l.editions_sold AS "sold!: i64"
           FROM listings l JOIN creators c ON c.id = l.creator_id
           WHERE l.status = 'published'
           ORDER BY l.published_at DESC, l.id DESC
           LIMIT $1"#,
        limit,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ListingRow {
                id: r.id,
                slug: r.slug,
                kind: ListingKind::parse(&r.kind)?,
                title: r.title,
                creator_name: r.creator_name,
                price_minor: r.price_minor,
                currency: r.currency,
                edition_size: r.edition_size,
                sold: r.sold,
            })
        })
        .collect()
}
