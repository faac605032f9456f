//! Receipts: everything needed to check a file against the ledger offline,
//! and [`verify`], the one verification routine every client shares.
//!
//! JSON (`format: "colophon-receipt/1"`, every field in `docs/FORMATS.md`):
//! ```json
//! {
//!   "format": "colophon-receipt/1",
//!   "statement": "<base64 of the canonical statement bytes>",
//!   "public_key": "<64 hex>", "signature": "<128 hex>",
//!   "leaf_index": 0, "tree_size": 1,
//!   "inclusion_proof": ["<64 hex>", ...], "root": "<64 hex>",
//!   "anchor": {"chain_id": 31337, "contract": "0x…", "tx_hash": "0x…", "block_number": 7} | null
//! }
//! ```

use base64::{
    Engine as _,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};

/// Standard base64 (RFC 4648 §4) with padding, and only the canonical
/// encoding accepted: missing padding or set trailing bits are refused, so a
/// statement has one text form (docs/FORMATS.md §5).
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);
use serde::{Deserialize, Serialize};

use crate::{
    ContentHash, KeyId, PublicKey, RevocationReason, Statement,
    keys::parse_hex,
    merkle::{self, Hash},
    statement::SignedStatement,
};

pub const FORMAT: &str = "colophon-receipt/1";

/// Where the root was anchored on-chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReceiptAnchor))]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    pub chain_id: u64,
    /// `0x` + 40 hex digits.
    pub contract: String,
    /// `0x` + 64 hex digits.
    pub tx_hash: String,
    pub block_number: u64,
}

/// The `eth_call` data that reads the root a ProvenanceRegistry holds for
/// `tree_size`: `rootFor(uint64)`'s selector `0x4cc22914` followed by the size
/// as one 32-byte big-endian word. The call answers 32 bytes, all zero when
/// that size was never anchored (docs/FORMATS.md §5, step 5).
pub fn root_for_call_data(tree_size: u64) -> String {
    format!("0x4cc22914{tree_size:064x}")
}

/// A receipt as it travels (JSON): `colophon-receipt/1` (docs/FORMATS.md §5).
/// Unknown fields are refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// `colophon-receipt/1`.
    pub format: String,
    /// Base64 (standard alphabet, padded, canonical) of the canonical statement bytes.
    pub statement: String,
    /// The signer's ed25519 public key, 64 hex digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub public_key: String,
    /// The ed25519 signature over the statement bytes, 128 hex digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{128}$"))]
    pub signature: String,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// RFC 9162 inclusion proof of the leaf in the tree of `tree_size`, each 64 hex digits.
    pub inclusion_proof: Vec<String>,
    /// The tree's root, 64 hex digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub root: String,
    /// Where that root was anchored; `null` until an anchor covers the entry.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub anchor: Option<Anchor>,
}

/// What is known about the signing key, from the ledger's key statements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyStatus {
    Active,
    Revoked { reason: RevocationReason, at_ms: u64 },
}

/// A receipt that checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub statement: Statement,
    pub key_id: KeyId,
    pub leaf_index: u64,
    pub tree_size: u64,
    pub root: Hash,
    pub anchor: Anchor,
}

/// Exactly why a receipt did not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the receipt is malformed: {0}")]
    Malformed(String),
    #[error("the file's hash {file} is not the hash {stated} the statement registers")]
    HashMismatch { file: ContentHash, stated: ContentHash },
    #[error(
        "the signature does not verify with the receipt's public key, or that key is not the statement's creator key"
    )]
    BadSignature,
    #[error("the signing key was revoked ({reason:?})")]
    RevokedKey { reason: RevocationReason },
    #[error("the inclusion proof does not lead to the receipt's root: {0}")]
    ProofInvalid(merkle::VerifyProofError),
    #[error("the receipt's root differs from the root anchored on-chain for tree size {tree_size}")]
    RootMismatch { tree_size: u64 },
    #[error("no root is anchored on-chain for tree size {tree_size} yet")]
    Unanchored { tree_size: u64 },
}

impl Receipt {
    /// Builds a receipt for a logged statement.
    pub fn new(
        signed: &SignedStatement,
        leaf_index: u64,
        tree_size: u64,
        proof: &[Hash],
        root: &Hash,
        anchor: Option<Anchor>,
    ) -> Self {
        Self {
            format: FORMAT.into(),
            statement: B64.encode(&signed.bytes),
            public_key: signed.public_key.to_hex(),
            signature: hex::encode(signed.signature),
            leaf_index,
            tree_size,
            inclusion_proof: proof.iter().map(hex::encode).collect(),
            root: hex::encode(root),
            anchor,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses receipt JSON (unknown fields are refused).
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        serde_json::from_str(text).map_err(|e| VerifyError::Malformed(e.to_string()))
    }

    /// The statement the receipt carries, decoded but not yet verified.
    pub fn decode_statement(&self) -> Result<Statement, VerifyError> {
        let bytes =
            B64.decode(&self.statement).map_err(|_| VerifyError::Malformed("statement is not base64".into()))?;
        Statement::decode(&bytes).map_err(|e| VerifyError::Malformed(e.to_string()))
    }

    /// The root as bytes.
    pub fn root_hash(&self) -> Result<Hash, VerifyError> {
        parse_hex::<32>(&self.root).map_err(|_| VerifyError::Malformed("root is not 64 hex digits".into()))
    }
}

/// Checks `file_hash` against `receipt`, in this order: the statement parses
/// and registers this hash; the creator's signature verifies and the key is
/// not revoked; the inclusion proof leads to the receipt's root; and that root
/// is the one `anchored_root` (read from the chain for `receipt.tree_size`).
/// Pass `None` when the chain holds no root for that size yet.
pub fn verify(
    file_hash: &ContentHash,
    receipt: &Receipt,
    anchored_root: Option<&Hash>,
    key_status: KeyStatus,
) -> Result<Verdict, VerifyError> {
    check(file_hash, receipt, anchored_root, key_status, Expect::Registration)
}

/// Like [`verify`], for the receipt of a sale statement (`EditionSold`,
/// `LicenseGranted` or `EditionTransferred` about `file_hash`, docs/FORMATS.md §11). The statement
/// names no signer: the caller compares `Verdict::key_id` with the
/// marketplace's published operator key.
pub fn verify_sale(
    file_hash: &ContentHash,
    receipt: &Receipt,
    anchored_root: Option<&Hash>,
) -> Result<Verdict, VerifyError> {
    check(file_hash, receipt, anchored_root, KeyStatus::Active, Expect::Sale)
}

/// Checks the receipt of a statement that ended `key` — a `KeyRevoked` naming
/// it, or a `KeyRotated` away from it signed by it — and returns the status to
/// pass to [`verify`]: a rotation counts as revocation for reason `Superseded`
/// from its time on. The signature and the inclusion proof (to the receipt's
/// own root) are checked; a revocation may be signed by the key or by its
/// successor, and since it can only make a verdict stricter, its signer is not
/// required to be `key`.
pub fn verify_key_event(receipt: &Receipt, key: &KeyId) -> Result<KeyStatus, VerifyError> {
    let malformed = |m: &str| VerifyError::Malformed(m.to_owned());
    if receipt.format != FORMAT {
        return Err(VerifyError::Malformed(format!("unsupported format {:?}", receipt.format)));
    }
    let bytes = B64.decode(&receipt.statement).map_err(|_| malformed("statement is not base64"))?;
    let statement = Statement::decode(&bytes).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let public_key = PublicKey::parse(&receipt.public_key).map_err(|_| VerifyError::BadSignature)?;
    let signature = parse_hex::<64>(&receipt.signature).map_err(|_| VerifyError::BadSignature)?;
    let status = match statement {
        Statement::KeyRevoked { key: k, reason, time_ms } if k == *key => KeyStatus::Revoked { reason, at_ms: time_ms },
        Statement::KeyRotated { old_key, time_ms, .. } if old_key == *key && public_key.key_id() == *key => {
            KeyStatus::Revoked { reason: RevocationReason::Superseded, at_ms: time_ms }
        }
        _ => return Err(malformed("the statement does not end this key")),
    };
    let signed = SignedStatement::verify(&bytes, public_key, signature).map_err(|_| VerifyError::BadSignature)?;
    check_inclusion(receipt, &signed)?;
    Ok(status)
}

/// Checks the receipt's inclusion proof for `signed` against its root; returns the root.
fn check_inclusion(receipt: &Receipt, signed: &SignedStatement) -> Result<Hash, VerifyError> {
    let root = receipt.root_hash()?;
    let proof = receipt
        .inclusion_proof
        .iter()
        .map(|h| {
            parse_hex::<32>(h).map_err(|_| VerifyError::Malformed("inclusion proof hash is not 64 hex digits".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    merkle::verify_inclusion(&signed.leaf_hash(), receipt.leaf_index, receipt.tree_size, &proof, &root)
        .map_err(VerifyError::ProofInvalid)?;
    Ok(root)
}

/// The standing of the key that signed `receipt`, from what a server claims
/// (docs/FORMATS.md §5.1): `status` is `active`, `rotated` or `revoked`, and a
/// rotation or revocation counts only through `ended`, the receipt of the
/// statement that ended the key, which must pass [`verify_key_event`]. A
/// non-active status without that receipt is refused.
pub fn key_standing(receipt: &Receipt, status: &str, ended: Option<&Receipt>) -> Result<KeyStatus, VerifyError> {
    let key = PublicKey::parse(&receipt.public_key).map_err(|_| VerifyError::BadSignature)?.key_id();
    match (ended, status) {
        (Some(ended), _) => verify_key_event(ended, &key),
        (None, "active") => Ok(KeyStatus::Active),
        (None, other) => Err(VerifyError::Malformed(format!(
            "the key is said to be {other}, but no receipt of the statement that ended it was given"
        ))),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Registration,
    Sale,
}

fn check(
    file_hash: &ContentHash,
    receipt: &Receipt,
    anchored_root: Option<&Hash>,
    key_status: KeyStatus,
    expect: Expect,
) -> Result<Verdict, VerifyError> {
    let malformed = |m: &str| VerifyError::Malformed(m.to_owned());
    if receipt.format != FORMAT {
        return Err(VerifyError::Malformed(format!("unsupported format {:?}", receipt.format)));
    }
    let bytes = B64.decode(&receipt.statement).map_err(|_| malformed("statement is not base64"))?;
    let statement = Statement::decode(&bytes).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let (content_hash, named_key, time_ms) = match (&statement, expect) {
        (Statement::ContentRegistered { content_hash, creator_key, time_ms, .. }, Expect::Registration) => {
            (*content_hash, Some(*creator_key), *time_ms)
        }
        (s, Expect::Sale) if s.is_sale() => {
            (s.content_hash().ok_or_else(|| malformed("a sale without its file"))?, None, s.time_ms())
        }
        (_, Expect::Registration) => return Err(malformed("the statement does not register a file")),
        (_, Expect::Sale) => return Err(malformed("the statement does not record a sale")),
    };
    if content_hash != *file_hash {
        return Err(VerifyError::HashMismatch { file: *file_hash, stated: content_hash });
    }

    let public_key = PublicKey::parse(&receipt.public_key).map_err(|_| VerifyError::BadSignature)?;
    let signature = parse_hex::<64>(&receipt.signature).map_err(|_| VerifyError::BadSignature)?;
    let creator_key = named_key.unwrap_or_else(|| public_key.key_id());
    if public_key.key_id() != creator_key {
        return Err(VerifyError::BadSignature);
    }
    let signed = SignedStatement::verify(&bytes, public_key, signature).map_err(|_| VerifyError::BadSignature)?;
    if let KeyStatus::Revoked { reason, at_ms } = key_status
        && (reason == RevocationReason::Compromised || time_ms >= at_ms)
    {
        return Err(VerifyError::RevokedKey { reason });
    }

    let root = check_inclusion(receipt, &signed)?;

    let (Some(anchored), Some(anchor)) = (anchored_root, receipt.anchor.clone()) else {
        return Err(VerifyError::Unanchored { tree_size: receipt.tree_size });
    };
    if *anchored != root {
        return Err(VerifyError::RootMismatch { tree_size: receipt.tree_size });
    }
    Ok(Verdict {
        statement,
        key_id: creator_key,
        leaf_index: receipt.leaf_index,
        tree_size: receipt.tree_size,
        root,
        anchor,
    })
}
