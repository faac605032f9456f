//! View pieces shared by several pages.

pub mod layout;
pub mod listing_card;
pub mod ui;
