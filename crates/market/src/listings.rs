//! What a creator lists: drafts held to the catalog's rules, publish and
//! archive, and the Studio's view of a listing. One definition, called by the
//! Studio's server functions and the creator API alike, so page and API
//! cannot disagree.

use colophon_api::{FileVersion, ListingKind, ListingRequest, StudioListing};
use colophon_catalog::RuleError;
use colophon_store::{self as store, Store, StoreError};

/// Why a listing change was refused. Every message is for people.
#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    /// The request broke a listing rule (the message names it).
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// Not allowed in the listing's present state.
    #[error("{0}")]
    Invalid(String),
    #[error("A listing with the slug {0:?} already exists.")]
    SlugTaken(String),
    #[error("That listing is not yours.")]
    NotYours,
    /// It vanished between two reads (deleted meanwhile): try again.
    #[error("Try again.")]
    Gone,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Every listing of a creator, drafts included, newest first, with its files:
/// two queries, however many listings.
pub async fn creator_listings(store: &Store, creator_id: i64) -> Result<Vec<StudioListing>, StoreError> {
    let listings = store.creator_listings(creator_id).await?;
    let mut files: std::collections::HashMap<i64, Vec<store::FileRow>> = std::collections::HashMap::new();
    for f in store.creator_files(creator_id).await? {
        files.entry(f.listing_id).or_default().push(f);
    }
    Ok(listings
        .into_iter()
        .map(|l| {
            let versions = files.remove(&l.id).unwrap_or_default();
            to_studio(l, versions)
        })
        .collect())
}

/// A stored listing and its file versions as the Studio (and the creator API) shows it.
pub fn to_studio(l: store::ListingRecord, files: Vec<store::FileRow>) -> StudioListing {
    let terms: Option<colophon_formats::LicenseTerms> = serde_json::from_str(&l.license_json).ok();
    StudioListing {
        id: l.id,
        slug: l.slug,
        kind: l.kind,
        title: l.title,
        status: l.status,
        price_minor: l.price_minor,
        currency: l.currency,
        edition_size: l.edition_size,
        sold: l.sold,
        files: l.files,
        license_hash: l.license_hash.map(|h| colophon_provenance::ContentHash(h).to_hex()).unwrap_or_default(),
        license_words: terms.map(|t| t.plain_words()).unwrap_or_default(),
        versions: files
            .into_iter()
            .map(|f| FileVersion {
                version: f.version,
                file_id: f.id,
                sha256: colophon_provenance::ContentHash(f.sha256).to_hex(),
                alt_hash: f.alt_hash.map(|h| colophon_provenance::ContentHash(h).to_hex()),
                file_type: f.file_type,
                size: f.size,
                leaf_index: f.log_leaf,
                details: serde_json::from_str(&f.details).unwrap_or_default(),
            })
            .collect(),
    }
}

/// Checks a request against the catalog's rules and stores the draft for `creator_id`.
pub async fn create_draft(store: &Store, creator_id: i64, req: ListingRequest) -> Result<StudioListing, ListingError> {
    let v = colophon_catalog::validate(&req)?;
    let kind = match v.kind {
        ListingKind::Edition => store::ListingKind::Edition,
        ListingKind::Workflow => store::ListingKind::Workflow,
        ListingKind::Lora => store::ListingKind::Lora,
    };
    let license_json =
        serde_json::to_string(&v.license).map_err(|_| ListingError::Invalid("Invalid licence terms.".into()))?;
    let requested = v.slug.as_ref().map(colophon_catalog::Slug::as_str);
    let slug = match requested {
        Some(s) => s.to_owned(),
        None => colophon_catalog::Slug::from_title(&v.title)
            .map_or_else(|| format!("listing-{}", suffix()), |s| s.as_str().to_owned()),
    };
    let now = chrono::Utc::now();
    let tags = v.tags.join(",");
    // A derived slug may be taken: add a short random suffix until it is free.
    let mut candidate = slug.clone();
    let id = loop {
        let d = store::ListingDraft {
            creator_id,
            slug: &candidate,
            kind,
            title: &v.title,
            description: &v.description,
            price_minor: v.price.minor(),
            currency: "USD",
            edition_size: v.edition_size,
            sale_starts_at: v.sale_starts_at,
            sale_ends_at: v.sale_ends_at,
            per_account_cap: v.per_account_cap,
            royalty_bps: v.royalty_bps,
            tags: &tags,
            license_json: &license_json,
            license_hash: v.license.hash().0,
            created_at: now,
        };
        match store.create_draft(&d).await {
            Err(store::StoreError::Conflict { .. }) if requested.is_some() => {
                return Err(ListingError::SlugTaken(candidate));
            }
            Err(store::StoreError::Conflict { .. }) => candidate = format!("{slug}-{}", suffix()),
            other => break other?,
        }
    };
    let listing = store.listing(id).await?.ok_or(ListingError::Gone)?;
    Ok(to_studio(listing, Vec::new()))
}

fn suffix() -> String {
    format!("{:06x}", rand::random::<u32>() & 0xFF_FFFF)
}

/// Publishes or archives one of `creator_id`'s listings.
pub async fn change_status(
    store: &Store,
    creator_id: i64,
    listing_id: i64,
    status: &str,
) -> Result<StudioListing, ListingError> {
    let target = match status {
        "published" => store::ListingStatus::Published,
        "archived" => store::ListingStatus::Archived,
        _ => return Err(ListingError::Invalid("A listing can be published or archived.".into())),
    };
    let listing =
        store.listing(listing_id).await?.filter(|l| l.creator_id == creator_id).ok_or(ListingError::NotYours)?;
    if !store.set_listing_status(listing.id, creator_id, target, chrono::Utc::now()).await? {
        return Err(ListingError::Invalid(match target {
            store::ListingStatus::Published => "Upload a signed file before publishing.".into(),
            _ => "Only published listings can be archived.".into(),
        }));
    }
    let listing = store.listing(listing.id).await?.ok_or(ListingError::Gone)?;
    let files = store.listing_files(listing.id).await?;
    Ok(to_studio(listing, files))
}
