//! Statements: committed test vectors for every kind (canonical bytes,
//! signature, leaf hash), strict decoding, and round trips.

use colophon_provenance::{
    ContentHash, ContentKind, KeyId, RevocationReason, SignedStatement, SigningKey, Statement,
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
            },
        ),
    ]
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
        "description": "Colophon statement test vectors (encoding v1). Signing key: the RFC 8032 TEST 1 seed. See docs/FORMATS.md.",
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
        assert!(bytes.starts_with(b"COLOPHON-STMT\x01"), "{name}");
        assert_eq!(Statement::decode(&bytes).expect("decode"), statement, "{name}");
    }
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
    version[13] = 2;
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
        let mut prefixed = b"COLOPHON-STMT\x01".to_vec();
        prefixed.extend_from_slice(&bytes);
        if let Ok(s) = Statement::decode(&prefixed) {
            prop_assert_eq!(s.encode().expect("re-encode"), prefixed);
        }
    }
}
