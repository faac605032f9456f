//! Prices: integer minor units (cents), never floats.

use crate::RuleError;

/// The highest price a listing may ask, in minor units (1,000,000.00).
pub const MAX_PRICE_MINOR: i64 = 100_000_000;

/// A listing's price in minor units of its currency, 0..=[`MAX_PRICE_MINOR`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(i64);

impl Price {
    /// A price given in minor units (the API's `price_minor`).
    pub fn from_minor(minor: i64) -> Result<Self, RuleError> {
        if (0..=MAX_PRICE_MINOR).contains(&minor) {
            Ok(Self(minor))
        } else {
            Err(RuleError::new("Prices are 0 to 1,000,000 (price_minor 0–100,000,000)."))
        }
    }

    /// A price as people type it: `25`, `12.50`, `$0.99`, `.5`.
    pub fn parse(input: &str) -> Result<Self, RuleError> {
        let s = input.trim().trim_start_matches('$');
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if whole.is_empty() && frac.is_empty() {
            return Err(RuleError::new("Enter a price, e.g. 25 or 12.50."));
        }
        if frac.len() > 2 || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(RuleError::new("Enter a price like 25 or 12.50."));
        }
        let too_large = || RuleError::new("The price is too large.");
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| too_large())? };
        let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| RuleError::new("Enter a price like 12.50."))?;
        let minor = whole.checked_mul(100).and_then(|w| w.checked_add(frac)).ok_or_else(too_large)?;
        if minor > MAX_PRICE_MINOR {
            return Err(RuleError::new("Prices are limited to 1,000,000."));
        }
        Ok(Self(minor))
    }

    /// Minor units (cents).
    pub fn minor(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_to_exact_cents() {
        let minor = |s: &str| Price::parse(s).map(Price::minor);
        assert_eq!(minor("25"), Ok(2500));
        assert_eq!(minor("$12.5"), Ok(1250));
        assert_eq!(minor("0.99"), Ok(99));
        assert_eq!(minor(".5"), Ok(50));
        assert_eq!(minor("1000000"), Ok(MAX_PRICE_MINOR));
        for bad in ["1.999", "-3", "abc", "", "1000000.01", "99999999999999999999", "1e3"] {
            assert!(minor(bad).is_err(), "{bad}");
        }
        assert!(Price::from_minor(-1).is_err() && Price::from_minor(MAX_PRICE_MINOR + 1).is_err());
    }
}
