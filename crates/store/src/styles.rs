//! A creator's private style library: generation settings saved from listings.

use chrono::{DateTime, Utc};

use crate::{Store, StoreError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StyleRow {
    pub id: i64,
    pub creator_id: i64,
    pub listing_id: i64,
    pub listing_slug: String,
    pub listing_title: String,
    pub name: String,
    /// JSON.
    pub generation: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Saves (or renames and refreshes) the style of `listing_id` in the creator's library.
    pub async fn style_save(
        &self,
        creator_id: i64,
        listing_id: i64,
        name: &str,
        generation: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, style_save(creator_id, listing_id, name, generation, now))
    }

    /// The creator's library, newest first.
    pub async fn styles_of(&self, creator_id: i64) -> Result<Vec<StyleRow>, StoreError> {
        dispatch!(self, styles_of(creator_id))
    }

    /// Removes an entry; `false` if it is not the creator's.
    pub async fn style_delete(&self, id: i64, creator_id: i64) -> Result<bool, StoreError> {
        dispatch!(self, style_delete(id, creator_id))
    }
}
