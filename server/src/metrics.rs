//! `/metrics`, in the Prometheus text format, through the `metrics` facade
//! and its Prometheus exporter (metrics-rs: the facade the ecosystem's crates
//! already speak; the exporter renders it with no HTTP server of its own).
//!
//! Counted as things happen: request latency per route, checkout outcomes
//! (`colophon-market`), preview render time per backend. Read at scrape
//! time, so they are never stale: the anchor lag (leaves and seconds), the
//! preview and webhook queues, the database pool. README lists each metric.
//!
//! Never public: without `COLOPHON_METRICS_TOKEN` the route answers 404;
//! with it, it asks for that bearer token.

use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::ExposeSecret as _;
use sha2::{Digest as _, Sha256};

use crate::{error::HttpError, state::AppState};

/// Latency buckets (seconds): from a cached page to a slow upload.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Checkout group-commit sizes: purchases per transaction (at most 128).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

/// The process's recorder: installed once, shared by every server in it.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full("colophon_checkout_batch_size".into()), BATCH_BUCKETS))
            .map(PrometheusBuilder::build_recorder);
        match recorder {
            Ok(recorder) => {
                let handle = recorder.handle();
                // Another recorder (a test's) may already be installed: then this one only renders.
                let _ = metrics::set_global_recorder(recorder);
                handle
            }
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}

/// Installs the recorder; call before serving.
pub fn install() {
    handle();
    metrics::describe_histogram!(
        "colophon_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time to answer a request, by method, route template and status."
    );
    metrics::describe_counter!(
        "colophon_checkouts_total",
        "Checkouts by outcome (completed, replayed, refused reason)."
    );
    metrics::describe_histogram!(
        "colophon_checkout_batch_size",
        "Purchases committed by one checkout transaction (group commit): 1 when buyers do not overlap."
    );
    metrics::describe_histogram!(
        "colophon_preview_render_seconds",
        metrics::Unit::Seconds,
        "Time to render one file's previews, by backend (gpu or cpu)."
    );
    metrics::describe_counter!(
        "colophon_previews_rendered_total",
        "Files whose previews this process rendered and stored, by backend."
    );
    metrics::describe_gauge!(
        "colophon_lease_held",
        "1 while this process holds the role's lease (anchor, payments): one process per database does each."
    );
    metrics::describe_gauge!("colophon_anchor_lag_leaves", "Log entries not yet covered by a confirmed anchor.");
    metrics::describe_gauge!(
        "colophon_anchor_lag_seconds",
        metrics::Unit::Seconds,
        "Age of the oldest log entry no confirmed anchor covers (0 when all are)."
    );
    metrics::describe_gauge!("colophon_log_size", "Entries in the transparency log.");
    metrics::describe_gauge!("colophon_preview_jobs", "Preview jobs by state (queued, running).");
    metrics::describe_gauge!("colophon_webhook_backlog", "Webhook deliveries waiting to be delivered or retried.");
    metrics::describe_gauge!("colophon_db_pool_connections", "Database connections by state (open, idle, max).");
}

/// Times every request, labelled by its route template (never the raw
/// path, so ids do not multiply the series).
pub async fn track(matched: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = match &matched {
        Some(m) => m.as_str().to_owned(),
        None if req.uri().path().starts_with("/pkg/") => "/pkg/*".to_owned(),
        None => "unmatched".to_owned(),
    };
    let res = next.run(req).await;
    metrics::histogram!(
        "colophon_http_request_duration_seconds",
        "method" => method,
        "route" => route,
        "status" => res.status().as_u16().to_string()
    )
    .record(started.elapsed().as_secs_f64());
    res
}

/// `GET /metrics`: the text format, for a Prometheus holding the token.
pub async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, HttpError> {
    let Some(token) = &state.metrics_token else { return Err(HttpError::NotFound) };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared as digests, so the time taken says nothing about the token.
    if Sha256::digest(given.as_bytes()) != Sha256::digest(token.expose_secret().as_bytes()) {
        return Ok((
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"colophon-metrics\"")],
            "a metrics token is required\n",
        )
            .into_response());
    }
    refresh(&state).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle().render()).into_response())
}

/// Sets the gauges read at scrape time.
async fn refresh(state: &AppState) -> Result<(), HttpError> {
    let store = &state.store;
    let log_size = store.log_size().await?;
    let anchored = store.latest_confirmed_anchor().await?.map_or(0, |a| a.tree_size);
    let lag_leaves = log_size.saturating_sub(anchored);
    let lag_seconds = match lag_leaves {
        0 => 0.0,
        _ => store
            .entry_time(anchored)
            .await?
            .map_or(0.0, |t| (chrono::Utc::now() - t).num_milliseconds().max(0) as f64 / 1000.0),
    };
    metrics::gauge!("colophon_log_size").set(log_size as f64);
    metrics::gauge!("colophon_anchor_lag_leaves").set(lag_leaves as f64);
    metrics::gauge!("colophon_anchor_lag_seconds").set(lag_seconds);
    let b = store.backlogs().await?;
    metrics::gauge!("colophon_preview_jobs", "state" => "queued").set(b.previews_queued as f64);
    metrics::gauge!("colophon_preview_jobs", "state" => "running").set(b.previews_running as f64);
    metrics::gauge!("colophon_webhook_backlog").set(b.webhooks_pending as f64);
    let pool = store.pool_use();
    metrics::gauge!("colophon_db_pool_connections", "state" => "open").set(f64::from(pool.open));
    metrics::gauge!("colophon_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("colophon_db_pool_connections", "state" => "max").set(f64::from(pool.max));
    Ok(())
}
