//! Colophon's selling rules, shared by the web app's server functions and the
//! REST API: checkout through a [`PaymentProvider`], atomic edition allocation
//! in the store, and the `EditionSold` / `LicenseGranted` statements signed by
//! the marketplace's [`OperatorKey`]; and what creators list ([`listings`]).

pub mod chain;
mod checkout;
mod group_commit;
pub mod listings;
mod operator;
mod payments;
pub mod resale;

pub use checkout::{Market, MarketError, Order, valid_idempotency_key};
pub use operator::{OperatorKey, OperatorKeyError};
pub use payments::{PaymentError, PaymentProvider, TestPayments};
