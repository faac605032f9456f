//! Orders: editions sold and licences granted. Checkout allocates the next
//! edition number, records the order and appends its signed statement in
//! ONE transaction, so an edition is never oversold or numbered twice.

use chrono::{DateTime, Utc};
use colophon_provenance::SignedStatement;

use crate::{ListingKind, Store, StoreError};

/// A purchase to record. The payment is already authorised by the caller.
#[derive(Clone, Debug)]
pub struct Purchase<'a> {
    pub order_id: &'a str,
    pub account_id: i64,
    pub listing_id: i64,
    /// The price the buyer agreed to (refused when the listing's differs).
    pub price_minor: i64,
    pub idempotency_key: &'a str,
    pub payment_provider: &'a str,
    pub payment_ref: &'a str,
    pub buyer_salt: [u8; 32],
    pub now: DateTime<Utc>,
    /// Completes the open quote `order_id` with this confirmed payment,
    /// instead of applying the sale rule (the quote's hold already did).
    pub paid_quote: Option<ChainPayment>,
}

/// Where a chain payment was seen: its transaction and the `Paid` log's index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainPayment {
    /// 0x + 64 hex.
    pub tx_hash: String,
    pub log_index: i64,
    pub block_number: i64,
}

/// A quote to record (docs/FORMATS.md §14): its hold starts now.
#[derive(Clone, Debug)]
pub struct NewQuote<'a> {
    pub order_id: &'a str,
    pub account_id: i64,
    pub listing_id: i64,
    pub idempotency_key: &'a str,
    /// 0x + 40 hex, as the quote names them.
    pub buyer_address: &'a str,
    pub payee_address: &'a str,
    pub token: &'a str,
    /// Decimal integers in the token's smallest unit.
    pub amount: &'a str,
    pub platform_fee: &'a str,
    /// The listing's price the buyer saw (refused when it changed).
    pub price_minor: i64,
    pub deadline: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// Where a quote is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteStatus {
    /// Signed, holding its unit, not (yet) seen paid with confirmations.
    Open,
    /// Paid: the order exists (same id).
    Completed,
    /// The chain passed its deadline unpaid: its hold is free.
    Expired,
}

impl QuoteStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Completed => "completed",
            Self::Expired => "expired",
        }
    }

    pub(crate) fn parse(word: &str) -> Result<Self, StoreError> {
        match word {
            "open" => Ok(Self::Open),
            "completed" => Ok(Self::Completed),
            "expired" => Ok(Self::Expired),
            other => Err(StoreError::Corrupt(format!("unknown quote status {other:?}"))),
        }
    }
}

/// A stored quote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteRow {
    pub order_id: String,
    pub account_id: i64,
    pub listing_id: i64,
    pub idempotency_key: String,
    pub buyer_address: String,
    pub payee_address: String,
    pub token: String,
    pub amount: String,
    pub platform_fee: String,
    pub price_minor: i64,
    pub currency: String,
    pub deadline: DateTime<Utc>,
    pub status: QuoteStatus,
    pub payment: Option<ChainPayment>,
    /// A resale quote's offer and royalty (`None`: a primary sale).
    pub resale: Option<crate::ResaleQuote>,
    pub created_at: DateTime<Utc>,
}

/// The outcome of [`Store::create_quote`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Quoted {
    Created(QuoteRow),
    /// The same idempotency key quoted before: that quote.
    Replayed(QuoteRow),
    Refused(Refusal),
}

/// What the quote transaction did (backend to [`Store::create_quote`]).
pub(crate) enum QuoteOutcome {
    Created,
    Refused(Refusal),
    DuplicateKey,
}

/// What checkout allocated, for the statement it signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    pub kind: ListingKind,
    /// The edition number, 1..=N (editions only).
    pub edition: Option<u64>,
    pub edition_size: Option<u64>,
    pub price_minor: u64,
    pub currency: String,
    /// The file version sold: the listing's latest.
    pub file_id: String,
    pub content_hash: [u8; 32],
    pub license_hash: Option<[u8; 32]>,
}

pub use colophon_catalog::{Refusal, SaleState};

/// The outcome of [`Store::checkout_result`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checkout {
    Created(OrderRow),
    /// The same idempotency key was seen before: the earlier order.
    Replayed(OrderRow),
    Refused(Refusal),
}

/// An order as the buyer's collection shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRow {
    pub id: String,
    pub account_id: i64,
    pub listing_id: i64,
    pub slug: String,
    pub title: String,
    pub kind: ListingKind,
    pub creator_name: String,
    pub creator_handle: String,
    pub file_id: String,
    pub sha256: [u8; 32],
    pub file_type: String,
    pub size: i64,
    pub storage_key: String,
    pub edition: Option<i64>,
    pub edition_size: Option<i64>,
    pub price_minor: i64,
    pub currency: String,
    pub payment_provider: String,
    pub payment_ref: String,
    pub buyer_salt: [u8; 32],
    pub log_leaf: u64,
    pub created_at: DateTime<Utc>,
    /// The edition passed to a later buyer in a resale: the order no longer holds it.
    pub resold: bool,
}

/// A sale as the creator's dashboard shows it (buyers stay private).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleRow {
    pub order_id: String,
    pub listing_id: i64,
    pub title: String,
    pub kind: ListingKind,
    pub edition: Option<i64>,
    pub edition_size: Option<i64>,
    pub price_minor: i64,
    pub currency: String,
    pub log_leaf: u64,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Checks out many purchases in one transaction (a group commit). For
    /// each: checks the listing is published and in its sale window, takes
    /// the next edition number (never past N), enforces the per-account cap
    /// (editions) or one licence per account (workflows, LoRAs), appends the
    /// statement `sign` makes from the allocation, and records the order; a
    /// refusal stores nothing. Each is judged in order, as if
    /// it were its own transaction after the previous one, and one commit
    /// makes the accepted ones durable. `sign(i, allocation)` signs purchase
    /// `i`'s statement. An outcome per purchase, in order; when the batch's
    /// transaction fails (a key another process just used, a statement that
    /// cannot be signed), each purchase is tried alone, so one cannot fail the
    /// others. Pass each outcome to [`Store::checkout_result`].
    pub async fn checkout_batch<F>(&self, ps: &[Purchase<'_>], sign: F) -> Vec<Result<TxOutcome, StoreError>>
    where
        F: Fn(usize, &Allocation) -> Result<SignedStatement, StoreError> + Send + Sync,
    {
        let whole: Result<Vec<TxOutcome>, StoreError> = dispatch!(self, checkout_batch(ps, &sign));
        match whole {
            Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
            Err(e) if ps.len() <= 1 => vec![Err(e)],
            Err(e) => {
                tracing::debug!(error = %e, purchases = ps.len(), "checkout batch failed: each purchase alone");
                let mut out = Vec::with_capacity(ps.len());
                for (i, p) in ps.iter().enumerate() {
                    let one: Result<Vec<TxOutcome>, StoreError> =
                        dispatch!(self, checkout_batch(std::slice::from_ref(p), &|_, a: &Allocation| sign(i, a)));
                    out.push(one.and_then(|mut v| v.pop().ok_or_else(|| StoreError::Corrupt("no outcome".into()))));
                }
                out
            }
        }
    }

    /// What a purchase's transaction outcome means for the buyer: the order
    /// made (read back), the earlier order its key made, or why not.
    pub async fn checkout_result(&self, p: &Purchase<'_>, outcome: TxOutcome) -> Result<Checkout, StoreError> {
        Ok(match outcome {
            TxOutcome::Done => match self.order(p.order_id).await? {
                Some(order) => Checkout::Created(order),
                None => return Err(StoreError::Corrupt("a committed order is missing".into())),
            },
            TxOutcome::Refused(refusal) => Checkout::Refused(refusal),
            TxOutcome::QuoteClosed => match self.order(p.order_id).await? {
                // Completed already (another watcher round, a replayed event): that order.
                Some(order) => Checkout::Replayed(order),
                None => Checkout::Refused(Refusal::QuoteLapsed),
            },
            // A concurrent request with the same key won the race.
            TxOutcome::DuplicateKey => match self.order_by_key(p.account_id, p.idempotency_key).await? {
                Some(existing) => replay(existing, p),
                None => return Err(StoreError::Corrupt("an idempotent order vanished".into())),
            },
        })
    }

    /// Why a listing cannot be bought at `now`, or `None` when it can:
    /// the catalog's sale rule, which checkout applies too.
    pub async fn unavailability(&self, listing_id: i64, now: DateTime<Utc>) -> Result<Option<Refusal>, StoreError> {
        Ok(match self.sale_state(listing_id).await? {
            Some(state) => state.unavailability(now),
            None => Some(Refusal::NotFound),
        })
    }

    /// What the sale rule reads of a listing (`None`: no such listing).
    pub async fn sale_state(&self, listing_id: i64) -> Result<Option<SaleState>, StoreError> {
        dispatch!(self, sale_state(listing_id))
    }

    /// Records a quote and holds one unit of its listing for it, if the sale
    /// rule lets `q.account_id` buy now (open holds count as taken). The same
    /// idempotency key returns the earlier quote.
    pub async fn create_quote(&self, q: &NewQuote<'_>) -> Result<Quoted, StoreError> {
        if let Some(existing) = self.quote_by_key(q.account_id, q.idempotency_key).await? {
            return Ok(replay_quote(existing, q.listing_id));
        }
        match dispatch!(self, create_quote(q))? {
            QuoteOutcome::Created => match self.quote(q.order_id).await? {
                Some(row) => Ok(Quoted::Created(row)),
                None => Err(StoreError::Corrupt("a committed quote is missing".into())),
            },
            QuoteOutcome::Refused(r) => Ok(Quoted::Refused(r)),
            QuoteOutcome::DuplicateKey => match self.quote_by_key(q.account_id, q.idempotency_key).await? {
                Some(existing) => Ok(replay_quote(existing, q.listing_id)),
                None => Err(StoreError::Corrupt("an idempotent quote vanished".into())),
            },
        }
    }

    /// One quote by its order id.
    pub async fn quote(&self, order_id: &str) -> Result<Option<QuoteRow>, StoreError> {
        dispatch!(self, quote(order_id))
    }

    /// The quote an account made with an idempotency key.
    pub async fn quote_by_key(&self, account_id: i64, key: &str) -> Result<Option<QuoteRow>, StoreError> {
        match dispatch!(self, quote_id_by_key(account_id, key))? {
            Some(id) => self.quote(&id).await,
            None => Ok(None),
        }
    }

    /// Lapses open quotes whose deadline is before `before` (the time of a
    /// block the chain has confirmed: no payment can arrive for them any more).
    pub async fn expire_quotes(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        dispatch!(self, expire_quotes(before))
    }

    /// The next block the payment watcher reads for `contract` (`None`: never read).
    pub async fn payment_cursor(&self, contract: &str) -> Result<Option<u64>, StoreError> {
        dispatch!(self, payment_cursor(contract))?.map(|n| crate::log::to_u64(n, "payment cursor")).transpose()
    }

    /// Records that every block before `next_block` was read for `contract`.
    pub async fn set_payment_cursor(&self, contract: &str, next_block: u64) -> Result<(), StoreError> {
        dispatch!(self, set_payment_cursor(contract, crate::log::to_i64(next_block)?))
    }

    /// One order by id.
    pub async fn order(&self, id: &str) -> Result<Option<OrderRow>, StoreError> {
        dispatch!(self, order(id))
    }

    /// An account's orders, newest first.
    pub async fn account_orders(&self, account_id: i64) -> Result<Vec<OrderRow>, StoreError> {
        dispatch!(self, account_orders(account_id))
    }

    /// The order an account made with an idempotency key.
    pub async fn order_by_key(&self, account_id: i64, key: &str) -> Result<Option<OrderRow>, StoreError> {
        let id = dispatch!(self, order_id_by_key(account_id, key))?;
        match id {
            Some(id) => self.order(&id).await,
            None => Ok(None),
        }
    }

    /// How many paid orders an account holds for a listing.
    pub async fn holdings(&self, account_id: i64, listing_id: i64) -> Result<i64, StoreError> {
        dispatch!(self, holdings(account_id, listing_id))
    }

    /// Every sale of a creator's listings, newest first.
    pub async fn creator_sales(&self, creator_id: i64) -> Result<Vec<SaleRow>, StoreError> {
        dispatch!(self, creator_sales(creator_id))
    }

    /// The newest `limit` sales (edition numbers and times) of one listing,
    /// newest first: a page's worth, however many it sold.
    pub async fn listing_sales(&self, listing_id: i64, limit: u32) -> Result<Vec<SaleRow>, StoreError> {
        dispatch!(self, listing_sales(listing_id, limit))
    }
}

/// What one purchase's transaction did ([`Store::checkout_batch`]; see [`Store::checkout_result`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxOutcome {
    /// The order was made.
    Done,
    Refused(Refusal),
    /// Another request with the same idempotency key committed first.
    DuplicateKey,
    /// The quote to complete is no longer open (completed or expired meanwhile).
    QuoteClosed,
}

fn replay_quote(existing: QuoteRow, listing_id: i64) -> Quoted {
    if existing.listing_id == listing_id { Quoted::Replayed(existing) } else { Quoted::Refused(Refusal::KeyReused) }
}

fn replay(existing: OrderRow, p: &Purchase<'_>) -> Checkout {
    if existing.listing_id == p.listing_id {
        Checkout::Replayed(existing)
    } else {
        Checkout::Refused(Refusal::KeyReused)
    }
}

/// The statement-facing allocation from what the transaction read.
pub(crate) fn allocation(
    kind: &str,
    sold: i64,
    edition_size: Option<i64>,
    price_minor: i64,
    currency: String,
    license_hash: Option<&[u8]>,
    (file_id, sha256): (String, &[u8]),
) -> Result<Allocation, StoreError> {
    let kind = crate::listings::kind(kind)?;
    let edition = match kind {
        ListingKind::Edition => Some(crate::log::to_u64(sold, "edition")?),
        _ => None,
    };
    Ok(Allocation {
        kind,
        edition,
        edition_size: edition_size.map(|n| crate::log::to_u64(n, "edition size")).transpose()?,
        price_minor: crate::log::to_u64(price_minor, "price")?,
        currency,
        file_id,
        content_hash: crate::log::to_array(sha256, "file hash")?,
        license_hash: license_hash.map(|h| crate::log::to_array(h, "licence hash")).transpose()?,
    })
}

macro_rules! order_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, crate::StoreError>(crate::OrderRow {
            id: r.id,
            account_id: r.account_id,
            listing_id: r.listing_id,
            slug: r.slug,
            title: r.title,
            kind: crate::listings::kind(&r.kind)?,
            creator_name: r.creator_name,
            creator_handle: r.creator_handle,
            file_id: r.file_id,
            sha256: crate::log::to_array(&r.sha256, "file hash")?,
            file_type: r.file_type,
            size: r.size,
            storage_key: r.storage_key,
            edition: r.edition,
            edition_size: r.edition_size,
            price_minor: r.price_minor,
            currency: r.currency,
            payment_provider: r.payment_provider,
            payment_ref: r.payment_ref,
            buyer_salt: crate::log::to_array(&r.buyer_salt, "buyer salt")?,
            log_leaf: crate::log::to_u64(r.log_leaf, "leaf")?,
            created_at: r.created_at,
            resold: r.order_status == "resold",
        })
    }};
}
pub(crate) use order_row;

macro_rules! sale_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, crate::StoreError>(crate::SaleRow {
            order_id: r.order_id,
            listing_id: r.listing_id,
            title: r.title,
            kind: crate::listings::kind(&r.kind)?,
            edition: r.edition,
            edition_size: r.edition_size,
            price_minor: r.price_minor,
            currency: r.currency,
            log_leaf: crate::log::to_u64(r.log_leaf, "leaf")?,
            created_at: r.created_at,
        })
    }};
}
pub(crate) use sale_row;
