//! Wire types shared by the server and the browser. Never database rows:
//! the store crate's rows are mapped into these at the server-function edge.

use serde::{Deserialize, Serialize};

pub use colophon_api::{ListingKind, ListingStatus};

/// One card in the store grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListingCard {
    pub id: i64,
    pub slug: String,
    pub kind: ListingKind,
    pub title: String,
    pub creator: String,
    /// Price in the smallest unit of `currency` (cents for USD).
    pub price_minor: i64,
    pub currency: String,
    /// Edition size N; `None` for workflows and LoRAs.
    pub edition_size: Option<i64>,
    /// Editions sold so far (0 for workflows and LoRAs).
    pub sold: i64,
}

impl ListingCard {
    /// The price as the store shows it, e.g. `$12.50` or `12.50 EUR`.
    pub fn price_label(&self) -> String {
        format_price(self.price_minor, &self.currency)
    }

    /// "7 of 25 left" for editions; `None` for other kinds.
    pub fn availability_label(&self) -> Option<String> {
        self.edition_size.map(|n| {
            let left = (n - self.sold).max(0);
            if left == 0 { "Sold out".to_owned() } else { format!("{left} of {n} left") }
        })
    }
}

/// A price in minor units as people read it: `$12.50`, `3.00 EUR`.
pub fn format_price(price_minor: i64, currency: &str) -> String {
    let major = price_minor / 100;
    let minor = (price_minor % 100).abs();
    if currency == "USD" { format!("${major}.{minor:02}") } else { format!("{major}.{minor:02} {currency}") }
}

/// "3d 4h", "2h 05m", "4m 09s": how long until something, for countdowns.
pub fn format_duration_ms(ms: i64) -> String {
    let s = (ms.max(0)) / 1000;
    let (d, h, m, sec) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else {
        format!("{m}m {sec:02}s")
    }
}

/// A UTC time from epoch milliseconds, e.g. "2026-11-22 14:05 UTC".
pub fn format_time_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rem / 3600, (rem / 60) % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(price_minor: i64, currency: &str, edition_size: Option<i64>, sold: i64) -> ListingCard {
        ListingCard {
            id: 1,
            slug: "s".into(),
            kind: ListingKind::Edition,
            title: "t".into(),
            creator: "c".into(),
            price_minor,
            currency: currency.into(),
            edition_size,
            sold,
        }
    }

    #[test]
    fn price_labels_keep_two_decimals() {
        assert_eq!(card(1250, "USD", None, 0).price_label(), "$12.50");
        assert_eq!(card(5, "USD", None, 0).price_label(), "$0.05");
        assert_eq!(card(300, "EUR", None, 0).price_label(), "3.00 EUR");
    }

    #[test]
    fn times_and_durations_read_naturally() {
        assert_eq!(format_time_ms(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_time_ms(1_795_363_500_000), "2026-11-22 16:05 UTC");
        assert_eq!(format_time_ms(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(format_duration_ms(3 * 86_400_000 + 4 * 3_600_000 + 5), "3d 4h");
        assert_eq!(format_duration_ms(2 * 3_600_000 + 5 * 60_000), "2h 05m");
        assert_eq!(format_duration_ms(249_000), "4m 09s");
        assert_eq!(format_duration_ms(-5), "0m 00s");
    }

    #[test]
    fn availability_counts_down_and_sells_out() {
        assert_eq!(card(1, "USD", Some(25), 18).availability_label().as_deref(), Some("7 of 25 left"));
        assert_eq!(card(1, "USD", Some(10), 10).availability_label().as_deref(), Some("Sold out"));
        assert_eq!(card(1, "USD", None, 0).availability_label(), None);
    }
}

/// The signed-in account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub creator: Option<CreatorProfile>,
}

/// A creator's public profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatorProfile {
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    /// `/api/v1/creators/{handle}/avatar?v=…` when the creator chose a picture.
    pub avatar_url: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<colophon_store::AccountRow> for Me {
    fn from(a: colophon_store::AccountRow) -> Self {
        Self {
            email: a.email,
            creator: a.creator.map(|c| CreatorProfile {
                handle: c.handle,
                display_name: c.display_name,
                bio: c.bio,
                avatar_url: None,
            }),
        }
    }
}

/// The public address of a creator's avatar, versioned by the picture's hash
/// so caches fetch each new one.
pub fn avatar_url(handle: &str, sha256: &[u8]) -> String {
    let v: String = sha256.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("/api/v1/creators/{handle}/avatar?v={v}")
}
