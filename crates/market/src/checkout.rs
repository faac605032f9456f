//! Checkout: authorise the payment, let the store allocate and record the
//! order with its signed statement in one transaction, then capture (or void
//! when nothing was bought).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use colophon_provenance::{ContentHash, Payment, SignedStatement, Statement, buyer_ref};
use colophon_store::{
    Allocation, Checkout, ListingKind, ListingStatus, OrderRow, Purchase, Refusal, Store, StoreError,
};

use crate::group_commit::{DrainGuard, OwnedPurchase, Queue, SaleFacts, Waiting};
use crate::{OperatorKey, PaymentError, PaymentProvider};

/// Why a purchase did not happen. The messages are for buyers.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    #[error("{0}")]
    Refused(Refusal),
    #[error("You can't buy your own listing.")]
    OwnListing,
    #[error("The idempotency key must be 8 to 128 letters, digits, '-' or '_'.")]
    BadIdempotencyKey,
    #[error(transparent)]
    Payment(#[from] PaymentError),
    #[error("Paying from a wallet is not enabled on this marketplace.")]
    ChainPaymentsOff,
    #[error("The creator has not set a payout address yet, so this listing cannot be paid from a wallet.")]
    NoPayoutAddress,
    #[error(transparent)]
    Pricing(crate::chain::PricingError),
    /// A resale price out of range (the message says why).
    #[error("{0}")]
    BadPrice(String),
    /// A permit signature that cannot pay its quote (the message says why).
    #[error(transparent)]
    Permit(colophon_ledger::sales::PermitError),
    #[error("An ETH payment needs no permit: send the quote's transaction.")]
    NoPermitForEth,
    /// The quote is `completed` or `expired`.
    #[error("This quote is {0}: it can no longer be paid. Ask for a new one.")]
    QuoteClosed(&'static str),
    /// The chain could not be reached or refused a call (logged; not for buyers' eyes).
    #[error("chain: {0}")]
    Chain(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A completed (or replayed) order.
#[derive(Clone, Debug)]
pub struct Order {
    pub row: OrderRow,
    /// True when the idempotency key had already made this order.
    pub replayed: bool,
}

/// True for 8 to 128 characters of `[A-Za-z0-9_-]`.
pub fn valid_idempotency_key(key: &str) -> bool {
    (8..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Selling: the store, the operator key and the payment provider. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Market {
    store: Store,
    operator: OperatorKey,
    payments: Arc<dyn PaymentProvider>,
    chain: Option<Arc<crate::chain::ChainSales>>,
    /// Checkouts waiting for the next group commit.
    queue: Arc<Queue>,
}

impl Market {
    pub fn new(store: Store, operator: OperatorKey, payments: Arc<dyn PaymentProvider>) -> Self {
        Self { store, operator, payments, chain: None, queue: Arc::default() }
    }

    /// Also takes payments on chain: quotes signed for `sales`' contract.
    #[must_use]
    pub fn with_chain(mut self, sales: crate::chain::ChainSales) -> Self {
        self.chain = Some(Arc::new(sales));
        self
    }

    /// The chain payments configuration, when wallets can pay.
    pub fn chain(&self) -> Option<&crate::chain::ChainSales> {
        self.chain.as_deref()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn operator(&self) -> &OperatorKey {
        &self.operator
    }

    pub fn payments(&self) -> &dyn PaymentProvider {
        self.payments.as_ref()
    }

    /// Buys a listing for `account_id` at `price_minor` (what the buyer saw).
    /// `buyer_creator_id` is the buyer's creator profile, if any: creators
    /// cannot buy their own listings. The same `idempotency_key` always
    /// yields the same order (double clicks, retries).
    #[tracing::instrument(skip(self, idempotency_key))]
    pub async fn buy(
        &self,
        account_id: i64,
        buyer_creator_id: Option<i64>,
        listing_id: i64,
        price_minor: i64,
        idempotency_key: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, MarketError> {
        let result = async {
            if !valid_idempotency_key(idempotency_key) {
                return Err(MarketError::BadIdempotencyKey);
            }
            if let Some(row) = self.store.order_by_key(account_id, idempotency_key).await? {
                return if row.listing_id == listing_id {
                    Ok(Order { row, replayed: true })
                } else {
                    Err(MarketError::Refused(Refusal::KeyReused))
                };
            }
            let listing = self.listing_for(listing_id, buyer_creator_id).await?;
            let amount = u64::try_from(price_minor).map_err(|_| MarketError::Refused(Refusal::PriceChanged))?;
            let reference = self.payments.authorize(amount, &listing.currency, idempotency_key).await?;

            let order_id = new_order_id();
            let outcome = self
                .issue(
                    &order_id,
                    account_id,
                    (listing_id, &listing.slug),
                    price_minor,
                    idempotency_key,
                    (self.payments.name(), &reference),
                    None,
                    now,
                )
                .await;
            match outcome {
                Ok(order) if !order.replayed => {
                    if let Err(e) = self.payments.capture(&reference).await {
                        // The order stands (it is in the log); the payment is reconciled by the operator.
                        tracing::error!(order = %order.row.id, error = %e, "capture failed after the order committed");
                    }
                    Ok(order)
                }
                Ok(order) => {
                    self.void(&reference).await;
                    Ok(order)
                }
                Err(e) => {
                    self.void(&reference).await;
                    Err(e)
                }
            }
        }
        .await;
        let outcome = match &result {
            Ok(order) if order.replayed => "replayed",
            Ok(_) => "completed",
            Err(MarketError::Refused(why)) => why.code(),
            Err(MarketError::Payment(_)) => "payment_failed",
            Err(_) => "failed",
        };
        metrics::counter!("colophon_checkouts_total", "outcome" => outcome).increment(1);
        result
    }

    /// The listing a buyer may try to buy: it exists, is not a draft, and is
    /// not their own (every way of paying checks the same).
    pub(crate) async fn listing_for(
        &self,
        listing_id: i64,
        buyer_creator_id: Option<i64>,
    ) -> Result<colophon_store::ListingRecord, MarketError> {
        let listing = self
            .store
            .listing(listing_id)
            .await?
            .filter(|l| l.status != ListingStatus::Draft)
            .ok_or(MarketError::Refused(Refusal::NotFound))?;
        if buyer_creator_id == Some(listing.creator_id) {
            return Err(MarketError::OwnListing);
        }
        Ok(listing)
    }

    /// The one way an order is issued: the store numbers the edition, appends
    /// the operator-signed statement and records the order in one transaction
    /// (after the sale rule, or completing a paid quote's hold).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn issue(
        &self,
        order_id: &str,
        account_id: i64,
        (listing_id, slug): (i64, &str),
        price_minor: i64,
        idempotency_key: &str,
        (payment_provider, payment_ref): (&str, &str),
        paid: Option<Paid>,
        now: DateTime<Utc>,
    ) -> Result<Order, MarketError> {
        let (paid_quote, payment) = paid.map(|p| (p.row, p.proof)).unzip();
        let buyer_salt: [u8; 32] = rand::random();
        let purchase = OwnedPurchase {
            order_id: order_id.to_owned(),
            account_id,
            listing_id,
            price_minor,
            idempotency_key: idempotency_key.to_owned(),
            payment_provider: payment_provider.to_owned(),
            payment_ref: payment_ref.to_owned(),
            buyer_salt,
            now,
            paid_quote,
        };
        let facts = SaleFacts { listing_slug: slug.to_owned(), buyer_ref: buyer_ref(&buyer_salt, order_id), payment };
        let (done, outcome) = tokio::sync::oneshot::channel();
        // The same purchase, borrowed from here, to read its outcome back.
        let p = Purchase {
            order_id,
            account_id,
            listing_id,
            price_minor,
            idempotency_key,
            payment_provider,
            payment_ref,
            buyer_salt,
            now,
            paid_quote: purchase.paid_quote.clone(),
        };
        if self.queue.push(Waiting { purchase, facts, done }) {
            let market = self.clone();
            tokio::spawn(async move { market.drain().await });
        }
        let outcome = outcome.await.map_err(|_| StoreError::Corrupt("the checkout batch stopped".into()))??;
        match self.store.checkout_result(&p, outcome).await? {
            Checkout::Created(row) => Ok(Order { row, replayed: false }),
            Checkout::Replayed(row) => Ok(Order { row, replayed: true }),
            Checkout::Refused(refusal) => Err(MarketError::Refused(refusal)),
        }
    }

    /// Runs queued checkouts, a batch per transaction, until none wait.
    async fn drain(&self) {
        let _guard = DrainGuard(&self.queue);
        loop {
            let batch = self.queue.next_batch();
            if batch.is_empty() {
                return;
            }
            metrics::histogram!("colophon_checkout_batch_size").record(batch.len() as f64);
            let purchases: Vec<Purchase<'_>> = batch.iter().map(|w| w.purchase.borrow()).collect();
            let outcomes = self
                .store
                .checkout_batch(&purchases, |i, a| {
                    let f = &batch[i].facts;
                    sale_statement(
                        a,
                        &f.listing_slug,
                        f.buyer_ref,
                        f.payment.clone(),
                        batch[i].purchase.now,
                        &self.operator,
                    )
                })
                .await;
            drop(purchases);
            for (w, outcome) in batch.into_iter().zip(outcomes) {
                // A buyer who left gets nothing; their order stands, as it would have.
                let _ = w.done.send(outcome);
            }
        }
    }

    async fn void(&self, reference: &str) {
        if let Err(e) = self.payments.void(reference).await {
            tracing::warn!(error = %e, "could not void a payment authorisation");
        }
    }
}

/// A confirmed chain payment an order is issued for: the store's record of
/// it, and what the sale statement binds.
pub(crate) struct Paid {
    pub row: colophon_store::ChainPayment,
    pub proof: Payment,
}

pub(crate) fn new_order_id() -> String {
    format!("ord_{}", hex::encode(rand::random::<[u8; 12]>()))
}

/// The operator-signed statement recording a sale (editions) or a licence grant.
fn sale_statement(
    a: &Allocation,
    listing_slug: &str,
    buyer_ref: [u8; 32],
    payment: Option<Payment>,
    now: DateTime<Utc>,
    operator: &OperatorKey,
) -> Result<SignedStatement, StoreError> {
    let time_ms = u64::try_from(now.timestamp_millis()).unwrap_or_default();
    let statement = match (a.kind, a.edition, a.edition_size) {
        (ListingKind::Edition, Some(edition), Some(edition_size)) => Statement::EditionSold {
            listing_id: listing_slug.to_owned(),
            content_hash: ContentHash(a.content_hash),
            edition,
            edition_size,
            buyer_ref,
            price_minor: a.price_minor,
            currency: a.currency.clone(),
            time_ms,
            payment,
        },
        (ListingKind::Workflow | ListingKind::Lora, None, _) => Statement::LicenseGranted {
            listing_id: listing_slug.to_owned(),
            content_hash: ContentHash(a.content_hash),
            licensee_ref: buyer_ref,
            license_terms: ContentHash(
                a.license_hash.ok_or_else(|| StoreError::Corrupt("a licensed listing has no licence terms".into()))?,
            ),
            time_ms,
            payment,
        },
        _ => return Err(StoreError::Corrupt("an edition without a number".into())),
    };
    statement.sign(operator.signing_key()).map_err(|e| StoreError::Corrupt(format!("sale statement: {e}")))
}
