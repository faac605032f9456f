//! Licence terms as structured fields, so a collector reads them in plain
//! words and a verifier can check which terms a statement committed to.
//!
//! The terms hash is SHA-256 of the RFC 8785 canonical JSON of
//! [`LicenseTerms`] (all fields present, `notes` as given), e.g.
//! `{"commercial_use":false,"credit_required":true,"derivatives":true,"notes":"","personal_use":true,"redistribution":false,"version":1}`.

use colophon_provenance::ContentHash;
use serde::{Deserialize, Serialize};

use crate::FormatError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseTerms {
    /// Schema version of these fields (1).
    pub version: u32,
    pub personal_use: bool,
    pub commercial_use: bool,
    /// May the buyer make and share derivative works (e.g. images made with a LoRA)?
    pub derivatives: bool,
    /// Must the creator be credited?
    pub credit_required: bool,
    /// May the file itself be redistributed?
    pub redistribution: bool,
    /// Free text, at most 2,000 characters.
    pub notes: String,
}

impl Default for LicenseTerms {
    fn default() -> Self {
        Self {
            version: 1,
            personal_use: true,
            commercial_use: false,
            derivatives: true,
            credit_required: true,
            redistribution: false,
            notes: String::new(),
        }
    }
}

impl LicenseTerms {
    pub fn validate(&self) -> Result<(), FormatError> {
        if self.version != 1 {
            return Err(FormatError::new("licence terms version must be 1"));
        }
        if self.notes.chars().count() > 2000 {
            return Err(FormatError::new("licence notes are limited to 2,000 characters"));
        }
        if !self.personal_use && self.commercial_use {
            return Err(FormatError::new("commercial use without personal use is not a coherent licence"));
        }
        Ok(())
    }

    /// The hash that goes into `ContentRegistered.license_terms`.
    pub fn hash(&self) -> ContentHash {
        let bytes = serde_json_canonicalizer::to_vec(self).unwrap_or_default();
        ContentHash::of(&bytes)
    }

    /// The terms in plain words, one line each.
    pub fn plain_words(&self) -> Vec<String> {
        let yes_no = |b: bool, yes: &str, no: &str| if b { yes.to_owned() } else { no.to_owned() };
        let mut lines = vec![
            yes_no(self.personal_use, "Personal use allowed.", "No personal use."),
            yes_no(self.commercial_use, "Commercial use allowed.", "No commercial use."),
            yes_no(self.derivatives, "You may make and share derivative works.", "No derivative works."),
            yes_no(self.credit_required, "Credit the creator when you share.", "No credit required."),
            yes_no(self.redistribution, "You may redistribute the file.", "Do not redistribute the file."),
        ];
        if !self.notes.trim().is_empty() {
            lines.push(self.notes.trim().to_owned());
        }
        lines
    }
}
