//! Webhooks: the queries both databases run as written.

use super::Pool;
use crate::StoreError;
use chrono::{DateTime, Utc};

pub(crate) async fn webhook_create(
    pool: &Pool,
    creator_id: i64,
    url: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    Ok(query_scalar!(
        r#"INSERT INTO webhooks (creator_id, url, secret, created_at) VALUES ($1, $2, $3, $4) RETURNING id AS "id!: i64""#,
        creator_id,
        url,
        secret,
        now
    )
    .fetch_one(pool)
    .await?)
}

pub(crate) async fn webhooks_of(pool: &Pool, creator_id: i64) -> Result<Vec<crate::WebhookRow>, StoreError> {
    Ok(query_as!(
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
    pool: &Pool,
    id: i64,
    creator_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await?;
    let done = query!(
        "UPDATE webhooks SET disabled_at = $3 WHERE id = $1 AND creator_id = $2 AND disabled_at IS NULL",
        id,
        creator_id,
        now
    )
    .execute(&mut *tx)
    .await?;
    query!(
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
    pool: &Pool,
    webhook_id: i64,
    limit: i64,
) -> Result<Vec<crate::DeliveryRow>, StoreError> {
    Ok(query_as!(
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
    pool: &Pool,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<crate::DueDelivery>, StoreError> {
    let rows = query_skip_locked!(
        r#"UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $2
           WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
                        ORDER BY next_attempt_at LIMIT $3"#,
        r#")
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
        let hook = query!("SELECT url, secret FROM webhooks WHERE id = $1", r.webhook_id).fetch_one(pool).await?;
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
    pool: &Pool,
    id: i64,
    outcome: &crate::AttemptOutcome,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match outcome {
        crate::AttemptOutcome::Delivered { status } => {
            query!(
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
            query!(
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
