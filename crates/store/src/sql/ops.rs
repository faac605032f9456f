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
