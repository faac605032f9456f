//! Receipts and `verify`: the happy path, each precise error, and soundness
//! (flipping any byte of the statement, signature, proof or root fails).

use base64::{Engine as _, engine::general_purpose::STANDARD as B64};
use colophon_provenance::{
    Anchor, ContentHash, ContentKind, KeyStatus, Receipt, RevocationReason, SigningKey, Statement, VerifyError,
    merkle::{MemoryTree, inclusion_proof},
    verify,
};
use proptest::prelude::*;

struct Logged {
    file: ContentHash,
    receipt: Receipt,
    root: [u8; 32],
}

fn anchor() -> Anchor {
    Anchor {
        chain_id: 31337,
        contract: "0x5fbdb2315678afecb367f032d93f642f64180aa3".into(),
        tx_hash: format!("0x{}", "ab".repeat(32)),
        block_number: 7,
    }
}

/// A log of `n` registrations by one creator; the receipt for entry `pick`.
fn logged(n: u64, pick: u64) -> Logged {
    let key = SigningKey::from_seed(&[11; 32]);
    let mut tree = MemoryTree::new();
    let mut chosen = None;
    for i in 0..n {
        let file = ContentHash::of(format!("file {i}").as_bytes());
        let signed = Statement::ContentRegistered {
            content_hash: file,
            content_kind: ContentKind::EditionImage,
            size: 1000 + i,
            creator_key: key.public_key().key_id(),
            listing_id: format!("lst_{i}"),
            file_id: format!("fil_{i}"),
            parents: vec![],
            license_terms: None,
            perceptual_hash: None,
            time_ms: 1_795_000_000_000 + i,
        }
        .sign(&key)
        .expect("sign");
        tree.push_hash(signed.leaf_hash());
        if i == pick {
            chosen = Some((file, signed));
        }
    }
    let (file, signed) = chosen.expect("pick < n");
    let root = tree.root();
    let proof = inclusion_proof(&tree, pick, n).expect("proof");
    Logged { file, receipt: Receipt::new(&signed, pick, n, &proof, &root, Some(anchor())), root }
}

#[test]
fn a_good_receipt_verifies_and_survives_json() {
    let l = logged(13, 6);
    let json = l.receipt.to_json();
    let parsed = Receipt::from_json(&json).expect("parses");
    let verdict = verify(&l.file, &parsed, Some(&l.root), KeyStatus::Active).expect("verifies");
    assert_eq!(verdict.leaf_index, 6);
    assert_eq!(verdict.tree_size, 13);
    assert_eq!(verdict.anchor, anchor());
    assert!(matches!(verdict.statement, Statement::ContentRegistered { size: 1006, .. }));
}

#[test]
fn each_failure_has_its_own_error() {
    let l = logged(5, 2);
    let other = ContentHash::of(b"some other file");
    assert!(matches!(
        verify(&other, &l.receipt, Some(&l.root), KeyStatus::Active),
        Err(VerifyError::HashMismatch { .. })
    ));
    assert_eq!(verify(&l.file, &l.receipt, None, KeyStatus::Active), Err(VerifyError::Unanchored { tree_size: 5 }));
    let mut unanchored = l.receipt.clone();
    unanchored.anchor = None;
    assert_eq!(
        verify(&l.file, &unanchored, Some(&l.root), KeyStatus::Active),
        Err(VerifyError::Unanchored { tree_size: 5 })
    );
    assert_eq!(
        verify(&l.file, &l.receipt, Some(&[0x42; 32]), KeyStatus::Active),
        Err(VerifyError::RootMismatch { tree_size: 5 })
    );
    let compromised = KeyStatus::Revoked { reason: RevocationReason::Compromised, at_ms: u64::MAX };
    assert_eq!(
        verify(&l.file, &l.receipt, Some(&l.root), compromised),
        Err(VerifyError::RevokedKey { reason: RevocationReason::Compromised })
    );
    // Retired after signing: earlier statements stay valid; retired before: not.
    let later = KeyStatus::Revoked { reason: RevocationReason::Retired, at_ms: 1_795_000_000_100 };
    assert!(verify(&l.file, &l.receipt, Some(&l.root), later).is_ok());
    let earlier = KeyStatus::Revoked { reason: RevocationReason::Retired, at_ms: 1_000 };
    assert!(matches!(verify(&l.file, &l.receipt, Some(&l.root), earlier), Err(VerifyError::RevokedKey { .. })));

    // Another key cannot claim the statement, even with a valid signature of its own.
    let mut stolen = l.receipt.clone();
    let thief = SigningKey::from_seed(&[66; 32]);
    let bytes = B64.decode(&stolen.statement).expect("b64");
    stolen.public_key = thief.public_key().to_hex();
    stolen.signature = hex::encode(thief.sign(&bytes));
    assert_eq!(verify(&l.file, &stolen, Some(&l.root), KeyStatus::Active), Err(VerifyError::BadSignature));

    let mut wrong_index = l.receipt.clone();
    wrong_index.leaf_index = 3;
    assert!(matches!(
        verify(&l.file, &wrong_index, Some(&l.root), KeyStatus::Active),
        Err(VerifyError::ProofInvalid(_))
    ));
    assert!(matches!(Receipt::from_json(r#"{"format":"colophon-receipt/1"}"#), Err(VerifyError::Malformed(_))));
    let mut extra: serde_json::Value = serde_json::from_str(&l.receipt.to_json()).expect("json");
    extra["surprise"] = serde_json::json!(1);
    assert!(Receipt::from_json(&extra.to_string()).is_err(), "unknown fields are refused");
}

fn flip_hex(s: &str, byte: usize, bit: u8) -> String {
    let mut bytes = hex::decode(s).expect("hex");
    let i = byte % bytes.len();
    bytes[i] ^= 1 << (bit % 8);
    hex::encode(bytes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn flipping_any_byte_fails(n in 1u64..40, pick_seed in any::<u64>(), byte in any::<usize>(), bit in any::<u8>(), what in 0u8..4) {
        let pick = pick_seed % n;
        let l = logged(n, pick);
        let mut r = l.receipt.clone();
        let mut root = l.root;
        match what {
            0 => {
                let mut bytes = B64.decode(&r.statement).expect("b64");
                let i = byte % bytes.len();
                bytes[i] ^= 1 << (bit % 8);
                r.statement = B64.encode(bytes);
            }
            1 => r.signature = flip_hex(&r.signature, byte, bit),
            2 => {
                if r.inclusion_proof.is_empty() {
                    // A one-leaf tree has no proof to flip; flip the root instead.
                    root[byte % 32] ^= 1 << (bit % 8);
                } else {
                    let i = byte % r.inclusion_proof.len();
                    r.inclusion_proof[i] = flip_hex(&r.inclusion_proof[i], byte / 7, bit);
                }
            }
            _ => {
                r.root = flip_hex(&r.root, byte, bit);
            }
        }
        prop_assert!(verify(&l.file, &r, Some(&root), KeyStatus::Active).is_err());
    }
}

/// A committed receipt for independent verifiers (`end2end/verifier/`
/// checks it with Node's OpenSSL-backed Ed25519 and its own RFC 9162 code).
#[test]
fn committed_receipt_vector_matches() {
    let l = logged(13, 6);
    let now = serde_json::json!({
        "description": "A Colophon receipt (colophon-receipt/1) for leaf 6 of a 13-leaf log, with the file's SHA-256 and the root the chain holds for size 13. See docs/FORMATS.md.",
        "file_sha256": l.file.to_hex(),
        "anchored_root": hex::encode(l.root),
        "receipt": serde_json::to_value(&l.receipt).expect("json"),
    });
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/receipt.json");
    if std::env::var_os("COLOPHON_WRITE_VECTORS").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(&now).expect("json") + "\n").expect("write");
    }
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vectors/receipt.json is committed")).expect("json");
    assert_eq!(committed, now, "receipt format changed: see vectors/receipt.json");
}

#[test]
fn sale_receipts_verify_with_the_signers_key_and_only_for_their_file() {
    let operator = SigningKey::from_seed(&[5; 32]);
    let file = ContentHash::of(b"an edition");
    let sale = Statement::EditionSold {
        listing_id: "tidal".into(),
        content_hash: file,
        edition: 3,
        edition_size: 10,
        buyer_ref: colophon_provenance::buyer_ref(&[9; 32], "ord_1"),
        price_minor: 4800,
        currency: "USD".into(),
        time_ms: 1_795_000_000_000,
    }
    .sign(&operator)
    .expect("sign");
    let mut tree = MemoryTree::new();
    tree.push_hash(sale.leaf_hash());
    let root = tree.root();
    let receipt = Receipt::new(&sale, 0, 1, &[], &root, Some(anchor()));
    let verdict = colophon_provenance::verify_sale(&file, &receipt, Some(&root)).expect("verifies");
    assert_eq!(verdict.key_id, operator.public_key().key_id());
    assert!(matches!(verdict.statement, Statement::EditionSold { edition: 3, .. }));
    // Another file, a registration check, or a forged signature all fail.
    let other = ContentHash::of(b"another");
    assert!(matches!(
        colophon_provenance::verify_sale(&other, &receipt, Some(&root)),
        Err(VerifyError::HashMismatch { .. })
    ));
    assert!(matches!(verify(&file, &receipt, Some(&root), KeyStatus::Active), Err(VerifyError::Malformed(_))));
    let mut forged = receipt.clone();
    forged.public_key = SigningKey::from_seed(&[6; 32]).public_key().to_hex();
    assert_eq!(colophon_provenance::verify_sale(&file, &forged, Some(&root)), Err(VerifyError::BadSignature));
}

#[test]
fn key_events_end_a_key_from_their_time_on() {
    let old = SigningKey::from_seed(&[11; 32]);
    let new = SigningKey::from_seed(&[12; 32]);
    let key = old.public_key().key_id();
    let rotated = Statement::KeyRotated { old_key: key, new_public_key: new.public_key().to_bytes(), time_ms: 2_000 }
        .sign(&old)
        .expect("sign");
    let revoked =
        Statement::KeyRevoked { key, reason: RevocationReason::Compromised, time_ms: 3_000 }.sign(&new).expect("sign");
    let mut tree = MemoryTree::new();
    tree.push_hash(rotated.leaf_hash());
    tree.push_hash(revoked.leaf_hash());
    let root = tree.root();
    let receipt = |s: &colophon_provenance::SignedStatement, i: u64| {
        Receipt::new(s, i, 2, &inclusion_proof(&tree, i, 2).expect("proof"), &root, None)
    };
    let rotation = receipt(&rotated, 0);
    assert_eq!(
        colophon_provenance::verify_key_event(&rotation, &key),
        Ok(KeyStatus::Revoked { reason: RevocationReason::Superseded, at_ms: 2_000 })
    );
    // The successor may revoke its predecessor.
    assert_eq!(
        colophon_provenance::verify_key_event(&receipt(&revoked, 1), &key),
        Ok(KeyStatus::Revoked { reason: RevocationReason::Compromised, at_ms: 3_000 })
    );
    // About another key, a broken proof, a forged signature: refused.
    assert!(matches!(
        colophon_provenance::verify_key_event(&rotation, &new.public_key().key_id()),
        Err(VerifyError::Malformed(_))
    ));
    let mut bad_proof = rotation.clone();
    bad_proof.root = hex::encode([7u8; 32]);
    assert!(matches!(colophon_provenance::verify_key_event(&bad_proof, &key), Err(VerifyError::ProofInvalid(_))));
    let mut forged = rotation.clone();
    forged.signature = hex::encode(new.sign(&B64.decode(&rotation.statement).expect("b64")));
    assert_eq!(colophon_provenance::verify_key_event(&forged, &key), Err(VerifyError::BadSignature));

    // A retired-by-rotation key: what it signed before stays valid, after does not.
    let signed_at = |t: u64| {
        Statement::ContentRegistered {
            content_hash: ContentHash::of(b"x"),
            content_kind: ContentKind::EditionImage,
            size: 1,
            creator_key: key,
            listing_id: "l".into(),
            file_id: "f".into(),
            parents: vec![],
            license_terms: None,
            perceptual_hash: None,
            time_ms: t,
        }
        .sign(&old)
        .expect("sign")
    };
    let status = colophon_provenance::verify_key_event(&rotation, &key).expect("status");
    for (t, ok) in [(1_999, true), (2_000, false)] {
        let s = signed_at(t);
        let mut t1 = MemoryTree::new();
        t1.push_hash(s.leaf_hash());
        let r = Receipt::new(&s, 0, 1, &[], &t1.root(), None);
        let got = verify(&ContentHash::of(b"x"), &r, None, status);
        assert_eq!(matches!(got, Err(VerifyError::Unanchored { .. })), ok, "{t}: {got:?}");
    }
}
