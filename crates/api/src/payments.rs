//! Paying from a wallet (docs/FORMATS.md §14): a quote, the transactions the
//! wallet sends, and the quote's state until its order is issued.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/orders/quote`, with an `Idempotency-Key` header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The listing's slug.
    pub listing: String,
    /// The price the buyer saw, in minor units (refused when it changed).
    pub price_minor: i64,
    /// The wallet that will pay (0x + 40 hex): the only one the quote lets pay.
    pub wallet: String,
    /// `eth` or `usd` (the stablecoin).
    pub token: String,
    /// A resale offer of this listing to buy (`rs_…`, from
    /// `GET /api/v1/listings/{slug}/resales`) instead of a new edition; its
    /// price is the offer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<String>,
}

/// A transaction for the wallet to send (`eth_sendTransaction`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WalletTransaction {
    pub to: String,
    /// ABI-encoded calldata, 0x-hex.
    pub data: String,
    /// Wei, 0x-hex (EIP-1193's form).
    pub value: String,
}

/// A signed quote: what the buyer pays, who gets what, and the transactions to send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentQuote {
    /// The order's id once paid; the on-chain `orderId` is its UTF-8, zero-padded to 32 bytes.
    pub order_id: String,
    pub chain_id: u64,
    /// The sales contract.
    pub contract: String,
    /// The token's address (zero for ETH), symbol and decimals.
    pub token: String,
    pub symbol: String,
    pub decimals: u8,
    /// `primary` (the creator sells a new edition or licence) or `resale`
    /// (a holder sells their edition; the creator's royalty is paid from it).
    pub kind: String,
    /// Decimal integers in the token's smallest unit: the total the buyer
    /// pays, the platform's fee within it, and what the creator is credited
    /// (the whole rest on a primary sale, the royalty on a resale).
    pub amount: String,
    pub platform_fee: String,
    pub creator_share: String,
    /// Resales: what the seller is credited (`amount − platform_fee − creator_share`).
    pub seller_share: Option<String>,
    /// Resales: the royalty rate in basis points (what `royaltyInfo` answers on chain).
    pub royalty_bps: Option<u16>,
    /// Where the payee's share is credited: the creator (primary) or the seller (resale).
    pub payee: String,
    /// Unix seconds: the contract refuses the quote after it.
    pub deadline: i64,
    /// Blocks on top of the payment's before the order is issued.
    pub confirmations: u64,
    /// The sales signer's 65-byte signature, 0x-hex.
    pub signature: String,
    /// Send these in order: an ERC-20 `approve` (stablecoin only), then `pay`.
    pub transactions: Vec<WalletTransaction>,
    /// Stablecoin quotes: the EIP-2612 permit to sign instead of the `approve`
    /// (one transaction instead of two). Absent for ETH, or when the token's
    /// permit could not be read.
    pub permit: Option<PermitRequest>,
    /// The same Idempotency-Key quoted before: this is that quote.
    pub replayed: bool,
}

/// An EIP-2612 permit for the buyer's wallet to sign (`eth_signTypedData_v4`):
/// the token lets the sales contract take exactly the quote's amount until the
/// quote's deadline. Post the signature to `/api/v1/orders/quote/{order_id}/permit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PermitRequest {
    /// EIP-712 typed data as `eth_signTypedData_v4` takes it: `types`,
    /// `primaryType` (`Permit`), `domain` (the token's own, as its
    /// `eip712Domain()` states it) and `message` (owner = the buyer's wallet,
    /// spender = the sales contract, value = the amount, the owner's current
    /// `nonces()`, deadline = the quote's).
    #[schema(value_type = Object)]
    pub typed_data: serde_json::Value,
}

/// `POST /api/v1/orders/quote/{order_id}/permit`: the wallet's permit signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PermitSignature {
    /// 65 bytes `r ‖ s ‖ v`, 0x-hex, as `eth_signTypedData_v4` returns it.
    pub signature: String,
}

/// `GET /api/v1/orders/quote/{order_id}`: where a quote is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuoteState {
    pub order_id: String,
    /// `open` (holding its edition, waiting for a confirmed payment),
    /// `completed` (the order exists: `GET /api/v1/orders/{order_id}`) or
    /// `expired` (the chain passed its deadline unpaid).
    pub status: String,
    pub deadline: i64,
    /// The paying transaction, once seen.
    pub tx_hash: Option<String>,
}

/// `POST /api/v1/orders/{id}/resale`: offer the edition an order holds for resale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferResale {
    /// The asking price in the listing's currency's minor units (1 to 100,000,000).
    pub price_minor: i64,
}

/// An edition offered for resale. Sellers stay private: the offer names no one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResaleOffer {
    /// `rs_…`: pass it as `offer` to `POST /api/v1/orders/quote`.
    pub id: String,
    pub listing: String,
    pub title: String,
    pub edition: i64,
    pub edition_size: Option<i64>,
    pub price_minor: i64,
    pub currency: String,
    /// The creator's royalty on this resale, in basis points, paid from the price.
    pub royalty_bps: i64,
    /// `open`, `sold` or `withdrawn`.
    pub status: String,
    /// A buyer's quote holds it now (at most 15 minutes, unless they pay).
    pub held: bool,
    /// Unix seconds.
    pub created_at: i64,
}

/// One holder in an edition's chain of custody (`GET /api/v1/listings/{slug}/editions/{n}/custody`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CustodyEntry {
    /// The `EditionSold` (first) or `EditionTransferred` statement's log index:
    /// `GET /api/v1/log/entries/{leaf}` has it, signed by the operator key.
    pub leaf_index: u64,
    /// True for a resale.
    pub resale: bool,
    pub price_minor: i64,
    pub currency: String,
    /// The paying transaction, for sales paid from a wallet.
    pub tx_hash: Option<String>,
    /// Unix seconds.
    pub at: i64,
}

/// `GET /api/v1/studio/payouts`: where a creator's wallet sales are paid, what
/// the sales contract owes them, and what they have withdrawn — all read from
/// the chain, not from Colophon's books.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Payouts {
    /// False when this marketplace takes no wallet payments (then nothing else is set).
    pub enabled: bool,
    /// The proven payout address (EIP-55), or none yet: wallet buyers cannot pay until there is one.
    pub payout_address: Option<String>,
    pub chain_id: Option<u64>,
    /// The sales contract that holds and pays out the balances.
    pub contract: Option<String>,
    /// One row per token the contract takes, even when nothing is owed.
    pub balances: Vec<PayoutBalance>,
    /// The payout address's withdrawals, newest first.
    pub withdrawals: Vec<PayoutWithdrawal>,
}

/// What the sales contract owes the payout address in one token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PayoutBalance {
    /// The token (zero address: ETH), its symbol and decimals.
    pub token: String,
    pub symbol: String,
    pub decimals: u8,
    /// A decimal integer in the token's smallest unit.
    pub owed: String,
    /// The transaction that withdraws it (`withdraw(token)` from the payout
    /// address), when something is owed.
    pub withdraw: Option<WalletTransaction>,
}

/// One withdrawal (`Withdrawn` event) of the payout address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PayoutWithdrawal {
    pub token: String,
    pub symbol: String,
    pub decimals: u8,
    /// A decimal integer in the token's smallest unit.
    pub amount: String,
    pub tx_hash: String,
    pub block_number: u64,
}

/// `POST /api/v1/studio/payout-address/challenge`: the address to prove.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutChallengeRequest {
    /// 0x and 40 hex digits.
    pub address: String,
}

/// A Sign-In-With-Ethereum (EIP-4361) message for the wallet to sign with
/// `personal_sign`; valid for 10 minutes, once, in this session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PayoutChallenge {
    pub message: String,
}

/// `POST /api/v1/studio/payout-address`: the wallet's signature of the challenge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutProof {
    /// 65 bytes `r ‖ s ‖ v`, 0x-hex (what `personal_sign` returns).
    pub signature: String,
}
