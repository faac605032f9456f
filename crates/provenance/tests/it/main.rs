//! crates/provenance's integration tests, one binary (one link, one process): each
//! module is what was once a file of its own.

mod keyfile;
mod merkle;
mod receipts;
mod statements;
