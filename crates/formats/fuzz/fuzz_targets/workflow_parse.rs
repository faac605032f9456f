#![no_main]
//! Any bytes as a workflow: parsing never panics, and a workflow that parses
//! has a stable canonical hash (parsing its own bytes again gives the same one).

use colophon_formats::workflow::Workflow;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(w) = Workflow::parse(data) {
        let again = Workflow::parse(data).expect("deterministic");
        assert_eq!(w.canonical_hash, again.canonical_hash);
        assert!(!w.nodes.is_empty());
    }
});
