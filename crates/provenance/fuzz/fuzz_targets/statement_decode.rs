#![no_main]
//! Any bytes: decoding never panics, and whatever decodes re-encodes to the
//! same bytes (one encoding per statement).

use colophon_provenance::Statement;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(statement) = Statement::decode(data) {
        let again = statement.encode().expect("a decoded statement re-encodes");
        assert_eq!(again, data, "non-canonical encoding accepted");
    }
});
