//! crates/store's integration tests, one binary (one link, one process): each
//! module is what was once a file of its own.

mod accounts;
mod files;
mod listings;
mod log;
mod search;
