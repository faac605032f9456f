//! Listings (creator side), files, uploads: the queries both databases run as written.

use super::{Pool, append_in_tx};
use crate::log::{to_array, to_i64};
use crate::{
    FileRow, ListingDraft, ListingRecord, ListingRow, ListingStatus, NewCreator, NewFile, NewListing, NewLogEntry,
    StoreError, UploadRow,
};
use chrono::{DateTime, Utc};

/// `query!` for [`ListingRecord`] rows: their columns, written once, then
/// `$tail` (from `FROM listings l`) and its arguments.
macro_rules! listing_records {
    ($tail:literal $(, $arg:expr)* $(,)?) => {
        query!(
            r#"SELECT l.id AS "id!: i64", l.creator_id AS "creator_id!: i64", l.slug, l.kind, l.title, l.description, l.status,
                  l.price_minor AS "price_minor!: i64", l.currency, l.edition_size AS "edition_size: i64",
                  l.editions_sold AS "sold!: i64", l.tags, l.license_json, l.license_hash,
                  (SELECT count(*) FROM listing_files f WHERE f.listing_id = l.id) AS "files!: i64",
                  l.royalty_bps AS "royalty_bps!: i64"
           "# + $tail $(, $arg)*
        )
    };
}

/// `query!` for [`FileRow`] rows (`f` is `listing_files`): their columns once, then `$tail`.
macro_rules! file_rows {
    ($tail:literal $(, $arg:expr)* $(,)?) => {
        query!(
            r#"SELECT f.id AS "id!", f.listing_id AS "listing_id!: i64", f.version AS "version!: i64", f.sha256,
                  f.size AS "size!: i64", f.file_type, f.storage_key, f.alt_hash, f.details,
                  f.log_leaf AS "log_leaf!: i64", f.created_at AS "created_at!: DateTime<Utc>"
           "# + $tail $(, $arg)*
        )
    };
}

#[tracing::instrument(skip_all, fields(handle = creator.handle))]
pub(crate) async fn create_creator(pool: &Pool, creator: &NewCreator<'_>) -> Result<i64, StoreError> {
    query_scalar!(
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
pub(crate) async fn create_listing(pool: &Pool, listing: &NewListing<'_>) -> Result<i64, StoreError> {
    let kind = listing.kind.as_str();
    let status = listing.status.as_str();
    let published_at: Option<DateTime<Utc>> =
        (listing.status == ListingStatus::Published).then_some(listing.created_at);
    query_scalar!(
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
pub(crate) async fn published_listings(pool: &Pool, limit: i64) -> Result<Vec<ListingRow>, StoreError> {
    let rows = query!(
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
    rows.into_iter().map(|r| crate::listings::listing_row!(r)).collect()
}

#[tracing::instrument(skip_all, fields(slug = d.slug))]
pub(crate) async fn create_draft(pool: &Pool, d: &ListingDraft<'_>) -> Result<i64, StoreError> {
    let kind = d.kind.as_str();
    let hash = &d.license_hash[..];
    query_scalar!(
        r#"INSERT INTO listings
             (creator_id, slug, kind, title, description, price_minor, currency, edition_size, status, created_at,
              sale_starts_at, sale_ends_at, per_account_cap, tags, license_json, license_hash, royalty_bps)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $11, $12, $13, $14, $15, $16)
           RETURNING id AS "id!: i64""#,
        d.creator_id,
        d.slug,
        kind,
        d.title,
        d.description,
        d.price_minor,
        d.currency,
        d.edition_size,
        d.created_at,
        d.sale_starts_at,
        d.sale_ends_at,
        d.per_account_cap,
        d.tags,
        d.license_json,
        hash,
        d.royalty_bps,
    )
    .fetch_one(pool)
    .await
    .map_err(|e| StoreError::on_unique(e, "a listing with this slug"))
}

pub(crate) async fn creator_listings(pool: &Pool, creator_id: i64) -> Result<Vec<ListingRecord>, StoreError> {
    let rows =
        listing_records!("FROM listings l WHERE l.creator_id = $1 ORDER BY l.created_at DESC, l.id DESC", creator_id)
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(|r| crate::files::listing_record!(r)).collect()
}

pub(crate) async fn listing(pool: &Pool, id: i64) -> Result<Option<ListingRecord>, StoreError> {
    let row = listing_records!("FROM listings l WHERE l.id = $1", id).fetch_optional(pool).await?;
    row.map(|r| crate::files::listing_record!(r)).transpose()
}

pub(crate) async fn set_listing_status(
    pool: &Pool,
    id: i64,
    creator_id: i64,
    status: ListingStatus,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let s = status.as_str();
    // The first publication stamps `published_at`; later ones keep it.
    let published_at = (status == ListingStatus::Published).then_some(now);
    let n = query!(
        "UPDATE listings SET status = $1, published_at = COALESCE(published_at, $2)
         WHERE id = $3 AND creator_id = $4
           AND ($1 != 'published' OR EXISTS (SELECT 1 FROM listing_files f WHERE f.listing_id = listings.id))
           AND ($1 = 'published' OR status = 'published')",
        s,
        published_at,
        id,
        creator_id,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub(crate) async fn create_upload(pool: &Pool, u: &UploadRow, now: DateTime<Utc>) -> Result<(), StoreError> {
    let hash = &u.sha256[..];
    query!(
        "INSERT INTO uploads (id, account_id, listing_id, size, sha256, received, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
        u.id,
        u.account_id,
        u.listing_id,
        u.size,
        hash,
        now,
        u.expires_at,
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn upload(pool: &Pool, id: &str) -> Result<Option<UploadRow>, StoreError> {
    let row = query!(
        r#"SELECT id AS "id!", account_id AS "account_id!: i64", listing_id AS "listing_id!: i64", size AS "size!: i64",
                  sha256, received AS "received!: i64", expires_at AS "expires_at!: DateTime<Utc>"
           FROM uploads WHERE id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(UploadRow {
            id: r.id,
            account_id: r.account_id,
            listing_id: r.listing_id,
            size: r.size,
            sha256: to_array(&r.sha256, "upload hash")?,
            received: r.received,
            expires_at: r.expires_at,
        })
    })
    .transpose()
}

pub(crate) async fn advance_upload(pool: &Pool, id: &str, from: i64, to: i64) -> Result<bool, StoreError> {
    let n = query!("UPDATE uploads SET received = $1 WHERE id = $2 AND received = $3", to, id, from)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(n == 1)
}

pub(crate) async fn delete_upload(pool: &Pool, id: &str) -> Result<(), StoreError> {
    query!("DELETE FROM uploads WHERE id = $1", id).execute(pool).await?;
    Ok(())
}

pub(crate) async fn expired_uploads(pool: &Pool, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    Ok(query_scalar!(r#"SELECT id AS "id!" FROM uploads WHERE expires_at < $1"#, now).fetch_all(pool).await?)
}

#[tracing::instrument(skip_all, fields(file_id = f.id))]
pub(crate) async fn register_file(
    pool: &Pool,
    f: &NewFile<'_>,
    entry: &NewLogEntry<'_>,
) -> Result<(u64, i64), StoreError> {
    let mut tx = pool.begin().await?;
    let leaf = append_in_tx(&mut tx, entry).await?;
    let leaf_i = to_i64(leaf)?;
    let (hash, alt) = (&f.sha256[..], f.alt_hash.as_ref().map(|h| &h[..]));
    let version = query_scalar!(
        r#"INSERT INTO listing_files (id, listing_id, version, sha256, size, file_type, storage_key, alt_hash, details, log_leaf, created_at, phash)
           VALUES ($1, $2, (SELECT COALESCE(MAX(version), 0) + 1 FROM listing_files WHERE listing_id = $2), $3, $4, $5, $6, $7, $8, $9, $10, $11)
           RETURNING version AS "version!: i64""#,
        f.id,
        f.listing_id,
        hash,
        f.size,
        f.file_type,
        f.storage_key,
        alt,
        f.details,
        leaf_i,
        entry.created_at,
        f.phash,
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| StoreError::on_unique(e, "this file"))?;
    if f.preview {
        query!(
            "INSERT INTO preview_jobs (file_id, status, created_at, updated_at) VALUES ($1, 'queued', $2, $2)",
            f.id,
            entry.created_at,
        )
        .execute(&mut *tx)
        .await?;
    }
    for (kind, prefix) in f.credits {
        query!(
            "INSERT INTO file_credits (file_id, kind, hash_prefix) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            f.id,
            kind,
            prefix
        )
        .execute(&mut *tx)
        .await?;
    }
    if let Some(upload) = f.upload_id {
        query!("DELETE FROM uploads WHERE id = $1", upload).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok((leaf, version))
}

pub(crate) async fn listing_files(pool: &Pool, listing_id: i64) -> Result<Vec<FileRow>, StoreError> {
    let rows = file_rows!("FROM listing_files f WHERE f.listing_id = $1 ORDER BY f.version DESC", listing_id)
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(|r| crate::files::file_row!(r)).collect()
}

/// Every file version of a creator's listings, per listing newest first: one
/// query for the Studio's list instead of one per listing.
pub(crate) async fn creator_files(pool: &Pool, creator_id: i64) -> Result<Vec<FileRow>, StoreError> {
    let rows = file_rows!(
        "FROM listing_files f JOIN listings l ON l.id = f.listing_id
           WHERE l.creator_id = $1 ORDER BY f.listing_id, f.version DESC",
        creator_id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::files::file_row!(r)).collect()
}

pub(crate) async fn files_by_hash(pool: &Pool, sha256: &[u8; 32]) -> Result<Vec<FileRow>, StoreError> {
    let hash = &sha256[..];
    let rows = file_rows!("FROM listing_files f WHERE f.sha256 = $1 ORDER BY f.log_leaf", hash).fetch_all(pool).await?;
    rows.into_iter().map(|r| crate::files::file_row!(r)).collect()
}

pub(crate) async fn creator_payout_address(pool: &Pool, creator_id: i64) -> Result<Option<String>, StoreError> {
    Ok(query_scalar!("SELECT payout_address FROM creators WHERE id = $1", creator_id)
        .fetch_optional(pool)
        .await?
        .flatten())
}

pub(crate) async fn set_creator_payout_address(pool: &Pool, creator_id: i64, address: &str) -> Result<(), StoreError> {
    query!("UPDATE creators SET payout_address = $2 WHERE id = $1", creator_id, address).execute(pool).await?;
    Ok(())
}
