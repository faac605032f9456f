//! Sale webhooks in the Studio: add an endpoint (its signing secret is shown
//! once), see each delivery's attempts and answers, disable an endpoint.
//! Sending is the server's webhook worker (`server/src/jobs/webhooks.rs`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// One delivery attempt log line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: i64,
    pub event: String,
    pub event_id: String,
    /// pending | delivered | failed
    pub status: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: String,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub created_at: String,
    pub disabled: bool,
    /// The latest 20, newest first.
    pub deliveries: Vec<DeliveryView>,
}

/// A new endpoint and its secret, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    pub secret: String,
    pub url: String,
}

/// Whether `url` may be an endpoint (the worker checks again, with DNS, before each send).
pub fn check_endpoint(url: &str) -> Result<(), String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("Webhook URLs start with https:// (or http://).")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains('@') || host.contains(char::is_whitespace) {
        return Err("A webhook URL needs a host and no user name or password.".into());
    }
    if url.len() > 2000 {
        return Err("Webhook URLs are at most 2,000 characters.".into());
    }
    Ok(())
}

#[cfg(feature = "ssr")]
fn when(d: chrono::DateTime<chrono::Utc>) -> String {
    d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The signed-in creator's endpoints with their latest deliveries.
#[server(endpoint = "webhooks/mine")]
pub async fn my_webhooks() -> Result<Vec<WebhookView>, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            let mut out = Vec::new();
            for w in store.webhooks_of(creator.id).await? {
                let deliveries = store
                    .webhook_deliveries(w.id, 20)
                    .await?
                    .into_iter()
                    .map(|d| DeliveryView {
                        next_attempt_at: (d.status == "pending").then(|| when(d.next_attempt_at)),
                        id: d.id,
                        event: d.event,
                        event_id: d.event_id,
                        status: d.status,
                        attempts: d.attempts,
                        last_status: d.last_status,
                        last_error: d.last_error,
                        created_at: when(d.created_at),
                    })
                    .collect();
                out.push(WebhookView {
                    id: w.id,
                    url: w.url,
                    created_at: when(w.created_at),
                    disabled: w.disabled_at.is_some(),
                    deliveries,
                });
            }
            Ok(out)
        }
        .await,
    )
}

/// Adds an endpoint for sale events.
#[server(endpoint = "webhooks/add")]
pub async fn add_webhook(url: String) -> Result<CreatedWebhook, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            check_endpoint(&url).map_err(ApiError::BadRequest)?;
            let active = store.webhooks_of(creator.id).await?.iter().filter(|w| w.disabled_at.is_none()).count();
            if active >= 10 {
                return Err(ApiError::BadRequest("You have 10 active webhooks: disable one first.".into()));
            }
            let secret = format!("whsec_{}", crate::auth::random_hex(32));
            let url = url.trim().to_owned();
            store.webhook_create(creator.id, &url, &secret, chrono::Utc::now()).await?;
            tracing::info!(creator = creator.id, "webhook added");
            Ok(CreatedWebhook { secret, url })
        }
        .await,
    )
}

/// Disables an endpoint; its pending deliveries are dropped.
#[server(endpoint = "webhooks/disable")]
pub async fn disable_webhook(id: i64) -> Result<(), ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            if !store.webhook_disable(id, creator.id, chrono::Utc::now()).await? {
                return Err(ApiError::NotFound("No such active webhook.".into()));
            }
            Ok(())
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn endpoints_are_http_urls_with_a_host() {
        use super::check_endpoint;
        assert!(check_endpoint("https://hooks.example/colophon?x=1").is_ok());
        assert!(check_endpoint("http://127.0.0.1:9000/hook").is_ok());
        assert!(check_endpoint("ftp://hooks.example/").is_err());
        assert!(check_endpoint("https://user:pw@hooks.example/").is_err());
        assert!(check_endpoint("https:///nohost").is_err());
    }
}
