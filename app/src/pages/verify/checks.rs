//! The checks the page runs in the browser, as pure functions: what a pasted
//! hash is, a receipt, a statement's key standing and signature, the chain's
//! verdict on a root.

use super::*;

/// What a pasted string looks like, for live feedback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashInput {
    Empty,
    Valid,
    WrongLength(usize),
    NotHex,
}

/// Classifies a pasted string as a SHA-256 hex digest (64 hex digits,
/// surrounding whitespace and an optional `sha256:` prefix allowed).
pub fn classify_hash(input: &str) -> HashInput {
    let trimmed = input.trim();
    let hex = trimmed.strip_prefix("sha256:").unwrap_or(trimmed);
    if hex.is_empty() {
        HashInput::Empty
    } else if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        HashInput::NotHex
    } else if hex.len() != 64 {
        HashInput::WrongLength(hex.len())
    } else {
        HashInput::Valid
    }
}

pub use colophon_api::{KeyStanding, Match, Provenance, SalesPage};

/// Sales per look-up unless `/verify?sales=N` asks for another page size (1 to 100).
pub const SALES_PER_PAGE: u32 = 20;

/// The page size a `sales` query value asks for, within the API's 1 to 100.
pub fn sales_per_page(raw: Option<&str>) -> u32 {
    raw.and_then(|v| v.trim().parse::<u32>().ok()).filter(|n| (1..=100).contains(n)).unwrap_or(SALES_PER_PAGE)
}

/// The look-up's path: a page of `limit` sales, older than `before` when given.
pub fn provenance_path(hash: &str, limit: u32, before: Option<u64>) -> String {
    match before {
        Some(b) => format!("/api/v1/provenance/{hash}?limit={limit}&before={b}"),
        None => format!("/api/v1/provenance/{hash}?limit={limit}"),
    }
}

/// The key's standing, checked here: `Err` when the server's claim does not verify.
pub(super) fn key_standing(receipt: &Receipt, key: Option<&KeyStanding>) -> Result<(KeyStatus, String), String> {
    let Some(key) = key else {
        return Ok((KeyStatus::Active, String::new()));
    };
    let status = colophon_provenance::key_standing(receipt, key.status.as_str(), key.ended_receipt.as_ref())
        .map_err(|e| format!("the key's standing does not verify: {e}"))?;
    let text = match (status, key.status) {
        (KeyStatus::Active, _) => "The key is active.".to_owned(),
        (_, colophon_api::KeyStatus::Rotated) => {
            "This key was later rotated: what it signed before stays valid.".to_owned()
        }
        _ => format!("This key was revoked ({}).", key.reason.as_deref().unwrap_or("no reason given")),
    };
    Ok((status, text))
}

/// What this browser checks before reading the chain: signature and
/// inclusion proof (`ChainCheck` then adds the on-chain root).
pub(super) fn check_in_browser(
    hash: &ContentHash,
    receipt: &Receipt,
    sale: bool,
    key: KeyStatus,
) -> Result<(), String> {
    let result =
        if sale { colophon_provenance::verify_sale(hash, receipt, None) } else { verify(hash, receipt, None, key) };
    match result {
        // Every check before the chain's passed; only the anchor is left.
        Ok(_) | Err(VerifyError::Unanchored { .. }) => Ok(()),
        Err(err) => Err(err.to_string()),
    }
}

/// Where this browser reads anchored roots: a node of the anchor's chain and
/// the registry contract the verifier trusts. Prefilled from
/// `GET /api/v1/chain`, editable, remembered in this browser.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSettings {
    #[serde(default)]
    pub rpc_url: String,
    #[serde(default)]
    pub registry: String,
}

/// What a chain node answered for one tree size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReading {
    /// `eth_chainId`.
    pub chain_id: u64,
    /// `rootFor(tree_size)`; `None` when that size was never anchored.
    pub root: Option<[u8; 32]>,
    /// `eth_blockNumber`.
    pub head: u64,
}

/// The receipt must be anchored in the registry the verifier trusts. Nothing
/// a chain node answers can change that, so it is decided before any read
/// (a node asked about an address without code answers nothing useful).
pub fn check_registry(receipt: &Receipt, registry: &str) -> Result<(), String> {
    let anchor = receipt.anchor.as_ref().ok_or("This entry is not anchored on-chain yet.")?;
    if !anchor.contract.eq_ignore_ascii_case(registry.trim()) {
        return Err(format!(
            "Anchored in contract {}, which is not the registry you check against ({}).",
            anchor.contract,
            registry.trim()
        ));
    }
    Ok(())
}

/// The whole verdict once the chain has answered: the receipt must be
/// anchored in the registry the verifier trusts, on the chain the node serves,
/// and every check — now including the on-chain root — must pass.
pub fn chain_verdict(
    hash: &ContentHash,
    receipt: &Receipt,
    sale: bool,
    key: KeyStatus,
    registry: &str,
    reading: &ChainReading,
) -> Result<String, String> {
    check_registry(receipt, registry)?;
    let anchor = receipt.anchor.as_ref().ok_or("This entry is not anchored on-chain yet.")?;
    if reading.chain_id != anchor.chain_id {
        return Err(format!(
            "The chain node serves chain {}, but the anchor is on chain {}.",
            reading.chain_id, anchor.chain_id
        ));
    }
    let root = reading.root.as_ref();
    let result =
        if sale { colophon_provenance::verify_sale(hash, receipt, root) } else { verify(hash, receipt, root, key) };
    match result {
        Ok(_) => Ok(format!(
            "On-chain root matches: your browser read the root for {} entries from chain {} ({} confirmations).",
            receipt.tree_size,
            reading.chain_id,
            reading.head.saturating_sub(anchor.block_number) + 1
        )),
        Err(e) => Err(format!("On-chain check failed: {e}.")),
    }
}

/// A JSON-RPC quantity (`0x…`, no leading zeros required).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn parse_quantity(hex: &str) -> Result<u64, String> {
    hex.strip_prefix("0x")
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or_else(|| format!("The chain node answered {hex:?}, not a number."))
}

/// `rootFor`'s answer: one 32-byte word; all zeros means "never anchored".
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn parse_root(hex: &str) -> Result<Option<[u8; 32]>, String> {
    let bytes = hex.strip_prefix("0x").and_then(|h| ContentHash::parse(h).ok()).map(|h| *h.as_bytes());
    match bytes {
        Some(word) if word == [0; 32] => Ok(None),
        Some(word) => Ok(Some(word)),
        None => Err(format!("The chain node answered {hex:?}, not a 32-byte root: is the registry address right?")),
    }
}

/// Reads a receipt file: which hash it is about, and whether its signature
/// and inclusion proof verify (the key's standing and the anchor come from the
/// ledger look-up that follows).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn check_receipt(text: &str) -> Result<(ContentHash, String), String> {
    let receipt = Receipt::from_json(text).map_err(|e| format!("Not a Colophon receipt: {e}"))?;
    let statement = receipt.decode_statement().map_err(|e| format!("Not a Colophon receipt: {e}"))?;
    let paid = statement.payment().map(|p| format!(" The sale {}.", p.summary())).unwrap_or_default();
    let sale = statement.is_sale();
    let Some(hash) = statement.content_hash() else {
        return Err("This receipt is about a key, not a file.".into());
    };
    check_in_browser(&hash, &receipt, sale, KeyStatus::Active)
        .map_err(|e| format!("The receipt does not verify: {e}"))?;
    let what = if sale { "sale" } else { "registration" };
    Ok((
        hash,
        format!(
            "Receipt for a {what} of {}: signature and inclusion proof (log entry #{} of {}) verified in your browser.{paid}",
            hash.to_hex(),
            receipt.leaf_index,
            receipt.tree_size
        ),
    ))
}

/// A sale or licence (signed by the operator), not a creator's registration.
pub(super) fn is_sale(m: &Match) -> bool {
    matches!(m.statement["type"].as_str(), Some("edition_sold" | "license_granted" | "edition_transferred"))
}

/// The page's order: registrations in log order, then sales newest first.
pub fn ordered(matches: Vec<Match>) -> Vec<Match> {
    let (sales, mut out): (Vec<_>, Vec<_>) = matches.into_iter().partition(is_sale);
    out.extend(sales.into_iter().rev());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_pasted_hashes() {
        let good = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(classify_hash(good), HashInput::Valid);
        assert_eq!(classify_hash(&format!("  sha256:{good}\n")), HashInput::Valid);
        assert_eq!(classify_hash(""), HashInput::Empty);
        assert_eq!(classify_hash("abc"), HashInput::WrongLength(3));
        assert_eq!(classify_hash("xyz"), HashInput::NotHex);
    }

    #[test]
    fn the_sales_page_size_comes_from_the_url_within_the_apis_bounds() {
        assert_eq!(sales_per_page(None), SALES_PER_PAGE);
        assert_eq!(sales_per_page(Some("5")), 5);
        assert_eq!(sales_per_page(Some("100")), 100);
        for junk in ["0", "101", "-3", "ten", ""] {
            assert_eq!(sales_per_page(Some(junk)), SALES_PER_PAGE, "{junk}");
        }
        assert_eq!(provenance_path("ab", 5, None), "/api/v1/provenance/ab?limit=5");
        assert_eq!(provenance_path("ab", 5, Some(9)), "/api/v1/provenance/ab?limit=5&before=9");
    }

    #[test]
    fn registrations_come_first_then_sales_newest_first() {
        let vector: serde_json::Value =
            serde_json::from_str(include_str!("../../../../crates/provenance/vectors/receipt.json")).expect("vector");
        let receipt: Receipt = serde_json::from_value(vector["receipt"].clone()).expect("receipt");
        let m = |leaf: u64, kind: &str| Match {
            leaf_index: leaf,
            statement: serde_json::json!({ "type": kind }),
            signer_key_id: String::new(),
            signer_fingerprint: String::new(),
            anchored: false,
            receipt: receipt.clone(),
            key: None,
        };
        let page = vec![
            m(1, "content_registered"),
            m(4, "edition_sold"),
            m(6, "content_registered"),
            m(7, "license_granted"),
            m(9, "edition_sold"),
        ];
        let leaves: Vec<u64> = ordered(page).iter().map(|m| m.leaf_index).collect();
        assert_eq!(leaves, [1, 6, 9, 7, 4]);
    }

    #[test]
    fn an_opened_receipt_names_its_hash_and_is_checked() {
        let vector: serde_json::Value =
            serde_json::from_str(include_str!("../../../../crates/provenance/vectors/receipt.json")).expect("vector");
        let receipt = vector["receipt"].to_string();
        let (hash, message) = check_receipt(&receipt).expect("the committed receipt verifies");
        assert_eq!(hash, ContentHash::of(b"file 6"));
        assert!(message.contains("verified in your browser"), "{message}");
        let mut tampered = vector["receipt"].clone();
        tampered["root"] = serde_json::Value::String("00".repeat(32));
        assert!(check_receipt(&tampered.to_string()).expect_err("tampered").contains("does not verify"));
        assert!(check_receipt("{}").expect_err("junk").starts_with("Not a Colophon receipt"));
    }

    #[test]
    fn the_chains_answer_decides_the_verdict() {
        let vector: serde_json::Value =
            serde_json::from_str(include_str!("../../../../crates/provenance/vectors/receipt.json")).expect("vector");
        let receipt: Receipt = serde_json::from_value(vector["receipt"].clone()).expect("receipt");
        let file = ContentHash::parse(vector["file_sha256"].as_str().expect("hash")).expect("hash");
        let anchored = parse_root(&format!("0x{}", vector["anchored_root"].as_str().expect("root")))
            .expect("a word")
            .expect("not zero");
        let registry = receipt.anchor.as_ref().expect("anchored").contract.to_uppercase().replace("0X", "0x");
        let reading = ChainReading { chain_id: 31337, root: Some(anchored), head: 11 };
        let verdict = |reading: &ChainReading, registry: &str| {
            chain_verdict(&file, &receipt, false, KeyStatus::Active, registry, reading)
        };

        let ok = verdict(&reading, &registry).expect("the anchored root matches");
        assert!(ok.contains("root for 13 entries from chain 31337 (5 confirmations)"), "{ok}");
        let never = ChainReading { root: None, ..reading.clone() };
        assert!(verdict(&never, &registry).expect_err("unanchored").contains("no root is anchored"));
        let moved = ChainReading { root: Some([7; 32]), ..reading.clone() };
        assert!(verdict(&moved, &registry).expect_err("moved root").contains("differs from the root anchored"));
        let other_chain = ChainReading { chain_id: 1, ..reading.clone() };
        assert!(verdict(&other_chain, &registry).expect_err("chain").contains("serves chain 1"));
        let stranger = "0x0000000000000000000000000000000000000001";
        assert!(verdict(&reading, stranger).expect_err("registry").contains("not the registry you check against"));
        let other_file = ContentHash::of(b"something else");
        assert!(
            chain_verdict(&other_file, &receipt, false, KeyStatus::Active, &registry, &reading).is_err(),
            "the file must still match"
        );
    }

    #[test]
    fn reads_json_rpc_answers() {
        assert_eq!(parse_quantity("0x7a69"), Ok(31337));
        assert!(parse_quantity("31337").is_err());
        assert_eq!(parse_root(&format!("0x{}", "00".repeat(32))), Ok(None));
        assert_eq!(parse_root(&format!("0x{}", "ab".repeat(32))), Ok(Some([0xab; 32])));
        assert!(parse_root("0x").expect_err("empty").contains("registry address"));
    }
}
