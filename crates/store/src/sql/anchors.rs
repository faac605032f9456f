//! Anchors: the queries both databases run as written.

use super::Pool;
use crate::log::{to_i64, to_u64};
use crate::{AnchorRow, AnchorUpdate, StoreError};
use chrono::{DateTime, Utc};

pub(crate) async fn insert_anchor_intent(
    pool: &Pool,
    tree_size: u64,
    root: &[u8; 32],
    chain_id: u64,
    contract: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (size, chain, root) = (to_i64(tree_size)?, to_i64(chain_id)?, &root[..]);
    query!(
        "INSERT INTO anchors (tree_size, root, status, chain_id, contract, created_at, updated_at)
         VALUES ($1, $2, 'pending', $3, $4, $5, $5)",
        size,
        root,
        chain,
        contract,
        at,
    )
    .execute(pool)
    .await
    .map_err(|e| StoreError::on_unique(e, "an anchor for this tree size"))?;
    Ok(())
}

pub(crate) async fn update_anchor(pool: &Pool, tree_size: u64, u: &AnchorUpdate<'_>) -> Result<(), StoreError> {
    let size = to_i64(tree_size)?;
    let status = u.status.as_str();
    let block = u.block_number.map(to_i64).transpose()?;
    let attempted = i64::from(u.attempted);
    query!(
        "UPDATE anchors SET status = $2, tx_hash = $3, block_number = $4, attempts = attempts + $5,
                last_error = $6, updated_at = $7
         WHERE tree_size = $1",
        size,
        status,
        u.tx_hash,
        block,
        attempted,
        u.last_error,
        u.at,
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn confirmed_anchor_covering(pool: &Pool, tree_size: u64) -> Result<Option<AnchorRow>, StoreError> {
    let size = to_i64(tree_size)?;
    let row = query!(
        r#"SELECT tree_size AS "tree_size!: i64", root, status, chain_id AS "chain_id!: i64", contract, tx_hash,
                  block_number AS "block_number: i64", attempts AS "attempts!: i64", last_error
           FROM anchors WHERE status = 'confirmed' AND tree_size >= $1 ORDER BY tree_size LIMIT 1"#,
        size
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| crate::anchors::anchor_row!(r)).transpose()
}

pub(crate) async fn anchors_to_reconcile(
    pool: &Pool,
    confirmed_since_block: u64,
) -> Result<Vec<AnchorRow>, StoreError> {
    let block = to_i64(confirmed_since_block)?;
    let rows = query!(
        r#"SELECT tree_size AS "tree_size!: i64", root, status, chain_id AS "chain_id!: i64", contract, tx_hash,
                  block_number AS "block_number: i64", attempts AS "attempts!: i64", last_error
           FROM anchors
           WHERE status IN ('pending', 'sent') OR (status = 'confirmed' AND block_number >= $1)
           ORDER BY tree_size"#,
        block
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::anchors::anchor_row!(r)).collect()
}

pub(crate) async fn latest_live_anchor_size(pool: &Pool) -> Result<u64, StoreError> {
    let size = query_scalar!(
        r#"SELECT tree_size AS "tree_size!: i64" FROM anchors WHERE status <> 'superseded'
           ORDER BY tree_size DESC LIMIT 1"#
    )
    .fetch_optional(pool)
    .await?;
    size.map_or(Ok(0), |s| to_u64(s, "tree size"))
}

pub(crate) async fn latest_confirmed_anchor(pool: &Pool) -> Result<Option<AnchorRow>, StoreError> {
    let row = query!(
        r#"SELECT tree_size AS "tree_size!: i64", root, status, chain_id AS "chain_id!: i64", contract, tx_hash,
                  block_number AS "block_number: i64", attempts AS "attempts!: i64", last_error
           FROM anchors WHERE status = 'confirmed' ORDER BY tree_size DESC LIMIT 1"#
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| crate::anchors::anchor_row!(r)).transpose()
}

pub(crate) async fn anchors(pool: &Pool) -> Result<Vec<AnchorRow>, StoreError> {
    let rows = query!(
        r#"SELECT tree_size AS "tree_size!: i64", root, status, chain_id AS "chain_id!: i64", contract, tx_hash,
                  block_number AS "block_number: i64", attempts AS "attempts!: i64", last_error
           FROM anchors ORDER BY tree_size"#
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::anchors::anchor_row!(r)).collect()
}
