//! Group commit for checkouts. Buyers arriving while a checkout transaction
//! runs wait in a queue; when it commits, the next transaction takes every
//! one of them (up to [`MAX_BATCH`]) and one commit makes them all durable
//! (`Store::checkout_batch`: each purchase judged in order, as if it were its
//! own transaction). No background task lives between bursts: the first
//! buyer to find the queue idle spawns the drainer, which stops when the
//! queue is empty. Under no contention a batch is one purchase.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use colophon_provenance::Payment;
use colophon_store::{ChainPayment, Purchase, StoreError, TxOutcome};
use tokio::sync::oneshot;

/// The most purchases one transaction takes.
pub(crate) const MAX_BATCH: usize = 128;

/// A [`Purchase`] that can wait in the queue.
pub(crate) struct OwnedPurchase {
    pub order_id: String,
    pub account_id: i64,
    pub listing_id: i64,
    pub price_minor: i64,
    pub idempotency_key: String,
    pub payment_provider: String,
    pub payment_ref: String,
    pub buyer_salt: [u8; 32],
    pub now: DateTime<Utc>,
    pub paid_quote: Option<ChainPayment>,
}

impl OwnedPurchase {
    pub fn borrow(&self) -> Purchase<'_> {
        Purchase {
            order_id: &self.order_id,
            account_id: self.account_id,
            listing_id: self.listing_id,
            price_minor: self.price_minor,
            idempotency_key: &self.idempotency_key,
            payment_provider: &self.payment_provider,
            payment_ref: &self.payment_ref,
            buyer_salt: self.buyer_salt,
            now: self.now,
            paid_quote: self.paid_quote.clone(),
        }
    }
}

/// What the sale statement of a purchase says besides its allocation.
pub(crate) struct SaleFacts {
    pub listing_slug: String,
    pub buyer_ref: [u8; 32],
    pub payment: Option<Payment>,
}

/// One waiting purchase and where its outcome goes.
pub(crate) struct Waiting {
    pub purchase: OwnedPurchase,
    pub facts: SaleFacts,
    pub done: oneshot::Sender<Result<TxOutcome, StoreError>>,
}

#[derive(Default)]
pub(crate) struct Queue {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    waiting: Vec<Waiting>,
    draining: bool,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").finish_non_exhaustive()
    }
}

impl Queue {
    /// Queues a purchase; true when no drainer runs and the caller must start one.
    pub fn push(&self, w: Waiting) -> bool {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        s.waiting.push(w);
        !std::mem::replace(&mut s.draining, true)
    }

    /// The next batch, oldest first; empty (and the drainer ends) when none wait.
    pub fn next_batch(&self) -> Vec<Waiting> {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = s.waiting.len().min(MAX_BATCH);
        let batch: Vec<Waiting> = s.waiting.drain(..n).collect();
        if batch.is_empty() {
            s.draining = false;
        }
        batch
    }

    /// A drainer that panicked (a bug): its batch's senders were dropped, and
    /// so are those of everyone waiting, so each buyer gets an error, not a
    /// hang; the next purchase starts a new drainer.
    pub fn drainer_died(&self) {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        s.waiting.clear();
        s.draining = false;
    }
}

/// Marks the queue idle if the drainer unwinds.
pub(crate) struct DrainGuard<'a>(pub &'a Queue);

impl Drop for DrainGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.drainer_died();
        }
    }
}
