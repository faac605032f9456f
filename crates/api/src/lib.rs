//! Every type that crosses the wire, once.
//!
//! The server answers with these, the browser (verify page, upload client)
//! and the `colophon` CLI read them, and the OpenAPI document served at
//! `/api/v1/openapi.json` is derived from them (`utoipa::ToSchema`), so the
//! code, the clients and the document cannot drift apart. Formats behind the
//! strings (statements, receipts, proofs) are specified in docs/FORMATS.md.
//!
//! No I/O and no rules here: validation lives in the domain crates, which
//! parse these requests into their own types at the edge.

pub mod error;
pub mod ledger;
pub mod orders;
pub mod payments;
pub mod studio;
pub mod tokens;
pub mod uploads;

pub use error::ErrorBody;
pub use ledger::{
    Anchor, Chain, Checkpoint, Consistency, Inclusion, KeyStanding, KeyStatus, Match, Operator, Provenance, SalesPage,
    Similar,
};
pub use orders::{CreateOrder, OrderView};
pub use payments::{
    CustodyEntry, OfferResale, PaymentQuote, PayoutBalance, PayoutChallenge, PayoutChallengeRequest, PayoutProof,
    PayoutWithdrawal, Payouts, PermitRequest, PermitSignature, QuoteRequest, QuoteState, ResaleOffer,
    WalletTransaction,
};
pub use studio::{
    ActiveKey, Avatar, FileVersion, LicenseRequest, ListingKind, ListingRequest, ListingStatus, Me, MeCreator, Sale,
    Scope, StatusChange, StudioListing, UnknownWord,
};
pub use uploads::{CompleteUpload, RegisteredFile, StartUpload, Upload};
