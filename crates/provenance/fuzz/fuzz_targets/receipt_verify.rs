#![no_main]
//! Any text as receipt JSON: parsing and verification never panic, and never
//! accept (no valid receipt for this hash and root exists in the corpus's reach).

use colophon_provenance::{ContentHash, KeyStatus, Receipt, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(receipt) = Receipt::from_json(text) {
        let file = ContentHash::of(b"fuzz");
        let root = [0x5a; 32];
        assert!(verify(&file, &receipt, Some(&root), KeyStatus::Active).is_err());
    }
});
