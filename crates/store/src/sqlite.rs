//! SQLite: the shared queries (`sql/`) compiled for SQLite, plus what SQLite
//! says its own way (FTS5 search, `json_each` batch look-ups).

use colophon_provenance::merkle::NodeMap;
use sqlx::{SqliteConnection as Conn, SqlitePool as Pool};

use crate::{ListingKind, SearchPage, SearchQuery, StoreError, log::node_row};

/// `sqlx::query!` for this database: the text gets a trailing `-- sqlite`, so the
/// offline data (keyed by the text) holds one entry per database.
macro_rules! query {
    ($sql:literal $(+ $more:literal)* $(, $arg:expr)* $(,)?) => {
        sqlx::query!($sql $(+ $more)* + "\n-- sqlite" $(, $arg)*)
    };
}

/// `sqlx::query_scalar!` for this database (see `query!`).
macro_rules! query_scalar {
    ($sql:literal $(, $arg:expr)* $(,)?) => { sqlx::query_scalar!($sql + "\n-- sqlite" $(, $arg)*) };
}

/// `sqlx::query_as!` for this database (see `query!`).
macro_rules! query_as {
    ($row:path, $sql:literal $(, $arg:expr)* $(,)?) => { sqlx::query_as!($row, $sql + "\n-- sqlite" $(, $arg)*) };
}

/// `query!` for a claim: `UPDATE … WHERE id IN (SELECT … LIMIT n)` with the
/// sub-select's two halves given apart. SQLite needs nothing between them: its
/// one writer lock already hands each row to one claimant.
macro_rules! query_skip_locked {
    ($head:literal, $tail:literal $(, $arg:expr)* $(,)?) => { sqlx::query!($head + $tail + "\n-- sqlite" $(, $arg)*) };
}

#[path = "sql/mod.rs"]
#[allow(clippy::duplicate_mod, reason = "one query text, compiled once per database")]
mod shared;
pub(crate) use shared::*;

/// A read transaction: SQLite reads from one snapshot until it ends.
async fn begin_read_snapshot(pool: &Pool) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
    Ok(pool.begin().await?)
}

pub(crate) async fn ping(pool: &Pool) -> Result<(), StoreError> {
    query_scalar!(r#"SELECT 1 AS "one!: i64""#).fetch_one(pool).await?;
    Ok(())
}

/// The stored nodes among `wanted`, in one query: the pairs go in as a JSON
/// array of `[level, idx]` and each is a primary-key look-up.
async fn read_nodes(conn: &mut Conn, wanted: &[(u32, u64)]) -> Result<NodeMap, StoreError> {
    let mut nodes = NodeMap::default();
    if wanted.is_empty() {
        return Ok(nodes);
    }
    let pairs = serde_json::to_string(wanted).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let rows = query!(
        r#"SELECT n.level AS "level!: i64", n.idx AS "idx!: i64", n.hash
           FROM json_each($1) AS w
           JOIN log_nodes AS n ON n.level = json_extract(w.value, '$[0]') AND n.idx = json_extract(w.value, '$[1]')"#,
        pairs
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let (at, hash) = node_row(r.level, r.idx, &r.hash)?;
        nodes.0.insert(at, hash);
    }
    Ok(nodes)
}

/// Files whose perceptual-hash band `k` is in `probes[k]` for some `k`
/// (crate::previews::band_probes), through the band indexes.
pub(crate) async fn phash_candidates(pool: &Pool, probes: &[Vec<i64>; 4]) -> Result<Vec<(String, i64)>, StoreError> {
    let lists = probes
        .iter()
        .map(|p| serde_json::to_string(p).map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let cap = crate::previews::MAX_BAND_CANDIDATES;
    let rows = query!(
        r#"SELECT id AS "id!", phash AS "phash!: i64" FROM
             (SELECT id, phash FROM listing_files WHERE (phash & 65535) IN (SELECT value FROM json_each($1)) LIMIT $5)
           UNION ALL SELECT id, phash FROM
             (SELECT id, phash FROM listing_files WHERE ((phash >> 16) & 65535) IN (SELECT value FROM json_each($2)) LIMIT $5)
           UNION ALL SELECT id, phash FROM
             (SELECT id, phash FROM listing_files WHERE ((phash >> 32) & 65535) IN (SELECT value FROM json_each($3)) LIMIT $5)
           UNION ALL SELECT id, phash FROM
             (SELECT id, phash FROM listing_files WHERE ((phash >> 48) & 65535) IN (SELECT value FROM json_each($4)) LIMIT $5)"#,
        lists[0],
        lists[1],
        lists[2],
        lists[3],
        cap
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.phash)).collect())
}

pub(crate) async fn search_listings(pool: &Pool, q: &SearchQuery<'_>) -> Result<SearchPage, StoreError> {
    let terms = crate::listings::search_terms(q.text);
    // Each word quoted (it holds letters and digits only) and a prefix.
    let text = (!terms.is_empty()).then(|| terms.iter().map(|t| format!("\"{t}\"*")).collect::<Vec<_>>().join(" "));
    let kind = q.kind.map(ListingKind::as_str);
    let (available, sort) = (q.available_now, q.sort.as_str());
    let rows = query!(
        r#"SELECT l.id AS "id!: i64", l.slug, l.kind, l.title, c.display_name AS creator_name,
                  l.price_minor AS "price_minor!: i64", l.currency, l.edition_size AS "edition_size: i64",
                  l.editions_sold AS "sold!: i64", count(*) OVER () AS "total!: i64"
           FROM listings l JOIN creators c ON c.id = l.creator_id
           WHERE l.status = 'published'
             AND ($1 IS NULL OR l.id IN (SELECT rowid FROM listings_fts WHERE listings_fts MATCH $1))
             AND ($2 IS NULL OR l.kind = $2)
             AND ($3 IS NULL OR c.handle = $3)
             AND ($4 IS NULL OR l.price_minor >= $4)
             AND ($5 IS NULL OR l.price_minor <= $5)
             AND (NOT $6 OR ((l.edition_size IS NULL OR l.editions_sold < l.edition_size)
                             AND (l.sale_starts_at IS NULL OR l.sale_starts_at <= $7)
                             AND (l.sale_ends_at IS NULL OR l.sale_ends_at > $7)))
           ORDER BY
             CASE WHEN $8 = 'relevance' AND $1 IS NOT NULL
                  THEN (SELECT bm25(listings_fts) FROM listings_fts WHERE listings_fts MATCH $1 AND rowid = l.id) END,
             CASE WHEN $8 = 'price_asc' THEN l.price_minor END,
             CASE WHEN $8 = 'price_desc' THEN l.price_minor END DESC,
             l.published_at DESC, l.id DESC
           LIMIT $9 OFFSET $10"#,
        text,
        kind,
        q.creator,
        q.min_price_minor,
        q.max_price_minor,
        available,
        q.now,
        sort,
        q.limit,
        q.offset,
    )
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let rows = rows.into_iter().map(|r| crate::listings::listing_row!(r)).collect::<Result<_, _>>()?;
    Ok(SearchPage { rows, total })
}
