//! Server functions, one module per area. Thin: extract state, call a domain
//! crate, map the error.

pub mod account;
pub mod keys;
pub mod listings;
pub mod orders;
pub mod storefront;
pub mod styles;
pub mod tokens;
pub mod webhooks;
