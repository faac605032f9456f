//! Prints a `colophon-receipt/1` registering FILE in a one-entry log, signed
//! by a throwaway key (no anchor): the input `bench/verify-cli.sh` gives
//! `colophon verify` so it does its whole job on a large file.
//!
//! `cargo run -p colophon-provenance --example receipt_for -- FILE`

use std::io::Read as _;

use colophon_provenance::{ContentHasher, ContentKind, Receipt, SigningKey, Statement, merkle::MemoryTree};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: receipt_for FILE")?;
    let mut file = std::fs::File::open(&path)?;
    let mut hasher = ContentHasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        match file.read(&mut buf)? {
            0 => break,
            n => {
                hasher.update(&buf[..n]);
                size += n as u64;
            }
        }
    }
    let key = SigningKey::from_seed(&[42; 32]);
    let signed = Statement::ContentRegistered {
        content_hash: hasher.finalize(),
        content_kind: ContentKind::Lora,
        size,
        creator_key: key.public_key().key_id(),
        listing_id: "lst_bench".into(),
        file_id: "fil_bench".into(),
        parents: vec![],
        license_terms: None,
        perceptual_hash: None,
        time_ms: 1_795_000_000_000,
    }
    .sign(&key)?;
    let mut tree = MemoryTree::new();
    tree.push_hash(signed.leaf_hash());
    println!("{}", Receipt::new(&signed, 0, 1, &[], &tree.root(), None).to_json());
    Ok(())
}
