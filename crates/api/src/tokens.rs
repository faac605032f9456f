//! API tokens as they travel: `col_` and 64 lowercase hex digits (256 random
//! bits), sent as `Authorization: Bearer col_…`, and their scope lists. The
//! prefix lets secret scanners and people recognise a leaked one.

use crate::Scope;

/// Every token starts with this.
pub const PREFIX: &str = "col_";
/// How many characters of a token the Studio shows to recognise it.
pub const SHOWN: usize = 12;

/// What is stored and looked up: SHA-256 of the whole token string.
pub fn hash(token: &str) -> [u8; 32] {
    colophon_provenance::ContentHash::of(token.as_bytes()).0
}

/// Whether `token` has the shape of one (checked before any look-up).
pub fn well_formed(token: &str) -> bool {
    token
        .strip_prefix(PREFIX)
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// A stored or submitted comma-separated scope list, without repeats, in
/// [`Scope::ALL`]'s order.
pub fn parse_scopes(list: &str) -> Result<Vec<Scope>, String> {
    let mut scopes = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let scope = Scope::parse(part).ok_or_else(|| format!("Unknown scope {part:?}: use read, publish or sales."))?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err("Choose at least one scope.".into());
    }
    scopes.sort_by_key(|s| Scope::ALL.iter().position(|a| a == s));
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_scope_lists_have_one_shape() {
        assert!(well_formed(&format!("col_{}", "ab".repeat(32))));
        assert!(!well_formed(&format!("col_{}", "AB".repeat(32))) && !well_formed("col_12"));
        assert_eq!(parse_scopes(" sales, read,read "), Ok(vec![Scope::Read, Scope::Sales]));
        assert!(parse_scopes("write").expect_err("unknown").contains("use read, publish or sales"));
        assert!(parse_scopes(" , ").is_err());
    }
}
