//! PostgreSQL: the shared queries (`sql/`) compiled for PostgreSQL, plus what
//! PostgreSQL says its own way (tsvector search, `UNNEST` batch look-ups,
//! `SKIP LOCKED`, snapshot isolation).

use colophon_provenance::merkle::NodeMap;
use sqlx::{PgConnection as Conn, PgPool as Pool};

use crate::{
    ListingKind, SearchPage, SearchQuery, StoreError,
    log::{node_row, to_i64},
};

/// `sqlx::query!` for this database: the text gets a trailing `-- postgres`, so the
/// offline data (keyed by the text) holds one entry per database.
macro_rules! query {
    ($sql:literal $(+ $more:literal)* $(, $arg:expr)* $(,)?) => {
        sqlx::query!($sql $(+ $more)* + "\n-- postgres" $(, $arg)*)
    };
}

/// `sqlx::query_scalar!` for this database (see `query!`).
macro_rules! query_scalar {
    ($sql:literal $(, $arg:expr)* $(,)?) => { sqlx::query_scalar!($sql + "\n-- postgres" $(, $arg)*) };
}

/// `sqlx::query_as!` for this database (see `query!`).
macro_rules! query_as {
    ($row:path, $sql:literal $(, $arg:expr)* $(,)?) => { sqlx::query_as!($row, $sql + "\n-- postgres" $(, $arg)*) };
}

/// `query!` for a claim: `UPDATE … WHERE id IN (SELECT … LIMIT n)` with the
/// sub-select's two halves given apart; `FOR UPDATE SKIP LOCKED` goes between,
/// so concurrent workers claim different rows instead of queueing.
macro_rules! query_skip_locked {
    ($head:literal, $tail:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query!($head + " FOR UPDATE SKIP LOCKED" + $tail + "\n-- postgres" $(, $arg)*)
    };
}

#[path = "sql/mod.rs"]
#[allow(clippy::duplicate_mod, reason = "one query text, compiled once per database")]
mod shared;
pub(crate) use shared::*;

/// A read-only transaction that sees one snapshot, so a page and its total agree.
async fn begin_read_snapshot(pool: &Pool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
    let mut tx = pool.begin().await?;
    query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    Ok(tx)
}

pub(crate) async fn ping(pool: &Pool) -> Result<(), StoreError> {
    query_scalar!(r#"SELECT 1 AS "one!: i32""#).fetch_one(pool).await?;
    Ok(())
}

/// The stored nodes among `wanted`, in one query of primary-key look-ups.
async fn read_nodes(conn: &mut Conn, wanted: &[(u32, u64)]) -> Result<NodeMap, StoreError> {
    let mut nodes = NodeMap::default();
    if wanted.is_empty() {
        return Ok(nodes);
    }
    let levels: Vec<i64> = wanted.iter().map(|&(l, _)| i64::from(l)).collect();
    let indices = wanted.iter().map(|&(_, i)| to_i64(i)).collect::<Result<Vec<_>, _>>()?;
    let rows = query!(
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

/// Files whose perceptual-hash band `k` is in `probes[k]` for some `k`
/// (crate::previews::band_probes), through the band indexes.
pub(crate) async fn phash_candidates(pool: &Pool, probes: &[Vec<i64>; 4]) -> Result<Vec<(String, i64)>, StoreError> {
    let cap = crate::previews::MAX_BAND_CANDIDATES;
    let rows = query!(
        r#"SELECT id AS "id!", phash AS "phash!" FROM
             (SELECT id, phash FROM listing_files WHERE (phash & 65535) = ANY($1::int8[]) LIMIT $5) AS b0
           UNION ALL SELECT id, phash FROM
             (SELECT id, phash FROM listing_files WHERE ((phash >> 16) & 65535) = ANY($2::int8[]) LIMIT $5) AS b1
           UNION ALL SELECT id, phash FROM
             (SELECT id, phash FROM listing_files WHERE ((phash >> 32) & 65535) = ANY($3::int8[]) LIMIT $5) AS b2
           UNION ALL SELECT id, phash FROM
             (SELECT id, phash FROM listing_files WHERE ((phash >> 48) & 65535) = ANY($4::int8[]) LIMIT $5) AS b3"#,
        &probes[0],
        &probes[1],
        &probes[2],
        &probes[3],
        cap,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.phash)).collect())
}

pub(crate) async fn search_listings(pool: &Pool, q: &SearchQuery<'_>) -> Result<SearchPage, StoreError> {
    let terms = crate::listings::search_terms(q.text);
    // Each word (letters and digits only) as a prefix; all must match.
    let text = (!terms.is_empty()).then(|| terms.iter().map(|t| format!("{t}:*")).collect::<Vec<_>>().join(" & "));
    let kind = q.kind.map(ListingKind::as_str);
    let rows = query!(
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
