//! What to publish: a `colophon.toml` manifest, or listings inferred from
//! the files themselves.

use std::path::PathBuf;

use colophon_api::ListingKind;
use colophon_catalog::registration::listing_kind;
use serde::Deserialize;

use super::{Args, upload::file_type};

/// `colophon.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(rename = "listing", default)]
    pub listings: Vec<ListingSpec>,
}

/// One listing of a manifest: the creator API's listing request plus its
/// files (relative to the manifest) and whether to publish it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingSpec {
    pub slug: String,
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// "25" or "12.50" (USD).
    pub price: String,
    #[serde(default)]
    pub edition_size: Option<i64>,
    #[serde(default)]
    pub sale_starts_at: Option<String>,
    #[serde(default)]
    pub sale_ends_at: Option<String>,
    #[serde(default)]
    pub per_account_cap: Option<i64>,
    /// Editions: the creator's share of each resale, basis points (0–1000; default 500).
    #[serde(default)]
    pub royalty_bps: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub license: License,
    pub files: Vec<PathBuf>,
    /// Publish once its files are up (default true).
    #[serde(default = "yes")]
    pub publish: bool,
}

fn yes() -> bool {
    true
}

/// A listing's licence terms: the creator API's own request shape.
pub use colophon_api::LicenseRequest as License;

/// Listings inferred from files: one per file, slug and title from its name.
pub fn infer(paths: &[PathBuf], a: &Args) -> Result<Vec<ListingSpec>, String> {
    let price = a.price.clone().ok_or("--price is needed to list files without a manifest (e.g. --price 25)")?;
    let mut out = Vec::new();
    for path in paths {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let slug = colophon_catalog::Slug::from_title(stem)
            .ok_or_else(|| format!("{}: cannot make a slug from this file name; use a manifest", path.display()))?
            .as_str()
            .to_owned();
        let kind = listing_kind(file_type(path)?);
        if kind == ListingKind::Edition && a.edition_size.is_none() {
            return Err(format!("{}: an image is listed as an edition: give --edition-size", path.display()));
        }
        out.push(ListingSpec {
            slug,
            kind: kind.as_str().to_owned(),
            title: stem.replace(['-', '_'], " "),
            description: String::new(),
            price: price.clone(),
            edition_size: if kind == ListingKind::Edition { a.edition_size } else { None },
            sale_starts_at: None,
            sale_ends_at: None,
            per_account_cap: None,
            royalty_bps: None,
            tags: Vec::new(),
            license: License::default(),
            files: vec![path.clone()],
            publish: true,
        });
    }
    Ok(out)
}

/// A manifest's price ("25", "12.50") in minor units: the catalog's rule.
pub fn price_minor(price: &str) -> Result<i64, String> {
    colophon_catalog::Price::parse(price)
        .map(colophon_catalog::Price::minor)
        .map_err(|e| format!("{price:?} is not a price like 25 or 12.50: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_slugs() {
        assert_eq!(price_minor("25"), Ok(2500));
        assert_eq!(price_minor("12.5"), Ok(1250));
        assert!(price_minor("12.505").is_err());
        assert!(price_minor("-1").is_err());
    }

    #[test]
    fn a_manifest_names_its_listings_and_refuses_unknown_keys() {
        let m: Manifest = toml::from_str(
            "[[listing]]\nslug = \"tide\"\nkind = \"edition\"\ntitle = \"Tide\"\nprice = \"25\"\nedition_size = 5\nfiles = [\"tide.png\"]\n[listing.license]\ncredit_required = true\n",
        )
        .expect("manifest");
        assert_eq!(m.listings.len(), 1);
        assert!(m.listings[0].publish && m.listings[0].license.credit_required);
        let err = toml::from_str::<Manifest>("[[listing]]\nslug = \"x\"\ncolour = 1\n").expect_err("unknown key");
        assert!(err.to_string().contains("colour"), "{err}");
    }
}
