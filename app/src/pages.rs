//! One module per user journey.

mod api_docs;
mod collection;
pub(crate) mod keys;
mod listing;
pub(crate) mod listings;
mod not_found;
mod payouts;
mod preview_jobs;
mod sales;
mod sign_in;
mod storefront;
mod studio;
mod styles;
mod tokens;
mod verify;
mod webhooks;

pub use api_docs::ApiDocsPage;
#[cfg(feature = "ssr")]
pub use api_docs::OPENAPI;
pub use collection::{CertificatePage, CollectionPage};
pub use listing::ListingPage;
pub use not_found::NotFound;
pub use sign_in::{ActionError, SignInPage, SignUpPage};
pub use storefront::StorePage;
pub use studio::StudioPage;
pub use verify::VerifyPage;
