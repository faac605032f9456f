//! `/api/v1/studio/payouts` and `/api/v1/studio/payout-address`: where a
//! creator's wallet sales are paid. The address is proven with Sign-In-With-
//! Ethereum (EIP-4361): the server issues a message (domain, address, chain,
//! a single-use nonce, ten minutes to sign) into the session, the wallet signs
//! it (`personal_sign`, EIP-191), and only a signature by that address sets
//! it. Balances and withdrawals are read from the sales contract itself.

use alloy::{
    primitives::{Address, U256},
    sol_types::SolCall as _,
};
use axum::{Json, extract::State, http::HeaderMap};
use chrono::{SecondsFormat, Utc};
use colophon_api::{
    ErrorBody, PayoutBalance, PayoutChallenge, PayoutChallengeRequest, PayoutProof, PayoutWithdrawal, Payouts, Scope,
    WalletTransaction,
};
use colophon_ledger::sales::ColophonSales;
use tower_sessions::Session;

use crate::{caller::Caller, error::HttpError, routes::uploads::account, state::AppState};
use colophon_market::chain::PayToken;

/// The session key the issued, unsigned challenge waits under.
const CHALLENGE: &str = "payout_challenge";
/// How long a challenge may be signed.
const CHALLENGE_MINUTES: i64 = 10;

/// A challenge waiting for its signature.
#[derive(serde::Serialize, serde::Deserialize)]
struct Pending {
    creator_id: i64,
    message: String,
}

fn off() -> HttpError {
    HttpError::Conflict("Paying from a wallet is not enabled on this marketplace.".into())
}

fn unavailable(e: impl std::fmt::Display) -> HttpError {
    HttpError::Unavailable { message: "The chain is not answering. Try again shortly.", source: anyhow::anyhow!("{e}") }
}

/// The creator's payout address, balances owed on chain and withdrawals.
#[utoipa::path(get, path = "/api/v1/studio/payouts", tag = "creator", operation_id = "getPayouts",
    security(("token" = ["sales"]), ("session" = [])),
    responses(
        (status = 200, description = "Payout address, balances and withdrawals, read from the chain", body = Payouts),
        (status = 503, description = "The chain did not answer", body = ErrorBody),
        crate::openapi::CallerRefused,
    ))]
pub async fn view(State(state): State<AppState>, caller: Caller) -> Result<Json<Payouts>, HttpError> {
    let creator = caller.creator(Scope::Sales)?;
    payouts(&state, creator.id).await.map(Json)
}

async fn payouts(state: &AppState, creator_id: i64) -> Result<Payouts, HttpError> {
    let (Some(sales), Some((reader, start_block))) = (state.market.chain(), state.sales_reader.as_ref()) else {
        return Ok(Payouts {
            enabled: false,
            payout_address: None,
            chain_id: None,
            contract: None,
            balances: vec![],
            withdrawals: vec![],
        });
    };
    let address = state.store.creator_payout_address(creator_id).await?.and_then(|a| a.parse::<Address>().ok());
    let mut balances = Vec::new();
    let mut withdrawals = Vec::new();
    for pay_token in PayToken::ALL {
        let (token, symbol, decimals) = (pay_token.address(sales), pay_token.symbol(), pay_token.decimals());
        let owed = match address {
            Some(a) => reader.owed(a, token).await.map_err(unavailable)?,
            None => U256::ZERO,
        };
        let withdraw = (!owed.is_zero()).then(|| WalletTransaction {
            to: sales.contract.to_checksum(None),
            data: format!("0x{}", alloy::primitives::hex::encode(ColophonSales::withdrawCall { token }.abi_encode())),
            value: "0x0".into(),
        });
        balances.push(PayoutBalance {
            token: token.to_checksum(None),
            symbol: symbol.into(),
            decimals,
            owed: owed.to_string(),
            withdraw,
        });
    }
    if let Some(a) = address {
        for w in reader.withdrawals(a, *start_block).await.map_err(unavailable)? {
            let (symbol, decimals) = PayToken::at(w.token, sales).map_or(("?", 0), |t| (t.symbol(), t.decimals()));
            withdrawals.push(PayoutWithdrawal {
                token: w.token.to_checksum(None),
                symbol: symbol.into(),
                decimals,
                amount: w.amount.to_string(),
                tx_hash: w.tx_hash.to_string(),
                block_number: w.block_number,
            });
        }
    }
    Ok(Payouts {
        enabled: true,
        payout_address: address.map(|a| a.to_checksum(None)),
        chain_id: Some(sales.chain_id),
        contract: Some(sales.contract.to_checksum(None)),
        balances,
        withdrawals,
    })
}

/// The signed-in creator (proving an address takes a wallet in a browser: no API tokens).
async fn session_creator(state: &AppState, session: &Session) -> Result<colophon_store::CreatorRow, HttpError> {
    account(state, session)
        .await?
        .creator
        .ok_or_else(|| HttpError::Forbidden("Become a creator in the Studio first.".into()))
}

/// The site's host as the wallet sees it: `COLOPHON_PUBLIC_URL`'s, else the request's.
fn domain(state: &AppState, headers: &HeaderMap) -> Result<http::uri::Authority, HttpError> {
    let from_config =
        state.public_url.as_deref().and_then(|u| u.parse::<http::Uri>().ok()).and_then(|u| u.authority().cloned());
    let host = || headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).and_then(|h| h.parse().ok());
    from_config.or_else(host).ok_or_else(|| HttpError::BadRequest("The request names no host.".into()))
}

/// Issues the Sign-In-With-Ethereum message that proves a payout address.
#[utoipa::path(post, path = "/api/v1/studio/payout-address/challenge", tag = "creator",
    operation_id = "payoutAddressChallenge",
    security(("session" = [])),
    request_body = PayoutChallengeRequest,
    responses(
        (status = 200, description = "The EIP-4361 message to sign with `personal_sign`", body = PayoutChallenge),
        (status = 400, description = "Not an address", body = ErrorBody),
        (status = 409, description = "Wallet payments are off", body = ErrorBody),
        crate::openapi::CallerRefused,
    ))]
pub async fn challenge(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<PayoutChallenge>, HttpError> {
    let creator = session_creator(&state, &session).await?;
    let req: PayoutChallengeRequest = crate::error::json_body(&body)?;
    let address: Address = req
        .address
        .parse()
        .map_err(|_| HttpError::BadRequest("address must be an Ethereum address: 0x and 40 hex digits.".into()))?;
    if address == Address::ZERO {
        return Err(HttpError::BadRequest("The zero address cannot receive payouts.".into()));
    }
    let sales = state.market.chain().ok_or_else(off)?;
    let domain = domain(&state, &headers)?;
    let scheme = if state.secure_cookies { "https" } else { "http" };
    let now = Utc::now();
    let message = format!(
        "{domain} wants you to sign in with your Ethereum account:\n{address}\n\n\
         Pay my Colophon sales as @{handle} to this address.\n\n\
         URI: {scheme}://{domain}/studio\nVersion: 1\nChain ID: {chain}\nNonce: {nonce}\n\
         Issued At: {issued}\nExpiration Time: {expires}",
        address = address.to_checksum(None),
        handle = creator.handle,
        chain = sales.chain_id,
        nonce = siwe::generate_nonce(),
        issued = now.to_rfc3339_opts(SecondsFormat::Millis, true),
        expires = (now + chrono::Duration::minutes(CHALLENGE_MINUTES)).to_rfc3339_opts(SecondsFormat::Millis, true),
    );
    // What we issue must be a valid EIP-4361 message that reads back to the
    // same text (the signature is checked over the parsed message's text).
    let parsed: siwe::Message =
        message.parse().map_err(|e| HttpError::Internal(anyhow::anyhow!("SIWE message: {e}")))?;
    if parsed.to_string() != message {
        return Err(HttpError::Internal(anyhow::anyhow!("the SIWE message does not read back as written")));
    }
    session
        .insert(CHALLENGE, Pending { creator_id: creator.id, message: message.clone() })
        .await
        .map_err(|e| HttpError::Internal(anyhow::anyhow!("session: {e}")))?;
    Ok(Json(PayoutChallenge { message }))
}

/// Sets the payout address from the wallet's signature of the issued challenge.
#[utoipa::path(post, path = "/api/v1/studio/payout-address", tag = "creator", operation_id = "setPayoutAddress",
    security(("session" = [])),
    request_body = PayoutProof,
    responses(
        (status = 200, description = "The address is set; the payouts as they now stand", body = Payouts),
        (status = 400, description = "No challenge waiting, an expired one, or a signature by another address", body = ErrorBody),
        crate::openapi::CallerRefused,
    ))]
pub async fn prove(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Payouts>, HttpError> {
    let creator = session_creator(&state, &session).await?;
    let proof: PayoutProof = crate::error::json_body(&body)?;
    // Single use: taken out of the session whatever the outcome.
    let pending: Option<Pending> =
        session.remove(CHALLENGE).await.map_err(|e| HttpError::Internal(anyhow::anyhow!("session: {e}")))?;
    let pending = pending
        .filter(|p| p.creator_id == creator.id)
        .ok_or_else(|| HttpError::BadRequest("No address is waiting to be proven: ask for a new message.".into()))?;
    let message: siwe::Message =
        pending.message.parse().map_err(|e| HttpError::Internal(anyhow::anyhow!("stored SIWE message: {e}")))?;
    let signature = alloy::primitives::hex::decode(proof.signature.trim_start_matches("0x"))
        .map_err(|_| HttpError::BadRequest("signature must be 0x-hex.".into()))?;
    let opts = siwe::VerificationOpts { domain: Some(domain(&state, &headers)?), ..Default::default() };
    message.verify(&signature, &opts).await.map_err(|e| match e {
        siwe::VerificationError::Time => HttpError::BadRequest("The message expired: ask for a new one.".into()),
        _ => HttpError::BadRequest(
            "The signature is not this address's signature of the message. Sign with the wallet that holds it.".into(),
        ),
    })?;
    let address = Address::from(message.address);
    state.store.set_creator_payout_address(creator.id, &address.to_checksum(None)).await?;
    tracing::info!(creator = creator.id, %address, "payout address proven and set");
    payouts(&state, creator.id).await.map(Json)
}
