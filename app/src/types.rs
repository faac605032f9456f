//! Wire types shared by the server and the browser. Never database rows:
//! the store crate's rows are mapped into these at the server-function edge.

use serde::{Deserialize, Serialize};

/// What a listing sells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Human label, as shown on cards and filters.
    pub fn label(self) -> &'static str {
        match self {
            Self::Edition => "Edition",
            Self::Workflow => "Workflow",
            Self::Lora => "LoRA",
        }
    }
}

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
        let major = self.price_minor / 100;
        let minor = (self.price_minor % 100).abs();
        if self.currency == "USD" {
            format!("${major}.{minor:02}")
        } else {
            format!("{major}.{minor:02} {}", self.currency)
        }
    }

    /// "7 of 25 left" for editions; `None` for other kinds.
    pub fn availability_label(&self) -> Option<String> {
        self.edition_size.map(|n| {
            let left = (n - self.sold).max(0);
            if left == 0 { "Sold out".to_owned() } else { format!("{left} of {n} left") }
        })
    }
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
}

#[cfg(feature = "ssr")]
impl From<colophon_store::AccountRow> for Me {
    fn from(a: colophon_store::AccountRow) -> Self {
        Self {
            email: a.email,
            creator: a.creator.map(|c| CreatorProfile { handle: c.handle, display_name: c.display_name, bio: c.bio }),
        }
    }
}
