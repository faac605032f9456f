//! The public ledger (tag `verifier`): the log's checkpoint, RFC 9162 proofs,
//! and every statement about a content hash with a receipt to check offline.

use colophon_provenance::Receipt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A log root the registry contract holds on chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Anchor {
    pub tree_size: u64,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub root: String,
    pub chain_id: u64,
    pub contract: String,
    pub tx_hash: String,
    pub block_number: u64,
}

/// `GET /api/v1/log/checkpoint`: the log's size and root now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Checkpoint {
    pub tree_size: u64,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub root: String,
    /// The latest confirmed on-chain anchor (its size may trail `tree_size`).
    #[schema(required)]
    pub anchor: Option<Anchor>,
}

/// `GET /api/v1/log/inclusion`: an RFC 9162 inclusion proof (docs/FORMATS.md §4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Inclusion {
    pub leaf_index: u64,
    pub tree_size: u64,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub leaf_hash: String,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub root: String,
    #[schema(inline, value_type = Vec<Hex32>)]
    pub proof: Vec<String>,
}

/// `GET /api/v1/log/consistency`: an RFC 9162 consistency proof between two sizes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Consistency {
    pub from: u64,
    pub to: u64,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub from_root: String,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub to_root: String,
    #[schema(inline, value_type = Vec<Hex32>)]
    pub proof: Vec<String>,
}

/// 32 bytes as 64 lowercase hex digits (a hash in a proof).
#[derive(ToSchema)]
#[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
#[allow(dead_code, reason = "a schema only: proofs are lists of these strings")]
struct Hex32(String);

/// A creator key's standing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// Signs new files now.
    Active,
    /// Replaced by a newer key; what it signed before stays valid.
    Rotated,
    /// Withdrawn (`compromised` or `retired`).
    Revoked,
}

impl KeyStatus {
    /// The wire word: `active`, `rotated` or `revoked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Rotated => "rotated",
            Self::Revoked => "revoked",
        }
    }
}

/// A creator key's standing in the ledger (docs/FORMATS.md §5.1). When it
/// was rotated or revoked, `ended_receipt` is the receipt of the statement
/// that ended it, so a verifier checks the revocation itself: a rotation or
/// revocation counts only through `ended_receipt`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeyStanding {
    pub status: KeyStatus,
    /// For a revocation: `compromised` or `retired`.
    #[schema(required)]
    pub reason: Option<String>,
    #[schema(required)]
    pub ended_leaf: Option<u64>,
    #[schema(required)]
    pub ended_receipt: Option<Receipt>,
}

/// One statement about a content hash, with its receipt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Match {
    pub leaf_index: u64,
    /// The decoded statement, tagged by `type` (docs/FORMATS.md §2). The
    /// receipt carries the signed bytes; this is them, readable.
    #[schema(value_type = Object)]
    pub statement: serde_json::Value,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub signer_key_id: String,
    pub signer_fingerprint: String,
    /// False while no confirmed anchor covers this entry yet.
    pub anchored: bool,
    pub receipt: Receipt,
    /// The signing key's standing; `null` for the marketplace's operator key
    /// (sales), which is published at `/api/v1/operator`.
    #[schema(required)]
    pub key: Option<KeyStanding>,
}

/// A registered image whose perceptual hash is close to another's: a possible copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Similar {
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    /// 64 bits as 16 hex digits (docs/FORMATS.md §12).
    pub perceptual_hash: String,
    /// Differing bits of 64.
    #[schema(minimum = 0, maximum = 64)]
    pub distance: u32,
    /// The listing's slug.
    pub listing: String,
    pub title: String,
    pub creator: String,
    pub log_index: i64,
}

/// Where a page of sales stands among all of a hash's sales.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SalesPage {
    /// Sales and licences of this hash in the whole log.
    pub total: u64,
    /// How many of them `matches` holds.
    pub shown: u64,
    /// Pass as `before` for the next older page; `null` on the last.
    #[schema(required)]
    pub next_before: Option<u64>,
}

/// `GET /api/v1/provenance/{sha256}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Provenance {
    #[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
    pub content_hash: String,
    /// In log order: every registration (on the first page only), then the
    /// page of sales and licences `sales` describes.
    pub matches: Vec<Match>,
    /// For an image: its perceptual hash (docs/FORMATS.md §12).
    #[schema(required)]
    pub perceptual_hash: Option<String>,
    /// Other registered images within 10 of its 64 bits: possible copies.
    #[serde(default)]
    pub similar: Vec<Similar>,
    /// Which of the hash's sales `matches` holds.
    #[serde(default)]
    pub sales: SalesPage,
}

/// `GET /api/v1/operator`: the marketplace's own key, which signs sales.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Operator {
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub public_key: String,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub key_id: String,
    pub fingerprint: String,
    /// Which statement kinds this key signs.
    pub signs: Vec<String>,
    /// The payment provider checkout uses.
    pub payments: String,
    /// True while payments are simulated (no money moves).
    pub test_mode: bool,
}

/// `GET /api/v1/chain`: where the log is anchored, so a verifier reads the
/// roots from the chain itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Chain {
    pub chain_id: u64,
    /// The ProvenanceRegistry contract (EIP-55 checksummed).
    #[schema(pattern = "^0x[0-9a-fA-F]{40}$")]
    pub registry: String,
    /// A JSON-RPC endpoint browsers may call (CORS allowed), or `null`: only
    /// a suggestion, any node of that chain answers the same.
    #[schema(required)]
    pub rpc_url: Option<String>,
}
