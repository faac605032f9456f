//! The queries both databases run as written: one text, compiled twice.
//!
//! `sqlite.rs` and `postgres.rs` each include this module (`#[path]`) after
//! defining `Pool`, `Conn` and the `query!` family of macros for their
//! database. Those macros hand the text to sqlx's macros with a trailing
//! `-- sqlite` or `-- postgres` comment, so each query is checked at compile
//! time against both schemas and gets its own entry in `.sqlx/`. Placeholders
//! are `$N`, which both drivers read. What the two databases really say
//! differently (full-text search, batch look-ups, hex, `SKIP LOCKED`,
//! isolation) stays in the backend files.

use super::{Conn, Pool, begin_read_snapshot, read_nodes};

mod accounts;
mod anchors;
mod avatars;
mod credits;
mod listings;
mod log;
mod ops;
mod orders;
mod previews;
mod resales;
mod search;
mod sessions;
mod styles;
mod tokens;
mod webhooks;

pub(crate) use self::{
    accounts::*, anchors::*, avatars::*, credits::*, listings::*, log::*, ops::*, orders::*, previews::*, resales::*,
    search::*, sessions::*, styles::*, tokens::*, webhooks::*,
};
