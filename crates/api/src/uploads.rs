//! Signed, resumable uploads (docs/FORMATS.md §10): start, send chunks at
//! offsets, then complete with the creator's signed statement.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ledger::Similar;

/// `POST /api/v1/uploads`: announce a file by size and hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartUpload {
    pub listing_id: i64,
    /// Bytes; within the file type's limit.
    pub size: u64,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
}

/// An upload's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Upload {
    pub upload_id: String,
    /// The `file_id` the statement must name.
    pub file_id: String,
    /// The `listing_id` the statement must name.
    pub listing_ref: String,
    pub size: u64,
    /// Bytes received so far: send the next chunk from here.
    pub offset: u64,
    pub chunk_size: u64,
    pub expires_at: DateTime<Utc>,
    /// Once every byte of an image has arrived (`GET` only): its perceptual
    /// hash, for the statement to carry (docs/FORMATS.md §12); null otherwise.
    #[serde(default)]
    pub perceptual_hash: Option<String>,
}

/// `POST /api/v1/uploads/{id}/complete`: the creator's signature over the
/// statement that registers the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteUpload {
    /// The canonical statement bytes, hex.
    pub statement_hex: String,
    /// The ed25519 signature over them, 128 hex digits.
    #[schema(pattern = "^[0-9a-f]{128}$")]
    pub signature_hex: String,
}

/// A registered file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegisteredFile {
    pub file_id: String,
    pub version: i64,
    pub leaf_index: u64,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    pub size: u64,
    /// `png`, `jpeg`, `webp`, `safetensors` or `json`.
    pub file_type: String,
    /// A workflow's canonical hash or a LoRA's tensor-data hash.
    #[schema(required)]
    pub alt_hash: Option<String>,
    /// What the parser read (docs/FORMATS.md §7–9).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub signer_fingerprint: String,
    /// An image's 64-bit perceptual hash (docs/FORMATS.md §12), 16 hex digits.
    #[schema(required)]
    pub perceptual_hash: Option<String>,
    /// Registered images within 10 bits of this one's: possible copies,
    /// shown to the creator.
    pub similar: Vec<Similar>,
}
