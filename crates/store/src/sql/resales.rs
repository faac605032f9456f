//! Resales: the queries both databases run as written.

use super::{Pool, append_in_tx};
use crate::log::{to_array, to_i64, to_u64};
use crate::orders::QuoteOutcome;
use crate::resales::{CustodyRow, NewOffer, OfferRow, ResaleQuote, Transfer, TransferAllocation};
use crate::{NewLogEntry, NewQuote, Refusal, StoreError};
use chrono::{DateTime, Utc};

/// `query!` for [`OfferRow`] rows (`r` is the offer, `l` its listing): their
/// columns and join, written once, then `$tail` and its arguments.
macro_rules! offer_rows {
    ($tail:literal $(, $arg:expr)* $(,)?) => {
        query!(
            r#"SELECT r.id AS "id!", r.order_id, r.seller_account_id AS "seller_account_id!: i64",
                  r.listing_id AS "listing_id!: i64", l.slug, l.title, r.edition AS "edition!: i64",
                  l.edition_size AS "edition_size: i64", r.price_minor AS "price_minor!: i64", r.currency,
                  r.payout_address, l.royalty_bps AS "royalty_bps!: i64", r.status,
                  (SELECT count(*) FROM payment_quotes q WHERE q.resale_offer_id = r.id AND q.status = 'open')
                    AS "held!: i64",
                  r.created_at AS "created_at!: DateTime<Utc>"
           FROM resale_offers r JOIN listings l ON l.id = r.listing_id
           "# + $tail $(, $arg)*
        )
    };
}

pub(crate) async fn create_offer(pool: &Pool, o: &NewOffer<'_>) -> Result<Result<(), Refusal>, StoreError> {
    let mut tx = pool.begin().await?;
    // Writing (nothing changes) locks the order: SQLite's writer lock, PostgreSQL's row lock.
    let Some(order) = query!(
        r#"UPDATE orders SET status = status WHERE id = $1
           RETURNING account_id AS "account_id!: i64", listing_id AS "listing_id!: i64", edition AS "edition: i64", status"#,
        o.order_id
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Err(Refusal::NotHeld));
    };
    if order.account_id != o.seller_account_id {
        return Ok(Err(Refusal::NotHeld));
    }
    let listing =
        query!("SELECT kind, currency FROM listings WHERE id = $1", order.listing_id).fetch_one(&mut *tx).await?;
    let wallet = query_scalar!(
        "SELECT buyer_address FROM payment_quotes WHERE order_id = $1 AND status = 'completed'",
        o.order_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let kind = crate::listings::kind(&listing.kind)?;
    if let Some(why) = colophon_catalog::sale::resale_refusal(kind, &order.status, wallet.is_some()) {
        return Ok(Err(why));
    }
    let (Some(edition), Some(wallet)) = (order.edition, wallet) else { return Ok(Err(Refusal::NotResellable)) };
    let inserted = query!(
        "INSERT INTO resale_offers (id, order_id, seller_account_id, listing_id, edition, price_minor, currency,
                                    payout_address, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9)",
        o.id,
        o.order_id,
        o.seller_account_id,
        order.listing_id,
        edition,
        o.price_minor,
        listing.currency,
        wallet,
        o.now,
    )
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => return Ok(Err(Refusal::AlreadyOffered)),
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(Ok(()))
}

pub(crate) async fn withdraw_offer(
    pool: &Pool,
    offer_id: &str,
    seller_account_id: i64,
    now: DateTime<Utc>,
) -> Result<Result<(), Refusal>, StoreError> {
    let done = query!(
        "UPDATE resale_offers SET status = 'withdrawn', closed_at = $3
         WHERE id = $1 AND seller_account_id = $2 AND status = 'open'
           AND NOT EXISTS (SELECT 1 FROM payment_quotes q WHERE q.resale_offer_id = resale_offers.id AND q.status = 'open')",
        offer_id,
        seller_account_id,
        now,
    )
    .execute(pool)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(Ok(()));
    }
    Ok(Err(match offer(pool, offer_id).await? {
        Some(o) if o.seller_account_id != seller_account_id => Refusal::NotHeld,
        Some(o) if o.status != crate::resales::OfferStatus::Open => Refusal::OfferClosed,
        Some(_) => Refusal::BeingPaid,
        None => Refusal::NotHeld,
    }))
}

pub(crate) async fn offer(pool: &Pool, id: &str) -> Result<Option<OfferRow>, StoreError> {
    let row = offer_rows!("WHERE r.id = $1", id).fetch_optional(pool).await?;
    row.map(|r| crate::resales::offer_row!(r)).transpose()
}

/// Open offers of one listing (`listing_id`) or one seller (`account_id`), cheapest first.
async fn open_offers(
    pool: &Pool,
    listing_id: Option<i64>,
    account_id: Option<i64>,
) -> Result<Vec<OfferRow>, StoreError> {
    let rows = offer_rows!(
        "WHERE r.status = 'open' AND r.listing_id = coalesce($1, r.listing_id)
             AND r.seller_account_id = coalesce($2, r.seller_account_id)
           ORDER BY r.price_minor, r.created_at
           LIMIT 200",
        listing_id,
        account_id,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::resales::offer_row!(r)).collect()
}

pub(crate) async fn listing_offers(pool: &Pool, listing_id: i64) -> Result<Vec<OfferRow>, StoreError> {
    open_offers(pool, Some(listing_id), None).await
}

pub(crate) async fn account_offers(pool: &Pool, account_id: i64) -> Result<Vec<OfferRow>, StoreError> {
    open_offers(pool, None, Some(account_id)).await
}

pub(crate) async fn create_resale_quote(
    pool: &Pool,
    q: &NewQuote<'_>,
    resale: &ResaleQuote,
) -> Result<QuoteOutcome, StoreError> {
    let mut tx = pool.begin().await?;
    let Some(offer) = query!(
        r#"UPDATE resale_offers SET status = status WHERE id = $1
           RETURNING seller_account_id AS "seller!: i64", listing_id AS "listing_id!: i64",
                     price_minor AS "price_minor!: i64", currency, status"#,
        resale.offer_id
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(QuoteOutcome::Refused(Refusal::OfferClosed));
    };
    if offer.status != "open" || offer.listing_id != q.listing_id {
        return Ok(QuoteOutcome::Refused(Refusal::OfferClosed));
    }
    if offer.seller == q.account_id {
        return Ok(QuoteOutcome::Refused(Refusal::OwnOffer));
    }
    if offer.price_minor != q.price_minor {
        return Ok(QuoteOutcome::Refused(Refusal::PriceChanged));
    }
    let held = query_scalar!(
        r#"SELECT count(*) AS "n!: i64" FROM payment_quotes WHERE resale_offer_id = $1 AND status = 'open'"#,
        resale.offer_id
    )
    .fetch_one(&mut *tx)
    .await?;
    if held > 0 {
        return Ok(QuoteOutcome::Refused(Refusal::BeingPaid));
    }
    if !super::orders::insert_quote(&mut tx, q, &offer.currency, Some(resale)).await? {
        return Ok(QuoteOutcome::DuplicateKey);
    }
    tx.commit().await?;
    Ok(QuoteOutcome::Created)
}

#[tracing::instrument(skip_all, fields(order = t.order_id))]
pub(crate) async fn transfer<F>(pool: &Pool, t: &Transfer<'_>, sign: F) -> Result<Result<(), Refusal>, StoreError>
where
    F: FnOnce(&TransferAllocation) -> Result<colophon_provenance::SignedStatement, StoreError> + Send,
{
    let mut tx = pool.begin().await?;
    let Some(quote) = query!(
        r#"UPDATE payment_quotes SET status = 'completed', tx_hash = $2, log_index = $3, block_number = $4
           WHERE order_id = $1 AND status = 'open' AND resale_offer_id IS NOT NULL
           RETURNING account_id AS "account_id!: i64", resale_offer_id AS "offer_id!", idempotency_key"#,
        t.order_id,
        t.payment.tx_hash,
        t.payment.log_index,
        t.payment.block_number,
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Err(Refusal::QuoteLapsed));
    };
    let Some(offer) = query!(
        r#"UPDATE resale_offers SET status = 'sold', closed_at = $2 WHERE id = $1 AND status = 'open'
           RETURNING order_id, listing_id AS "listing_id!: i64", edition AS "edition!: i64",
                     price_minor AS "price_minor!: i64", currency"#,
        quote.offer_id,
        t.now,
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Err(Refusal::OfferClosed));
    };
    let Some(seller) = query!(
        "UPDATE orders SET status = 'resold' WHERE id = $1 AND status = 'paid' RETURNING file_id, buyer_salt",
        offer.order_id
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Err(Refusal::NotHeld));
    };
    let listing = query!(
        r#"SELECT l.slug, l.edition_size AS "edition_size?: i64", f.sha256
           FROM listings l JOIN listing_files f ON f.listing_id = l.id AND f.id = $2 WHERE l.id = $1"#,
        offer.listing_id,
        seller.file_id,
    )
    .fetch_one(&mut *tx)
    .await?;
    let alloc = TransferAllocation {
        listing_slug: listing.slug,
        content_hash: to_array(&listing.sha256, "file hash")?,
        edition: to_u64(offer.edition, "edition")?,
        edition_size: to_u64(listing.edition_size.unwrap_or(offer.edition), "edition size")?,
        seller_order_id: offer.order_id.clone(),
        seller_salt: to_array(&seller.buyer_salt, "buyer salt")?,
        price_minor: to_u64(offer.price_minor, "price")?,
        currency: offer.currency.clone(),
    };
    let signed = sign(&alloc)?;
    let leaf = to_i64(append_in_tx(&mut tx, &NewLogEntry::from_signed(&signed, t.now)).await?)?;
    let salt = &t.buyer_salt[..];
    query!(
        "INSERT INTO orders (id, account_id, listing_id, file_id, edition, price_minor, currency, payment_provider,
                             payment_ref, idempotency_key, buyer_salt, log_leaf, created_at, resale_of)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'chain', $8, $9, $10, $11, $12, $13)",
        t.order_id,
        quote.account_id,
        offer.listing_id,
        seller.file_id,
        offer.edition,
        offer.price_minor,
        offer.currency,
        t.payment_ref,
        quote.idempotency_key,
        salt,
        leaf,
        t.now,
        offer.order_id,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

pub(crate) async fn custody(pool: &Pool, listing_id: i64, edition: i64) -> Result<Vec<CustodyRow>, StoreError> {
    let rows = query!(
        r#"SELECT id AS "order_id!", log_leaf AS "log_leaf!: i64", price_minor AS "price_minor!: i64", currency,
                  payment_provider, payment_ref, resale_of, created_at AS "created_at!: DateTime<Utc>"
           FROM orders WHERE listing_id = $1 AND edition = $2 AND status IN ('paid', 'resold')
           ORDER BY log_leaf"#,
        listing_id,
        edition
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(CustodyRow {
                order_id: r.order_id,
                log_leaf: to_u64(r.log_leaf, "leaf")?,
                price_minor: r.price_minor,
                currency: r.currency,
                payment_provider: r.payment_provider,
                payment_ref: r.payment_ref,
                resale: r.resale_of.is_some(),
                created_at: r.created_at,
            })
        })
        .collect()
}
