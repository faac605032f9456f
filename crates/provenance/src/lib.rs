#![doc = include_str!("../README.md")]

pub mod encoding;
pub mod hash;
pub mod keyfile;
pub mod keys;
pub mod merkle;
pub mod receipt;
pub mod statement;

pub use hash::{ContentHash, ContentHasher, HashParseError};
pub use keys::{KeyId, PublicKey, SigningKey};
pub use receipt::{
    Anchor, KeyStatus, Receipt, Verdict, VerifyError, key_standing, root_for_call_data, verify, verify_key_event,
    verify_sale,
};
pub use statement::{ContentKind, Payment, RevocationReason, SignedStatement, Statement, buyer_ref};
