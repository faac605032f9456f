//! Store listings.

use leptos::prelude::*;

use crate::{error::ApiError, types::ListingCard};

/// Published listings, newest first.
#[server(endpoint = "store/listings")]
pub async fn list_listings() -> Result<Vec<ListingCard>, ApiError> {
    crate::error::with_status(
        async move {
            let store = crate::error::server_context::<colophon_store::Store>()?;
            let rows = store.published_listings(60).await?;
            Ok(rows.into_iter().map(to_card).collect())
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn to_card(row: colophon_store::ListingRow) -> ListingCard {
    use crate::types::ListingKind;
    ListingCard {
        id: row.id,
        slug: row.slug,
        kind: match row.kind {
            colophon_store::ListingKind::Edition => ListingKind::Edition,
            colophon_store::ListingKind::Workflow => ListingKind::Workflow,
            colophon_store::ListingKind::Lora => ListingKind::Lora,
        },
        title: row.title,
        creator: row.creator_name,
        price_minor: row.price_minor,
        currency: row.currency,
        edition_size: row.edition_size,
        sold: row.sold,
    }
}
