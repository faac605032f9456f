//! The encrypted key file: round trip, wrong passphrase, tampering, hostile costs.

use colophon_provenance::{
    SigningKey,
    keyfile::{KdfParams, KeyFile, KeyFileError},
};
use rand_core::OsRng;

/// Small costs keep the tests fast; the format stores whatever was used.
const FAST: KdfParams = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };

#[test]
fn seal_and_open() {
    let key = SigningKey::generate(&mut OsRng);
    let file = KeyFile::seal(&key, "correct horse battery staple", FAST, "laptop", 1_795_000_000_000, &mut OsRng)
        .expect("seal");
    let json = file.to_json();
    assert!(!json.contains(&hex::encode(key.seed().as_ref())), "the seed never appears in clear");
    let opened = KeyFile::from_json(&json).expect("parse").open("correct horse battery staple").expect("open");
    assert_eq!(opened.public_key(), key.public_key());
    assert_eq!(file.check().expect("check"), key.public_key());
}

#[test]
fn wrong_passphrase_and_tampering_are_refused() {
    let key = SigningKey::generate(&mut OsRng);
    let file = KeyFile::seal(&key, "right", FAST, "", 0, &mut OsRng).expect("seal");
    assert_eq!(file.open("wrong").err(), Some(KeyFileError::WrongPassphraseOrTampered));

    // Swapping in another public key breaks the binding (associated data).
    let other = SigningKey::generate(&mut OsRng).public_key();
    let mut swapped = file.clone();
    swapped.public_key = other.to_hex();
    swapped.key_id = other.key_id().to_hex();
    assert_eq!(swapped.open("right").err(), Some(KeyFileError::WrongPassphraseOrTampered));

    let mut bad_id = file.clone();
    bad_id.key_id = "00".repeat(32);
    assert!(matches!(bad_id.open("right"), Err(KeyFileError::Malformed(_))));

    assert_eq!(KeyFile::seal(&key, "", FAST, "", 0, &mut OsRng).err(), Some(KeyFileError::EmptyPassphrase));
}

#[test]
fn hostile_files_fail_fast() {
    let key = SigningKey::generate(&mut OsRng);
    let mut file = KeyFile::seal(&key, "pw", FAST, "", 0, &mut OsRng).expect("seal");
    file.kdf.m_cost_kib = u32::MAX;
    assert!(
        matches!(file.open("pw"), Err(KeyFileError::CostTooHigh(_))),
        "a memory bomb is refused before argon2 runs"
    );
    assert!(matches!(KeyFile::from_json("{}"), Err(KeyFileError::Malformed(_))));
    assert!(matches!(KeyFile::from_json("not json"), Err(KeyFileError::Malformed(_))));
}
