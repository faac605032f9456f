#![no_main]
//! Any bytes as a (whole) safetensors file: the header parser never panics,
//! and the streaming hasher agrees with itself under any chunking.

use colophon_formats::lora::{DEFAULT_MAX_HEADER, LoraHasher, parse_header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = parse_header(data, data.len() as u64, DEFAULT_MAX_HEADER) {
        assert_eq!(h.data_offset + h.data_len, data.len() as u64);
    }
    let mut whole = LoraHasher::new();
    whole.update(data);
    let mut split = LoraHasher::new();
    for c in data.chunks(3) {
        split.update(c);
    }
    assert_eq!(whole.finalize(), split.finalize());
});
