//! Resales: a holder offers an edition they bought from a wallet; a buyer's
//! quote holds the offer while they pay; the confirmed payment passes the
//! edition on — the seller's order becomes `resold`, the buyer's order is
//! recorded with the same edition number and the operator-signed
//! `EditionTransferred` joins the log, in ONE transaction.

use chrono::{DateTime, Utc};
use colophon_provenance::SignedStatement;

use crate::{ChainPayment, Checkout, NewQuote, Refusal, Store, StoreError};

/// Where a resale offer is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferStatus {
    Open,
    Sold,
    Withdrawn,
}

impl OfferStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Sold => "sold",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub(crate) fn parse(word: &str) -> Result<Self, StoreError> {
        match word {
            "open" => Ok(Self::Open),
            "sold" => Ok(Self::Sold),
            "withdrawn" => Ok(Self::Withdrawn),
            other => Err(StoreError::Corrupt(format!("unknown offer status {other:?}"))),
        }
    }
}

/// A stored resale offer, with what a buyer sees of its listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferRow {
    pub id: String,
    /// The seller's order: the edition offered.
    pub order_id: String,
    pub seller_account_id: i64,
    pub listing_id: i64,
    pub slug: String,
    pub title: String,
    pub edition: i64,
    pub edition_size: Option<i64>,
    pub price_minor: i64,
    pub currency: String,
    /// The seller's wallet (the one that paid for the edition).
    pub payout_address: String,
    /// The creator's share of a resale, in basis points (the listing's).
    pub royalty_bps: i64,
    pub status: OfferStatus,
    /// A buyer's quote holds the offer now.
    pub held: bool,
    pub created_at: DateTime<Utc>,
}

/// An offer to record.
#[derive(Clone, Debug)]
pub struct NewOffer<'a> {
    pub id: &'a str,
    pub order_id: &'a str,
    pub seller_account_id: i64,
    pub price_minor: i64,
    pub now: DateTime<Utc>,
}

/// The resale half of a quote: the offer it holds and the royalty it was signed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResaleQuote {
    pub offer_id: String,
    /// 0x + 40 hex.
    pub royalty_receiver: String,
    /// Decimal, in the token's smallest unit.
    pub royalty: String,
}

/// What a completed resale passes on, for the statement it signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferAllocation {
    pub listing_slug: String,
    pub content_hash: [u8; 32],
    pub edition: u64,
    pub edition_size: u64,
    /// The seller's order and its salt (their `buyer_ref` is the transfer's `seller_ref`).
    pub seller_order_id: String,
    pub seller_salt: [u8; 32],
    pub price_minor: u64,
    pub currency: String,
}

/// A paid resale quote to complete.
#[derive(Clone, Debug)]
pub struct Transfer<'a> {
    /// The quote's order id: the buyer's new order.
    pub order_id: &'a str,
    pub payment: ChainPayment,
    pub payment_ref: &'a str,
    pub buyer_salt: [u8; 32],
    pub now: DateTime<Utc>,
}

/// One holder in an edition's chain of custody.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustodyRow {
    pub order_id: String,
    /// The `EditionSold` (first) or `EditionTransferred` statement's log index.
    pub log_leaf: u64,
    pub price_minor: i64,
    pub currency: String,
    pub payment_provider: String,
    /// `tx_hash:log_index` for chain payments.
    pub payment_ref: String,
    pub resale: bool,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Offers the edition `o.order_id` holds for resale, if its holder is
    /// `o.seller_account_id` and the resale rule allows it (editions only,
    /// held now, paid from a wallet — which is where the proceeds go).
    pub async fn create_offer(&self, o: &NewOffer<'_>) -> Result<Result<OfferRow, Refusal>, StoreError> {
        match dispatch!(self, create_offer(o))? {
            Ok(()) => match self.offer(o.id).await? {
                Some(row) => Ok(Ok(row)),
                None => Err(StoreError::Corrupt("a committed offer is missing".into())),
            },
            Err(why) => Ok(Err(why)),
        }
    }

    /// Withdraws an open offer of `seller_account_id`'s, unless a buyer's quote holds it.
    pub async fn withdraw_offer(
        &self,
        offer_id: &str,
        seller_account_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Result<(), Refusal>, StoreError> {
        dispatch!(self, withdraw_offer(offer_id, seller_account_id, now))
    }

    /// One offer by id.
    pub async fn offer(&self, id: &str) -> Result<Option<OfferRow>, StoreError> {
        dispatch!(self, offer(id))
    }

    /// A listing's open offers, cheapest first.
    pub async fn listing_offers(&self, listing_id: i64) -> Result<Vec<OfferRow>, StoreError> {
        dispatch!(self, listing_offers(listing_id))
    }

    /// An account's open offers, newest first.
    pub async fn account_offers(&self, account_id: i64) -> Result<Vec<OfferRow>, StoreError> {
        dispatch!(self, account_offers(account_id))
    }

    /// Records a resale quote holding `resale.offer_id` for `q.account_id`:
    /// the offer must be open, not the buyer's own, at the price they saw,
    /// and not held by another open quote. The same idempotency key returns
    /// the earlier quote.
    pub async fn create_resale_quote(
        &self,
        q: &NewQuote<'_>,
        resale: &ResaleQuote,
    ) -> Result<crate::Quoted, StoreError> {
        use crate::{Quoted, orders::QuoteOutcome};
        if let Some(existing) = self.quote_by_key(q.account_id, q.idempotency_key).await? {
            return Ok(if existing.resale.as_ref().is_some_and(|r| r.offer_id == resale.offer_id) {
                Quoted::Replayed(existing)
            } else {
                Quoted::Refused(Refusal::KeyReused)
            });
        }
        match dispatch!(self, create_resale_quote(q, resale))? {
            QuoteOutcome::Created => match self.quote(q.order_id).await? {
                Some(row) => Ok(Quoted::Created(row)),
                None => Err(StoreError::Corrupt("a committed quote is missing".into())),
            },
            QuoteOutcome::Refused(r) => Ok(Quoted::Refused(r)),
            QuoteOutcome::DuplicateKey => match self.quote_by_key(q.account_id, q.idempotency_key).await? {
                Some(existing) => Ok(Quoted::Replayed(existing)),
                None => Err(StoreError::Corrupt("an idempotent quote vanished".into())),
            },
        }
    }

    /// Completes a paid resale quote: in ONE transaction the quote closes,
    /// the offer is sold, the seller's order becomes `resold`, the statement
    /// `sign` makes is appended and the buyer's order is recorded with the
    /// same edition. A quote completed before returns that order.
    pub async fn transfer<F>(&self, t: &Transfer<'_>, sign: F) -> Result<Checkout, StoreError>
    where
        F: FnOnce(&TransferAllocation) -> Result<SignedStatement, StoreError> + Send,
    {
        match dispatch!(self, transfer(t, sign))? {
            Ok(()) => match self.order(t.order_id).await? {
                Some(order) => Ok(Checkout::Created(order)),
                None => Err(StoreError::Corrupt("a committed transfer is missing".into())),
            },
            Err(Refusal::QuoteLapsed) => match self.order(t.order_id).await? {
                Some(order) => Ok(Checkout::Replayed(order)),
                None => Ok(Checkout::Refused(Refusal::QuoteLapsed)),
            },
            Err(why) => Ok(Checkout::Refused(why)),
        }
    }

    /// The holders of edition `edition` of a listing, first buyer first.
    pub async fn custody(&self, listing_id: i64, edition: i64) -> Result<Vec<CustodyRow>, StoreError> {
        dispatch!(self, custody(listing_id, edition))
    }
}

macro_rules! offer_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, crate::StoreError>(crate::OfferRow {
            id: r.id,
            order_id: r.order_id,
            seller_account_id: r.seller_account_id,
            listing_id: r.listing_id,
            slug: r.slug,
            title: r.title,
            edition: r.edition,
            edition_size: r.edition_size,
            price_minor: r.price_minor,
            currency: r.currency,
            payout_address: r.payout_address,
            royalty_bps: r.royalty_bps,
            status: crate::resales::OfferStatus::parse(&r.status)?,
            held: r.held != 0,
            created_at: r.created_at,
        })
    }};
}
pub(crate) use offer_row;
