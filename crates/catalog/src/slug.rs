//! Names in addresses: a listing's slug (`/listings/{slug}`), a creator's handle.

use crate::RuleError;

/// A listing's address name: 1–60 of `a–z`, `0–9` and `-`, neither starting
/// nor ending with `-`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slug(String);

impl Slug {
    /// A slug as given; refused with the rule when it breaks it.
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        let ok = (1..=60).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(RuleError::new("A slug is 1–60 of a–z, 0–9 and '-', not starting or ending with '-'."))
        }
    }

    /// The slug a title suggests: lowercase ASCII letters and digits, other
    /// runs as one `-`, at most 60. `None` when nothing is left ("__", "★").
    pub fn from_title(title: &str) -> Option<Self> {
        let mut slug = String::new();
        for c in title.to_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let cut: String = slug.chars().take(60).collect();
        let cut = cut.trim_end_matches('-');
        (!cut.is_empty()).then(|| Self(cut.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A creator's handle (`/creators/{handle}`): 2–32 of `a–z`, `0–9`, `-` and
/// `_`, starting with a letter. Given in any case; kept lowercase.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Handle(String);

impl Handle {
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        let h = s.trim().to_lowercase();
        let ok = (2..=32).contains(&h.len())
            && h.starts_with(|c: char| c.is_ascii_lowercase())
            && h.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if ok {
            Ok(Self(h))
        } else {
            Err(RuleError::new(
                "Handles are 2–32 characters: lowercase letters, digits, - and _, starting with a letter.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_rule() {
        assert!(Slug::parse("tide-01").is_ok());
        for bad in ["", "Tide", "-tide", "tide-", "ti de", &"a".repeat(61)] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn titles_suggest_valid_slugs() {
        let s = |t: &str| Slug::from_title(t).map(|s| s.0);
        assert_eq!(s("Tide 01 (final)").as_deref(), Some("tide-01-final"));
        assert_eq!(s("__"), None);
        // Cut at 60 without leaving a trailing '-'.
        let long = format!("{} tail", "a".repeat(59));
        let cut = s(&long).expect("slug");
        assert_eq!(cut, "a".repeat(59));
        assert!(Slug::parse(&cut).is_ok());
    }

    #[test]
    fn handles_are_kept_lowercase() {
        assert_eq!(Handle::parse(" Mira_K ").map(Handle::into_string), Ok("mira_k".to_owned()));
        for bad in ["m", "1abc", "mi ra", &"a".repeat(33)] {
            assert!(Handle::parse(bad).is_err(), "{bad:?}");
        }
    }
}
