//! Log: the queries both databases run as written.

use super::{Conn, Pool, begin_read_snapshot, read_nodes};
use crate::log::{nodes_for_append, to_i64, to_u64};
use crate::{ContentEntries, LogEntryRow, NewLogEntry, StoreError};
use colophon_provenance::merkle::{NodeMap, append_needs};

#[tracing::instrument(skip_all)]
pub(crate) async fn append_log_entry(pool: &Pool, e: &NewLogEntry<'_>) -> Result<u64, StoreError> {
    let mut tx = pool.begin().await?;
    let leaf_index = append_in_tx(&mut tx, e).await?;
    tx.commit().await?;
    Ok(leaf_index)
}

/// Appends inside the caller's transaction (which must not have written yet on SQLite).
pub(crate) async fn append_in_tx(tx: &mut Conn, e: &NewLogEntry<'_>) -> Result<u64, StoreError> {
    let leaves = append_many_in_tx(tx, std::slice::from_ref(e)).await?;
    Ok(leaves.start)
}

/// Appends `entries` in order inside the caller's transaction, at the leaf
/// indexes returned: one head update and one read of the siblings they need
/// between them (a group commit appends a batch of sales this way).
pub(crate) async fn append_many_in_tx(
    tx: &mut Conn,
    entries: &[NewLogEntry<'_>],
) -> Result<std::ops::Range<u64>, StoreError> {
    let count = i64::try_from(entries.len()).map_err(|_| StoreError::Corrupt("batch size".into()))?;
    // The first statement writes: SQLite takes its write lock here, PostgreSQL
    // the head row's lock until commit. Concurrent appends queue behind it
    // (busy_timeout on SQLite) and each gets the next indexes.
    let end =
        query_scalar!(r#"UPDATE log_head SET size = size + $1 WHERE id = 1 RETURNING size AS "size!: i64""#, count)
            .fetch_one(&mut *tx)
            .await?;
    let end = to_u64(end, "log size")?;
    let first = end - entries.len() as u64;
    // What the batch's appends read that the batch does not write itself.
    let mut wanted: Vec<(u32, u64)> = (first..end).flat_map(append_needs).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut nodes = read_nodes(&mut *tx, &wanted).await?;
    for (leaf_index, e) in (first..end).zip(entries) {
        let index = to_i64(leaf_index)?;
        let kind = i64::from(e.kind);
        let (leaf_hash, public_key, signature) = (&e.leaf_hash[..], &e.public_key[..], &e.signature[..]);
        let content_hash = e.content_hash.as_ref().map(|h| &h[..]);
        query!(
            "INSERT INTO log_entries (leaf_index, leaf_hash, kind, statement, public_key, signature, content_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            index,
            leaf_hash,
            kind,
            e.statement,
            public_key,
            signature,
            content_hash,
            e.created_at,
        )
        .execute(&mut *tx)
        .await?;
        for (level, idx, hash) in nodes_for_append(leaf_index, e.leaf_hash, &nodes)? {
            let (l, i, h) = (i64::from(level), to_i64(idx)?, &hash[..]);
            query!("INSERT INTO log_nodes (level, idx, hash) VALUES ($1, $2, $3)", l, i, h).execute(&mut *tx).await?;
            nodes.0.insert((level, idx), hash);
        }
    }
    // The sale count per file (content_entries' total), in the same transaction.
    let mut sales: Vec<(&[u8; 32], i64)> = Vec::new();
    for e in entries.iter().filter(|e| e.kind != crate::log::REGISTRATION_KIND) {
        if let Some(hash) = &e.content_hash {
            match sales.iter_mut().find(|(h, _)| *h == hash) {
                Some((_, n)) => *n += 1,
                None => sales.push((hash, 1)),
            }
        }
    }
    for (hash, n) in sales {
        let hash = &hash[..];
        query!(
            "INSERT INTO content_sale_counts (content_hash, entries) VALUES ($1, $2)
             ON CONFLICT (content_hash) DO UPDATE SET entries = content_sale_counts.entries + excluded.entries",
            hash,
            n
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(first..end)
}

pub(crate) async fn log_size(pool: &Pool) -> Result<u64, StoreError> {
    let size = query_scalar!(r#"SELECT size AS "size!: i64" FROM log_head WHERE id = 1"#).fetch_one(pool).await?;
    to_u64(size, "log size")
}

pub(crate) async fn log_entry(pool: &Pool, leaf_index: u64) -> Result<Option<LogEntryRow>, StoreError> {
    let index = to_i64(leaf_index)?;
    let row = query!(
        r#"SELECT leaf_index AS "leaf_index!: i64", leaf_hash, kind AS "kind!: i64", statement, public_key, signature
           FROM log_entries WHERE leaf_index = $1"#,
        index
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| crate::log::log_entry_row!(r)).transpose()
}

pub(crate) async fn content_entries(
    pool: &Pool,
    content_hash: &[u8; 32],
    before: Option<u64>,
    limit: u32,
) -> Result<ContentEntries, StoreError> {
    let hash = &content_hash[..];
    let before = before.map_or(Ok(i64::MAX), to_i64)?;
    let limit = i64::from(limit);
    // One snapshot: the page and the total agree.
    let mut tx = begin_read_snapshot(pool).await?;
    // Kind 1 (REGISTRATION_KIND) is ContentRegistered; the others about a file are sales and licences.
    let registrations = query!(
        r#"SELECT leaf_index AS "leaf_index!: i64", leaf_hash, kind AS "kind!: i64", statement, public_key, signature
           FROM log_entries WHERE content_hash = $1 AND kind = 1 ORDER BY leaf_index"#,
        hash
    )
    .fetch_all(&mut *tx)
    .await?;
    let sales = query!(
        r#"SELECT leaf_index AS "leaf_index!: i64", leaf_hash, kind AS "kind!: i64", statement, public_key, signature
           FROM log_entries WHERE content_hash = $1 AND kind <> 1 AND leaf_index < $2
           ORDER BY leaf_index DESC LIMIT $3"#,
        hash,
        before,
        limit,
    )
    .fetch_all(&mut *tx)
    .await?;
    let total = query_scalar!(r#"SELECT entries AS "n!: i64" FROM content_sale_counts WHERE content_hash = $1"#, hash)
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or(0);
    tx.commit().await?;
    Ok(ContentEntries {
        registrations: registrations.into_iter().map(|r| crate::log::log_entry_row!(r)).collect::<Result<_, _>>()?,
        sales: sales.into_iter().map(|r| crate::log::log_entry_row!(r)).collect::<Result<_, _>>()?,
        sales_total: to_u64(total, "sale count")?,
    })
}

pub(crate) async fn log_nodes(pool: &Pool, wanted: &[(u32, u64)]) -> Result<NodeMap, StoreError> {
    read_nodes(&mut *pool.acquire().await?, wanted).await
}
