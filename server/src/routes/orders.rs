//! `/api/v1/orders`: buy (with an `Idempotency-Key`), list your orders, and
//! for the buyer only: the order, its original (streamed, Range requests)
//! and its receipts (the file's and the sale's). `/api/v1/studio/sales.csv`: a creator's sales.
//! `/api/v1/operator`: the key that signs sale statements.

use axum::{
    Json,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use colophon_market::MarketError;
use colophon_store::{AccountRow, OrderRow};
use tower_sessions::Session;

use colophon_api::{CreateOrder, ErrorBody, Operator, OrderView};

use crate::{error::HttpError, routes::uploads::account, state::AppState};

/// The marketplace's operator key, which signs sales
#[utoipa::path(get, path = "/api/v1/operator", tag = "verifier", operation_id = "operator",
    responses((status = 200, description = "The operator key", body = Operator)))]
pub async fn operator(State(state): State<AppState>) -> Json<Operator> {
    let key = state.market.operator().public_key();
    Json(Operator {
        public_key: key.to_hex(),
        key_id: key.key_id().to_hex(),
        fingerprint: key.key_id().fingerprint(),
        signs: vec!["EditionSold".into(), "LicenseGranted".into()],
        payments: state.market.payments().name().into(),
        test_mode: state.market.payments().is_test_mode(),
    })
}

/// An order row as its buyer sees it.
fn order_view(o: OrderRow, replayed: bool) -> OrderView {
    OrderView {
        download_url: format!("/api/v1/orders/{}/download", o.id),
        receipt_url: format!("/api/v1/orders/{}/receipt", o.id),
        sale_receipt_url: format!("/api/v1/orders/{}/sale-receipt", o.id),
        certificate_url: format!("/collection/{}", o.id),
        buyer_ref: hex::encode(colophon_provenance::buyer_ref(&o.buyer_salt, &o.id)),
        buyer_salt: hex::encode(o.buyer_salt),
        order_id: o.id,
        listing: o.slug,
        title: o.title,
        kind: o.kind,
        creator: o.creator_handle,
        edition: o.edition,
        edition_size: o.edition_size,
        price_minor: o.price_minor,
        currency: o.currency,
        sha256: hex::encode(o.sha256),
        file_type: o.file_type,
        size: o.size,
        leaf_index: o.log_leaf,
        payment_provider: o.payment_provider,
        payment_ref: o.payment_ref,
        created_at: o.created_at,
        replayed,
    }
}

impl From<MarketError> for HttpError {
    /// The app's one mapping (`ApiError: From<MarketError>`), as the API answers it.
    fn from(e: MarketError) -> Self {
        match e {
            // The database's own words for its failures (the REST API says "database").
            MarketError::Store(s) => s.into(),
            other => app::error::ApiError::from(other).into(),
        }
    }
}

/// The `Idempotency-Key` header every buying request carries (checked for its shape by the market).
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<&str, HttpError> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| HttpError::BadRequest("Send an Idempotency-Key header (8 to 128 of A-Z a-z 0-9 - _).".into()))
}

/// Buys a listing (test payments; wallets pay through `/api/v1/orders/quote`)
#[utoipa::path(post, path = "/api/v1/orders", tag = "collector", operation_id = "createOrder",
    security(("session" = [])),
    params(("Idempotency-Key" = String, Header, description = "8 to 128 of A-Z a-z 0-9 - _; the same key returns the same order")),
    request_body = CreateOrder,
    responses(
        (status = 201, description = "Bought", body = OrderView),
        (status = 200, description = "This key already bought it: that order", body = OrderView),
        (status = 400, description = "A malformed body or key", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such listing", body = ErrorBody),
        (status = 409, description = "Refused, with the reason (sold out, not on sale, price changed, cap reached…)", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<OrderView>), HttpError> {
    let account = account(&state, &session).await?;
    let key = idempotency_key(&headers)?;
    let req: CreateOrder = crate::error::json_body(&body)?;
    let listing = state.store.listing_id_by_slug(&req.listing).await?.ok_or(HttpError::NotFound)?;
    let creator = account.creator.as_ref().map(|c| c.id);
    let order = state.market.buy(account.id, creator, listing, req.price_minor, key, Utc::now()).await?;
    let status = if order.replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(order_view(order.row, order.replayed))))
}

/// The signed-in buyer's orders, newest first
#[utoipa::path(get, path = "/api/v1/orders", tag = "collector", operation_id = "listOrders",
    security(("session" = [])),
    responses(
        (status = 200, description = "Orders", body = Vec<OrderView>),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn mine(State(state): State<AppState>, session: Session) -> Result<Json<Vec<OrderView>>, HttpError> {
    let account = account(&state, &session).await?;
    let orders = state.store.account_orders(account.id).await?;
    Ok(Json(orders.into_iter().map(|o| order_view(o, false)).collect()))
}

/// The order if `account` bought it; 404 otherwise (others' orders do not exist for you).
async fn own_order(state: &AppState, account: &AccountRow, id: &str) -> Result<OrderRow, HttpError> {
    state.store.order(id).await?.filter(|o| o.account_id == account.id).ok_or(HttpError::NotFound)
}

/// One of the buyer's orders; another account's is a 404
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "collector", operation_id = "getOrder",
    security(("session" = [])),
    params(("id" = String, Path, description = "The order id (`ord_…`).")),
    responses(
        (status = 200, description = "The order", body = OrderView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No order of yours has this id", body = ErrorBody),
    ))]
pub async fn one(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, HttpError> {
    let account = account(&state, &session).await?;
    Ok(Json(order_view(own_order(&state, &account, &id).await?, false)))
}

fn content_type(file_type: &str) -> &'static str {
    match file_type {
        "png" => "image/png",
        "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

fn extension(file_type: &str) -> &str {
    match file_type {
        "jpeg" => "jpg",
        other => other,
    }
}

fn header_value(s: &str) -> Result<HeaderValue, HttpError> {
    HeaderValue::from_str(s).map_err(|e| HttpError::Internal(e.into()))
}

/// The original, to its buyer only. One byte range (`Range: bytes=…`) gets
/// 206; several are answered with the whole file (RFC 9110 allows it).
#[utoipa::path(get, path = "/api/v1/orders/{id}/download", tag = "collector", operation_id = "downloadOrder",
    security(("session" = [])),
    params(
        ("id" = String, Path, description = "The order id."),
        ("Range" = Option<String>, Header, description = "One byte range, `bytes=START-[END]`"),
    ),
    responses(
        (status = 200, description = "The whole original (its SHA-256 is the `ETag`)", content_type = "application/octet-stream"),
        (status = 206, description = "The range asked for", content_type = "application/octet-stream"),
        (status = 416, description = "A range outside the file"),
        (status = 409, description = "The edition was resold: the download passed to its buyer", body = ErrorBody),
        (status = 404, description = "No order of yours has this id", body = ErrorBody),
    ))]
pub async fn download(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let account = account(&state, &session).await?;
    let order = own_order(&state, &account, &id).await?;
    if order.resold {
        return Err(HttpError::Conflict("You resold this edition: its download passed to the buyer.".into()));
    }
    let size = u64::try_from(order.size).unwrap_or_default();
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(value) => match http_range_header::parse_range_header(value).and_then(|r| r.validate(size)) {
            Ok(ranges) if ranges.len() == 1 => Some(ranges[0].clone()),
            Ok(_) => None,
            Err(_) => {
                return Ok((
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    [(header::CONTENT_RANGE, header_value(&format!("bytes */{size}"))?)],
                )
                    .into_response());
            }
        },
    };
    let stream = state.uploads.read(&order.storage_key, range.clone().map(|r| *r.start()..*r.end() + 1)).await?;
    let filename = format!("{}.{}", order.slug, extension(&order.file_type));
    let mut response = Response::new(Body::from_stream(stream));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&order.file_type)));
    h.insert(header::CONTENT_DISPOSITION, header_value(&format!("attachment; filename=\"{filename}\""))?);
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert(header::ETAG, header_value(&format!("\"{}\"", hex::encode(order.sha256)))?);
    match range {
        Some(r) => {
            h.insert(header::CONTENT_RANGE, header_value(&format!("bytes {}-{}/{size}", r.start(), r.end()))?);
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(r.end() - r.start() + 1));
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        }
        None => {
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
        }
    }
    Ok(response)
}

/// `GET /api/v1/orders/{id}/receipt`: the receipt of the file's
/// `ContentRegistered` statement, what `colophon verify FILE --receipt R`
/// checks offline (docs/FORMATS.md §5).
#[utoipa::path(get, path = "/api/v1/orders/{id}/receipt", tag = "collector", operation_id = "orderFileReceipt",
    security(("session" = [])),
    params(("id" = String, Path, description = "The order id.")),
    responses(
        (status = 200, description = "The file's receipt (a download)", body = colophon_provenance::Receipt),
        (status = 404, description = "No order of yours has this id", body = ErrorBody),
    ))]
pub async fn receipt(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let account = account(&state, &session).await?;
    let order = own_order(&state, &account, &id).await?;
    let file = state.store.files_by_hash(&order.sha256).await?.into_iter().find(|f| f.id == order.file_id);
    let leaf = file.ok_or(HttpError::NotFound)?.log_leaf;
    receipt_response(&state, leaf, &format!("{}.receipt.json", order.slug)).await
}

/// `GET /api/v1/orders/{id}/sale-receipt`: the receipt of the order's
/// `EditionSold` / `LicenseGranted` statement (signed by the operator key;
/// version 2 when it was paid on chain, naming the payment).
#[utoipa::path(get, path = "/api/v1/orders/{id}/sale-receipt", tag = "collector", operation_id = "orderSaleReceipt",
    security(("session" = [])),
    params(("id" = String, Path, description = "The order id.")),
    responses(
        (status = 200, description = "The sale statement's receipt (a download)", body = colophon_provenance::Receipt),
        (status = 404, description = "No order of yours has this id", body = ErrorBody),
    ))]
pub async fn sale_receipt(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let account = account(&state, &session).await?;
    let order = own_order(&state, &account, &id).await?;
    receipt_response(&state, order.log_leaf, &format!("{}-{}.sale-receipt.json", order.slug, order.id)).await
}

async fn receipt_response(state: &AppState, leaf: u64, filename: &str) -> Result<Response, HttpError> {
    let receipt = crate::provenance::receipt_for_leaf(&state.store, leaf).await?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CONTENT_DISPOSITION, header_value(&format!("attachment; filename=\"{filename}\""))?),
        ],
        receipt.to_json(),
    )
        .into_response())
}

/// One CSV field: quoted, and a leading `= + - @` defused so spreadsheets
/// never run a title as a formula.
fn csv_field(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.into() };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

/// The creator's sales as CSV
#[utoipa::path(get, path = "/api/v1/studio/sales.csv", tag = "creator", operation_id = "salesCsv",
    security(("token" = ["sales"]), ("session" = [])),
    responses(
        (status = 200, description = "CSV: sold_at, order_id, listing_id, title, kind, edition, edition_size, price_minor, currency, leaf_index", body = String, content_type = "text/csv"),
        crate::openapi::CallerRefused,
    ))]
pub async fn sales_csv(State(state): State<AppState>, caller: crate::caller::Caller) -> Result<Response, HttpError> {
    let creator = caller.creator(colophon_api::Scope::Sales)?;
    let sales = state.store.creator_sales(creator.id).await?;
    let mut csv =
        String::from("sold_at,order_id,listing_id,title,kind,edition,edition_size,price_minor,currency,leaf_index\n");
    for s in sales {
        let row = [
            s.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            s.order_id,
            s.listing_id.to_string(),
            s.title,
            s.kind.as_str().to_owned(),
            s.edition.map(|e| e.to_string()).unwrap_or_default(),
            s.edition_size.map(|e| e.to_string()).unwrap_or_default(),
            s.price_minor.to_string(),
            s.currency,
            s.log_leaf.to_string(),
        ];
        csv.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        csv.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (
                header::CONTENT_DISPOSITION,
                header_value(&format!("attachment; filename=\"{}-sales.csv\"", creator.handle))?,
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
        ],
        csv,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("Tidal \"Memory\""), "\"Tidal \"\"Memory\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("a,b\nc"), "\"a,b\nc\"");
    }
}
