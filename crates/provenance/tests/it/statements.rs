//! Statements: committed test vectors for every kind (canonical bytes,
//! signature, leaf hash), strict decoding, and round trips.

use colophon_provenance::{
    ContentHash, ContentKind, KeyId, Payment, RevocationReason, SignedStatement, SigningKey, Statement,
    statement::StatementError,
};
use proptest::prelude::*;
use serde_json::{Value, json};

/// RFC 8032 TEST 1 secret: a public test key, never used for anything real.
const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

fn key() -> SigningKey {
    let mut seed = [0u8; 32];
    hex::decode_to_slice(SEED, &mut seed).expect("hex");
    SigningKey::from_seed(&seed)
}

fn examples() -> Vec<(&'static str, Statement)> {
    let creator = key().public_key();
    let mut parents = vec![ContentHash::of(b"base model"), ContentHash::of(b"vae")];
    parents.sort();
    vec![
        (
            "content_registered",
            Statement::ContentRegistered {
                content_hash: ContentHash::of(b"an edition image"),
                content_kind: ContentKind::EditionImage,
                size: 1_048_576,
                creator_key: creator.key_id(),
                listing_id: "lst_01".into(),
                file_id: "fil_01".into(),
                parents: vec![],
                license_terms: Some(ContentHash::of(b"personal use")),
                perceptual_hash: Some(vec![0xf0, 0x0f, 0xaa, 0x55, 0x01, 0x02, 0x03, 0x04]),
                time_ms: 1_795_000_000_000,
            },
        ),
        (
            "content_registered_lora_with_parents",
            Statement::ContentRegistered {
                content_hash: ContentHash::of(b"a lora"),
                content_kind: ContentKind::Lora,
                size: 151_000_000,
                creator_key: creator.key_id(),
                listing_id: "lst_02".into(),
                file_id: "fil_02".into(),
                parents,
                license_terms: None,
                perceptual_hash: None,
                time_ms: 1_795_000_000_001,
            },
        ),
        (
            "key_registered",
            Statement::KeyRegistered {
                public_key: creator.to_bytes(),
                account: "ada".into(),
                time_ms: 1_795_000_000_002,
            },
        ),
        (
            "key_rotated",
            Statement::KeyRotated {
                old_key: creator.key_id(),
                new_public_key: SigningKey::from_seed(&[42; 32]).public_key().to_bytes(),
                time_ms: 1_795_000_000_003,
            },
        ),
        (
            "key_revoked",
            Statement::KeyRevoked {
                key: creator.key_id(),
                reason: RevocationReason::Superseded,
                time_ms: 1_795_000_000_004,
            },
        ),
        (
            "edition_sold",
            Statement::EditionSold {
                listing_id: "lst_01".into(),
                content_hash: ContentHash::of(b"an edition image"),
                edition: 7,
                edition_size: 25,
                buyer_ref: ContentHash::of(b"account:42").0,
                price_minor: 4800,
                currency: "USD".into(),
                time_ms: 1_795_000_000_005,
                payment: None,
            },
        ),
        (
            "license_granted",
            Statement::LicenseGranted {
                listing_id: "lst_02".into(),
                content_hash: ContentHash::of(b"a lora"),
                licensee_ref: ContentHash::of(b"account:42").0,
                license_terms: ContentHash::of(b"commercial use"),
                time_ms: 1_795_000_000_006,
                payment: None,
            },
        ),
        (
            "edition_sold_paid_in_eth",
            Statement::EditionSold {
                listing_id: "lst_01".into(),
                content_hash: ContentHash::of(b"an edition image"),
                edition: 8,
                edition_size: 25,
                buyer_ref: ContentHash::of(b"account:43").0,
                price_minor: 4800,
                currency: "USD".into(),
                time_ms: 1_795_000_000_007,
                payment: Some(eth_payment()),
            },
        ),
        (
            "license_granted_paid_in_dusd",
            Statement::LicenseGranted {
                listing_id: "lst_02".into(),
                content_hash: ContentHash::of(b"a lora"),
                licensee_ref: ContentHash::of(b"account:43").0,
                license_terms: ContentHash::of(b"commercial use"),
                time_ms: 1_795_000_000_008,
                payment: Some(Payment {
                    chain_id: 31337,
                    contract: [0x5f; 20],
                    tx_hash: ContentHash::of(b"a dUSD transaction").0,
                    log_index: 0,
                    token: [0xa5; 20],
                    // 48.00 dUSD: 48_000_000 units (6 decimals).
                    amount: u256(48_000_000),
                }),
            },
        ),
        (
            "edition_transferred",
            Statement::EditionTransferred {
                listing_id: "lst_01".into(),
                content_hash: ContentHash::of(b"an edition image"),
                edition: 8,
                edition_size: 25,
                // The holder: the buyer_ref of edition_sold_paid_in_eth.
                seller_ref: ContentHash::of(b"account:43").0,
                buyer_ref: ContentHash::of(b"account:44").0,
                price_minor: 9600,
                currency: "USD".into(),
                time_ms: 1_795_000_000_009,
                payment: Payment {
                    chain_id: 31337,
                    contract: [0x5f; 20],
                    tx_hash: ContentHash::of(b"a resale transaction").0,
                    log_index: 2,
                    token: [0; 20],
                    // 96.00 USD at 3,000.00 USD per ETH: 0.032 ETH.
                    amount: u256(32_000_000_000_000_000),
                },
            },
        ),
    ]
}

/// A 256-bit big-endian integer.
fn u256(v: u128) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[16..].copy_from_slice(&v.to_be_bytes());
    out
}

/// 0.016 ETH (16 × 10¹⁵ wei) paid on chain 1 in log 3 of its block.
fn eth_payment() -> Payment {
    Payment {
        chain_id: 1,
        contract: [0x5f; 20],
        tx_hash: ContentHash::of(b"an ETH transaction").0,
        log_index: 3,
        token: [0; 20],
        amount: u256(16_000_000_000_000_000),
    }
}

fn vectors_now() -> Value {
    let key = key();
    let items: Vec<Value> = examples()
        .into_iter()
        .map(|(name, statement)| {
            let signed = statement.sign(&key).expect("sign");
            json!({
                "name": name,
                "statement": statement,
                "canonical_hex": hex::encode(&signed.bytes),
                "public_key": signed.public_key.to_hex(),
                "signature": hex::encode(signed.signature),
                "leaf_data_hex": hex::encode(signed.leaf_data()),
                "leaf_hash": hex::encode(signed.leaf_hash()),
            })
        })
        .collect();
    json!({
        "description": "Colophon statement test vectors (statement versions 1 and 2). Signing key: the RFC 8032 TEST 1 seed. See docs/FORMATS.md.",
        "signing_seed": SEED,
        "vectors": items,
    })
}

/// The committed vectors pin the encoding: a change to it fails here until the
/// file is regenerated on purpose (COLOPHON_WRITE_VECTORS=1) and reviewed.
#[test]
fn committed_vectors_match() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/statements.json");
    let now = vectors_now();
    if std::env::var_os("COLOPHON_WRITE_VECTORS").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(&now).expect("json") + "\n").expect("write vectors");
    }
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vectors/statements.json is committed"))
            .expect("valid json");
    assert_eq!(committed, now, "statement encoding changed: see vectors/statements.json");

    // Every committed vector decodes, and its signature verifies.
    for v in committed["vectors"].as_array().expect("array") {
        let bytes = hex::decode(v["canonical_hex"].as_str().expect("hex")).expect("hex");
        let mut sig = [0u8; 64];
        hex::decode_to_slice(v["signature"].as_str().expect("hex"), &mut sig).expect("hex");
        let pk = colophon_provenance::PublicKey::parse(v["public_key"].as_str().expect("hex")).expect("key");
        let signed = SignedStatement::verify(&bytes, pk, sig).expect("verifies");
        assert_eq!(hex::encode(signed.leaf_hash()), v["leaf_hash"].as_str().expect("hex"));
    }
}

#[test]
fn every_kind_round_trips() {
    for (name, statement) in examples() {
        let bytes = statement.encode().expect("encode");
        let version = if statement.payment().is_some() { 2 } else { 1 };
        assert!(bytes.starts_with(b"COLOPHON-STMT") && bytes[13] == version, "{name}");
        assert_eq!(Statement::decode(&bytes).expect("decode"), statement, "{name}");
    }
}

#[test]
fn a_paid_sale_is_the_plain_sale_plus_its_payment() {
    let paid = examples().into_iter().find(|(n, _)| *n == "edition_sold_paid_in_eth").expect("vector").1;
    let Statement::EditionSold { payment, .. } = &paid else { panic!("EditionSold") };
    let mut plain = paid.clone();
    if let Statement::EditionSold { payment, .. } = &mut plain {
        *payment = None;
    }
    let (paid_bytes, plain_bytes) = (paid.encode().expect("encode"), plain.encode().expect("encode"));
    // Version byte 2, the same body, then 8 + 20 + 32 + 8 + 20 + 32 = 120 bytes of payment.
    assert_eq!(paid_bytes[13], 2);
    assert_eq!(plain_bytes[13], 1);
    assert_eq!(paid_bytes[14..plain_bytes.len()], plain_bytes[14..]);
    assert_eq!(paid_bytes.len(), plain_bytes.len() + 120);
    let json = serde_json::to_value(&paid).expect("json");
    assert_eq!(json["payment"]["amount"], "16000000000000000");
    assert_eq!(json["payment"]["token"], format!("0x{}", "00".repeat(20)));
    assert_eq!(payment.as_ref().expect("paid").amount_decimal(), "16000000000000000");
    assert!(serde_json::to_value(&plain).expect("json").get("payment").is_none(), "v1 JSON is unchanged");

    // A version-1 sale followed by payment bytes, or a version-2 sale
    // without them, is not a statement: one statement, one encoding.
    let mut v1_with_payment = paid_bytes.clone();
    v1_with_payment[13] = 1;
    assert!(Statement::decode(&v1_with_payment).is_err(), "v1 with trailing payment");
    let mut v2_without = plain_bytes.clone();
    v2_without[13] = 2;
    assert!(Statement::decode(&v2_without).is_err(), "v2 without payment");
    // Version 2 exists only for sale kinds.
    let (_, registered) = examples().remove(0);
    let mut v2_registered = registered.encode().expect("encode");
    v2_registered[13] = 2;
    v2_registered.extend_from_slice(&paid_bytes[plain_bytes.len()..]);
    assert!(Statement::decode(&v2_registered).is_err(), "v2 ContentRegistered");
}

#[test]
fn a_transfer_exists_only_in_version_2() {
    let transfer = examples().into_iter().find(|(n, _)| *n == "edition_transferred").expect("vector").1;
    let bytes = transfer.encode().expect("encode");
    assert_eq!((bytes[13], bytes[14]), (2, 7));
    let json = serde_json::to_value(&transfer).expect("json");
    assert_eq!(json["type"], "edition_transferred");
    assert_eq!(json["payment"]["amount"], "32000000000000000");
    // The same bytes under version 1 (with or without the payment) are refused.
    let mut v1 = bytes.clone();
    v1[13] = 1;
    assert!(Statement::decode(&v1).is_err(), "v1 transfer");
    assert!(Statement::decode(&v1[..v1.len() - 120]).is_err(), "v1 transfer without payment");
    assert!(Statement::decode(&bytes[..bytes.len() - 120]).is_err(), "v2 transfer without payment");
}

#[test]
fn decoding_is_strict() {
    let (_, statement) = examples().remove(0);
    let bytes = statement.encode().expect("encode");
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(Statement::decode(&trailing), Err(StatementError::Decode(_))), "trailing byte");
    assert!(Statement::decode(&bytes[..bytes.len() - 1]).is_err(), "truncated");
    let mut version = bytes.clone();
    version[13] = 3;
    assert!(Statement::decode(&version).is_err(), "unknown version");
    let mut kind = bytes.clone();
    kind[14] = 9;
    assert!(Statement::decode(&kind).is_err(), "unknown kind");
    let mut magic = bytes;
    magic[0] = b'X';
    assert!(Statement::decode(&magic).is_err(), "bad magic");
    assert!(Statement::decode(b"").is_err());
}

#[test]
fn invalid_statements_are_refused_before_signing() {
    let key = key();
    let unsorted = Statement::ContentRegistered {
        content_hash: ContentHash::of(b"x"),
        content_kind: ContentKind::Workflow,
        size: 1,
        creator_key: KeyId([0; 32]),
        listing_id: "l".into(),
        file_id: "f".into(),
        parents: vec![ContentHash([2; 32]), ContentHash([1; 32])],
        license_terms: None,
        perceptual_hash: None,
        time_ms: 0,
    };
    assert!(matches!(unsorted.sign(&key), Err(StatementError::Invalid(_))));
    let over_sold = Statement::EditionSold {
        listing_id: "l".into(),
        content_hash: ContentHash::of(b"x"),
        edition: 26,
        edition_size: 25,
        buyer_ref: [0; 32],
        price_minor: 1,
        currency: "USD".into(),
        time_ms: 0,
        payment: Some(eth_payment()),
    };
    assert!(over_sold.encode().is_err(), "edition 26 of 25");
}

proptest! {
    #[test]
    fn arbitrary_content_statements_round_trip(
        size in any::<u64>(), time in any::<u64>(), listing in ".{0,40}", file in "[a-z0-9_]{0,20}",
        parents in proptest::collection::btree_set(any::<[u8; 32]>(), 0..5),
        phash in proptest::option::of(proptest::collection::vec(any::<u8>(), 1..64)),
        license in proptest::option::of(any::<[u8; 32]>()), kind in 1u8..=4,
    ) {
        let statement = Statement::ContentRegistered {
            content_hash: ContentHash([9; 32]),
            content_kind: [ContentKind::EditionImage, ContentKind::Workflow, ContentKind::Lora, ContentKind::Preview][usize::from(kind - 1)],
            size,
            creator_key: KeyId([3; 32]),
            listing_id: listing,
            file_id: file,
            parents: parents.into_iter().map(ContentHash).collect(),
            license_terms: license.map(ContentHash),
            perceptual_hash: phash,
            time_ms: time,
        };
        let bytes = statement.encode().expect("encode");
        prop_assert_eq!(Statement::decode(&bytes).expect("decode"), statement.clone());
        // Re-encoding the decoded statement gives the same bytes: one encoding per statement.
        prop_assert_eq!(Statement::decode(&bytes).expect("decode").encode().expect("encode"), bytes);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Statement::decode(&bytes);
        for version in [1u8, 2] {
            let mut prefixed = b"COLOPHON-STMT".to_vec();
            prefixed.push(version);
            prefixed.extend_from_slice(&bytes);
            if let Ok(s) = Statement::decode(&prefixed) {
                prop_assert_eq!(s.encode().expect("re-encode"), prefixed);
            }
        }
    }
}
