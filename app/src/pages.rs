//! One module per user journey.

pub(crate) mod keys;
pub(crate) mod listings;
mod not_found;
mod sign_in;
mod store;
mod studio;
mod verify;

pub use not_found::NotFound;
pub use sign_in::{ActionError, SignInPage, SignUpPage};
pub use store::StorePage;
pub use studio::StudioPage;
pub use verify::VerifyPage;
