//! PostgreSQL queries (compile-time checked; offline data in `.sqlx/`).
//!
//! Offline data is keyed by the query text, so a query that reads the same in
//! both dialects (no placeholders) ends with `-- postgres` here to keep its
//! entry apart from the SQLite one.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::{ListingRow, ListingStatus, NewCreator, NewListing, StoreError};

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
    rows.into_iter().map(|r| crate::listings::listing_row!(r)).collect()
}

// --- log ---------------------------------------------------------------------

use crate::{
    AnchorRow, AnchorUpdate, ContentEntries, LogEntryRow, NewLogEntry,
    log::{node_row, nodes_for_append, to_array, to_i64, to_u64},
};
use colophon_provenance::merkle::{NodeMap, append_needs};

#[tracing::instrument(skip_all)]
pub(crate) async fn append_log_entry(pool: &PgPool, e: &NewLogEntry<'_>) -> Result<u64, StoreError> {
    let mut tx = pool.begin().await?;
    let leaf_index = append_in_tx(&mut tx, e).await?;
    tx.commit().await?;
    Ok(leaf_index)
}

/// Appends inside the caller's transaction (which must not have written yet on SQLite).
pub(crate) async fn append_in_tx(tx: &mut sqlx::PgConnection, e: &NewLogEntry<'_>) -> Result<u64, StoreError> {
    // Updating the head row locks it until commit, so concurrent appends
    // queue behind this one and each gets the next index.
    let index = sqlx::query_scalar!(
        r#"UPDATE log_head SET size = size + 1 WHERE id = 1 RETURNING size - 1 AS "idx!: i64" -- postgres"#
    )
    .fetch_one(&mut *tx)
    .await?;
    let leaf_index = to_u64(index, "log size")?;
    let siblings = read_nodes(&mut *tx, &append_needs(leaf_index)).await?;
    let kind = i64::from(e.kind);
    let (leaf_hash, public_key, signature) = (&e.leaf_hash[..], &e.public_key[..], &e.signature[..]);
    let content_hash = e.content_hash.as_ref().map(|h| &h[..]);
    sqlx::query!(
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
    for (level, idx, hash) in nodes_for_append(leaf_index, e.leaf_hash, siblings)? {
        let (l, i, h) = (i64::from(level), to_i64(idx)?, &hash[..]);
        sqlx::query!("INSERT INTO log_nodes (level, idx, hash) VALUES ($1, $2, $3)", l, i, h).execute(&mut *tx).await?;
    }
    Ok(leaf_index)
}

pub(crate) async fn log_size(pool: &PgPool) -> Result<u64, StoreError> {
    let size = sqlx::query_scalar!(r#"SELECT size AS "size!: i64" FROM log_head WHERE id = 1 -- postgres"#)
        .fetch_one(pool)
        .await?;
    to_u64(size, "log size")
}

pub(crate) async fn log_entry(pool: &PgPool, leaf_index: u64) -> Result<Option<LogEntryRow>, StoreError> {
    let index = to_i64(leaf_index)?;
    let row = sqlx::query!(
        r#"SELECT leaf_index AS "leaf_index!: i64", leaf_hash, kind AS "kind!: i64", statement, public_key, signature
           FROM log_entries WHERE leaf_index = $1"#,
        index
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| crate::log::log_entry_row!(r)).transpose()
}

pub(crate) async fn content_entries(
    pool: &PgPool,
    content_hash: &[u8; 32],
    before: Option<u64>,
    limit: u32,
) -> Result<ContentEntries, StoreError> {
    let hash = &content_hash[..];
    let before = before.map_or(Ok(i64::MAX), to_i64)?;
    let limit = i64::from(limit);
    // One snapshot: the page and the total agree.
    let mut tx = pool.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    // Kind 1 is ContentRegistered; the others about a file are sales and licences.
    let registrations = sqlx::query!(
        r#"SELECT leaf_index AS "leaf_index!: i64", leaf_hash, kind AS "kind!: i64", statement, public_key, signature
           FROM log_entries WHERE content_hash = $1 AND kind = 1 ORDER BY leaf_index"#,
        hash
    )
    .fetch_all(&mut *tx)
    .await?;
    let sales = sqlx::query!(
        r#"SELECT leaf_index AS "leaf_index!: i64", leaf_hash, kind AS "kind!: i64", statement, public_key, signature
           FROM log_entries WHERE content_hash = $1 AND kind <> 1 AND leaf_index < $2
           ORDER BY leaf_index DESC LIMIT $3"#,
        hash,
        before,
        limit,
    )
    .fetch_all(&mut *tx)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM log_entries WHERE content_hash = $1 AND kind <> 1"#,
        hash
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(ContentEntries {
        registrations: registrations.into_iter().map(|r| crate::log::log_entry_row!(r)).collect::<Result<_, _>>()?,
        sales: sales.into_iter().map(|r| crate::log::log_entry_row!(r)).collect::<Result<_, _>>()?,
        sales_total: to_u64(total, "sale count")?,
    })
}

pub(crate) async fn log_nodes(pool: &PgPool, wanted: &[(u32, u64)]) -> Result<NodeMap, StoreError> {
    read_nodes(&mut *pool.acquire().await?, wanted).await
}

/// The stored nodes among `wanted`, in one query of primary-key look-ups.
async fn read_nodes(conn: &mut sqlx::PgConnection, wanted: &[(u32, u64)]) -> Result<NodeMap, StoreError> {
    let mut nodes = NodeMap::default();
    if wanted.is_empty() {
        return Ok(nodes);
    }
    let levels: Vec<i64> = wanted.iter().map(|&(l, _)| i64::from(l)).collect();
    let indices = wanted.iter().map(|&(_, i)| to_i64(i)).collect::<Result<Vec<_>, _>>()?;
    let rows = sqlx::query!(
        r#"SELECT n.level, n.idx, n.hash
           FROM UNNEST($1::int8[], $2::int8[]) AS w(level, idx)
           JOIN log_nodes AS n ON n.level = w.level AND n.idx = w.idx"#,
        &levels,
        &indices,
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let (at, hash) = node_row(r.level, r.idx, &r.hash)?;
        nodes.0.insert(at, hash);
    }
    Ok(nodes)
}

// --- anchors -------------------------------------------------------------------

pub(crate) async fn insert_anchor_intent(
    pool: &PgPool,
    tree_size: u64,
    root: &[u8; 32],
    chain_id: u64,
    contract: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (size, chain, root) = (to_i64(tree_size)?, to_i64(chain_id)?, &root[..]);
    sqlx::query!(
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

pub(crate) async fn update_anchor(pool: &PgPool, tree_size: u64, u: &AnchorUpdate<'_>) -> Result<(), StoreError> {
    let size = to_i64(tree_size)?;
    let status = u.status.as_str();
    let block = u.block_number.map(to_i64).transpose()?;
    let attempted = i64::from(u.attempted);
    sqlx::query!(
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

pub(crate) async fn confirmed_anchor_covering(pool: &PgPool, tree_size: u64) -> Result<Option<AnchorRow>, StoreError> {
    let size = to_i64(tree_size)?;
    let row = sqlx::query!(
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
    pool: &PgPool,
    confirmed_since_block: u64,
) -> Result<Vec<AnchorRow>, StoreError> {
    let block = to_i64(confirmed_since_block)?;
    let rows = sqlx::query!(
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

pub(crate) async fn latest_live_anchor_size(pool: &PgPool) -> Result<u64, StoreError> {
    let size = sqlx::query_scalar!(
        r#"SELECT tree_size AS "tree_size!: i64" FROM anchors WHERE status <> 'superseded'
           ORDER BY tree_size DESC LIMIT 1 -- postgres"#
    )
    .fetch_optional(pool)
    .await?;
    size.map_or(Ok(0), |s| to_u64(s, "tree size"))
}

pub(crate) async fn latest_confirmed_anchor(pool: &PgPool) -> Result<Option<AnchorRow>, StoreError> {
    let row = sqlx::query!(
        r#"SELECT tree_size AS "tree_size!: i64", root, status, chain_id AS "chain_id!: i64", contract, tx_hash,
                  block_number AS "block_number: i64", attempts AS "attempts!: i64", last_error
           FROM anchors WHERE status = 'confirmed' ORDER BY tree_size DESC LIMIT 1 -- postgres"#
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| crate::anchors::anchor_row!(r)).transpose()
}

pub(crate) async fn anchors(pool: &PgPool) -> Result<Vec<AnchorRow>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT tree_size AS "tree_size!: i64", root, status, chain_id AS "chain_id!: i64", contract, tx_hash,
                  block_number AS "block_number: i64", attempts AS "attempts!: i64", last_error
           FROM anchors ORDER BY tree_size -- postgres"#
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::anchors::anchor_row!(r)).collect()
}

// --- accounts and keys ---------------------------------------------------------

use crate::{AccountRow, CreatorRow, KeyRow, NewKey};

#[tracing::instrument(skip_all)]
pub(crate) async fn create_account(
    pool: &PgPool,
    email: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    sqlx::query_scalar!(
        r#"INSERT INTO accounts (email, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id AS "id!: i64""#,
        email,
        password_hash,
        now,
    )
    .fetch_one(pool)
    .await
    .map_err(|e| StoreError::on_unique(e, "an account with this email"))
}

pub(crate) async fn account_credentials(pool: &PgPool, email: &str) -> Result<Option<(i64, String)>, StoreError> {
    let row = sqlx::query!(r#"SELECT id AS "id!: i64", password_hash FROM accounts WHERE email = $1"#, email)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| (r.id, r.password_hash)))
}

pub(crate) async fn account(pool: &PgPool, id: i64) -> Result<Option<AccountRow>, StoreError> {
    let row = sqlx::query!(
        r#"SELECT a.id AS "id!: i64", a.email, c.id AS "creator_id?: i64", c.handle AS "handle?: String",
                  c.display_name AS "display_name?: String", c.bio AS "bio?: String"
           FROM accounts a LEFT JOIN creators c ON c.account_id = a.id
           WHERE a.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| AccountRow {
        id: r.id,
        email: r.email,
        creator: match (r.creator_id, r.handle, r.display_name, r.bio) {
            (Some(id), Some(handle), Some(display_name), Some(bio)) => {
                Some(CreatorRow { id, handle, display_name, bio })
            }
            _ => None,
        },
    }))
}

#[tracing::instrument(skip_all, fields(handle))]
pub(crate) async fn become_creator(
    pool: &PgPool,
    account_id: i64,
    handle: &str,
    display_name: &str,
    bio: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    sqlx::query_scalar!(
        r#"INSERT INTO creators (handle, display_name, bio, account_id, created_at) VALUES ($1, $2, $3, $4, $5)
           RETURNING id AS "id!: i64""#,
        handle,
        display_name,
        bio,
        account_id,
        now,
    )
    .fetch_one(pool)
    .await
    .map_err(|e| StoreError::on_unique(e, "a creator with this handle (or for this account)"))
}

pub(crate) async fn update_creator_profile(
    pool: &PgPool,
    creator_id: i64,
    display_name: &str,
    bio: &str,
) -> Result<(), StoreError> {
    sqlx::query!("UPDATE creators SET display_name = $1, bio = $2 WHERE id = $3", display_name, bio, creator_id)
        .execute(pool)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(creator_id = key.creator_id))]
pub(crate) async fn register_key(pool: &PgPool, key: &NewKey<'_>) -> Result<u64, StoreError> {
    let mut tx = pool.begin().await?;
    let leaf = append_in_tx(&mut tx, &key.entry).await?;
    let leaf_i = to_i64(leaf)?;
    if let Some(old) = key.replaces {
        let old = &old[..];
        let changed = sqlx::query!(
            "UPDATE creator_keys SET status = 'rotated', ended_leaf = $1, revoke_reason = 'superseded', ended_at = $2
             WHERE key_id = $3 AND creator_id = $4 AND status = 'active'",
            leaf_i,
            key.entry.created_at,
            old,
            key.creator_id,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::Conflict { what: "a newer key for this creator" });
        }
    }
    let (key_id, public_key) = (&key.key_id[..], &key.public_key[..]);
    sqlx::query!(
        "INSERT INTO creator_keys (key_id, creator_id, public_key, status, registered_leaf, created_at)
         VALUES ($1, $2, $3, 'active', $4, $5)",
        key_id,
        key.creator_id,
        public_key,
        leaf_i,
        key.entry.created_at,
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| StoreError::on_unique(e, "an active key for this creator (or this key)"))?;
    tx.commit().await?;
    Ok(leaf)
}

#[tracing::instrument(skip_all)]
pub(crate) async fn revoke_key(
    pool: &PgPool,
    key_id: &[u8; 32],
    reason: &str,
    entry: &NewLogEntry<'_>,
) -> Result<u64, StoreError> {
    let mut tx = pool.begin().await?;
    let leaf = append_in_tx(&mut tx, entry).await?;
    let leaf_i = to_i64(leaf)?;
    let key_id = &key_id[..];
    // A rotated key can still be revoked (e.g. found compromised later); the reason is then updated.
    let changed = sqlx::query!(
        "UPDATE creator_keys SET status = 'revoked', ended_leaf = $1, revoke_reason = $2, ended_at = $3
         WHERE key_id = $4 AND status != 'revoked'",
        leaf_i,
        reason,
        entry.created_at,
        key_id,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(StoreError::Conflict { what: "a revocation of this key" });
    }
    tx.commit().await?;
    Ok(leaf)
}

pub(crate) async fn creator_keys(pool: &PgPool, creator_id: i64) -> Result<Vec<KeyRow>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT key_id AS "key_id!", creator_id AS "creator_id!: i64", public_key, status, registered_leaf AS "registered_leaf!: i64",
                  ended_leaf AS "ended_leaf: i64", revoke_reason, created_at AS "created_at!: DateTime<Utc>"
           FROM creator_keys WHERE creator_id = $1 ORDER BY registered_leaf DESC"#,
        creator_id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::accounts::key_row!(r)).collect()
}

pub(crate) async fn key(pool: &PgPool, key_id: &[u8; 32]) -> Result<Option<KeyRow>, StoreError> {
    let key_id = &key_id[..];
    let row = sqlx::query!(
        r#"SELECT key_id AS "key_id!", creator_id AS "creator_id!: i64", public_key, status, registered_leaf AS "registered_leaf!: i64",
                  ended_leaf AS "ended_leaf: i64", revoke_reason, created_at AS "created_at!: DateTime<Utc>"
           FROM creator_keys WHERE key_id = $1"#,
        key_id
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| crate::accounts::key_row!(r)).transpose()
}

// --- sessions ----------------------------------------------------------------

pub(crate) async fn session_insert(pool: &PgPool, id: &str, data: &[u8], expires_at: i64) -> Result<bool, StoreError> {
    let n = sqlx::query!(
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

pub(crate) async fn session_save(pool: &PgPool, id: &str, data: &[u8], expires_at: i64) -> Result<(), StoreError> {
    sqlx::query!(
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

pub(crate) async fn session_load(pool: &PgPool, id: &str, now: i64) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(sqlx::query_scalar!("SELECT data FROM sessions WHERE id = $1 AND expires_at > $2", id, now)
        .fetch_optional(pool)
        .await?)
}

pub(crate) async fn session_delete(pool: &PgPool, id: &str) -> Result<(), StoreError> {
    sqlx::query!("DELETE FROM sessions WHERE id = $1", id).execute(pool).await?;
    Ok(())
}

pub(crate) async fn session_delete_expired(pool: &PgPool, now: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query!("DELETE FROM sessions WHERE expires_at <= $1", now).execute(pool).await?.rows_affected())
}

// --- listings (creator side), files, uploads ---------------------------------

use crate::{FileRow, ListingDraft, NewFile, OwnedListing, UploadRow};

#[tracing::instrument(skip_all, fields(slug = d.slug))]
pub(crate) async fn create_draft(pool: &PgPool, d: &ListingDraft<'_>) -> Result<i64, StoreError> {
    let kind = d.kind.as_str();
    let hash = &d.license_hash[..];
    sqlx::query_scalar!(
        r#"INSERT INTO listings
             (creator_id, slug, kind, title, description, price_minor, currency, edition_size, status, created_at,
              sale_starts_at, sale_ends_at, per_account_cap, tags, license_json, license_hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $11, $12, $13, $14, $15)
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
    )
    .fetch_one(pool)
    .await
    .map_err(|e| StoreError::on_unique(e, "a listing with this slug"))
}

pub(crate) async fn creator_listings(pool: &PgPool, creator_id: i64) -> Result<Vec<OwnedListing>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT l.id AS "id!: i64", l.creator_id AS "creator_id!: i64", l.slug, l.kind, l.title, l.description, l.status,
                  l.price_minor AS "price_minor!: i64", l.currency, l.edition_size AS "edition_size: i64",
                  l.editions_sold AS "sold!: i64", l.tags, l.license_json, l.license_hash,
                  (SELECT count(*) FROM listing_files f WHERE f.listing_id = l.id) AS "files!: i64"
           FROM listings l WHERE l.creator_id = $1 ORDER BY l.created_at DESC, l.id DESC"#,
        creator_id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::files::owned_listing!(r)).collect()
}

pub(crate) async fn owned_listing(pool: &PgPool, id: i64) -> Result<Option<OwnedListing>, StoreError> {
    let row = sqlx::query!(
        r#"SELECT l.id AS "id!: i64", l.creator_id AS "creator_id!: i64", l.slug, l.kind, l.title, l.description, l.status,
                  l.price_minor AS "price_minor!: i64", l.currency, l.edition_size AS "edition_size: i64",
                  l.editions_sold AS "sold!: i64", l.tags, l.license_json, l.license_hash,
                  (SELECT count(*) FROM listing_files f WHERE f.listing_id = l.id) AS "files!: i64"
           FROM listings l WHERE l.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| crate::files::owned_listing!(r)).transpose()
}

pub(crate) async fn set_listing_status(
    pool: &PgPool,
    id: i64,
    creator_id: i64,
    status: ListingStatus,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let s = status.as_str();
    let n = sqlx::query!(
        "UPDATE listings SET status = $1, published_at = COALESCE(published_at, CASE WHEN $1::text = 'published' THEN $2::timestamptz END)
         WHERE id = $3 AND creator_id = $4
           AND ($1::text != 'published' OR EXISTS (SELECT 1 FROM listing_files f WHERE f.listing_id = listings.id))
           AND ($1::text = 'published' OR status = 'published')",
        s,
        now,
        id,
        creator_id,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub(crate) async fn create_upload(pool: &PgPool, u: &UploadRow, now: DateTime<Utc>) -> Result<(), StoreError> {
    let hash = &u.sha256[..];
    sqlx::query!(
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

pub(crate) async fn upload(pool: &PgPool, id: &str) -> Result<Option<UploadRow>, StoreError> {
    let row = sqlx::query!(
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

pub(crate) async fn advance_upload(pool: &PgPool, id: &str, from: i64, to: i64) -> Result<bool, StoreError> {
    let n = sqlx::query!("UPDATE uploads SET received = $1 WHERE id = $2 AND received = $3", to, id, from)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(n == 1)
}

pub(crate) async fn delete_upload(pool: &PgPool, id: &str) -> Result<(), StoreError> {
    sqlx::query!("DELETE FROM uploads WHERE id = $1", id).execute(pool).await?;
    Ok(())
}

pub(crate) async fn expired_uploads(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar!(r#"SELECT id AS "id!" FROM uploads WHERE expires_at < $1"#, now).fetch_all(pool).await?)
}

#[tracing::instrument(skip_all, fields(file_id = f.id))]
pub(crate) async fn register_file(
    pool: &PgPool,
    f: &NewFile<'_>,
    entry: &NewLogEntry<'_>,
) -> Result<(u64, i64), StoreError> {
    let mut tx = pool.begin().await?;
    let leaf = append_in_tx(&mut tx, entry).await?;
    let leaf_i = to_i64(leaf)?;
    let (hash, alt) = (&f.sha256[..], f.alt_hash.as_ref().map(|h| &h[..]));
    let version = sqlx::query_scalar!(
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
        sqlx::query!(
            "INSERT INTO preview_jobs (file_id, status, created_at, updated_at) VALUES ($1, 'queued', $2, $2)",
            f.id,
            entry.created_at,
        )
        .execute(&mut *tx)
        .await?;
    }
    for (kind, prefix) in f.credits {
        sqlx::query!(
            "INSERT INTO file_credits (file_id, kind, hash_prefix) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            f.id,
            kind,
            prefix
        )
        .execute(&mut *tx)
        .await?;
    }
    if let Some(upload) = f.upload_id {
        sqlx::query!("DELETE FROM uploads WHERE id = $1", upload).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok((leaf, version))
}

pub(crate) async fn listing_files(pool: &PgPool, listing_id: i64) -> Result<Vec<FileRow>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", listing_id AS "listing_id!: i64", version AS "version!: i64", sha256, size AS "size!: i64",
                  file_type, storage_key, alt_hash, details, log_leaf AS "log_leaf!: i64", created_at AS "created_at!: DateTime<Utc>"
           FROM listing_files WHERE listing_id = $1 ORDER BY version DESC"#,
        listing_id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::files::file_row!(r)).collect()
}

pub(crate) async fn files_by_hash(pool: &PgPool, sha256: &[u8; 32]) -> Result<Vec<FileRow>, StoreError> {
    let hash = &sha256[..];
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", listing_id AS "listing_id!: i64", version AS "version!: i64", sha256, size AS "size!: i64",
                  file_type, storage_key, alt_hash, details, log_leaf AS "log_leaf!: i64", created_at AS "created_at!: DateTime<Utc>"
           FROM listing_files WHERE sha256 = $1 ORDER BY log_leaf"#,
        hash
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::files::file_row!(r)).collect()
}

// --- orders ------------------------------------------------------------------

use crate::orders::{Purchase, SaleTerms, TxOutcome, allocation};
use crate::{Allocation, OrderRow, Refusal, SaleRow};

#[tracing::instrument(skip_all, fields(listing = p.listing_id))]
pub(crate) async fn checkout<F>(pool: &PgPool, p: &Purchase<'_>, sign: F) -> Result<TxOutcome, StoreError>
where
    F: FnOnce(&Allocation) -> Result<colophon_provenance::SignedStatement, StoreError> + Send,
{
    let mut tx = pool.begin().await?;
    // The UPDATE takes the listing's row lock: concurrent buyers of one
    // listing queue here, and each later statement (READ COMMITTED) sees
    // what the previous holder committed.
    let Some(b) = sqlx::query!(
        r#"UPDATE listings SET editions_sold = editions_sold + 1
           WHERE id = $1 AND status = 'published'
             AND (edition_size IS NULL OR editions_sold < edition_size)
             AND (sale_starts_at IS NULL OR sale_starts_at <= $2)
             AND (sale_ends_at IS NULL OR sale_ends_at > $2)
           RETURNING editions_sold AS "sold!: i64", kind, edition_size AS "edition_size: i64",
                     price_minor AS "price_minor!: i64", currency, license_hash, per_account_cap AS "cap: i64""#,
        p.listing_id,
        p.now,
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(TxOutcome::Unavailable);
    };
    if b.price_minor != p.price_minor {
        return Ok(TxOutcome::Refused(Refusal::PriceChanged));
    }
    let held = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!: i64" FROM orders WHERE account_id = $1 AND listing_id = $2 AND status = 'paid'"#,
        p.account_id,
        p.listing_id,
    )
    .fetch_one(&mut *tx)
    .await?;
    if b.kind != "edition" && held > 0 {
        return Ok(TxOutcome::Refused(Refusal::AlreadyLicensed));
    }
    if let Some(cap) = b.cap.filter(|&cap| held >= cap) {
        return Ok(TxOutcome::Refused(Refusal::CapReached(cap)));
    }
    let file = sqlx::query!(
        r#"SELECT id, sha256 FROM listing_files WHERE listing_id = $1 ORDER BY version DESC LIMIT 1"#,
        p.listing_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let alloc = allocation(
        &b.kind,
        b.sold,
        b.edition_size,
        b.price_minor,
        b.currency,
        b.license_hash.as_deref(),
        (file.id, &file.sha256),
    )?;
    let signed = sign(&alloc)?;
    let leaf = to_i64(append_in_tx(&mut tx, &NewLogEntry::from_signed(&signed, p.now)).await?)?;
    let edition = alloc.edition.map(to_i64).transpose()?;
    let inserted = sqlx::query!(
        "INSERT INTO orders (id, account_id, listing_id, file_id, edition, price_minor, currency, payment_provider,
                             payment_ref, idempotency_key, buyer_salt, log_leaf, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        p.order_id,
        p.account_id,
        p.listing_id,
        alloc.file_id,
        edition,
        b.price_minor,
        alloc.currency,
        p.payment_provider,
        p.payment_ref,
        p.idempotency_key,
        &p.buyer_salt[..],
        leaf,
        p.now,
    )
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => return Ok(TxOutcome::DuplicateKey),
        Err(e) => return Err(e.into()),
    }
    // The creator's webhooks hear of the sale from this same transaction (an outbox).
    let listing =
        sqlx::query!("SELECT slug, title FROM listings WHERE id = $1", p.listing_id).fetch_one(&mut *tx).await?;
    let payload = crate::webhooks::sale_payload(p, &alloc, &listing.slug, &listing.title, leaf)?;
    sqlx::query!(
        "INSERT INTO webhook_deliveries (webhook_id, event, event_id, payload, status, attempts, next_attempt_at, created_at)
         SELECT w.id, 'sale', $1, $2, 'pending', 0, $3, $3
         FROM webhooks w JOIN listings l ON l.creator_id = w.creator_id
         WHERE l.id = $4 AND w.disabled_at IS NULL",
        p.order_id,
        payload,
        p.now,
        p.listing_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(TxOutcome::Done)
}

pub(crate) async fn order(pool: &PgPool, id: &str) -> Result<Option<OrderRow>, StoreError> {
    let row = sqlx::query!(
        r#"SELECT o.id, o.account_id, o.listing_id, l.slug, l.title, l.kind,
                  c.display_name AS creator_name, c.handle AS creator_handle, o.file_id, f.sha256, f.file_type,
                  f.size, f.storage_key, o.edition, l.edition_size,
                  o.price_minor, o.currency, o.payment_provider, o.payment_ref, o.buyer_salt,
                  o.log_leaf, o.created_at
           FROM orders o JOIN listings l ON l.id = o.listing_id JOIN creators c ON c.id = l.creator_id
                JOIN listing_files f ON f.id = o.file_id
           WHERE o.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| crate::orders::order_row!(r)).transpose()
}

pub(crate) async fn account_orders(pool: &PgPool, account_id: i64) -> Result<Vec<OrderRow>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT o.id, o.account_id, o.listing_id, l.slug, l.title, l.kind,
                  c.display_name AS creator_name, c.handle AS creator_handle, o.file_id, f.sha256, f.file_type,
                  f.size, f.storage_key, o.edition, l.edition_size,
                  o.price_minor, o.currency, o.payment_provider, o.payment_ref, o.buyer_salt,
                  o.log_leaf, o.created_at
           FROM orders o JOIN listings l ON l.id = o.listing_id JOIN creators c ON c.id = l.creator_id
                JOIN listing_files f ON f.id = o.file_id
           WHERE o.account_id = $1 AND o.status = 'paid'
           ORDER BY o.created_at DESC, o.log_leaf DESC"#,
        account_id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::orders::order_row!(r)).collect()
}

pub(crate) async fn order_id_by_key(pool: &PgPool, account_id: i64, key: &str) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar!("SELECT id FROM orders WHERE account_id = $1 AND idempotency_key = $2", account_id, key)
        .fetch_optional(pool)
        .await?)
}

pub(crate) async fn holdings(pool: &PgPool, account_id: i64, listing_id: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!: i64" FROM orders WHERE account_id = $1 AND listing_id = $2 AND status = 'paid'"#,
        account_id,
        listing_id
    )
    .fetch_one(pool)
    .await?)
}

pub(crate) async fn creator_sales(pool: &PgPool, creator_id: i64) -> Result<Vec<SaleRow>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT o.id AS order_id, o.listing_id, l.title, l.kind, o.edition, l.edition_size, o.price_minor, o.currency,
                  o.log_leaf, o.created_at
           FROM orders o JOIN listings l ON l.id = o.listing_id
           WHERE l.creator_id = $1 AND o.status = 'paid'
           ORDER BY o.created_at DESC, o.log_leaf DESC"#,
        creator_id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::orders::sale_row!(r)).collect()
}

pub(crate) async fn listing_sales(pool: &PgPool, listing_id: i64, limit: u32) -> Result<Vec<SaleRow>, StoreError> {
    let limit = i64::from(limit);
    let rows = sqlx::query!(
        r#"SELECT o.id AS order_id, o.listing_id, l.title, l.kind, o.edition, l.edition_size, o.price_minor, o.currency,
                  o.log_leaf, o.created_at
           FROM orders o JOIN listings l ON l.id = o.listing_id
           WHERE o.listing_id = $1 AND o.status = 'paid'
           ORDER BY o.log_leaf DESC LIMIT $2"#,
        listing_id,
        limit,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::orders::sale_row!(r)).collect()
}

pub(crate) async fn sale_terms(pool: &PgPool, listing_id: i64) -> Result<SaleTerms, StoreError> {
    let row = sqlx::query!(
        "SELECT sale_starts_at, sale_ends_at, per_account_cap, published_at FROM listings WHERE id = $1",
        listing_id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row
        .map(|r| SaleTerms {
            starts_at: r.sale_starts_at,
            ends_at: r.sale_ends_at,
            per_account_cap: r.per_account_cap,
            published_at: r.published_at,
        })
        .unwrap_or_default())
}

// --- search ------------------------------------------------------------------

use crate::{ListingKind, SearchPage, SearchQuery};

pub(crate) async fn search_listings(pool: &PgPool, q: &SearchQuery<'_>) -> Result<SearchPage, StoreError> {
    let terms = crate::listings::search_terms(q.text);
    // Each word (letters and digits only) as a prefix; all must match.
    let text = (!terms.is_empty()).then(|| terms.iter().map(|t| format!("{t}:*")).collect::<Vec<_>>().join(" & "));
    let kind = q.kind.map(ListingKind::as_str);
    let rows = sqlx::query!(
        r#"SELECT l.id, l.slug, l.kind, l.title, c.display_name AS creator_name, l.price_minor, l.currency,
                  l.edition_size, l.editions_sold AS sold, count(*) OVER () AS "total!"
           FROM listings l JOIN creators c ON c.id = l.creator_id
           WHERE l.status = 'published'
             AND ($1::text IS NULL
                  OR l.search @@ to_tsquery('colophon', $1)
                  OR to_tsvector('colophon', c.display_name || ' ' || c.handle) @@ to_tsquery('colophon', $1))
             AND ($2::text IS NULL OR l.kind = $2)
             AND ($3::text IS NULL OR c.handle = $3)
             AND ($4::bigint IS NULL OR l.price_minor >= $4)
             AND ($5::bigint IS NULL OR l.price_minor <= $5)
             AND (NOT $6 OR ((l.edition_size IS NULL OR l.editions_sold < l.edition_size)
                             AND (l.sale_starts_at IS NULL OR l.sale_starts_at <= $7)
                             AND (l.sale_ends_at IS NULL OR l.sale_ends_at > $7)))
           ORDER BY
             CASE WHEN $8 = 'relevance' AND $1::text IS NOT NULL THEN ts_rank(l.search, to_tsquery('colophon', $1)) END
               DESC NULLS LAST,
             CASE WHEN $8 = 'price_asc' THEN l.price_minor END,
             CASE WHEN $8 = 'price_desc' THEN l.price_minor END DESC,
             l.published_at DESC, l.id DESC
           LIMIT $9 OFFSET $10"#,
        text,
        kind,
        q.creator,
        q.min_price_minor,
        q.max_price_minor,
        q.available_now,
        q.now,
        q.sort.as_str(),
        q.limit,
        q.offset,
    )
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let rows = rows.into_iter().map(|r| crate::listings::listing_row!(r)).collect::<Result<_, _>>()?;
    Ok(SearchPage { rows, total })
}

pub(crate) async fn listing_id_by_slug(pool: &PgPool, slug: &str) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar!("SELECT id FROM listings WHERE slug = $1", slug).fetch_optional(pool).await?)
}

pub(crate) async fn creator(pool: &PgPool, id: i64) -> Result<Option<CreatorRow>, StoreError> {
    Ok(sqlx::query_as!(CreatorRow, "SELECT id, handle, display_name, bio FROM creators WHERE id = $1", id)
        .fetch_optional(pool)
        .await?)
}

// --- previews ----------------------------------------------------------------

use crate::{NewPreview, PreviewJob, PreviewJobStatus, PreviewRow, SimilarFile};

pub(crate) async fn claim_preview_jobs(
    pool: &PgPool,
    limit: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Vec<PreviewJob>, StoreError> {
    let claimed = sqlx::query!(
        r#"UPDATE preview_jobs SET status = 'running', attempts = attempts + 1, not_before = $3, updated_at = $2
           WHERE id IN (SELECT id FROM preview_jobs
                        WHERE (status = 'queued' AND (not_before IS NULL OR not_before <= $2))
                           OR (status = 'running' AND not_before < $2)
                        ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING id AS "id!: i64", file_id AS "file_id!", attempts AS "attempts!: i64""#,
        limit,
        now,
        lease_until,
    )
    .fetch_all(pool)
    .await?;
    let mut jobs = Vec::with_capacity(claimed.len());
    for c in claimed {
        let f = sqlx::query!(
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
    pool: &PgPool,
    job_id: i64,
    file_id: &str,
    previews: &[NewPreview<'_>],
    phash: i64,
    backend: &str,
    render_ms: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query!("DELETE FROM previews WHERE file_id = $1", file_id).execute(&mut *tx).await?;
    for p in previews {
        sqlx::query!(
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
    sqlx::query!("UPDATE listing_files SET phash = COALESCE(phash, $2) WHERE id = $1", file_id, phash)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
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
    pool: &PgPool,
    job_id: i64,
    error: &str,
    now: DateTime<Utc>,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    let status = if retry_at.is_some() { "queued" } else { "failed" };
    sqlx::query!(
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

pub(crate) async fn listing_previews(pool: &PgPool, listing_id: i64) -> Result<Vec<PreviewRow>, StoreError> {
    Ok(sqlx::query_as!(
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

pub(crate) async fn creator_preview_jobs(pool: &PgPool, creator_id: i64) -> Result<Vec<PreviewJobStatus>, StoreError> {
    Ok(sqlx::query_as!(
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

pub(crate) async fn all_phashes(pool: &PgPool) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", phash AS "phash!: i64" FROM listing_files WHERE phash IS NOT NULL ORDER BY id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.phash)).collect())
}

pub(crate) async fn similar_file(pool: &PgPool, file_id: &str) -> Result<Option<SimilarFile>, StoreError> {
    let r = sqlx::query!(
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

// --- API tokens --------------------------------------------------------------

pub(crate) async fn token_create(pool: &PgPool, t: &crate::NewToken<'_>) -> Result<i64, StoreError> {
    let hash = &t.token_hash[..];
    Ok(sqlx::query_scalar!(
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

pub(crate) async fn tokens_of(pool: &PgPool, account_id: i64) -> Result<Vec<crate::TokenRow>, StoreError> {
    Ok(sqlx::query_as!(
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

pub(crate) async fn token_by_hash(pool: &PgPool, hash: &[u8; 32]) -> Result<Option<crate::TokenRow>, StoreError> {
    let hash = &hash[..];
    Ok(sqlx::query_as!(
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

pub(crate) async fn token_touch(pool: &PgPool, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query!("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", id, now).execute(pool).await?;
    Ok(())
}

pub(crate) async fn token_revoke(
    pool: &PgPool,
    id: i64,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query!(
        "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL",
        id,
        account_id,
        now
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

// --- webhooks ----------------------------------------------------------------

pub(crate) async fn webhook_create(
    pool: &PgPool,
    creator_id: i64,
    url: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"INSERT INTO webhooks (creator_id, url, secret, created_at) VALUES ($1, $2, $3, $4) RETURNING id AS "id!: i64""#,
        creator_id,
        url,
        secret,
        now
    )
    .fetch_one(pool)
    .await?)
}

pub(crate) async fn webhooks_of(pool: &PgPool, creator_id: i64) -> Result<Vec<crate::WebhookRow>, StoreError> {
    Ok(sqlx::query_as!(
        crate::WebhookRow,
        r#"SELECT id AS "id!: i64", creator_id AS "creator_id!: i64", url, secret,
                  created_at AS "created_at!: DateTime<Utc>", disabled_at AS "disabled_at?: DateTime<Utc>"
           FROM webhooks WHERE creator_id = $1 ORDER BY id DESC"#,
        creator_id
    )
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn webhook_disable(
    pool: &PgPool,
    id: i64,
    creator_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query!(
        "UPDATE webhooks SET disabled_at = $3 WHERE id = $1 AND creator_id = $2 AND disabled_at IS NULL",
        id,
        creator_id,
        now
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE webhook_deliveries SET status = 'failed', last_error = 'the endpoint was disabled'
         WHERE webhook_id = $1 AND status = 'pending'",
        id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn webhook_deliveries(
    pool: &PgPool,
    webhook_id: i64,
    limit: i64,
) -> Result<Vec<crate::DeliveryRow>, StoreError> {
    Ok(sqlx::query_as!(
        crate::DeliveryRow,
        r#"SELECT id AS "id!: i64", webhook_id AS "webhook_id!: i64", event, event_id, payload, status,
                  attempts AS "attempts!: i64", next_attempt_at AS "next_attempt_at!: DateTime<Utc>",
                  last_status AS "last_status?: i64", last_error, created_at AS "created_at!: DateTime<Utc>",
                  delivered_at AS "delivered_at?: DateTime<Utc>"
           FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2"#,
        webhook_id,
        limit
    )
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn claim_deliveries(
    pool: &PgPool,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<crate::DueDelivery>, StoreError> {
    let rows = sqlx::query!(
        r#"UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $2
           WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
                        ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
           RETURNING id AS "id!: i64", webhook_id AS "webhook_id!: i64", event, event_id, payload, status,
                     attempts AS "attempts!: i64", next_attempt_at AS "next_attempt_at!: DateTime<Utc>",
                     last_status AS "last_status?: i64", last_error AS "last_error?: String",
                     created_at AS "created_at!: DateTime<Utc>", delivered_at AS "delivered_at?: DateTime<Utc>""#,
        now,
        lease_until,
        limit
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let hook = sqlx::query!("SELECT url, secret FROM webhooks WHERE id = $1", r.webhook_id).fetch_one(pool).await?;
        out.push(crate::DueDelivery {
            url: hook.url,
            secret: hook.secret,
            delivery: crate::DeliveryRow {
                id: r.id,
                webhook_id: r.webhook_id,
                event: r.event,
                event_id: r.event_id,
                payload: r.payload,
                status: r.status,
                attempts: r.attempts,
                next_attempt_at: r.next_attempt_at,
                last_status: r.last_status,
                last_error: r.last_error,
                created_at: r.created_at,
                delivered_at: r.delivered_at,
            },
        });
    }
    Ok(out)
}

pub(crate) async fn record_attempt(
    pool: &PgPool,
    id: i64,
    outcome: &crate::AttemptOutcome,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match outcome {
        crate::AttemptOutcome::Delivered { status } => {
            sqlx::query!(
                "UPDATE webhook_deliveries SET status = 'delivered', last_status = $2, last_error = NULL, delivered_at = $3
                 WHERE id = $1",
                id,
                *status,
                now
            )
            .execute(pool)
            .await?;
        }
        crate::AttemptOutcome::Failed { status, error, next } => {
            let (state, due) = match next {
                Some(at) => ("pending", *at),
                None => ("failed", now),
            };
            sqlx::query!(
                "UPDATE webhook_deliveries SET status = $2, last_status = $3, last_error = $4, next_attempt_at = $5
                 WHERE id = $1",
                id,
                state,
                *status,
                error,
                due
            )
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}

// --- credits (generation metadata) ------------------------------------------

pub(crate) async fn made_with(pool: &PgPool, listing_id: i64) -> Result<Vec<crate::CreditRow>, StoreError> {
    Ok(sqlx::query_as!(
        crate::CreditRow,
        r#"SELECT DISTINCT c.kind AS "kind!", l2.slug AS "slug!", l2.title AS "title!", l2.kind AS "listing_kind!",
                  cr.display_name AS "creator!"
           FROM listing_files f
           JOIN file_credits c ON c.file_id = f.id
           JOIN listing_files f2 ON f2.listing_id <> f.listing_id AND (substr(encode(f2.sha256, 'hex'), 1, length(c.hash_prefix)) = c.hash_prefix
                     OR (f2.alt_hash IS NOT NULL AND substr(encode(f2.alt_hash, 'hex'), 1, length(c.hash_prefix)) = c.hash_prefix))
           JOIN listings l2 ON l2.id = f2.listing_id AND l2.status = 'published' AND l2.kind IN ('lora', 'workflow')
           JOIN creators cr ON cr.id = l2.creator_id
           WHERE f.listing_id = $1
           ORDER BY l2.title"#,
        listing_id
    )
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn used_in(pool: &PgPool, listing_id: i64) -> Result<Vec<crate::CreditRow>, StoreError> {
    Ok(sqlx::query_as!(
        crate::CreditRow,
        r#"SELECT DISTINCT c.kind AS "kind!", l.slug AS "slug!", l.title AS "title!", l.kind AS "listing_kind!",
                  cr.display_name AS "creator!"
           FROM listing_files f2
           JOIN file_credits c ON (substr(encode(f2.sha256, 'hex'), 1, length(c.hash_prefix)) = c.hash_prefix
                     OR (f2.alt_hash IS NOT NULL AND substr(encode(f2.alt_hash, 'hex'), 1, length(c.hash_prefix)) = c.hash_prefix))
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

// --- style library -----------------------------------------------------------

pub(crate) async fn style_save(
    pool: &PgPool,
    creator_id: i64,
    listing_id: i64,
    name: &str,
    generation: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar!(
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

pub(crate) async fn styles_of(pool: &PgPool, creator_id: i64) -> Result<Vec<crate::StyleRow>, StoreError> {
    Ok(sqlx::query_as!(
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

pub(crate) async fn style_delete(pool: &PgPool, id: i64, creator_id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query!("DELETE FROM style_entries WHERE id = $1 AND creator_id = $2", id, creator_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

// --- avatars -------------------------------------------------------------------

pub(crate) async fn avatar_set(
    pool: &PgPool,
    creator_id: i64,
    sha256: &[u8],
    storage_key: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let mut tx = pool.begin().await?;
    let old = sqlx::query_scalar!("SELECT storage_key FROM creator_avatars WHERE creator_id = $1", creator_id)
        .fetch_optional(&mut *tx)
        .await?;
    sqlx::query!(
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

pub(crate) async fn avatar_remove(pool: &PgPool, creator_id: i64) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar!("DELETE FROM creator_avatars WHERE creator_id = $1 RETURNING storage_key", creator_id)
        .fetch_optional(pool)
        .await?)
}

pub(crate) async fn avatar_by_handle(pool: &PgPool, handle: &str) -> Result<Option<crate::AvatarRow>, StoreError> {
    Ok(sqlx::query_as!(
        crate::AvatarRow,
        r#"SELECT a.creator_id AS "creator_id!: i64", a.sha256, a.storage_key,
                  a.updated_at AS "updated_at!: DateTime<Utc>"
           FROM creator_avatars a JOIN creators c ON c.id = a.creator_id WHERE c.handle = $1"#,
        handle
    )
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn avatar_of(pool: &PgPool, creator_id: i64) -> Result<Option<crate::AvatarRow>, StoreError> {
    Ok(sqlx::query_as!(
        crate::AvatarRow,
        r#"SELECT creator_id AS "creator_id!: i64", sha256, storage_key, updated_at AS "updated_at!: DateTime<Utc>"
           FROM creator_avatars WHERE creator_id = $1"#,
        creator_id
    )
    .fetch_optional(pool)
    .await?)
}
