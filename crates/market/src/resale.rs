//! Resales with the creator's royalty (docs/FORMATS.md §2.1 kind 7, §14 quote
//! kind 1): a holder offers an edition they paid for from a wallet; a buyer
//! quotes the offer (which holds it while they pay); the contract credits
//! the seller's wallet, the creator's royalty and the platform's fee; once
//! the payment has its confirmations the edition passes to the buyer with an
//! operator-signed `EditionTransferred`.

use alloy::primitives::{Address, U256};
use chrono::{DateTime, Utc};
use colophon_catalog::Price;
use colophon_ledger::sales::PaidEvent;
use colophon_provenance::{ContentHash, Statement, buyer_ref};
use colophon_store::{Checkout, NewOffer, OfferRow, OfferStatus, QuoteRow, Refusal, ResaleQuote, StoreError, Transfer};

use crate::chain::{PayToken, QuoteOffer, QuoteTerms};
use crate::{Market, MarketError, Order, valid_idempotency_key};

/// A buyer's quote request for a resale offer.
#[derive(Clone, Debug)]
pub struct ResaleQuoteRequest<'a> {
    pub account_id: i64,
    pub offer_id: &'a str,
    /// The price the buyer saw.
    pub price_minor: i64,
    pub buyer: Address,
    pub token: PayToken,
    pub idempotency_key: &'a str,
    pub now: DateTime<Utc>,
}

/// What a resale at `amount` pays the creator: `amount × bps / 10 000`,
/// rounded down — exactly what the contract checks against `royaltyInfo`.
pub fn royalty_of(amount: U256, bps: u16) -> U256 {
    amount * U256::from(bps) / U256::from(10_000u64)
}

impl Market {
    /// Offers the edition `order_id` holds for resale at `price_minor`, for its holder.
    pub async fn offer_resale(
        &self,
        account_id: i64,
        order_id: &str,
        price_minor: i64,
        now: DateTime<Utc>,
    ) -> Result<OfferRow, MarketError> {
        let price = Price::from_minor(price_minor).map_err(|e| MarketError::BadPrice(e.to_string()))?;
        if price.minor() == 0 {
            return Err(MarketError::BadPrice("A resale needs a price above zero.".into()));
        }
        let id = format!("rs_{}", hex::encode(rand::random::<[u8; 12]>()));
        let offer = NewOffer { id: &id, order_id, seller_account_id: account_id, price_minor: price.minor(), now };
        let offer = self.store().create_offer(&offer).await?.map_err(MarketError::Refused)?;
        self.prepare_royalty(&offer);
        Ok(offer)
    }

    /// Puts the listing's royalty on chain in the background once an edition
    /// is offered, so a buyer's quote finds it there instead of waiting a
    /// block for it. The quote still checks (one call) and sets it if the
    /// chain disagrees, e.g. after the creator proved a new payout address.
    fn prepare_royalty(&self, offer: &OfferRow) {
        let Some(sales) = self.chain() else { return };
        let (market, royalties, listing_id) = (self.clone(), sales.royalties.clone(), offer.listing_id);
        let Ok(bps) = u16::try_from(offer.royalty_bps) else { return };
        tokio::spawn(async move {
            let Ok(Some(listing)) = market.store().listing(listing_id).await else { return };
            let Ok(creator) = market.payout_address(listing.creator_id).await else { return };
            let Ok(id) = u64::try_from(listing_id) else { return };
            if let Err(err) = royalties.ensure(id, creator, bps).await {
                tracing::warn!(listing_id, %err, "could not set the resale royalty on chain yet; the first quote will");
            }
        });
    }

    /// Withdraws an open offer (not while a buyer's quote holds it).
    pub async fn withdraw_resale(&self, account_id: i64, offer_id: &str) -> Result<(), MarketError> {
        self.store().withdraw_offer(offer_id, account_id, Utc::now()).await?.map_err(MarketError::Refused)
    }

    /// Quotes an open offer for chain payment: the seller's wallet is the
    /// payee, the creator's payout address receives the listing's royalty
    /// (set on chain first when the contract holds another), and the offer is
    /// held for this buyer until the quote completes or lapses.
    pub async fn resale_quote(&self, r: &ResaleQuoteRequest<'_>) -> Result<QuoteOffer, MarketError> {
        let sales = self.chain().ok_or(MarketError::ChainPaymentsOff)?;
        if !valid_idempotency_key(r.idempotency_key) {
            return Err(MarketError::BadIdempotencyKey);
        }
        let store = self.store();
        let offer = store
            .offer(r.offer_id)
            .await?
            .filter(|o| o.status == OfferStatus::Open)
            .ok_or(MarketError::Refused(Refusal::OfferClosed))?;
        if offer.seller_account_id == r.account_id {
            return Err(MarketError::Refused(Refusal::OwnOffer));
        }
        let listing = store.listing(offer.listing_id).await?.ok_or(MarketError::Refused(Refusal::NotFound))?;
        let creator = self.payout_address(listing.creator_id).await?;
        let payee: Address = offer.payout_address.parse().map_err(|_| corrupt(&offer.id, "payout address"))?;
        let price = u64::try_from(r.price_minor).map_err(|_| MarketError::Refused(Refusal::PriceChanged))?;
        let amount = sales.amount(price, &offer.currency, r.token).map_err(MarketError::Pricing)?;
        let bps = u16::try_from(offer.royalty_bps).map_err(|_| corrupt(&offer.id, "royalty"))?;
        let royalty = royalty_of(amount.total, bps);
        let listing_id = u64::try_from(offer.listing_id).map_err(|_| corrupt(&offer.id, "listing"))?;
        sales.royalties.ensure(listing_id, creator, bps).await.map_err(|e| MarketError::Chain(e.to_string()))?;

        let quote = QuoteTerms::new(sales, r.buyer, payee, r.token, amount);
        let terms = ResaleQuote {
            offer_id: offer.id.clone(),
            royalty_receiver: creator.to_checksum(None),
            royalty: royalty.to_string(),
        };
        let row = quote.row(r.account_id, offer.listing_id, r.idempotency_key, r.price_minor, r.now);
        let outcome = store.create_resale_quote(&row, &terms).await?;
        sales.offer(outcome, bps)
    }

    /// Completes a confirmed resale payment: the edition passes to the buyer
    /// and the operator signs its `EditionTransferred` (binding the payment),
    /// in one transaction. A payment seen again returns the same order.
    pub async fn complete_resale(&self, quote: &QuoteRow, event: &PaidEvent) -> Result<Order, MarketError> {
        let sales = self.chain().ok_or(MarketError::ChainPaymentsOff)?;
        let crate::checkout::Paid { row: payment_row, proof: payment } = sales.paid(event);
        let now = Utc::now();
        let buyer_salt: [u8; 32] = rand::random();
        let reference = format!("{}:{}", event.tx_hash, event.log_index);
        let transfer =
            Transfer { order_id: &quote.order_id, payment: payment_row, payment_ref: &reference, buyer_salt, now };
        let operator = self.operator();
        let order_id = quote.order_id.clone();
        let outcome = self
            .store()
            .transfer(&transfer, |a| {
                Statement::EditionTransferred {
                    listing_id: a.listing_slug.clone(),
                    content_hash: ContentHash(a.content_hash),
                    edition: a.edition,
                    edition_size: a.edition_size,
                    seller_ref: buyer_ref(&a.seller_salt, &a.seller_order_id),
                    buyer_ref: buyer_ref(&buyer_salt, &order_id),
                    price_minor: a.price_minor,
                    currency: a.currency.clone(),
                    time_ms: u64::try_from(now.timestamp_millis()).unwrap_or_default(),
                    payment,
                }
                .sign(operator.signing_key())
                .map_err(|e| StoreError::Corrupt(format!("transfer statement: {e}")))
            })
            .await?;
        match outcome {
            Checkout::Created(row) => Ok(Order { row, replayed: false }),
            Checkout::Replayed(row) => Ok(Order { row, replayed: true }),
            Checkout::Refused(why) => Err(MarketError::Refused(why)),
        }
    }
}

fn corrupt(offer: &str, what: &str) -> MarketError {
    MarketError::Store(StoreError::Corrupt(format!("offer {offer}: bad {what}")))
}
