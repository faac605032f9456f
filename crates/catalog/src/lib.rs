//! What may be listed, and how: the rules a listing request must pass,
//! written once and parsed into domain types at the edge. The Studio's form,
//! the creator API and the `colophon publish` CLI all go through here, so
//! they refuse the same inputs with the same words.
//!
//! Pure: no I/O and no clock (callers pass `now` where it matters).

mod price;
pub mod registration;
pub mod sale;
mod slug;

use chrono::{DateTime, Utc};
use colophon_api::{ListingKind, ListingRequest};
use colophon_formats::LicenseTerms;

pub use price::{MAX_PRICE_MINOR, Price};
pub use sale::{Refusal, SaleState};
pub use slug::{Handle, Slug};

/// A rule a request broke; the message is for people and names the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

impl RuleError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Edition sizes a listing may have.
pub const EDITION_SIZES: std::ops::RangeInclusive<i64> = 1..=10_000;

/// What a listing sells, from its wire word.
pub fn parse_kind(word: &str) -> Result<ListingKind, RuleError> {
    match word {
        "edition" => Ok(ListingKind::Edition),
        "workflow" => Ok(ListingKind::Workflow),
        "lora" => Ok(ListingKind::Lora),
        _ => Err(RuleError::new("Choose what you are listing: an edition, a workflow or a LoRA.")),
    }
}

/// The highest resale royalty a listing may carry, in basis points (the sales contract's cap).
pub const MAX_ROYALTY_BPS: i64 = 1000;
/// An edition's resale royalty unless its creator says otherwise: 5 %.
pub const DEFAULT_ROYALTY_BPS: i64 = 500;

/// A royalty typed as a percentage ("5", "7.5", "0") in basis points.
pub fn royalty_from_percent(input: &str) -> Result<i64, RuleError> {
    let bad = || RuleError::new("Enter the resale royalty as a percentage from 0 to 10, e.g. 5 or 7.5.");
    let s = input.trim().trim_end_matches('%').trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if s.is_empty() || frac.len() > 2 || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let bps = whole.checked_mul(100).and_then(|w| w.checked_add(frac)).ok_or_else(bad)?;
    if bps > MAX_ROYALTY_BPS {
        return Err(RuleError::new("Resale royalties are 0 % to 10 %."));
    }
    Ok(bps)
}

/// A listing request that passed every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidListing {
    pub kind: ListingKind,
    /// Trimmed, 1–200 characters.
    pub title: String,
    /// Trimmed, up to 10,000 characters.
    pub description: String,
    pub price: Price,
    /// `Some` exactly for editions.
    pub edition_size: Option<i64>,
    pub sale_starts_at: Option<DateTime<Utc>>,
    pub sale_ends_at: Option<DateTime<Utc>>,
    pub per_account_cap: Option<i64>,
    /// The creator's share of each resale in basis points (0 for licences).
    pub royalty_bps: i64,
    /// Lowercase, trimmed, without duplicates; up to 20 of at most 40 characters.
    pub tags: Vec<String>,
    pub license: LicenseTerms,
    /// The slug asked for; `None` lets the server derive one from the title.
    pub slug: Option<Slug>,
}

/// Checks a listing request against every rule; the first broken one is the error.
pub fn validate(req: &ListingRequest) -> Result<ValidListing, RuleError> {
    let kind = parse_kind(&req.kind)?;
    let title = req.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(RuleError::new("Titles are 1–200 characters."));
    }
    if req.description.chars().count() > 10_000 {
        return Err(RuleError::new("Descriptions are limited to 10,000 characters."));
    }
    let price = Price::from_minor(req.price_minor)?;
    let edition_size = match (kind, req.edition_size) {
        (ListingKind::Edition, None) => return Err(RuleError::new("Editions need a size (1–10,000).")),
        (ListingKind::Edition, Some(n)) if !EDITION_SIZES.contains(&n) => {
            return Err(RuleError::new("Edition sizes are 1–10,000."));
        }
        (ListingKind::Edition, n) => n,
        _ => None,
    };
    let royalty_bps = match (kind, req.royalty_bps) {
        (ListingKind::Edition, None) => DEFAULT_ROYALTY_BPS,
        (ListingKind::Edition, Some(bps)) if (0..=MAX_ROYALTY_BPS).contains(&bps) => bps,
        (ListingKind::Edition, Some(_)) => return Err(RuleError::new("Resale royalties are 0 % to 10 %.")),
        (_, None | Some(0)) => 0,
        (_, Some(_)) => {
            return Err(RuleError::new("Licences are not resellable, so they carry no resale royalty."));
        }
    };
    if req.per_account_cap.is_some_and(|c| c < 1) {
        return Err(RuleError::new("The per-account cap must be at least 1."));
    }
    let starts = sale_time(req.sale_starts_at.as_deref(), "The sale start")?;
    let ends = sale_time(req.sale_ends_at.as_deref(), "The sale end")?;
    if let (Some(s), Some(e)) = (starts, ends)
        && e <= s
    {
        return Err(RuleError::new("The sale must end after it starts."));
    }
    let mut tags: Vec<String> =
        req.tags.iter().map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty() && !t.contains(',')).collect();
    tags.dedup();
    if tags.len() > 20 || tags.iter().any(|t| t.chars().count() > 40) || req.tags.iter().any(|t| t.contains(',')) {
        return Err(RuleError::new("Up to 20 tags of at most 40 characters each, without commas."));
    }
    let license = LicenseTerms {
        version: 1,
        personal_use: true,
        commercial_use: req.license.commercial_use,
        derivatives: req.license.derivatives,
        credit_required: req.license.credit_required,
        redistribution: req.license.redistribution,
        notes: req.license.notes.trim().to_owned(),
    };
    license.validate().map_err(|e| RuleError(e.0))?;
    let slug = req.slug.as_deref().map(|s| Slug::parse(s.trim())).transpose()?;
    Ok(ValidListing {
        kind,
        title: title.to_owned(),
        description: req.description.trim().to_owned(),
        price,
        edition_size,
        sale_starts_at: starts,
        sale_ends_at: ends,
        per_account_cap: req.per_account_cap,
        royalty_bps,
        tags,
        license,
        slug,
    })
}

/// A sale boundary: RFC 3339, or `YYYY-MM-DDTHH:MM` (what
/// `<input type="datetime-local">` sends), taken as UTC. Blank is none.
pub fn sale_time(value: Option<&str>, what: &str) -> Result<Option<DateTime<Utc>>, RuleError> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").map(|t| Some(t.and_utc())))
            .map_err(|_| RuleError(format!("{what} is not a date and time."))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> ListingRequest {
        ListingRequest {
            kind: "edition".into(),
            title: "  Tide 01 ".into(),
            price_minor: 2500,
            edition_size: Some(5),
            tags: vec!["Ocean".into(), "ocean".into(), " ".into()],
            ..Default::default()
        }
    }

    #[test]
    fn editions_carry_a_capped_resale_royalty_and_licences_none() {
        assert_eq!(validate(&request()).expect("valid").royalty_bps, DEFAULT_ROYALTY_BPS);
        let set = |bps| validate(&ListingRequest { royalty_bps: Some(bps), ..request() });
        assert_eq!(set(750).expect("valid").royalty_bps, 750);
        assert_eq!(set(0).expect("valid").royalty_bps, 0);
        assert!(set(1001).is_err() && set(-1).is_err());
        let lora = ListingRequest { kind: "lora".into(), edition_size: None, ..request() };
        assert_eq!(validate(&lora).expect("valid").royalty_bps, 0);
        assert!(validate(&ListingRequest { royalty_bps: Some(500), ..lora }).is_err());
        assert_eq!(royalty_from_percent("5"), Ok(500));
        assert_eq!(royalty_from_percent(" 7.5 % "), Ok(750));
        assert_eq!(royalty_from_percent("0"), Ok(0));
        assert!(royalty_from_percent("10.01").is_err() && royalty_from_percent("five").is_err());
        assert!(royalty_from_percent("").is_err() && royalty_from_percent("-1").is_err());
    }

    #[test]
    fn a_good_request_is_normalised() {
        let v = validate(&request()).expect("valid");
        assert_eq!(
            (v.kind, v.title.as_str(), v.price.minor(), v.edition_size),
            (ListingKind::Edition, "Tide 01", 2500, Some(5))
        );
        assert_eq!(v.tags, ["ocean"]);
        assert!(v.license.personal_use && v.slug.is_none());
    }

    #[test]
    fn each_rule_names_what_is_wrong() {
        let broken = |f: fn(&mut ListingRequest)| {
            let mut r = request();
            f(&mut r);
            validate(&r).expect_err("refused").0
        };
        assert!(broken(|r| r.kind = "poster".into()).contains("an edition, a workflow or a LoRA"));
        assert!(broken(|r| r.title = " ".into()).contains("Titles are 1–200"));
        assert!(broken(|r| r.price_minor = -5).contains("Prices are 0"));
        assert!(broken(|r| r.edition_size = Some(0)).contains("Edition sizes are 1–10,000"));
        assert!(broken(|r| r.edition_size = None).contains("Editions need a size"));
        assert!(broken(|r| r.per_account_cap = Some(0)).contains("at least 1"));
        assert!(broken(|r| r.sale_starts_at = Some("soon".into())).contains("The sale start is not"));
        assert!(
            broken(|r| {
                r.sale_starts_at = Some("2026-12-02T10:00".into());
                r.sale_ends_at = Some("2026-12-02T09:00:00Z".into());
            })
            .contains("end after it starts")
        );
        assert!(broken(|r| r.tags = vec!["a,b".into()]).contains("without commas"));
        assert!(broken(|r| r.slug = Some("Not OK".into())).contains("A slug is"));
    }

    #[test]
    fn only_editions_keep_a_size() {
        let mut r = request();
        r.kind = "lora".into();
        assert_eq!(validate(&r).expect("valid").edition_size, None);
    }
}
