//! Operations: the queries both databases run as written.

use chrono::{DateTime, Utc};

use super::Pool;
use crate::{StoreError, ops::Backlogs};

pub(crate) async fn backlogs(pool: &Pool) -> Result<Backlogs, StoreError> {
    let r = query!(
        r#"SELECT (SELECT count(*) FROM preview_jobs WHERE status = 'queued') AS "previews_queued!: i64",
                  (SELECT count(*) FROM preview_jobs WHERE status = 'running') AS "previews_running!: i64",
                  (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS "webhooks_pending!: i64""#
    )
    .fetch_one(pool)
    .await?;
    Ok(Backlogs {
        previews_queued: r.previews_queued,
        previews_running: r.previews_running,
        webhooks_pending: r.webhooks_pending,
    })
}

pub(crate) async fn entry_time(pool: &Pool, leaf_index: i64) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(query_scalar!(
        r#"SELECT created_at AS "created_at!: DateTime<Utc>" FROM log_entries WHERE leaf_index = $1"#,
        leaf_index
    )
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn hold_lease(
    pool: &Pool,
    name: &str,
    holder: &str,
    now_ms: i64,
    until_ms: i64,
) -> Result<bool, StoreError> {
    // The row is taken when it is ours, or expired; otherwise the conflict
    // clause's WHERE leaves it alone and nothing is returned.
    let held = query_scalar!(
        r#"INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE leases.holder = excluded.holder OR leases.expires_at <= $4
           RETURNING holder AS "holder!: String""#,
        name,
        holder,
        until_ms,
        now_ms
    )
    .fetch_optional(pool)
    .await?;
    Ok(held.is_some())
}

pub(crate) async fn release_lease(pool: &Pool, name: &str, holder: &str) -> Result<(), StoreError> {
    query!("DELETE FROM leases WHERE name = $1 AND holder = $2", name, holder).execute(pool).await?;
    Ok(())
}

pub(crate) async fn lease_holder(pool: &Pool, name: &str, now_ms: i64) -> Result<Option<String>, StoreError> {
    Ok(query_scalar!(
        r#"SELECT holder AS "holder!: String" FROM leases WHERE name = $1 AND expires_at > $2"#,
        name,
        now_ms
    )
    .fetch_optional(pool)
    .await?)
}
