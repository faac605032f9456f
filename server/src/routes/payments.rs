//! `/api/v1/orders/quote`: paying from a wallet (docs/FORMATS.md §14). The
//! buyer asks for a quote (which holds an edition for them), their wallet
//! sends the transactions it lists, and the order appears once the payment has
//! its confirmations (`GET /api/v1/orders/quote/{id}` says where it is).

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall as _,
};
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
};
use chrono::Utc;
use colophon_api::{
    ErrorBody, PaymentQuote, PermitRequest, PermitSignature, QuoteRequest, QuoteState, WalletTransaction,
};
use colophon_ledger::sales::{ColophonSales, DemoUSD};
use colophon_market::chain::{PayToken, QuoteOffer};
use tower_sessions::Session;

use crate::{error::HttpError, routes::uploads::account, state::AppState};

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", alloy::primitives::hex::encode(bytes))
}

fn wei(v: U256) -> String {
    format!("{v:#x}")
}

/// The wallet's view of a quote: amounts, and the calls to send.
fn offer_view(
    o: &QuoteOffer,
    sales: &colophon_market::chain::ChainSales,
    permit: Option<PermitRequest>,
) -> PaymentQuote {
    let q = &o.quote;
    let eth = q.token == Address::ZERO;
    let pay = ColophonSales::payCall { q: q.clone(), signature: Bytes::from(o.signature.clone()) }.abi_encode();
    let mut transactions = Vec::new();
    if !eth {
        let approve = DemoUSD::approveCall { spender: o.contract, value: q.amount }.abi_encode();
        transactions.push(WalletTransaction {
            to: q.token.to_checksum(None),
            data: hex(&approve),
            value: "0x0".into(),
        });
    }
    transactions.push(WalletTransaction {
        to: o.contract.to_checksum(None),
        data: hex(&pay),
        value: if eth { wei(q.amount) } else { "0x0".into() },
    });
    let resale = q.kind == colophon_ledger::sales::RESALE;
    PaymentQuote {
        order_id: o.row.order_id.clone(),
        chain_id: o.chain_id,
        contract: o.contract.to_checksum(None),
        token: q.token.to_checksum(None),
        symbol: PayToken::at(q.token, sales).map_or("?", PayToken::symbol).into(),
        decimals: PayToken::at(q.token, sales).map_or(0, PayToken::decimals),
        kind: if resale { "resale" } else { "primary" }.into(),
        amount: q.amount.to_string(),
        platform_fee: q.platformFee.to_string(),
        creator_share: if resale { q.royalty } else { q.amount - q.platformFee }.to_string(),
        seller_share: resale.then(|| (q.amount - q.platformFee - q.royalty).to_string()),
        royalty_bps: resale.then_some(o.royalty_bps),
        payee: q.payee.to_checksum(None),
        deadline: o.row.deadline.timestamp(),
        confirmations: sales.confirmations,
        signature: hex(&o.signature),
        transactions,
        permit,
        replayed: o.replayed,
    }
}

/// Quotes a listing for the signed-in buyer's wallet and holds an edition for them
#[utoipa::path(post, path = "/api/v1/orders/quote", tag = "collector", operation_id = "quoteOrder",
    security(("session" = [])),
    params(("Idempotency-Key" = String, Header, description = "8 to 128 of A-Z a-z 0-9 - _; the same key returns the same quote")),
    request_body = QuoteRequest,
    responses(
        (status = 201, description = "A signed quote holding one unit until its deadline; send its transactions", body = PaymentQuote),
        (status = 200, description = "This key already quoted it: that quote", body = PaymentQuote),
        (status = 400, description = "A malformed body, wallet, token or key", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such listing", body = ErrorBody),
        (status = 409, description = "Refused, with the reason (all sold or reserved, no payout address, wallet payments off…)", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<PaymentQuote>), HttpError> {
    let account = account(&state, &session).await?;
    let key = crate::routes::orders::idempotency_key(&headers)?;
    let req: QuoteRequest = crate::error::json_body(&body)?;
    let wallet: Address = req
        .wallet
        .parse()
        .map_err(|_| HttpError::BadRequest("wallet must be an Ethereum address: 0x and 40 hex digits.".into()))?;
    if wallet == Address::ZERO {
        return Err(HttpError::BadRequest("wallet cannot be the zero address.".into()));
    }
    let token =
        PayToken::parse(&req.token).ok_or_else(|| HttpError::BadRequest("token must be \"eth\" or \"usd\".".into()))?;
    let listing = state.store.listing_id_by_slug(&req.listing).await?.ok_or(HttpError::NotFound)?;
    let offer = match &req.offer {
        Some(offer_id) => {
            // The offer must be of the listing named (a stale page must not buy another edition).
            let resale = state.store.offer(offer_id).await?.filter(|o| o.listing_id == listing);
            let resale = resale.ok_or(HttpError::NotFound)?;
            state
                .market
                .resale_quote(&colophon_market::resale::ResaleQuoteRequest {
                    account_id: account.id,
                    offer_id: &resale.id,
                    price_minor: req.price_minor,
                    buyer: wallet,
                    token,
                    idempotency_key: key,
                    now: Utc::now(),
                })
                .await?
        }
        None => {
            state
                .market
                .quote(&colophon_market::chain::QuoteRequest {
                    account_id: account.id,
                    buyer_creator_id: account.creator.as_ref().map(|c| c.id),
                    listing_id: listing,
                    price_minor: req.price_minor,
                    buyer: wallet,
                    token,
                    idempotency_key: key,
                    now: Utc::now(),
                })
                .await?
        }
    };
    let status = if offer.replayed { StatusCode::OK } else { StatusCode::CREATED };
    let sales = state
        .market
        .chain()
        .ok_or_else(|| HttpError::Conflict(colophon_market::MarketError::ChainPaymentsOff.to_string()))?;
    let permit = match &state.sales_reader {
        Some((reader, _)) => state.market.permit_request(reader, &offer.quote).await,
        None => None,
    };
    let permit = permit.and_then(|t| serde_json::to_value(&t).ok()).map(|typed_data| PermitRequest { typed_data });
    Ok((status, Json(offer_view(&offer, sales, permit))))
}

/// Turns the buyer's EIP-2612 permit signature into the one `payWithPermit` transaction to send
#[utoipa::path(post, path = "/api/v1/orders/quote/{id}/permit", tag = "collector", operation_id = "permitQuote",
    security(("session" = [])),
    params(("id" = String, Path, description = "The quote's order id.")),
    request_body = PermitSignature,
    responses(
        (status = 200, description = "The `payWithPermit` transaction: send it from the quote's wallet", body = WalletTransaction),
        (status = 400, description = "A malformed signature, an ETH quote, or a permit not signed by the quote's wallet for this payment", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No quote of yours has this id", body = ErrorBody),
        (status = 409, description = "The quote is no longer open, or wallet payments are off", body = ErrorBody),
        (status = 503, description = "The chain did not answer", body = ErrorBody),
    ))]
pub async fn permit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<WalletTransaction>, HttpError> {
    let account = account(&state, &session).await?;
    let req: PermitSignature = crate::error::json_body(&body)?;
    let (Some(sales), Some((reader, _))) = (state.market.chain(), state.sales_reader.as_ref()) else {
        return Err(HttpError::Conflict(colophon_market::MarketError::ChainPaymentsOff.to_string()));
    };
    let data = state.market.permit_payment(reader, account.id, &id, &req.signature).await?;
    Ok(Json(WalletTransaction { to: sales.contract.to_checksum(None), data: hex(&data), value: "0x0".into() }))
}

/// Where one of the buyer's quotes is; others' quotes do not exist for them
#[utoipa::path(get, path = "/api/v1/orders/quote/{id}", tag = "collector", operation_id = "getQuote",
    security(("session" = [])),
    params(("id" = String, Path, description = "The quote's order id.")),
    responses(
        (status = 200, description = "Open, completed (the order exists) or expired", body = QuoteState),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No quote of yours has this id", body = ErrorBody),
    ))]
pub async fn one(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Json<QuoteState>, HttpError> {
    let account = account(&state, &session).await?;
    let quote = state.store.quote(&id).await?.filter(|q| q.account_id == account.id).ok_or(HttpError::NotFound)?;
    Ok(Json(QuoteState {
        order_id: quote.order_id,
        status: quote.status.as_str().into(),
        deadline: quote.deadline.timestamp(),
        tx_hash: quote.payment.map(|p| p.tx_hash),
    }))
}
