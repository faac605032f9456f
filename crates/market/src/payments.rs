//! The payment seam. Checkout authorises before it allocates an edition,
//! captures after the order commits and voids when the order is refused, so
//! a card processor (authorise/capture) or an on-chain payment (reserve,
//! then settle) plugs in without touching the allocation rules.

use futures::future::BoxFuture;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("the payment was declined: {0}")]
    Declined(String),
    #[error("the payment provider is unavailable")]
    Unavailable,
}

/// A way to take money.
pub trait PaymentProvider: Send + Sync + std::fmt::Debug {
    /// Stored with each order (`test`, `stripe`, …).
    fn name(&self) -> &'static str;
    /// True for providers that move no real money; the UI says so.
    fn is_test_mode(&self) -> bool;
    /// Reserves `amount_minor`; returns the provider's reference. The same
    /// `idempotency_key` must return the same reference.
    fn authorize<'a>(
        &'a self,
        amount_minor: u64,
        currency: &'a str,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<String, PaymentError>>;
    /// Takes the reserved money (the order committed).
    fn capture<'a>(&'a self, reference: &'a str) -> BoxFuture<'a, Result<(), PaymentError>>;
    /// Releases the reservation (the order was refused or already existed).
    fn void<'a>(&'a self, reference: &'a str) -> BoxFuture<'a, Result<(), PaymentError>>;
}

/// Test mode: every payment succeeds and no money moves. The reference is
/// derived from the idempotency key, as a real provider's would be.
#[derive(Clone, Copy, Debug, Default)]
pub struct TestPayments;

impl PaymentProvider for TestPayments {
    fn name(&self) -> &'static str {
        "test"
    }

    fn is_test_mode(&self) -> bool {
        true
    }

    fn authorize<'a>(
        &'a self,
        _amount_minor: u64,
        _currency: &'a str,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<String, PaymentError>> {
        use sha2::{Digest, Sha256};
        let reference = format!("test_{}", &hex::encode(Sha256::digest(idempotency_key.as_bytes()))[..24]);
        Box::pin(async move { Ok(reference) })
    }

    fn capture<'a>(&'a self, _reference: &'a str) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async { Ok(()) })
    }

    fn void<'a>(&'a self, _reference: &'a str) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async { Ok(()) })
    }
}
