//! The creator API (tag `creator`): the account, listings, sales. What the
//! Studio does, for pipelines and the `colophon` CLI.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a listing sells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingKind {
    /// A limited edition of an image work, numbered 1..N.
    Edition,
    /// A ComfyUI workflow (JSON).
    Workflow,
    /// A LoRA model file (safetensors).
    Lora,
}

impl ListingKind {
    /// The wire word: `edition`, `workflow` or `lora`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edition => "edition",
            Self::Workflow => "workflow",
            Self::Lora => "lora",
        }
    }

    /// Human label, as shown on cards and filters.
    pub fn label(self) -> &'static str {
        match self {
            Self::Edition => "Edition",
            Self::Workflow => "Workflow",
            Self::Lora => "LoRA",
        }
    }
}

impl std::str::FromStr for ListingKind {
    type Err = UnknownWord;

    /// The wire word back (the database stores the same words).
    fn from_str(word: &str) -> Result<Self, UnknownWord> {
        match word {
            "edition" => Ok(Self::Edition),
            "workflow" => Ok(Self::Workflow),
            "lora" => Ok(Self::Lora),
            _ => Err(UnknownWord(word.to_owned())),
        }
    }
}

/// Where a listing is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    /// Only its creator sees it.
    Draft,
    /// On sale (within its sale window).
    Published,
    /// Off sale; buyers keep what they bought.
    Archived,
}

impl ListingStatus {
    /// The wire word: `draft`, `published` or `archived`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }
}

impl std::str::FromStr for ListingStatus {
    type Err = UnknownWord;

    fn from_str(word: &str) -> Result<Self, UnknownWord> {
        match word {
            "draft" => Ok(Self::Draft),
            "published" => Ok(Self::Published),
            "archived" => Ok(Self::Archived),
            _ => Err(UnknownWord(word.to_owned())),
        }
    }
}

/// A word that names no value of the enum it was parsed as.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown word {0:?}")]
pub struct UnknownWord(pub String);

/// What an API token may do. A browser session may do everything its account may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read the account, its listings and their files.
    Read,
    /// Create listings, upload and register signed files, publish and archive.
    Publish,
    /// Read sales of the creator's listings.
    Sales,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Publish, Scope::Sales];

    /// The wire word: `read`, `publish` or `sales`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Publish => "publish",
            Self::Sales => "sales",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// What the Studio says a scope allows.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Read => "read your account, listings and files",
            Self::Publish => "create listings, upload signed files, publish and archive",
            Self::Sales => "read the sales of your listings",
        }
    }
}

/// `GET /api/v1/me`: who the caller is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub account_id: i64,
    pub email: String,
    /// `null` until the account becomes a creator.
    #[schema(required)]
    pub creator: Option<MeCreator>,
    /// The call's scopes: a token's, or every scope for a browser session.
    pub scopes: Vec<Scope>,
}

/// The caller's creator profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MeCreator {
    pub handle: String,
    pub display_name: String,
    /// The key that signs new files now, if one is registered.
    #[schema(required)]
    pub active_key: Option<ActiveKey>,
}

/// A creator's signing key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActiveKey {
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub key_id: String,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub public_key: String,
    pub fingerprint: String,
}

/// A listing as its creator sees it (drafts included).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StudioListing {
    pub id: i64,
    pub slug: String,
    pub kind: ListingKind,
    pub title: String,
    pub status: ListingStatus,
    /// Minor units of `currency` (cents for USD).
    pub price_minor: i64,
    pub currency: String,
    /// Editions only.
    #[schema(required)]
    pub edition_size: Option<i64>,
    pub sold: i64,
    pub files: i64,
    /// SHA-256 of the licence terms (hex): what file statements must name.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub license_hash: String,
    pub license_words: Vec<String>,
    /// File versions, newest first.
    pub versions: Vec<FileVersion>,
}

/// One registered file version and what the parser found in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FileVersion {
    pub version: i64,
    pub file_id: String,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    /// A workflow's canonical hash or a LoRA's tensor-data hash.
    #[schema(required)]
    pub alt_hash: Option<String>,
    /// `png`, `jpeg`, `webp`, `safetensors` or `json`.
    pub file_type: String,
    pub size: i64,
    pub leaf_index: u64,
    /// What the parser read: dimensions, generation settings, a workflow's
    /// nodes, a LoRA's training metadata (docs/FORMATS.md §7–9).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// `POST /api/v1/studio/listings`: a new listing. The Studio's form is read
/// into the same shape, so both are held to the same rules; unknown fields
/// are refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingRequest {
    /// `edition`, `workflow` or `lora`.
    #[schema(value_type = ListingKind)]
    pub kind: String,
    /// 1–200 characters.
    pub title: String,
    /// Up to 10,000 characters.
    #[serde(default)]
    pub description: String,
    /// Minor units (cents), 0..=100,000,000.
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub price_minor: i64,
    /// Editions only: 1..=10,000.
    #[serde(default)]
    pub edition_size: Option<i64>,
    /// RFC 3339 (or `YYYY-MM-DDTHH:MM`, taken as UTC).
    #[serde(default)]
    pub sale_starts_at: Option<String>,
    /// RFC 3339 (or `YYYY-MM-DDTHH:MM`, taken as UTC); after the start.
    #[serde(default)]
    pub sale_ends_at: Option<String>,
    /// Editions one account may buy.
    #[serde(default)]
    pub per_account_cap: Option<i64>,
    /// Editions: the creator's share of every resale, in basis points,
    /// 0..=1000 (10 %, the sales contract's cap); default 500 (5 %). Licences
    /// are not resellable and carry none.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    pub royalty_bps: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub license: LicenseRequest,
    /// The slug to use (`[a-z0-9-]`, 1–60); a taken one is refused (409).
    /// Without it the server derives one from the title.
    #[serde(default)]
    pub slug: Option<String>,
}

/// Licence terms as requested; personal use is always granted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicenseRequest {
    #[serde(default)]
    pub commercial_use: bool,
    #[serde(default)]
    pub derivatives: bool,
    #[serde(default)]
    pub credit_required: bool,
    #[serde(default)]
    pub redistribution: bool,
    #[serde(default)]
    pub notes: String,
}

/// `PUT /api/v1/me/avatar`: the creator's picture as stored: a 256×256 PNG
/// re-encoded from what was sent (its metadata dropped).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Avatar {
    /// Where the picture is served (with its hash, so caches see each new one).
    pub url: String,
    /// SHA-256 of the stored PNG; the served picture's `ETag`.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    pub width: u32,
    pub height: u32,
}

/// `POST /api/v1/studio/listings/{slug}/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `published` or `archived`.
    pub status: String,
}

/// One sale of the creator's work.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Sale {
    pub order_id: String,
    pub listing_id: i64,
    pub title: String,
    pub kind: ListingKind,
    /// The edition number sold (editions only).
    #[schema(required)]
    pub edition: Option<i64>,
    #[schema(required)]
    pub edition_size: Option<i64>,
    pub price_minor: i64,
    pub currency: String,
    /// The `EditionSold` / `LicenseGranted` statement's log index.
    pub leaf_index: u64,
    /// RFC 3339, UTC.
    pub sold_at: String,
}
