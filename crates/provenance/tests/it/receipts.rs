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

/// `n` registrations of `file {i}` by the creator key (seed [11; 32]), in log order.
fn registrations(n: u64) -> Vec<colophon_provenance::SignedStatement> {
    let key = SigningKey::from_seed(&[11; 32]);
    (0..n)
        .map(|i| {
            Statement::ContentRegistered {
                content_hash: ContentHash::of(format!("file {i}").as_bytes()),
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
            .expect("sign")
        })
        .collect()
}

/// A log of `n` registrations by one creator; the receipt for entry `pick`.
fn logged(n: u64, pick: u64) -> Logged {
    let signed = registrations(n);
    let mut tree = MemoryTree::new();
    for s in &signed {
        tree.push_hash(s.leaf_hash());
    }
    let chosen = &signed[usize::try_from(pick).expect("small")];
    let root = tree.root();
    let proof = inclusion_proof(&tree, pick, n).expect("proof");
    let file = ContentHash::of(format!("file {pick}").as_bytes());
    Logged { file, receipt: Receipt::new(chosen, pick, n, &proof, &root, Some(anchor())), root }
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
        payment: None,
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

/// The receipt `signed` gets as leaf `index` of `tree`.
fn receipt_in(tree: &MemoryTree, signed: &colophon_provenance::SignedStatement, index: u64) -> Receipt {
    let n = tree.len();
    Receipt::new(signed, index, n, &inclusion_proof(tree, index, n).expect("proof"), &tree.root(), Some(anchor()))
}

/// What the Rust verifier says of an invalid receipt, as the reason words
/// docs/FORMATS.md §5 uses.
fn reason(e: &VerifyError) -> &'static str {
    match e {
        VerifyError::Malformed(_) => "malformed",
        VerifyError::HashMismatch { .. } => "hash mismatch",
        VerifyError::BadSignature => "bad signature",
        VerifyError::RevokedKey { .. } => "revoked key",
        VerifyError::ProofInvalid(_) => "proof invalid",
        VerifyError::RootMismatch { .. } => "root mismatch",
        VerifyError::Unanchored { .. } => "unanchored",
    }
}

/// A registration receipt signed by the identity point as "public key"
/// (R = identity, S = 0): the equation S·B = R + h·A holds for every
/// message, so a verifier that does not refuse small-order keys (plain
/// OpenSSL does not) accepts it.
fn identity_key_forgery(non_canonical: bool) -> (ContentHash, Receipt, [u8; 32]) {
    use sha2::Digest as _;
    let mut identity = [0u8; 32];
    identity[0] = 1;
    if non_canonical {
        // y = p + 1 = 2^255 - 18, which reduces to 1: the same point, another encoding.
        identity = [0xff; 32];
        identity[0] = 0xee;
        identity[31] = 0x7f;
    }
    let file = ContentHash::of(b"not yours");
    let statement = Statement::ContentRegistered {
        content_hash: file,
        content_kind: ContentKind::EditionImage,
        size: 9,
        creator_key: colophon_provenance::KeyId(sha2::Sha256::digest(identity).into()),
        listing_id: "forged".into(),
        file_id: "fil_forged".into(),
        parents: vec![],
        license_terms: None,
        perceptual_hash: None,
        time_ms: 1_795_000_000_000,
    };
    let bytes = statement.encode().expect("encode");
    let mut signature = [0u8; 64];
    signature[0] = 1; // R = identity, S = 0
    let mut leaf = b"COLOPHON-LEAF\x01".to_vec();
    leaf.extend_from_slice(&u32::try_from(bytes.len()).expect("small").to_be_bytes());
    leaf.extend_from_slice(&bytes);
    leaf.extend_from_slice(&identity);
    leaf.extend_from_slice(&signature);
    let mut tree = MemoryTree::new();
    tree.push(&leaf);
    let root = tree.root();
    let receipt = Receipt {
        format: "colophon-receipt/1".into(),
        statement: B64.encode(&bytes),
        public_key: hex::encode(identity),
        signature: hex::encode(signature),
        leaf_index: 0,
        tree_size: 1,
        inclusion_proof: vec![],
        root: hex::encode(root),
        anchor: Some(anchor()),
    };
    (file, receipt, root)
}

/// `vectors/ledger.json`, for verifiers written from docs/FORMATS.md alone
/// (end2end/verifier checks every entry): consistency proofs (valid and
/// not), a sale receipt, a key's standing across a revocation, and invalid
/// receipts each with the reason it must fail. Every entry is checked here
/// with this crate's verifier first.
#[test]
fn committed_ledger_vectors_match() {
    use colophon_provenance::merkle::{consistency_proof, verify_consistency};
    let key = SigningKey::from_seed(&[11; 32]);
    // The log of vectors/receipt.json: 13 registrations.
    let mut tree = MemoryTree::new();
    let signed = registrations(13);
    for s in &signed {
        tree.push_hash(s.leaf_hash());
    }
    let root_of = |tree: &MemoryTree, n: u64| hex::encode(colophon_provenance::merkle::root(tree, n).expect("root"));
    let hexes = |p: &[[u8; 32]]| p.iter().map(hex::encode).collect::<Vec<_>>();
    let mut consistency = Vec::new();
    for (m, n) in [(1, 13), (3, 7), (4, 8), (6, 13), (7, 13), (8, 13), (12, 13), (13, 13), (0, 13)] {
        let proof = consistency_proof(&tree, m, n).expect("proof");
        let old = colophon_provenance::merkle::root(&tree, m).expect("root");
        let new = colophon_provenance::merkle::root(&tree, n).expect("root");
        verify_consistency(m, n, &old, &new, &proof).expect("valid");
        consistency.push(serde_json::json!({"from": m, "to": n, "from_root": root_of(&tree, m), "to_root": root_of(&tree, n), "proof": hexes(&proof)}));
    }
    // Invalid consistency proofs: each must be refused.
    let (old6, new13) = (
        colophon_provenance::merkle::root(&tree, 6).expect("root"),
        colophon_provenance::merkle::root(&tree, 13).expect("root"),
    );
    let good = consistency_proof(&tree, 6, 13).expect("proof");
    let mut flipped = good.clone();
    flipped[1][0] ^= 1;
    let invalid_consistency = [
        ("a proof hash changed", 6, 13, old6, new13, flipped),
        ("the old root is another tree's", 6, 13, colophon_provenance::merkle::root(&tree, 5).expect("root"), new13, good.clone()),
        ("a hash left out", 6, 13, old6, new13, good[..good.len() - 1].to_vec()),
        ("a hash too many", 6, 13, old6, new13, [good.clone(), vec![[0u8; 32]]].concat()),
        ("the sizes swapped", 13, 6, new13, old6, good.clone()),
        ("equal sizes with a non-empty proof", 13, 13, new13, new13, vec![[0u8; 32]]),
    ]
    .into_iter()
    .map(|(name, m, n, old, new, proof)| {
        assert!(verify_consistency(m, n, &old, &new, &proof).is_err(), "{name}");
        serde_json::json!({"name": name, "from": m, "to": n, "from_root": hex::encode(old), "to_root": hex::encode(new), "proof": hexes(&proof)})
    })
    .collect::<Vec<_>>();

    // A sale, signed by the operator key.
    let operator = SigningKey::from_seed(&[5; 32]);
    let sold = ContentHash::of(b"file 6");
    let sale = Statement::EditionSold {
        listing_id: "lst_6".into(),
        content_hash: sold,
        edition: 3,
        edition_size: 10,
        buyer_ref: colophon_provenance::buyer_ref(&[9; 32], "ord_1"),
        price_minor: 4800,
        currency: "USD".into(),
        time_ms: 1_795_000_100_000,
        payment: None,
    }
    .sign(&operator)
    .expect("sign");
    // A key's standing: registrations before and after its revocation (retired).
    let revocation = Statement::KeyRevoked {
        key: key.public_key().key_id(),
        reason: RevocationReason::Retired,
        time_ms: 1_795_000_200_000,
    }
    .sign(&key)
    .expect("sign");
    let late_file = ContentHash::of(b"signed after retiring");
    let late = Statement::ContentRegistered {
        content_hash: late_file,
        content_kind: ContentKind::EditionImage,
        size: 7,
        creator_key: key.public_key().key_id(),
        listing_id: "lst_late".into(),
        file_id: "fil_late".into(),
        parents: vec![],
        license_terms: None,
        perceptual_hash: None,
        time_ms: 1_795_000_200_000,
    }
    .sign(&key)
    .expect("sign");
    for s in [&sale, &revocation, &late] {
        tree.push_hash(s.leaf_hash());
    }
    let root16 = tree.root();
    let sale_receipt = receipt_in(&tree, &sale, 13);
    let revocation_receipt = receipt_in(&tree, &revocation, 14);
    let early_receipt = receipt_in(&tree, &signed[6], 6);
    let late_receipt = receipt_in(&tree, &late, 15);
    let verdict = colophon_provenance::verify_sale(&sold, &sale_receipt, Some(&root16)).expect("sale verifies");
    assert_eq!(verdict.key_id, operator.public_key().key_id());
    let status =
        colophon_provenance::key_standing(&early_receipt, "revoked", Some(&revocation_receipt)).expect("standing");
    let early_file = ContentHash::of(b"file 6");
    verify(&early_file, &early_receipt, Some(&root16), status).expect("signed before the revocation: valid");
    assert_eq!(
        verify(&late_file, &late_receipt, Some(&root16), status).map_err(|e| reason(&e)),
        Err("revoked key"),
        "signed at the revocation's time: revoked"
    );

    // Invalid receipts, each with the reason it must fail.
    let base = || receipt_in(&tree, &signed[6], 6);
    let flip = |s: &str, byte: usize| flip_hex(s, byte, 0);
    let mut cases: Vec<(&str, ContentHash, Receipt, [u8; 32], &str)> = Vec::new();
    cases.push(("another file's hash", ContentHash::of(b"file 7"), base(), root16, "hash mismatch"));
    let mut r = base();
    r.signature = flip(&r.signature, 40);
    cases.push(("a signature bit flipped", early_file, r, root16, "bad signature"));
    let mut r = base();
    r.public_key = SigningKey::from_seed(&[12; 32]).public_key().to_hex();
    cases.push(("signed by a key that is not the creator key", early_file, r, root16, "bad signature"));
    let mut r = base();
    let mut sig = hex::decode(&r.signature).expect("hex");
    // S + L: the same signature with a non-canonical S (RFC 8032 §5.1.7 requires S < L).
    let l: [u8; 32] = hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        .expect("hex")
        .try_into()
        .expect("32");
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(sig[32 + i]) + u16::from(l[i]) + carry;
        sig[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    r.signature = hex::encode(&sig);
    cases.push(("the signature's S not reduced (S + L)", early_file, r, root16, "bad signature"));
    let (forged_file, forged, forged_root) = identity_key_forgery(false);
    cases.push((
        "the identity point as public key (R = identity, S = 0)",
        forged_file,
        forged,
        forged_root,
        "bad signature",
    ));
    let (forged_file, forged, forged_root) = identity_key_forgery(true);
    cases.push((
        "the identity point non-canonically encoded (y = p + 1) as public key",
        forged_file,
        forged,
        forged_root,
        "bad signature",
    ));
    let mut r = base();
    r.inclusion_proof[1] = flip(&r.inclusion_proof[1], 0);
    cases.push(("a proof hash changed", early_file, r, root16, "proof invalid"));
    let mut r = base();
    r.leaf_index = 7;
    cases.push(("another leaf index", early_file, r, root16, "proof invalid"));
    // An inclusion proof does not pin the tree size: leaf 6's path is the same
    // shape in trees of 15 and 16 leaves, so the proof still leads to the
    // receipt's root. Only the root the chain holds *for the stated size*
    // catches it.
    let mut r = base();
    r.tree_size = 15;
    let root15: [u8; 32] = colophon_provenance::merkle::root(&tree, 15).expect("root");
    cases.push(("another tree size, same proof", early_file, r, root15, "root mismatch"));
    let mut r = base();
    r.inclusion_proof.pop();
    cases.push(("a proof hash left out", early_file, r, root16, "proof invalid"));
    let mut r = base();
    r.root = flip(&r.root, 3);
    cases.push(("a root the proof does not lead to", early_file, r, root16, "proof invalid"));
    let mut other_root = root16;
    other_root[9] ^= 1;
    cases.push(("the chain holds another root", early_file, base(), other_root, "root mismatch"));
    let mut r = base();
    r.anchor = None;
    cases.push(("no anchor yet", early_file, r, root16, "unanchored"));
    let mut r = base();
    r.format = "colophon-receipt/2".into();
    cases.push(("an unknown format", early_file, r, root16, "malformed"));
    let mut r = base();
    let mut bytes = B64.decode(&r.statement).expect("b64");
    bytes.push(0);
    r.statement = B64.encode(&bytes);
    cases.push(("a byte after the statement", early_file, r, root16, "malformed"));
    let mut r = base();
    r.statement.insert(40, '\n');
    cases.push(("base64 with a line break", early_file, r, root16, "malformed"));
    let mut r = base();
    r.statement = r.statement.replace('+', "-").replace('/', "_");
    if r.statement != base().statement {
        cases.push(("the URL-safe base64 alphabet", early_file, r, root16, "malformed"));
    }
    let mut r = base();
    r.statement = B64.encode(&B64.decode(&base().statement).expect("b64")[..20]);
    cases.push(("a statement cut short", early_file, r, root16, "malformed"));
    let mut r = base();
    let mut bytes = B64.decode(&r.statement).expect("b64");
    bytes[14] = 9; // kind 9 does not exist
    r.statement = B64.encode(&bytes);
    cases.push(("an unknown statement kind", early_file, r, root16, "malformed"));
    let invalid_receipts: Vec<serde_json::Value> = cases
        .into_iter()
        .map(|(name, file, receipt, anchored, expected)| {
            let got = verify(&file, &receipt, Some(&anchored), KeyStatus::Active);
            assert_eq!(got.as_ref().map_err(reason).err(), Some(expected), "{name}: {got:?}");
            serde_json::json!({"name": name, "file_sha256": file.to_hex(), "anchored_root": hex::encode(anchored),
                               "receipt": serde_json::to_value(&receipt).expect("json"), "reason": expected})
        })
        .collect();
    // An unknown field: refused when the JSON is read.
    let mut extra = serde_json::to_value(base()).expect("json");
    extra["note"] = "trust me".into();
    assert!(matches!(Receipt::from_json(&extra.to_string()), Err(VerifyError::Malformed(_))));

    let now = serde_json::json!({
        "description": "Colophon ledger vectors (docs/FORMATS.md §4, §5, §5.1, §11). The log: the 13 registrations of vectors/receipt.json (creator seed [11; 32]), then a sale (operator seed [5; 32]), a KeyRevoked (retired) of the creator key, and a registration signed at the revocation's time: 16 leaves.",
        "roots": (1..=16).map(|n| (n.to_string(), serde_json::Value::from(root_of(&tree, n)))).collect::<serde_json::Map<_, _>>(),
        "consistency": consistency,
        "invalid_consistency": invalid_consistency,
        "sale": {
            "operator_public_key": operator.public_key().to_hex(),
            "file_sha256": sold.to_hex(),
            "anchored_root": hex::encode(root16),
            "receipt": serde_json::to_value(&sale_receipt).expect("json"),
        },
        "key_standing": {
            "creator_public_key": key.public_key().to_hex(),
            "ended_receipt": serde_json::to_value(&revocation_receipt).expect("json"),
            "anchored_root": hex::encode(root16),
            "before": {"file_sha256": early_file.to_hex(), "receipt": serde_json::to_value(&early_receipt).expect("json"), "verdict": "ok"},
            "after": {"file_sha256": late_file.to_hex(), "receipt": serde_json::to_value(&late_receipt).expect("json"), "verdict": "revoked key"},
        },
        "invalid_receipts": invalid_receipts,
        "invalid_receipt_json": extra,
    });
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/ledger.json");
    if std::env::var_os("COLOPHON_WRITE_VECTORS").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(&now).expect("json") + "\n").expect("write");
    }
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vectors/ledger.json is committed")).expect("json");
    assert_eq!(committed, now, "ledger vectors changed: see vectors/ledger.json");
}
