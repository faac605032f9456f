//! Previews: the queries both databases run as written.

use super::Pool;
use crate::{NewPreview, PreviewJob, PreviewJobStatus, PreviewRow, SimilarFile, StoreError};
use chrono::{DateTime, Utc};

pub(crate) async fn claim_preview_jobs(
    pool: &Pool,
    limit: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Vec<PreviewJob>, StoreError> {
    let claimed = query_skip_locked!(
        r#"UPDATE preview_jobs SET status = 'running', attempts = attempts + 1, not_before = $3, updated_at = $2
           WHERE id IN (SELECT id FROM preview_jobs
                        WHERE (status = 'queued' AND (not_before IS NULL OR not_before <= $2))
                           OR (status = 'running' AND not_before < $2)
                        ORDER BY id LIMIT $1"#,
        r#")
           RETURNING id AS "id!: i64", file_id AS "file_id!", attempts AS "attempts!: i64""#,
        limit,
        now,
        lease_until,
    )
    .fetch_all(pool)
    .await?;
    let mut jobs = Vec::with_capacity(claimed.len());
    for c in claimed {
        let f = query!(
            r#"SELECT f.storage_key AS "storage_key!", f.phash AS "phash?: i64", c.display_name AS "display_name!"
               FROM listing_files f JOIN listings l ON l.id = f.listing_id JOIN creators c ON c.id = l.creator_id
               WHERE f.id = $1"#,
            c.file_id
        )
        .fetch_one(pool)
        .await?;
        jobs.push(PreviewJob {
            id: c.id,
            file_id: c.file_id,
            attempts: c.attempts,
            storage_key: f.storage_key,
            creator_name: f.display_name,
            phash: f.phash,
        });
    }
    Ok(jobs)
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn finish_preview_job(
    pool: &Pool,
    job_id: i64,
    file_id: &str,
    previews: &[NewPreview<'_>],
    phash: i64,
    backend: &str,
    render_ms: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    query!("DELETE FROM previews WHERE file_id = $1", file_id).execute(&mut *tx).await?;
    for p in previews {
        query!(
            "INSERT INTO previews (file_id, long_edge, width, height, storage_key, bytes) VALUES ($1, $2, $3, $4, $5, $6)",
            file_id,
            p.long_edge,
            p.width,
            p.height,
            p.storage_key,
            p.bytes,
        )
        .execute(&mut *tx)
        .await?;
    }
    query!("UPDATE listing_files SET phash = COALESCE(phash, $2) WHERE id = $1", file_id, phash)
        .execute(&mut *tx)
        .await?;
    query!(
        "UPDATE preview_jobs SET status = 'done', last_error = NULL, not_before = NULL, backend = $2, render_ms = $3, updated_at = $4 WHERE id = $1",
        job_id,
        backend,
        render_ms,
        now,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn fail_preview_job(
    pool: &Pool,
    job_id: i64,
    error: &str,
    now: DateTime<Utc>,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    let status = if retry_at.is_some() { "queued" } else { "failed" };
    query!(
        "UPDATE preview_jobs SET status = $2, last_error = $3, not_before = $4, updated_at = $5 WHERE id = $1",
        job_id,
        status,
        error,
        retry_at,
        now,
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn listing_previews(pool: &Pool, listing_id: i64) -> Result<Vec<PreviewRow>, StoreError> {
    Ok(query_as!(
        PreviewRow,
        r#"SELECT p.file_id AS "file_id!", p.long_edge AS "long_edge!: i64", p.width AS "width!: i64", p.height AS "height!: i64",
                  p.storage_key AS "storage_key!", p.bytes AS "bytes!: i64"
           FROM previews p
           WHERE p.file_id = (SELECT f.id FROM listing_files f
                              WHERE f.listing_id = $1 AND EXISTS (SELECT 1 FROM previews q WHERE q.file_id = f.id)
                              ORDER BY f.version DESC LIMIT 1)
           ORDER BY p.long_edge DESC"#,
        listing_id
    )
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn creator_preview_jobs(pool: &Pool, creator_id: i64) -> Result<Vec<PreviewJobStatus>, StoreError> {
    Ok(query_as!(
        PreviewJobStatus,
        r#"SELECT j.file_id AS "file_id!", l.title AS "listing_title!", l.slug AS "listing_slug!", f.version AS "version!: i64",
                  j.status AS "status!", j.attempts AS "attempts!: i64", j.last_error AS "last_error?", j.backend AS "backend?",
                  j.render_ms AS "render_ms?: i64", j.updated_at AS "updated_at!: DateTime<Utc>"
           FROM preview_jobs j JOIN listing_files f ON f.id = j.file_id JOIN listings l ON l.id = f.listing_id
           WHERE l.creator_id = $1
           ORDER BY j.id DESC LIMIT 100"#,
        creator_id
    )
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn all_phashes(pool: &Pool) -> Result<Vec<(String, i64)>, StoreError> {
    let rows =
        query!(r#"SELECT id AS "id!", phash AS "phash!: i64" FROM listing_files WHERE phash IS NOT NULL ORDER BY id"#)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.phash)).collect())
}

pub(crate) async fn similar_file(pool: &Pool, file_id: &str) -> Result<Option<SimilarFile>, StoreError> {
    let r = query!(
        r#"SELECT f.id AS "id!", f.sha256 AS "sha256!", f.phash AS "phash!: i64", f.log_leaf AS "log_leaf!: i64",
                  l.slug AS "slug!", l.title AS "title!", c.display_name AS "display_name!"
           FROM listing_files f JOIN listings l ON l.id = f.listing_id JOIN creators c ON c.id = l.creator_id
           WHERE f.id = $1 AND f.phash IS NOT NULL"#,
        file_id
    )
    .fetch_optional(pool)
    .await?;
    r.map(|r| {
        Ok(SimilarFile {
            file_id: r.id,
            sha256: r.sha256.try_into().map_err(|_| StoreError::Corrupt("a file hash is not 32 bytes".into()))?,
            phash: r.phash,
            distance: 0,
            listing_slug: r.slug,
            listing_title: r.title,
            creator_name: r.display_name,
            log_leaf: r.log_leaf,
        })
    })
    .transpose()
}
