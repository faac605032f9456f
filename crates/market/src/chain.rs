//! Chain payments (docs/FORMATS.md §14): the buyer pays a signed quote from
//! their own wallet to the sales contract; the order is issued — edition
//! numbered, statement logged — only once that payment has its confirmations.
//!
//! A quote holds one unit of its listing from the moment it is signed, so a
//! payment the contract accepts always finds its edition: the hold lapses
//! only once a block the chain has confirmed is past the quote's deadline
//! (after which the contract refuses the quote), never on a wall clock.

use alloy::primitives::{Address, B256, U256};
use chrono::{DateTime, Utc};
use colophon_ledger::{
    LedgerError, QuoteSigner, RoyaltySetter,
    sales::{PRIMARY, PaidEvent, PermitError, Quote, RESALE, SalesReader, TypedData, pay_with_permit},
};
use colophon_provenance::Payment;
use colophon_store::{ChainPayment, NewQuote, QuoteRow, QuoteStatus, Quoted, Refusal, StoreError};

use crate::{Market, MarketError, Order, valid_idempotency_key};

/// How long a quote may be paid: long enough to open a wallet and confirm.
pub const QUOTE_TTL_SECS: i64 = 15 * 60;

/// What a buyer may pay with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayToken {
    /// Native ETH, converted from the listing's price at the configured rate.
    Eth,
    /// The dollar stablecoin the sales contract allows.
    Usd,
}

impl PayToken {
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "eth" => Some(Self::Eth),
            "usd" => Some(Self::Usd),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eth => "eth",
            Self::Usd => "usd",
        }
    }

    /// Every token the sales contract takes.
    pub const ALL: [Self; 2] = [Self::Eth, Self::Usd];

    /// How wallets show it.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eth => "ETH",
            Self::Usd => "dUSD",
        }
    }

    /// Its smallest unit is 10^-decimals of one.
    pub fn decimals(self) -> u8 {
        match self {
            Self::Eth => 18,
            Self::Usd => 6,
        }
    }

    /// Its address on `sales`' chain (zero for the native coin).
    pub fn address(self, sales: &ChainSales) -> Address {
        match self {
            Self::Eth => Address::ZERO,
            Self::Usd => sales.usd_token,
        }
    }

    /// The token at `address` on `sales`' chain, if the contract takes it.
    pub fn at(address: Address, sales: &ChainSales) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.address(sales) == address)
    }
}

/// The deployment and prices chain payments use.
#[derive(Clone, Debug)]
pub struct ChainSales {
    pub signer: QuoteSigner,
    pub chain_id: u64,
    pub contract: Address,
    /// The stablecoin (6 decimals, dollars).
    pub usd_token: Address,
    /// US cents per 1 ETH (`COLOPHON_ETH_USD_CENTS`): ETH prices are
    /// `ceil(price_minor × 10¹⁸ / rate)` wei.
    pub eth_usd_cents: u64,
    /// The platform's fee in basis points of each payment (`COLOPHON_FEE_BPS`).
    pub fee_bps: u16,
    /// Blocks on top of a payment before its order is issued (what buyers are told to wait for).
    pub confirmations: u64,
    /// Keeps listings' resale royalties on chain (sent by the sales signer).
    pub royalties: RoyaltySetter,
}

/// An amount in a token's smallest unit, and the platform fee within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amount {
    pub total: U256,
    pub fee: U256,
}

/// Why a price cannot be paid in a token.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PricingError {
    #[error("Only prices in USD can be paid on chain for now.")]
    Currency,
    #[error("The ETH price is not configured.")]
    NoRate,
}

impl ChainSales {
    /// What `price_minor` (US cents) costs in `token`, exactly: dUSD has 6
    /// decimals (one cent is 10⁴ units); ETH rounds up to the next wei.
    pub fn amount(&self, price_minor: u64, currency: &str, token: PayToken) -> Result<Amount, PricingError> {
        if currency != "USD" {
            return Err(PricingError::Currency);
        }
        let total = match token {
            PayToken::Usd => U256::from(price_minor) * U256::from(10_000u64),
            PayToken::Eth => {
                if self.eth_usd_cents == 0 {
                    return Err(PricingError::NoRate);
                }
                let wei = U256::from(price_minor) * U256::from(10u64).pow(U256::from(18u64));
                wei.div_ceil(U256::from(self.eth_usd_cents))
            }
        };
        let fee = total * U256::from(self.fee_bps) / U256::from(10_000u64);
        Ok(Amount { total, fee })
    }

    pub(crate) fn token_address(&self, token: PayToken) -> Address {
        token.address(self)
    }

    /// The signed quote for what the store made of a quote request.
    pub(crate) fn offer(&self, outcome: Quoted, royalty_bps: u16) -> Result<QuoteOffer, MarketError> {
        let (row, replayed) = match outcome {
            Quoted::Created(row) => (row, false),
            Quoted::Replayed(row) => (row, true),
            Quoted::Refused(why) => return Err(MarketError::Refused(why)),
        };
        let quote = quote_of(&row)?;
        let signature = self.signer.sign(&quote).map_err(|e| MarketError::Chain(e.to_string()))?.to_vec();
        Ok(QuoteOffer {
            row,
            quote,
            signature,
            chain_id: self.chain_id,
            contract: self.contract,
            replayed,
            royalty_bps,
        })
    }

    /// A confirmed `Paid` event: where the store records it, and what the
    /// statement binds (docs/FORMATS.md §2.1).
    pub(crate) fn paid(&self, event: &PaidEvent) -> crate::checkout::Paid {
        crate::checkout::Paid {
            row: ChainPayment {
                tx_hash: event.tx_hash.to_string(),
                log_index: i64::try_from(event.log_index).unwrap_or(i64::MAX),
                block_number: i64::try_from(event.block_number).unwrap_or(i64::MAX),
            },
            proof: Payment {
                chain_id: self.chain_id,
                contract: self.contract.into_array(),
                tx_hash: event.tx_hash.0,
                log_index: event.log_index,
                token: event.token.into_array(),
                amount: event.amount.to_be_bytes(),
            },
        }
    }
}

/// The on-chain orderId of an order id: its UTF-8, right-padded with zero bytes.
pub fn chain_order_id(order_id: &str) -> Option<B256> {
    let bytes = order_id.as_bytes();
    (bytes.len() <= 32).then(|| {
        let mut out = [0u8; 32];
        out[..bytes.len()].copy_from_slice(bytes);
        B256::from(out)
    })
}

/// The order id an on-chain orderId names (`None`: not one of ours).
pub fn order_id_of(chain_id: &B256) -> Option<String> {
    let end = chain_id.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let text = std::str::from_utf8(&chain_id[..end]).ok()?;
    text.starts_with("ord_").then(|| text.to_owned())
}

/// A quote's terms as the store keeps them: a new order id, addresses
/// checksummed, amounts in decimal.
pub(crate) struct QuoteTerms {
    order_id: String,
    buyer: String,
    payee: String,
    token: String,
    total: String,
    fee: String,
}

impl QuoteTerms {
    pub(crate) fn new(sales: &ChainSales, buyer: Address, payee: Address, token: PayToken, amount: Amount) -> Self {
        Self {
            order_id: crate::checkout::new_order_id(),
            buyer: buyer.to_checksum(None),
            payee: payee.to_checksum(None),
            token: sales.token_address(token).to_checksum(None),
            total: amount.total.to_string(),
            fee: amount.fee.to_string(),
        }
    }

    /// The quote row: `account_id` buys from `listing_id` at `price_minor`,
    /// payable for [`QUOTE_TTL_SECS`] from `now`.
    pub(crate) fn row<'a>(
        &'a self,
        account_id: i64,
        listing_id: i64,
        idempotency_key: &'a str,
        price_minor: i64,
        now: DateTime<Utc>,
    ) -> NewQuote<'a> {
        NewQuote {
            order_id: &self.order_id,
            account_id,
            listing_id,
            idempotency_key,
            buyer_address: &self.buyer,
            payee_address: &self.payee,
            token: &self.token,
            amount: &self.total,
            platform_fee: &self.fee,
            price_minor,
            deadline: now + chrono::Duration::seconds(QUOTE_TTL_SECS),
            now,
        }
    }
}

/// A signed quote, ready for the buyer's wallet.
#[derive(Clone, Debug)]
pub struct QuoteOffer {
    pub row: QuoteRow,
    pub quote: Quote,
    /// 65 bytes `r ‖ s ‖ v`.
    pub signature: Vec<u8>,
    pub chain_id: u64,
    pub contract: Address,
    pub replayed: bool,
    /// Resales: the listing's royalty in basis points (0 on primary sales).
    pub royalty_bps: u16,
}

/// A quote request: who buys what, from which wallet, in which token.
#[derive(Clone, Debug)]
pub struct QuoteRequest<'a> {
    pub account_id: i64,
    pub buyer_creator_id: Option<i64>,
    pub listing_id: i64,
    /// The price the buyer saw.
    pub price_minor: i64,
    pub buyer: Address,
    pub token: PayToken,
    pub idempotency_key: &'a str,
    pub now: DateTime<Utc>,
}

impl Market {
    /// Quotes a listing for chain payment and holds one unit of it for the
    /// buyer until the quote completes or lapses. The same idempotency key
    /// returns the same quote (signed again: signatures are deterministic).
    pub async fn quote(&self, r: &QuoteRequest<'_>) -> Result<QuoteOffer, MarketError> {
        let sales = self.chain().ok_or(MarketError::ChainPaymentsOff)?;
        if !valid_idempotency_key(r.idempotency_key) {
            return Err(MarketError::BadIdempotencyKey);
        }
        let listing = self.listing_for(r.listing_id, r.buyer_creator_id).await?;
        let payee = self.payout_address(listing.creator_id).await?;
        let price = u64::try_from(r.price_minor).map_err(|_| MarketError::Refused(Refusal::PriceChanged))?;
        let amount = sales.amount(price, &listing.currency, r.token).map_err(MarketError::Pricing)?;
        let terms = QuoteTerms::new(sales, r.buyer, payee, r.token, amount);
        let row = terms.row(r.account_id, r.listing_id, r.idempotency_key, r.price_minor, r.now);
        sales.offer(self.store().create_quote(&row).await?, 0)
    }

    /// Where a creator is paid: the payout address they proved.
    pub(crate) async fn payout_address(&self, creator_id: i64) -> Result<Address, MarketError> {
        self.store()
            .creator_payout_address(creator_id)
            .await?
            .and_then(|a| a.parse::<Address>().ok())
            .ok_or(MarketError::NoPayoutAddress)
    }

    /// Issues the order a confirmed payment paid for: numbers the edition,
    /// logs the statement — which binds the payment (statement version 2) —
    /// and closes the quote, in one transaction. A payment seen again returns
    /// the same order; nothing is issued twice.
    pub async fn complete_paid(&self, quote: &QuoteRow, event: &PaidEvent) -> Result<Order, MarketError> {
        let sales = self.chain().ok_or(MarketError::ChainPaymentsOff)?;
        let listing = self.store().listing(quote.listing_id).await?.ok_or(MarketError::Refused(Refusal::NotFound))?;
        let paid = sales.paid(event);
        let reference = format!("{}:{}", event.tx_hash, event.log_index);
        metrics::counter!("colophon_checkouts_total", "outcome" => "paid_on_chain").increment(1);
        self.issue(
            &quote.order_id,
            quote.account_id,
            (quote.listing_id, &listing.slug),
            quote.price_minor,
            &quote.idempotency_key,
            ("chain", &reference),
            Some(paid),
            Utc::now(),
        )
        .await
    }
}

impl Market {
    /// The EIP-2612 permit a stablecoin quote can be paid with instead of an
    /// approval. `None` for ETH, and when the token's domain or nonce cannot
    /// be read: the wallet then approves, which always works.
    pub async fn permit_request(&self, reader: &SalesReader, q: &Quote) -> Option<TypedData> {
        if q.token == Address::ZERO {
            return None;
        }
        match reader.permit(q.token, q.buyer, q.amount, q.deadline).await {
            Ok(typed) => Some(typed),
            Err(err) => {
                tracing::warn!(%err, token = %q.token, "cannot read the token's permit; the wallet approves instead");
                None
            }
        }
    }

    /// The `payWithPermit` calldata for `account_id`'s open stablecoin quote
    /// `order_id`, once `signature` (0x-hex, 65 bytes) is its wallet's permit
    /// for exactly this payment at the owner's current nonce.
    pub async fn permit_payment(
        &self,
        reader: &SalesReader,
        account_id: i64,
        order_id: &str,
        signature: &str,
    ) -> Result<alloy::primitives::Bytes, MarketError> {
        let sales = self.chain().ok_or(MarketError::ChainPaymentsOff)?;
        let row = self
            .store()
            .quote(order_id)
            .await?
            .filter(|q| q.account_id == account_id)
            .ok_or(MarketError::Refused(Refusal::NotFound))?;
        if row.status != QuoteStatus::Open {
            return Err(MarketError::QuoteClosed(row.status.as_str()));
        }
        let q = quote_of(&row)?;
        if q.token == Address::ZERO {
            return Err(MarketError::NoPermitForEth);
        }
        let signature = alloy::primitives::hex::decode(signature.trim())
            .map_err(|_| MarketError::Permit(PermitError::Malformed))?;
        let typed = reader.permit(q.token, q.buyer, q.amount, q.deadline).await.map_err(chain_err)?;
        let quote_signature = sales.signer.sign(&q).map_err(chain_err)?;
        pay_with_permit(&q, quote_signature, &typed, &signature).map_err(MarketError::Permit)
    }
}

/// The quote a stored row stands for (what was signed).
pub fn quote_of(row: &QuoteRow) -> Result<Quote, MarketError> {
    let corrupt = |what: &str| MarketError::Store(StoreError::Corrupt(format!("quote {}: bad {what}", row.order_id)));
    let (kind, royalty_receiver, royalty) = match &row.resale {
        None => (PRIMARY, Address::ZERO, U256::ZERO),
        Some(r) => (
            RESALE,
            r.royalty_receiver.parse().map_err(|_| corrupt("royalty receiver"))?,
            r.royalty.parse().map_err(|_| corrupt("royalty"))?,
        ),
    };
    Ok(Quote {
        orderId: chain_order_id(&row.order_id).ok_or_else(|| corrupt("order id"))?,
        listingId: U256::from(u64::try_from(row.listing_id).map_err(|_| corrupt("listing"))?),
        kind,
        buyer: row.buyer_address.parse().map_err(|_| corrupt("buyer"))?,
        payee: row.payee_address.parse().map_err(|_| corrupt("payee"))?,
        token: row.token.parse().map_err(|_| corrupt("token"))?,
        amount: row.amount.parse().map_err(|_| corrupt("amount"))?,
        platformFee: row.platform_fee.parse().map_err(|_| corrupt("fee"))?,
        royaltyReceiver: royalty_receiver,
        royalty,
        deadline: u64::try_from(row.deadline.timestamp()).map_err(|_| corrupt("deadline"))?,
    })
}

/// What one watcher round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WatchReport {
    /// Blocks read (confirmed ones only).
    pub blocks: u64,
    pub completed: u64,
    pub expired: u64,
    /// Paid events this marketplace did not quote, or that disagree with the quote.
    pub ignored: u64,
}

/// Follows the sales contract's `Paid` events and completes their orders.
#[derive(Clone, Debug)]
pub struct PaymentWatcher {
    market: Market,
    reader: SalesReader,
    /// Blocks on top of a payment's block before it counts.
    confirmations: u64,
    /// Where to start on a chain never read (the contract's deployment block).
    start_block: u64,
    /// The most blocks one round reads.
    max_blocks: u64,
}

impl PaymentWatcher {
    pub fn new(market: Market, reader: SalesReader, confirmations: u64, start_block: u64) -> Self {
        Self { market, reader, confirmations, start_block, max_blocks: 2_000 }
    }

    /// One round: read the confirmed blocks not read yet, complete the orders
    /// they paid, then lapse the quotes whose deadline the last of them passed.
    /// Safe to repeat and to interrupt anywhere: completion is idempotent and
    /// the cursor moves only after its blocks are done.
    pub async fn tick(&self) -> Result<WatchReport, MarketError> {
        let store = self.market.store();
        let contract = self.reader.contract().to_checksum(None);
        let head = self.reader.head().await.map_err(chain_err)?;
        let Some(safe) = head.checked_sub(self.confirmations) else { return Ok(WatchReport::default()) };
        let from = store.payment_cursor(&contract).await?.unwrap_or(self.start_block);
        if from > safe {
            return Ok(WatchReport::default());
        }
        let to = safe.min(from + self.max_blocks - 1);
        let mut report = WatchReport { blocks: to - from + 1, ..WatchReport::default() };
        for event in self.reader.paid_events(from, to).await.map_err(chain_err)? {
            match self.complete(&event).await? {
                true => report.completed += 1,
                false => report.ignored += 1,
            }
        }
        // Every payment in blocks up to `to` is done: a quote whose deadline is
        // before that block's time can no longer be paid (the contract refuses it).
        let time = self.reader.block_time(to).await.map_err(chain_err)?;
        if let Some(time) = DateTime::<Utc>::from_timestamp(i64::try_from(time).unwrap_or(i64::MAX), 0) {
            report.expired = store.expire_quotes(time).await?;
        }
        store.set_payment_cursor(&contract, to + 1).await?;
        Ok(report)
    }

    async fn complete(&self, e: &PaidEvent) -> Result<bool, MarketError> {
        let Some(order_id) = order_id_of(&e.order_id) else {
            tracing::warn!(tx = %e.tx_hash, "a Paid event for an order id this marketplace does not issue");
            return Ok(false);
        };
        let Some(quote) = self.market.store().quote(&order_id).await? else {
            tracing::warn!(order = %order_id, tx = %e.tx_hash, "a Paid event for an unknown quote");
            return Ok(false);
        };
        let signed = quote_of(&quote)?;
        if (signed.buyer, signed.token, signed.amount, signed.payee) != (e.buyer, e.token, e.amount, e.payee) {
            tracing::error!(order = %order_id, tx = %e.tx_hash, "a Paid event disagrees with the quote signed for it");
            return Ok(false);
        }
        let completed = match quote.resale {
            Some(_) => self.market.complete_resale(&quote, e).await,
            None => self.market.complete_paid(&quote, e).await,
        };
        let order = match completed {
            Ok(order) => order,
            // A payment the hold no longer covers (a reorg deeper than the
            // confirmations, or a quote lapsed by hand) is the operator's to
            // refund; it must not stop the watcher from reading on.
            Err(MarketError::Refused(why)) => {
                tracing::error!(order = %order_id, tx = %e.tx_hash, %why, "a confirmed payment could not be issued: refund it");
                return Ok(false);
            }
            Err(other) => return Err(other),
        };
        if !order.replayed {
            tracing::info!(order = %order_id, tx = %e.tx_hash, edition = ?order.row.edition, "chain payment completed an order");
        }
        Ok(true)
    }
}

fn chain_err(e: LedgerError) -> MarketError {
    MarketError::Chain(e.to_string())
}
