//! The HTTP surface: Leptos pages and server functions, `/healthz`, static files.

mod health;
pub(crate) mod ledger;
pub(crate) mod orders;
pub(crate) mod payments;
pub(crate) mod payouts;
mod previews;
pub(crate) mod resales;
pub(crate) mod studio;
pub mod uploads;

use std::time::Duration;

use axum::response::IntoResponse as _;
use axum::{
    Router,
    routing::{any, get, post},
};
use http::{HeaderName, HeaderValue, header};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{error::HttpError, state::AppState};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The REST API's router, and the path of every route in it: the
/// authorisation matrix test walks these (`server/tests/it/authz.rs`), so a
/// route added here cannot be left out of it.
pub struct Api {
    router: Router<AppState>,
    /// Every route's path template, in the order added.
    pub paths: Vec<&'static str>,
}

impl Api {
    fn route(mut self, path: &'static str, methods: axum::routing::MethodRouter<AppState>) -> Self {
        self.paths.push(path);
        self.router = self.router.route(path, methods);
        self
    }
}

/// Every REST route (the pages and server functions are Leptos's).
pub fn api() -> Api {
    Api { router: Router::new(), paths: Vec::new() }
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(crate::metrics::serve))
        .route("/api/v1/log/checkpoint", get(ledger::checkpoint))
        .route("/api/v1/log/inclusion", get(ledger::inclusion))
        .route("/api/v1/log/consistency", get(ledger::consistency))
        .route("/api/v1/provenance/{sha256}", get(ledger::by_hash))
        .route("/api/v1/operator", get(orders::operator))
        .route("/api/v1/chain", get(ledger::chain))
        .route("/api/v1/openapi.json", get(ledger::openapi))
        .route("/api/v1/orders", get(orders::mine).post(orders::create))
        .route("/api/v1/orders/quote", post(payments::create))
        .route("/api/v1/orders/quote/{id}", get(payments::one))
        .route("/api/v1/orders/quote/{id}/permit", post(payments::permit))
        .route("/api/v1/studio/payouts", get(payouts::view))
        .route("/api/v1/studio/payout-address/challenge", post(payouts::challenge))
        .route("/api/v1/studio/payout-address", post(payouts::prove))
        .route("/api/v1/orders/{id}", get(orders::one))
        .route("/api/v1/orders/{id}/download", get(orders::download))
        .route("/api/v1/orders/{id}/receipt", get(orders::receipt))
        .route("/api/v1/orders/{id}/sale-receipt", get(orders::sale_receipt))
        .route("/api/v1/orders/{id}/resale", post(resales::offer))
        .route("/api/v1/resales/mine", get(resales::mine))
        .route("/api/v1/resales/{id}", axum::routing::delete(resales::withdraw))
        .route("/api/v1/listings/{slug}/resales", get(resales::listing))
        .route("/api/v1/listings/{slug}/editions/{edition}/custody", get(resales::custody))
        .route("/api/v1/studio/sales.csv", get(orders::sales_csv))
        .route("/api/v1/me", get(studio::me))
        .route("/api/v1/studio/listings", get(studio::listings).post(studio::create))
        .route("/api/v1/studio/listings/{slug}", get(studio::listing))
        .route("/api/v1/studio/listings/{slug}/status", post(studio::set_status))
        .route("/api/v1/studio/sales", get(studio::sales))
        .route("/api/v1/listings/{slug}/preview/{size}", get(previews::listing_preview))
        .route(
            "/api/v1/me/avatar",
            axum::routing::put(crate::avatars::put)
                .delete(crate::avatars::delete)
                // Read with its own limit (crate::avatars::MAX_BYTES), answered in JSON.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/api/v1/creators/{handle}/avatar", get(crate::avatars::get))
        .route("/api/v1/uploads", post(uploads::start))
        .route(
            "/api/v1/uploads/{id}",
            get(uploads::status)
                .put(uploads::put_chunk)
                .delete(uploads::cancel)
                // Chunks are streamed to disk; the size limit is enforced while streaming.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/api/v1/uploads/{id}/complete", post(uploads::complete))
}

/// Builds the whole router over `state`.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let store = state.store.clone();
    let limiter = state.sign_in_limiter.clone();
    let market = state.market.clone();
    let site_url = app::context::SiteUrl(state.public_url.clone());
    let chain_origin = app::context::ChainOrigin::of(state.public_rpc_url.as_deref());
    let options = state.leptos_options.clone();
    let sessions = state.sessions.clone().layer(state.secure_cookies);
    let limited = state.clone();
    let page_cache = state.page_cache.clone();
    let site_root = std::path::PathBuf::from(state.leptos_options.site_root.as_ref());
    let stylesheet = app::context::Stylesheet(crate::assets::AssetNames::read(&site_root).stylesheet);
    let hsts = state.secure_cookies.then(|| HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    // What server functions and server-rendered pages (the 404 page included) can reach.
    let context = move || {
        provide_context(store.clone());
        provide_context(limiter.clone());
        provide_context(market.clone());
        provide_context(site_url.clone());
        provide_context(chain_origin.clone());
        provide_context(stylesheet.clone());
    };

    api()
        .router
        // Unknown API paths get a JSON error, not an HTML page.
        .route("/api/{*path}", any(|| async { HttpError::NotFound }))
        .nest("/pkg", crate::assets::router(&site_root))
        .leptos_routes_with_context(&state, routes, context.clone(), move || app::shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, app::shell))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(limited, crate::limits::enforce))
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(axum::middleware::from_fn(crate::csrf::cross_origin_protection))
        .layer(sessions)
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            HttpError::Internal(anyhow::anyhow!("a request handler panicked")).into_response()
        }))
        // Anonymous pages are answered from memory here, before the session,
        // CSRF, metrics and limit layers (a hit needs none of them: it has no
        // session, writes nothing and costs no query; it is counted by the
        // cache itself). A miss goes through them all. Inside compression and
        // the header layers, so hits get the same encoding and headers.
        .layer(axum::middleware::from_fn_with_state(page_cache, crate::page_cache::serve))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // Pages send their own policy with a per-response nonce (app::shell);
        // everything else (JSON, files, pictures) may load and run nothing.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            // Only where the site is served over https (HSTS over http is ignored, and would
            // pin a local `make run` to https if it were not).
            hsts,
        ))
        .layer(axum::middleware::from_fn(time_limit))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &http::Request<_>| {
                    let request_id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id)
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Browser features no page of ours uses, switched off for every page (and
/// anything a page might embed).
const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), \
     bluetooth=(), hid=(), midi=(), display-capture=(), browsing-topics=()";

/// Requests longer than this are stopped.
const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(30);

/// Stops a request at [`REQUEST_TIME_LIMIT`] with a JSON error like every
/// other (a bare 408 told a client nothing). Work that must not be lost
/// with the request (an upload's stored object) cleans up after itself.
async fn time_limit(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    match tokio::time::timeout(REQUEST_TIME_LIMIT, next.run(req)).await {
        Ok(response) => response,
        Err(_) => HttpError::Timeout(format!(
            "The request took longer than {} seconds and was stopped. Nothing of it was kept; try again \
             (an upload resumes from its last offset: ask for its status).",
            REQUEST_TIME_LIMIT.as_secs()
        ))
        .into_response(),
    }
}
