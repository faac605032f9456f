//! `colophon verify`: hash the file here, then check each receipt — the
//! creator's (or the operator's) signature, the key's standing, the inclusion
//! proof, and with --rpc the root anchored on-chain and the payment a sale
//! names — trusting no server.

use std::{io::Read as _, path::PathBuf};

use colophon_provenance::{
    ContentHash, ContentHasher, KeyId, KeyStatus, PublicKey, Receipt, VerifyError, verify, verify_sale,
};
use serde::Serialize;

use colophon_ledger::sales::PaymentOnChain;

use crate::{CHAIN_NOT_CHECKED, NOT_VERIFIED, USAGE, VERIFIED, net};

pub struct Args {
    pub file: PathBuf,
    pub receipt: Option<PathBuf>,
    pub server: Option<String>,
    pub rpc: Option<String>,
    pub registry: Option<String>,
    pub operator_key: Option<String>,
    pub json: bool,
}

use colophon_api::{KeyStanding, Operator, Provenance};

/// What was found about one receipt.
#[derive(Serialize)]
struct Outcome {
    /// `registration` or `sale`.
    statement: &'static str,
    leaf_index: u64,
    exit_code: u8,
    verdict: &'static str,
    detail: String,
}

fn outcome(statement: &'static str, leaf_index: u64, code: u8, detail: String) -> Outcome {
    let verdict = match code {
        VERIFIED => "verified",
        CHAIN_NOT_CHECKED => "chain not checked",
        NOT_VERIFIED => "not verified",
        _ => "error",
    };
    Outcome { statement, leaf_index, exit_code: code, verdict, detail }
}

pub(crate) fn hash_file(path: &PathBuf, progress: bool) -> std::io::Result<ContentHash> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let bar = if progress && len >= 64 << 20 {
        let bar = indicatif::ProgressBar::new(len);
        bar.set_style(
            indicatif::ProgressStyle::with_template("hashing {bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut buf = vec![0u8; 1 << 20];
    let mut hasher = ContentHasher::new();
    loop {
        match file.read(&mut buf)? {
            0 => break,
            n => {
                hasher.update(&buf[..n]);
                bar.inc(n as u64);
            }
        }
    }
    bar.finish_and_clear();
    Ok(hasher.finalize())
}

fn print(json: bool, code: u8, file_hash: Option<&ContentHash>, detail: &str, outcomes: &[Outcome]) -> u8 {
    let verdict = outcome("", 0, code, String::new()).verdict;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "verdict": verdict,
                "detail": detail,
                "exit_code": code,
                "sha256": file_hash.map(|h| h.to_hex()),
                "receipts": outcomes,
            })
        );
        return code;
    }
    if outcomes.len() > 1 {
        for o in outcomes {
            eprintln!("  {} #{}: {}: {}", o.statement, o.leaf_index, o.verdict, o.detail);
        }
    }
    if code == VERIFIED {
        println!("verified: {detail}");
    } else {
        eprintln!("{verdict}: {detail}");
    }
    code
}

/// A receipt to check and what is known of its signing key.
struct Item {
    receipt: Receipt,
    /// Err: the key's standing could not be established (why).
    key_status: Result<KeyStatus, String>,
    key_checked: bool,
}

pub async fn run(a: Args) -> u8 {
    let fail = |detail: String| print(a.json, USAGE, None, &detail, &[]);
    if a.receipt.is_none() && a.server.is_none() {
        return fail("pass --receipt FILE, --server URL, or both".into());
    }
    let hash = match hash_file(&a.file, !a.json) {
        Ok(h) => h,
        Err(e) => return fail(format!("cannot read {}: {e}", a.file.display())),
    };

    let mut items = Vec::new();
    let mut server_keys: Vec<(String, Result<KeyStatus, String>)> = Vec::new();
    if let Some(server) = &a.server {
        let path = format!("/api/v1/provenance/{}", hash.to_hex());
        match net::get_json::<Provenance>(server, &path).await {
            Ok(Some(view)) => {
                if view.sales.total > view.sales.shown && !a.json {
                    eprintln!(
                        "  checking the newest {} of this file's {} sales (older pages: ?before= on {path})",
                        view.sales.shown, view.sales.total
                    );
                }
                for m in view.matches {
                    let status = key_status(&m.receipt, m.key.as_ref());
                    server_keys.push((m.receipt.public_key.clone(), status.clone()));
                    items.push(Item { receipt: m.receipt, key_status: status, key_checked: m.key.is_some() });
                }
            }
            Ok(None) if a.receipt.is_none() => {
                return print(
                    a.json,
                    NOT_VERIFIED,
                    Some(&hash),
                    &format!("{hash} is not in the ledger of {server}: nobody registered this file there"),
                    &[],
                );
            }
            Ok(None) => {}
            Err(e) => return fail(e),
        }
    }
    if let Some(path) = &a.receipt {
        let receipt = match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| Receipt::from_json(&text).map_err(|e| e.to_string()))
        {
            Ok(r) => r,
            Err(e) => return fail(format!("cannot read the receipt: {e}")),
        };
        // The server's word on this receipt's key, if it gave one.
        let known = server_keys.iter().find(|(k, _)| *k == receipt.public_key).map(|(_, s)| s.clone());
        let key_checked = known.is_some();
        items.insert(0, Item { receipt, key_status: known.unwrap_or(Ok(KeyStatus::Active)), key_checked });
    }

    let operator = match (&a.operator_key, &a.server) {
        (Some(k), _) => match PublicKey::parse(k) {
            Ok(k) => Some(k.key_id()),
            Err(_) => return fail("--operator-key must be 64 hex digits".into()),
        },
        (None, Some(server)) if items.iter().any(|i| is_sale(&i.receipt)) => {
            match net::get_json::<Operator>(server, "/api/v1/operator").await {
                Ok(Some(op)) => PublicKey::parse(&op.public_key).ok().map(|k| k.key_id()),
                Ok(None) => None,
                Err(e) => return fail(e),
            }
        }
        _ => None,
    };

    let mut outcomes = Vec::with_capacity(items.len());
    for item in &items {
        match check(&hash, item, &a, operator.as_ref()).await {
            Ok(o) => outcomes.push(o),
            Err(e) => return fail(e),
        }
    }
    // The file's verdict is its best registration's (a sale receipt alone when that is all there is).
    let rank = |c: u8| match c {
        VERIFIED => 0,
        CHAIN_NOT_CHECKED => 1,
        _ => 2,
    };
    let registrations: Vec<&Outcome> = outcomes.iter().filter(|o| o.statement == "registration").collect();
    let pool: Vec<&Outcome> = if registrations.is_empty() { outcomes.iter().collect() } else { registrations };
    let Some(best) = pool.into_iter().min_by_key(|o| rank(o.exit_code)) else {
        return print(a.json, NOT_VERIFIED, Some(&hash), "no statement about this file", &outcomes);
    };
    let (code, detail) = (best.exit_code, best.detail.clone());
    print(a.json, code, Some(&hash), &detail, &outcomes)
}

fn is_sale(r: &Receipt) -> bool {
    r.decode_statement().is_ok_and(|s| s.is_sale())
}

/// The key's standing from the server's answer, checked: a rotation or
/// revocation counts only with a receipt that verifies.
fn key_status(receipt: &Receipt, key: Option<&KeyStanding>) -> Result<KeyStatus, String> {
    let Some(key) = key else { return Ok(KeyStatus::Active) };
    colophon_provenance::key_standing(receipt, key.status.as_str(), key.ended_receipt.as_ref())
        .map_err(|e| format!("the server's word on the signing key does not verify: {e}"))
}

/// Checks one receipt. `Err` only for I/O trouble (the chain unreachable).
async fn check(hash: &ContentHash, item: &Item, a: &Args, operator: Option<&KeyId>) -> Result<Outcome, String> {
    let r = &item.receipt;
    let sale = is_sale(r);
    let kind = if sale { "sale" } else { "registration" };
    let status = match &item.key_status {
        Ok(s) => *s,
        Err(e) => return Ok(outcome(kind, r.leaf_index, NOT_VERIFIED, e.clone())),
    };
    let mut anchored = None;
    if let (Some(rpc), Some(anchor)) = (&a.rpc, &r.anchor) {
        let registry = a.registry.clone().unwrap_or_else(|| anchor.contract.clone());
        if !registry.eq_ignore_ascii_case(&anchor.contract) {
            return Ok(outcome(
                kind,
                r.leaf_index,
                NOT_VERIFIED,
                format!(
                    "the receipt is anchored in contract {}, not in the registry you trust ({registry})",
                    anchor.contract
                ),
            ));
        }
        anchored = net::chain_root(rpc, &registry, anchor.chain_id, r.tree_size).await?;
    }
    let result =
        if sale { verify_sale(hash, r, anchored.as_ref()) } else { verify(hash, r, anchored.as_ref(), status) };
    let what_sold = r.decode_statement().ok().and_then(|s| s.sale_summary()).unwrap_or_else(|| "sold".into());
    let signer_note = |key: &KeyId| -> Result<String, String> {
        if !sale {
            let standing = match (status, item.key_checked) {
                (KeyStatus::Active, true) => "active in the ledger".to_owned(),
                (KeyStatus::Active, false) => "its revocation status not checked: add --server".to_owned(),
                (KeyStatus::Revoked { reason, .. }, _) => format!("since ended ({reason:?}), after this statement"),
            };
            return Ok(format!("registered by key {} ({standing})", key.fingerprint()));
        }
        match operator {
            Some(op) if op == key => {
                Ok(format!("{what_sold}, signed by the marketplace's operator key {}", key.fingerprint()))
            }
            Some(op) => Err(format!(
                "the sale is signed by key {}, not by the marketplace's operator key {}",
                key.fingerprint(),
                op.fingerprint()
            )),
            None => Ok(format!(
                "{what_sold}, signed by key {} (pass --operator-key or --server to check it is the marketplace's)",
                key.fingerprint()
            )),
        }
    };
    // A sale bound to a chain payment (statement version 2): the payment is
    // looked up on the chain too, when there is a node to ask.
    let payment = match r.decode_statement() {
        Ok(s) => s.payment().cloned(),
        Err(_) => None,
    };
    let paid_note = match (&payment, &a.rpc) {
        (None, _) => String::new(),
        (Some(p), None) => format!("; {} (not looked up: pass --rpc)", p.summary()),
        (Some(p), Some(rpc)) => match colophon_ledger::sales::find_payment(rpc, p).await {
            Ok(PaymentOnChain::Found { confirmations }) => {
                format!("; {}, found on chain with {confirmations} confirmations", p.summary())
            }
            Ok(PaymentOnChain::Missing(why)) => {
                return Ok(outcome(
                    kind,
                    r.leaf_index,
                    NOT_VERIFIED,
                    format!("the sale names a payment the chain does not hold ({why}): {}", p.summary()),
                ));
            }
            Err(e) => format!("; {} (not looked up: {e})", p.summary()),
        },
    };
    Ok(match result {
        Ok(v) => match signer_note(&v.key_id).map(|who| who + &paid_note) {
            Ok(who) => outcome(
                kind,
                r.leaf_index,
                VERIFIED,
                format!(
                    "{hash} was {who} (log entry {} of {}), and chain {} holds that root at block {}",
                    v.leaf_index, v.tree_size, v.anchor.chain_id, v.anchor.block_number
                ),
            ),
            Err(e) => outcome(kind, r.leaf_index, NOT_VERIFIED, e),
        },
        Err(VerifyError::Unanchored { tree_size }) => {
            // Signature and proof passed; name the signer without a Verdict.
            let key = PublicKey::parse(&r.public_key).map(|k| k.key_id());
            match key.map_err(|e| e.to_string()).and_then(|k| signer_note(&k)).map(|who| who + &paid_note) {
                Ok(who) => outcome(
                    kind,
                    r.leaf_index,
                    CHAIN_NOT_CHECKED,
                    if a.rpc.is_none() {
                        format!(
                            "signature and inclusion proof verified ({who}); pass --rpc to check the root for size {tree_size} on-chain"
                        )
                    } else if r.anchor.is_none() {
                        format!(
                            "signature and inclusion proof verified ({who}); the log has not anchored size {tree_size} yet: ask again later"
                        )
                    } else {
                        format!(
                            "signature and inclusion proof verified ({who}), but no root is anchored for size {tree_size} yet"
                        )
                    },
                ),
                Err(e) => outcome(kind, r.leaf_index, NOT_VERIFIED, e),
            }
        }
        Err(e) => outcome(kind, r.leaf_index, NOT_VERIFIED, e.to_string()),
    })
}
