//! View pieces shared by several pages.

pub mod avatar;
pub mod layout;
pub mod listing_card;
pub mod ui;
