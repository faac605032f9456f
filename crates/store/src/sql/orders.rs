//! Orders: the queries both databases run as written.

use super::{Conn, Pool, append_many_in_tx};
use crate::log::to_i64;
use crate::orders::{
    ChainPayment, NewQuote, Purchase, QuoteOutcome, QuoteRow, QuoteStatus, SaleState, TxOutcome, allocation,
};
use crate::{Allocation, NewLogEntry, OrderRow, Refusal, SaleRow, StoreError};
use chrono::{DateTime, Utc};

/// `query!` for [`OrderRow`] rows (`o` the order, `l` its listing, `c` the
/// creator, `f` the file): their columns and joins once, then `$tail`.
macro_rules! order_rows {
    ($tail:literal $(, $arg:expr)* $(,)?) => {
        query!(
            r#"SELECT o.id AS "id!", o.account_id AS "account_id!: i64", o.listing_id AS "listing_id!: i64", l.slug, l.title, l.kind,
                  c.display_name AS creator_name, c.handle AS creator_handle, o.file_id, f.sha256, f.file_type,
                  f.size AS "size!: i64", f.storage_key, o.edition AS "edition: i64", l.edition_size AS "edition_size: i64",
                  o.price_minor AS "price_minor!: i64", o.currency, o.payment_provider, o.payment_ref, o.buyer_salt,
                  o.log_leaf AS "log_leaf!: i64", o.created_at AS "created_at!: DateTime<Utc>", o.status AS order_status
           FROM orders o JOIN listings l ON l.id = o.listing_id JOIN creators c ON c.id = l.creator_id
                JOIN listing_files f ON f.id = o.file_id
           "# + $tail $(, $arg)*
        )
    };
}

/// A listing locked by a checkout batch, and what the batch has done to it so far.
struct Held {
    state: SaleState,
    locked: Locked,
    /// The newest file (what a sale sells), read when the first unit sells.
    file: Option<(String, Vec<u8>)>,
    /// The creator's live webhooks, read when the first unit sells.
    webhooks: Option<Vec<i64>>,
    sold_at_lock: i64,
}

/// Checks out `ps` in one transaction (a group commit): the listings are
/// locked once each, in id order (so batches on other processes cannot
/// deadlock with this one); each purchase is judged in order by the sale rule
/// against the locked state plus what the batch already sold, exactly as if
/// it had been its own transaction after the previous one; the accepted ones'
/// statements are appended to the log together, and one commit makes them all
/// durable. A unique violation (a key another process just used) fails the
/// whole batch: `Err(StoreError::Conflict)`, and the caller runs each alone.
#[tracing::instrument(skip_all, fields(purchases = ps.len()))]
pub(crate) async fn checkout_batch<F>(pool: &Pool, ps: &[Purchase<'_>], sign: F) -> Result<Vec<TxOutcome>, StoreError>
where
    F: Fn(usize, &Allocation) -> Result<colophon_provenance::SignedStatement, StoreError> + Send + Sync,
{
    let mut tx = pool.begin().await?;
    let mut ids: Vec<i64> = ps.iter().map(|p| p.listing_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut held: std::collections::HashMap<i64, Held> = std::collections::HashMap::with_capacity(ids.len());
    for id in ids {
        if let Some((state, locked)) = lock_listing(&mut tx, id).await? {
            held.insert(id, Held { state, sold_at_lock: state.sold, locked, file: None, webhooks: None });
        }
    }
    let mut outcomes = Vec::with_capacity(ps.len());
    let mut accepted: Vec<(usize, Allocation)> = Vec::with_capacity(ps.len());
    // Where each (account, key) first appears in the batch.
    let mut keys = std::collections::HashMap::with_capacity(ps.len());
    // Units this batch has given each (account, listing) so far.
    let mut bought: std::collections::HashMap<(i64, i64), i64> = std::collections::HashMap::new();
    for (i, p) in ps.iter().enumerate() {
        let Some(l) = held.get_mut(&p.listing_id) else {
            outcomes.push(TxOutcome::Refused(Refusal::NotFound));
            continue;
        };
        if let Some(&first) = keys.get(&(p.account_id, p.idempotency_key)) {
            // The same key twice in one batch (a double click): the first's
            // order is replayed, or its refusal given again.
            outcomes.push(match &outcomes[first] {
                TxOutcome::Done => TxOutcome::DuplicateKey,
                other => other.clone(),
            });
            continue;
        }
        keys.insert((p.account_id, p.idempotency_key), i);
        let in_batch = bought.get(&(p.account_id, p.listing_id)).copied().unwrap_or(0);
        match &p.paid_quote {
            // A quote's hold guaranteed this unit when it was made (inside the sale
            // window, below N, within the buyer's limits), and its price is the one
            // paid: completing it checks only that it is still open.
            Some(payment) => {
                let done = query!(
                    "UPDATE payment_quotes SET status = 'completed', tx_hash = $2, log_index = $3, block_number = $4
                     WHERE order_id = $1 AND status = 'open' AND listing_id = $5 AND account_id = $6 AND resale_offer_id IS NULL",
                    p.order_id,
                    payment.tx_hash,
                    payment.log_index,
                    payment.block_number,
                    p.listing_id,
                    p.account_id,
                )
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    outcomes.push(TxOutcome::QuoteClosed);
                    continue;
                }
                // Its hold becomes the sale.
                l.state.reserved -= 1;
            }
            None => {
                if let Some(why) = sale_refusal(
                    &mut tx,
                    &l.state,
                    &l.locked,
                    (p.account_id, p.listing_id, p.price_minor),
                    p.now,
                    in_batch,
                )
                .await?
                {
                    outcomes.push(TxOutcome::Refused(why));
                    continue;
                }
            }
        }
        l.state.sold += 1;
        bought.insert((p.account_id, p.listing_id), in_batch + 1);
        if l.file.is_none() {
            let f = query!(
                r#"SELECT id AS "id!", sha256 FROM listing_files WHERE listing_id = $1 ORDER BY version DESC LIMIT 1"#,
                p.listing_id
            )
            .fetch_one(&mut *tx)
            .await?;
            l.file = Some((f.id, f.sha256));
        }
        let (file_id, sha256) = l.file.clone().unwrap_or_default();
        let b = &l.locked;
        let alloc = allocation(
            &b.kind,
            l.state.sold,
            b.edition_size,
            b.price_minor,
            b.currency.clone(),
            b.license_hash.as_deref(),
            (file_id, &sha256),
        )?;
        accepted.push((i, alloc));
        outcomes.push(TxOutcome::Done);
    }
    if accepted.is_empty() {
        // Nothing written but the locks' no-op updates.
        tx.rollback().await?;
        return Ok(outcomes);
    }
    let signed = accepted.iter().map(|(i, a)| sign(*i, a)).collect::<Result<Vec<_>, _>>()?;
    let entries: Vec<NewLogEntry<'_>> =
        signed.iter().zip(&accepted).map(|(s, (i, _))| NewLogEntry::from_signed(s, ps[*i].now)).collect();
    let leaves = append_many_in_tx(&mut tx, &entries).await?;
    for (id, l) in &held {
        if l.state.sold != l.sold_at_lock {
            query!("UPDATE listings SET editions_sold = $2 WHERE id = $1", id, l.state.sold).execute(&mut *tx).await?;
        }
    }
    for ((i, alloc), leaf) in accepted.iter().zip(leaves) {
        let p = &ps[*i];
        let leaf = to_i64(leaf)?;
        let edition = alloc.edition.map(to_i64).transpose()?;
        let salt = &p.buyer_salt[..];
        let inserted = query!(
            "INSERT INTO orders (id, account_id, listing_id, file_id, edition, price_minor, currency, payment_provider,
                                 payment_ref, idempotency_key, buyer_salt, log_leaf, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            p.order_id,
            p.account_id,
            p.listing_id,
            alloc.file_id,
            edition,
            p.price_minor,
            alloc.currency,
            p.payment_provider,
            p.payment_ref,
            p.idempotency_key,
            salt,
            leaf,
            p.now,
        )
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                if ps.len() == 1 {
                    // A concurrent request with the same key committed first.
                    return Ok(vec![TxOutcome::DuplicateKey]);
                }
                return Err(StoreError::Conflict { what: "a purchase in a checkout batch" });
            }
            Err(e) => return Err(e.into()),
        }
        // The creator's webhooks hear of the sale from this same transaction (an outbox).
        let l = held.get_mut(&p.listing_id).ok_or_else(|| StoreError::Corrupt("an unlocked listing sold".into()))?;
        if l.webhooks.is_none() {
            let ids = query_scalar!(
                r#"SELECT w.id AS "id!: i64" FROM webhooks w JOIN listings l ON l.creator_id = w.creator_id
                   WHERE l.id = $1 AND w.disabled_at IS NULL ORDER BY w.id"#,
                p.listing_id
            )
            .fetch_all(&mut *tx)
            .await?;
            l.webhooks = Some(ids);
        }
        let hooks = l.webhooks.as_deref().unwrap_or_default();
        if hooks.is_empty() {
            continue;
        }
        let payload = crate::webhooks::sale_payload(p, alloc, &l.locked.slug, &l.locked.title, leaf)?;
        for webhook_id in hooks {
            query!(
                "INSERT INTO webhook_deliveries (webhook_id, event, event_id, payload, status, attempts, next_attempt_at, created_at)
                 VALUES ($1, 'sale', $2, $3, 'pending', 0, $4, $4)",
                webhook_id,
                p.order_id,
                payload,
                p.now,
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// What checkout and quoting read of a listing besides the sale rule's state.
struct Locked {
    kind: String,
    slug: String,
    title: String,
    edition_size: Option<i64>,
    price_minor: i64,
    currency: String,
    license_hash: Option<Vec<u8>>,
}

/// Locks a listing for the rest of the transaction and reads its sale state.
/// The first statement writes (nothing changes) to lock. On SQLite it takes
/// the write lock: every checkout (and log append) queues behind it, and what
/// follows reads a state no one else can change before commit. On PostgreSQL
/// it takes the listing's row lock: concurrent buyers of one listing queue
/// here, and each later statement (READ COMMITTED) sees what the previous
/// holder committed. The sale rule (colophon-catalog, the one the listing page
/// shows) then judges the locked state.
async fn lock_listing(tx: &mut Conn, listing_id: i64) -> Result<Option<(SaleState, Locked)>, StoreError> {
    let Some(b) = query!(
        r#"UPDATE listings SET editions_sold = editions_sold WHERE id = $1
           RETURNING editions_sold AS "sold!: i64", kind, slug, title, status, edition_size AS "edition_size?: i64",
                     price_minor AS "price_minor!: i64", currency, license_hash AS "license_hash?",
                     per_account_cap AS "cap?: i64", sale_starts_at AS "starts?: DateTime<Utc>",
                     sale_ends_at AS "ends?: DateTime<Utc>""#,
        listing_id,
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let reserved = query_scalar!(
        r#"SELECT count(*) AS "n!: i64" FROM payment_quotes WHERE listing_id = $1 AND status = 'open' AND resale_offer_id IS NULL"#,
        listing_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let state = SaleState {
        kind: crate::listings::kind(&b.kind)?,
        status: crate::listings::status(&b.status)?,
        edition_size: b.edition_size,
        sold: b.sold,
        reserved,
        starts_at: b.starts,
        ends_at: b.ends,
        per_account_cap: b.cap,
    };
    let locked = Locked {
        kind: b.kind,
        slug: b.slug,
        title: b.title,
        edition_size: b.edition_size,
        price_minor: b.price_minor,
        currency: b.currency,
        license_hash: b.license_hash,
    };
    Ok(Some((state, locked)))
}

/// The sale rule on a locked listing (`colophon_catalog::SaleState`): why
/// `account_id` may not buy `listing_id` at the price they saw now, counting
/// what they already hold; `None` when they may.
async fn sale_refusal(
    tx: &mut Conn,
    state: &SaleState,
    listed: &Locked,
    (account_id, listing_id, price_seen): (i64, i64, i64),
    now: DateTime<Utc>,
    in_batch: i64,
) -> Result<Option<Refusal>, StoreError> {
    if let Some(why) = state.unavailability(now) {
        return Ok(Some(why));
    }
    if listed.price_minor != price_seen {
        return Ok(Some(Refusal::PriceChanged));
    }
    // Units the buyer holds, and those this transaction has given them so far.
    let held = buyer_holdings(tx, account_id, listing_id).await? + in_batch;
    Ok(state.refusal_for(held, now))
}

/// What a buyer holds of a listing: paid orders and their own open quotes.
async fn buyer_holdings(tx: &mut Conn, account_id: i64, listing_id: i64) -> Result<i64, StoreError> {
    Ok(query_scalar!(
        r#"SELECT (SELECT count(*) FROM orders WHERE account_id = $1 AND listing_id = $2 AND status = 'paid')
                + (SELECT count(*) FROM payment_quotes
                   WHERE account_id = $1 AND listing_id = $2 AND status = 'open' AND resale_offer_id IS NULL)
                  AS "n!: i64""#,
        account_id,
        listing_id,
    )
    .fetch_one(&mut *tx)
    .await?)
}

/// Records a quote and its hold, in one transaction with the sale rule: the
/// listing must be buyable now by this account, counting every open hold.
pub(crate) async fn create_quote(pool: &Pool, q: &NewQuote<'_>) -> Result<QuoteOutcome, StoreError> {
    let mut tx = pool.begin().await?;
    let Some((state, b)) = lock_listing(&mut tx, q.listing_id).await? else {
        return Ok(QuoteOutcome::Refused(Refusal::NotFound));
    };
    if let Some(why) = sale_refusal(&mut tx, &state, &b, (q.account_id, q.listing_id, q.price_minor), q.now, 0).await? {
        return Ok(QuoteOutcome::Refused(why));
    }
    if !insert_quote(&mut tx, q, &b.currency, None).await? {
        return Ok(QuoteOutcome::DuplicateKey);
    }
    tx.commit().await?;
    Ok(QuoteOutcome::Created)
}

/// Inserts a quote (a resale quote with its offer and royalty); false when
/// the account already used its idempotency key.
pub(super) async fn insert_quote(
    tx: &mut Conn,
    q: &NewQuote<'_>,
    currency: &str,
    resale: Option<&crate::ResaleQuote>,
) -> Result<bool, StoreError> {
    let (offer, receiver, royalty) = match resale {
        Some(r) => (Some(r.offer_id.as_str()), Some(r.royalty_receiver.as_str()), Some(r.royalty.as_str())),
        None => (None, None, None),
    };
    let inserted = query!(
        "INSERT INTO payment_quotes (order_id, account_id, listing_id, idempotency_key, buyer_address, payee_address,
                                     token, amount, platform_fee, price_minor, currency, deadline, status, created_at,
                                     resale_offer_id, royalty_receiver, royalty)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', $13, $14, $15, $16)",
        q.order_id,
        q.account_id,
        q.listing_id,
        q.idempotency_key,
        q.buyer_address,
        q.payee_address,
        q.token,
        q.amount,
        q.platform_fee,
        q.price_minor,
        currency,
        q.deadline,
        q.now,
        offer,
        receiver,
        royalty,
    )
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn quote(pool: &Pool, order_id: &str) -> Result<Option<QuoteRow>, StoreError> {
    let row = query!(
        r#"SELECT order_id AS "order_id!", account_id AS "account_id!: i64", listing_id AS "listing_id!: i64",
                  idempotency_key, buyer_address, payee_address, token, amount, platform_fee,
                  price_minor AS "price_minor!: i64", currency, deadline AS "deadline!: DateTime<Utc>", status,
                  tx_hash, log_index AS "log_index: i64", block_number AS "block_number: i64",
                  created_at AS "created_at!: DateTime<Utc>", resale_offer_id, royalty_receiver, royalty
           FROM payment_quotes WHERE order_id = $1"#,
        order_id
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(QuoteRow {
            order_id: r.order_id,
            account_id: r.account_id,
            listing_id: r.listing_id,
            idempotency_key: r.idempotency_key,
            buyer_address: r.buyer_address,
            payee_address: r.payee_address,
            token: r.token,
            amount: r.amount,
            platform_fee: r.platform_fee,
            price_minor: r.price_minor,
            currency: r.currency,
            deadline: r.deadline,
            status: QuoteStatus::parse(&r.status)?,
            payment: match (r.tx_hash, r.log_index, r.block_number) {
                (Some(tx_hash), Some(log_index), Some(block_number)) => {
                    Some(ChainPayment { tx_hash, log_index, block_number })
                }
                _ => None,
            },
            resale: match (r.resale_offer_id, r.royalty_receiver, r.royalty) {
                (Some(offer_id), Some(royalty_receiver), Some(royalty)) => {
                    Some(crate::ResaleQuote { offer_id, royalty_receiver, royalty })
                }
                _ => None,
            },
            created_at: r.created_at,
        })
    })
    .transpose()
}

pub(crate) async fn quote_id_by_key(pool: &Pool, account_id: i64, key: &str) -> Result<Option<String>, StoreError> {
    Ok(query_scalar!(
        r#"SELECT order_id AS "id!" FROM payment_quotes WHERE account_id = $1 AND idempotency_key = $2"#,
        account_id,
        key
    )
    .fetch_optional(pool)
    .await?)
}

/// Lapses every open quote whose deadline is before `before`; their holds free.
pub(crate) async fn expire_quotes(pool: &Pool, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = query!("UPDATE payment_quotes SET status = 'expired' WHERE status = 'open' AND deadline < $1", before)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn payment_cursor(pool: &Pool, contract: &str) -> Result<Option<i64>, StoreError> {
    Ok(query_scalar!(r#"SELECT next_block AS "n!: i64" FROM payment_cursor WHERE contract = $1"#, contract)
        .fetch_optional(pool)
        .await?)
}

pub(crate) async fn set_payment_cursor(pool: &Pool, contract: &str, next_block: i64) -> Result<(), StoreError> {
    query!(
        "INSERT INTO payment_cursor (contract, next_block) VALUES ($1, $2)
         ON CONFLICT (contract) DO UPDATE SET next_block = excluded.next_block",
        contract,
        next_block
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn order(pool: &Pool, id: &str) -> Result<Option<OrderRow>, StoreError> {
    let row = order_rows!("WHERE o.id = $1", id).fetch_optional(pool).await?;
    row.map(|r| crate::orders::order_row!(r)).transpose()
}

pub(crate) async fn account_orders(pool: &Pool, account_id: i64) -> Result<Vec<OrderRow>, StoreError> {
    let rows = order_rows!(
        "WHERE o.account_id = $1 AND o.status = 'paid'
           ORDER BY o.created_at DESC, o.log_leaf DESC",
        account_id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::orders::order_row!(r)).collect()
}

pub(crate) async fn order_id_by_key(pool: &Pool, account_id: i64, key: &str) -> Result<Option<String>, StoreError> {
    Ok(query_scalar!(
        r#"SELECT id AS "id!" FROM orders WHERE account_id = $1 AND idempotency_key = $2"#,
        account_id,
        key
    )
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn holdings(pool: &Pool, account_id: i64, listing_id: i64) -> Result<i64, StoreError> {
    Ok(query_scalar!(
        r#"SELECT count(*) AS "n!: i64" FROM orders WHERE account_id = $1 AND listing_id = $2 AND status = 'paid'"#,
        account_id,
        listing_id
    )
    .fetch_one(pool)
    .await?)
}

pub(crate) async fn creator_sales(pool: &Pool, creator_id: i64) -> Result<Vec<SaleRow>, StoreError> {
    let rows = query!(
        r#"SELECT o.id AS "order_id!", o.listing_id AS "listing_id!: i64", l.title, l.kind, o.edition AS "edition: i64",
                  l.edition_size AS "edition_size: i64", o.price_minor AS "price_minor!: i64", o.currency,
                  o.log_leaf AS "log_leaf!: i64", o.created_at AS "created_at!: DateTime<Utc>"
           FROM orders o JOIN listings l ON l.id = o.listing_id
           WHERE l.creator_id = $1 AND o.status IN ('paid', 'resold') AND o.resale_of IS NULL
           ORDER BY o.created_at DESC, o.log_leaf DESC"#,
        creator_id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::orders::sale_row!(r)).collect()
}

pub(crate) async fn listing_sales(pool: &Pool, listing_id: i64, limit: u32) -> Result<Vec<SaleRow>, StoreError> {
    let limit = i64::from(limit);
    let rows = query!(
        r#"SELECT o.id AS "order_id!", o.listing_id AS "listing_id!: i64", l.title, l.kind, o.edition AS "edition: i64",
                  l.edition_size AS "edition_size: i64", o.price_minor AS "price_minor!: i64", o.currency,
                  o.log_leaf AS "log_leaf!: i64", o.created_at AS "created_at!: DateTime<Utc>"
           FROM orders o JOIN listings l ON l.id = o.listing_id
           WHERE o.listing_id = $1 AND o.status IN ('paid', 'resold') AND o.resale_of IS NULL
           ORDER BY o.log_leaf DESC LIMIT $2"#,
        listing_id,
        limit,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| crate::orders::sale_row!(r)).collect()
}

pub(crate) async fn sale_state(pool: &Pool, listing_id: i64) -> Result<Option<SaleState>, StoreError> {
    let row = query!(
        r#"SELECT kind, status, edition_size AS "edition_size?: i64", editions_sold AS "sold!: i64",
                  (SELECT count(*) FROM payment_quotes q
                   WHERE q.listing_id = l.id AND q.status = 'open' AND q.resale_offer_id IS NULL)
                    AS "reserved!: i64",
                  sale_starts_at AS "starts: DateTime<Utc>", sale_ends_at AS "ends: DateTime<Utc>",
                  per_account_cap AS "cap: i64"
           FROM listings l WHERE id = $1"#,
        listing_id
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(SaleState {
            kind: crate::listings::kind(&r.kind)?,
            status: crate::listings::status(&r.status)?,
            edition_size: r.edition_size,
            sold: r.sold,
            reserved: r.reserved,
            starts_at: r.starts,
            ends_at: r.ends,
            per_account_cap: r.cap,
        })
    })
    .transpose()
}
