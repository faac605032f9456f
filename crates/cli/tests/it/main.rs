//! crates/cli's integration tests, one binary (one link, one process): each
//! module is what was once a file of its own.

mod against_server;
mod publish;
mod resale;
mod verify;
