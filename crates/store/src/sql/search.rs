//! Search: the queries both databases run as written.

use super::Pool;
use crate::{CreatorRow, StoreError};

pub(crate) async fn listing_id_by_slug(pool: &Pool, slug: &str) -> Result<Option<i64>, StoreError> {
    Ok(query_scalar!(r#"SELECT id AS "id!: i64" FROM listings WHERE slug = $1"#, slug).fetch_optional(pool).await?)
}

pub(crate) async fn creator(pool: &Pool, id: i64) -> Result<Option<CreatorRow>, StoreError> {
    Ok(query_as!(CreatorRow, r#"SELECT id AS "id!: i64", handle, display_name, bio FROM creators WHERE id = $1"#, id)
        .fetch_optional(pool)
        .await?)
}
