//! One module per user journey.

mod collection;
pub(crate) mod keys;
mod listing;
pub(crate) mod listings;
mod not_found;
mod preview_jobs;
mod sales;
mod sign_in;
mod store;
mod studio;
mod verify;

pub use collection::{CertificatePage, CollectionPage};
pub use listing::ListingPage;
pub use not_found::NotFound;
pub use sign_in::{ActionError, SignInPage, SignUpPage};
pub use store::StorePage;
pub use studio::StudioPage;
pub use verify::VerifyPage;
