//! Sale webhooks: endpoints and the delivery outbox. Checkout writes one
//! pending delivery per active endpoint of the listing's creator in its own
//! transaction; a worker claims due deliveries, sends them and records the
//! outcome (`server/src/jobs/webhooks.rs`).

use chrono::{DateTime, Utc};

use crate::{Allocation, Purchase, Store, StoreError};

/// A creator's endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRow {
    pub id: i64,
    pub creator_id: i64,
    pub url: String,
    pub secret: String,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// One delivery of one event to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event: String,
    pub event_id: String,
    pub payload: String,
    /// pending | delivered | failed
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A claimed delivery with where and how to send it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueDelivery {
    pub delivery: DeliveryRow,
    pub url: String,
    pub secret: String,
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered {
        status: i64,
    },
    /// Try again at `next` (or give up when `next` is `None`).
    Failed {
        status: Option<i64>,
        error: String,
        next: Option<DateTime<Utc>>,
    },
}

/// The body of a `sale` event (docs/FORMATS.md §11.1), fixed at checkout.
pub(crate) fn sale_payload(
    p: &Purchase<'_>,
    alloc: &Allocation,
    slug: &str,
    title: &str,
    leaf: i64,
) -> Result<String, StoreError> {
    let body = serde_json::json!({
        "event": "sale",
        "order_id": p.order_id,
        "listing": {"id": p.listing_id, "slug": slug, "title": title, "kind": alloc.kind.as_str()},
        "edition": alloc.edition,
        "edition_size": alloc.edition_size,
        "price_minor": alloc.price_minor,
        "currency": alloc.currency,
        "file_sha256": alloc.content_hash.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "leaf_index": leaf,
        "sold_at": p.now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    });
    serde_json::to_string(&body).map_err(|e| StoreError::Corrupt(format!("sale payload: {e}")))
}

impl Store {
    /// Adds an endpoint; returns its id.
    pub async fn webhook_create(
        &self,
        creator_id: i64,
        url: &str,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, webhook_create(creator_id, url, secret, now))
    }

    /// A creator's endpoints, newest first.
    pub async fn webhooks_of(&self, creator_id: i64) -> Result<Vec<WebhookRow>, StoreError> {
        dispatch!(self, webhooks_of(creator_id))
    }

    /// Stops an endpoint (pending deliveries to it are dropped as failed).
    /// `false` if it is not the creator's or already disabled.
    pub async fn webhook_disable(&self, id: i64, creator_id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        dispatch!(self, webhook_disable(id, creator_id, now))
    }

    /// The latest deliveries to an endpoint, newest first.
    pub async fn webhook_deliveries(&self, webhook_id: i64, limit: i64) -> Result<Vec<DeliveryRow>, StoreError> {
        dispatch!(self, webhook_deliveries(webhook_id, limit))
    }

    /// Claims up to `limit` due deliveries: counts the attempt and leases them
    /// until `lease_until` (a worker killed mid-send leaves them due again then).
    pub async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        dispatch!(self, claim_deliveries(now, lease_until, limit))
    }

    /// Records how an attempt ended.
    pub async fn record_attempt(
        &self,
        delivery_id: i64,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, record_attempt(delivery_id, outcome, now))
    }
}
