//! The public ledger, as the API shows it: the log's checkpoint, proofs, and
//! every statement about a content hash with a receipt to check offline.

use colophon_api::{
    Anchor, Checkpoint, Consistency, Inclusion, KeyStanding, KeyStatus, Match, Provenance, SalesPage, Similar,
};
use colophon_provenance::{ContentHash, PublicKey, Receipt, SignedStatement};
use colophon_store::{AnchorRow, LogEntryRow, Store};

use crate::error::HttpError;

/// An anchor as the API shows it; `None` until its transaction is known.
fn anchor_view(row: &AnchorRow) -> Option<Anchor> {
    Some(Anchor {
        tree_size: row.tree_size,
        root: hex::encode(row.root),
        chain_id: row.chain_id,
        contract: row.contract.clone(),
        tx_hash: row.tx_hash.clone()?,
        block_number: row.block_number?,
    })
}

fn hexes(hashes: &[[u8; 32]]) -> Vec<String> {
    hashes.iter().map(hex::encode).collect()
}

fn internal(err: impl std::error::Error + Send + Sync + 'static) -> HttpError {
    HttpError::Internal(anyhow::Error::new(err))
}

pub async fn checkpoint(store: &Store) -> Result<Checkpoint, HttpError> {
    let tree_size = store.log_size().await.map_err(internal)?;
    let root = store.log_root(tree_size).await.map_err(internal)?;
    let anchor = store.latest_confirmed_anchor().await.map_err(internal)?.as_ref().and_then(anchor_view);
    Ok(Checkpoint { tree_size, root: hex::encode(root), anchor })
}

pub async fn inclusion(store: &Store, leaf_index: u64, tree_size: u64) -> Result<Inclusion, HttpError> {
    let size = store.log_size().await.map_err(internal)?;
    if leaf_index >= tree_size || tree_size > size {
        return Err(HttpError::BadRequest(format!(
            "leaf_index must be below tree_size, and tree_size at most the log's size ({size})"
        )));
    }
    let entry = store.log_entry(leaf_index).await.map_err(internal)?.ok_or(HttpError::NotFound)?;
    let proof = store.inclusion_proof(leaf_index, tree_size).await.map_err(internal)?;
    let root = store.log_root(tree_size).await.map_err(internal)?;
    Ok(Inclusion {
        leaf_index,
        tree_size,
        leaf_hash: hex::encode(entry.leaf_hash),
        root: hex::encode(root),
        proof: hexes(&proof),
    })
}

pub async fn consistency(store: &Store, from: u64, to: u64) -> Result<Consistency, HttpError> {
    let size = store.log_size().await.map_err(internal)?;
    if from > to || to > size {
        return Err(HttpError::BadRequest(format!("need from ≤ to ≤ the log's size ({size})")));
    }
    let proof = store.consistency_proof(from, to).await.map_err(internal)?;
    Ok(Consistency {
        from,
        to,
        from_root: hex::encode(store.log_root(from).await.map_err(internal)?),
        to_root: hex::encode(store.log_root(to).await.map_err(internal)?),
        proof: hexes(&proof),
    })
}

/// Which of a hash's sales `GET /api/v1/provenance/{sha256}` returns.
#[derive(Clone, Copy, Debug)]
pub struct SalesQuery {
    /// Only sales below this leaf index (the previous page's `next_before`).
    pub before: Option<u64>,
    pub limit: u32,
}

impl SalesQuery {
    pub const DEFAULT_LIMIT: u32 = 20;
    pub const MAX_LIMIT: u32 = 100;
}

impl Default for SalesQuery {
    fn default() -> Self {
        Self { before: None, limit: Self::DEFAULT_LIMIT }
    }
}

pub async fn provenance(store: &Store, content_hash: ContentHash, query: SalesQuery) -> Result<Provenance, HttpError> {
    // One row past the page says whether an older page exists.
    let mut found =
        store.content_entries(&content_hash.0, query.before, query.limit.saturating_add(1)).await.map_err(internal)?;
    if found.registrations.is_empty() && found.sales_total == 0 {
        return Err(HttpError::NotFound);
    }
    let more = found.sales.len() > query.limit as usize;
    found.sales.truncate(query.limit as usize);
    let sales = SalesPage {
        total: found.sales_total,
        shown: found.sales.len() as u64,
        next_before: if more { found.sales.last().map(|e| e.leaf_index) } else { None },
    };
    // Registrations head the first page only; later pages hold sales alone.
    let mut entries = if query.before.is_none() { found.registrations } else { Vec::new() };
    entries.extend(found.sales);
    entries.sort_by_key(|e| e.leaf_index);
    let mut matches = receipts(store, entries).await?;
    // One look-up per signer: many sales share the operator key.
    let mut keys: std::collections::HashMap<String, Option<KeyStanding>> = std::collections::HashMap::new();
    for m in &mut matches {
        if !keys.contains_key(&m.signer_key_id) {
            keys.insert(m.signer_key_id.clone(), key_view(store, &m.signer_key_id).await?);
        }
        m.key = keys[&m.signer_key_id].clone();
    }
    let (perceptual_hash, similar) = look_alikes(store, &content_hash).await?;
    Ok(Provenance { content_hash: content_hash.to_hex(), matches, perceptual_hash, similar, sales })
}

/// The matches for `entries` (ascending leaf order), each with its receipt:
/// the proof to the first confirmed anchor covering it, or to the live root.
/// Reads each anchor once and every proof's nodes in one query.
async fn receipts(store: &Store, entries: Vec<LogEntryRow>) -> Result<Vec<Match>, HttpError> {
    let size = store.log_size().await.map_err(internal)?;
    let mut anchors: Vec<Option<AnchorRow>> = Vec::with_capacity(entries.len());
    let mut last: Option<(u64, Option<AnchorRow>)> = None;
    for entry in &entries {
        let needed = entry.leaf_index + 1;
        // The smallest confirmed anchor covering leaf L also is the smallest
        // covering any later leaf it covers; none covering L covers none after.
        let covering = match &last {
            Some((from, anchor)) if *from <= needed && anchor.as_ref().is_none_or(|a| a.tree_size >= needed) => {
                anchor.clone()
            }
            _ => store.confirmed_anchor_covering(needed).await.map_err(internal)?,
        };
        last = Some((needed, covering.clone()));
        anchors.push(covering);
    }
    let live_root =
        if anchors.iter().any(Option::is_none) { store.log_root(size).await.map_err(internal)? } else { [0; 32] };
    let wanted: Vec<(u64, u64)> =
        entries.iter().zip(&anchors).map(|(e, a)| (e.leaf_index, a.as_ref().map_or(size, |a| a.tree_size))).collect();
    let proofs = store.inclusion_proofs(&wanted).await.map_err(internal)?;
    entries
        .into_iter()
        .zip(anchors)
        .zip(proofs)
        .map(|((entry, anchor), proof)| to_match(entry, anchor.as_ref(), (size, live_root), &proof))
        .collect()
}

async fn key_view(store: &Store, key_id_hex: &str) -> Result<Option<KeyStanding>, HttpError> {
    let key_id = colophon_provenance::KeyId::parse(key_id_hex).map_err(internal)?;
    let Some(row) = store.key(&key_id.0).await.map_err(internal)? else {
        return Ok(None);
    };
    let ended_receipt = match row.ended_leaf {
        Some(leaf) => Some(receipt_for_leaf(store, leaf).await?),
        None => None,
    };
    let status = match row.status {
        colophon_store::KeyState::Active => KeyStatus::Active,
        colophon_store::KeyState::Rotated => KeyStatus::Rotated,
        colophon_store::KeyState::Revoked => KeyStatus::Revoked,
    };
    Ok(Some(KeyStanding { status, reason: row.revoke_reason, ended_leaf: row.ended_leaf, ended_receipt }))
}

async fn look_alikes(store: &Store, content_hash: &ContentHash) -> Result<(Option<String>, Vec<Similar>), HttpError> {
    for file in store.files_by_hash(&content_hash.0).await.map_err(internal)? {
        if let Some(f) = store.file_with_phash(&file.id).await.map_err(internal)? {
            let similar = store
                .similar_files(f.phash, crate::uploads::SIMILAR_DISTANCE, 21)
                .await
                .map_err(internal)?
                .into_iter()
                .filter(|s| s.sha256 != content_hash.0)
                .take(20)
                .map(crate::uploads::similar_view)
                .collect();
            return Ok((Some(colophon_previews::PHash::from_i64(f.phash).to_hex()), similar));
        }
    }
    Ok((None, vec![]))
}

fn to_match(
    entry: LogEntryRow,
    covering: Option<&AnchorRow>,
    (log_size, live_root): (u64, [u8; 32]),
    proof: &[[u8; 32]],
) -> Result<Match, HttpError> {
    let key = PublicKey::from_bytes(&entry.public_key).map_err(internal)?;
    // Entries were verified when appended; decoding again keeps the API honest.
    let signed = SignedStatement::verify(&entry.statement, key, entry.signature).map_err(internal)?;
    let (tree_size, root, anchor) = match covering {
        Some(a) => (
            a.tree_size,
            a.root,
            anchor_view(a).map(|v| colophon_provenance::receipt::Anchor {
                chain_id: v.chain_id,
                contract: v.contract,
                tx_hash: v.tx_hash,
                block_number: v.block_number,
            }),
        ),
        None => (log_size, live_root, None),
    };
    Ok(Match {
        key: None,
        leaf_index: entry.leaf_index,
        signer_key_id: key.key_id().to_hex(),
        signer_fingerprint: key.key_id().fingerprint(),
        anchored: anchor.is_some(),
        receipt: Receipt::new(&signed, entry.leaf_index, tree_size, proof, &root, anchor),
        statement: serde_json::to_value(&signed.statement).map_err(internal)?,
    })
}

/// The receipt of one log entry: its statement, the inclusion proof to the
/// first confirmed anchor covering it (or to the live root until one does).
pub async fn receipt_for_leaf(store: &Store, leaf_index: u64) -> Result<Receipt, HttpError> {
    let entry = store.log_entry(leaf_index).await.map_err(internal)?.ok_or(HttpError::NotFound)?;
    let mut matches = receipts(store, vec![entry]).await?;
    matches.pop().map(|m| m.receipt).ok_or(HttpError::NotFound)
}
