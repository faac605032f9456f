//! The public ledger, as the API shows it: the log's checkpoint, proofs, and
//! every statement about a content hash with a receipt to check offline.

use colophon_provenance::{ContentHash, PublicKey, Receipt, SignedStatement, Statement, receipt::Anchor};
use colophon_store::{AnchorRow, LogEntryRow, Store};
use serde::Serialize;

use crate::error::AppError;

/// An anchor as the API shows it.
#[derive(Debug, Serialize)]
pub struct AnchorView {
    pub tree_size: u64,
    pub root: String,
    pub chain_id: u64,
    pub contract: String,
    pub tx_hash: String,
    pub block_number: u64,
}

impl AnchorView {
    fn from_row(row: &AnchorRow) -> Option<Self> {
        Some(Self {
            tree_size: row.tree_size,
            root: hex::encode(row.root),
            chain_id: row.chain_id,
            contract: row.contract.clone(),
            tx_hash: row.tx_hash.clone()?,
            block_number: row.block_number?,
        })
    }
}

/// `GET /api/v1/log/checkpoint`.
#[derive(Debug, Serialize)]
pub struct Checkpoint {
    pub tree_size: u64,
    pub root: String,
    /// The latest confirmed on-chain anchor (its size may trail `tree_size`).
    pub anchor: Option<AnchorView>,
}

/// `GET /api/v1/log/inclusion`.
#[derive(Debug, Serialize)]
pub struct InclusionView {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub root: String,
    pub proof: Vec<String>,
}

/// `GET /api/v1/log/consistency`.
#[derive(Debug, Serialize)]
pub struct ConsistencyView {
    pub from: u64,
    pub to: u64,
    pub from_root: String,
    pub to_root: String,
    pub proof: Vec<String>,
}

/// One statement about a content hash.
#[derive(Debug, Serialize)]
pub struct Match {
    pub leaf_index: u64,
    pub statement: Statement,
    pub signer_key_id: String,
    pub signer_fingerprint: String,
    /// False while no confirmed anchor covers this entry yet.
    pub anchored: bool,
    pub receipt: Receipt,
    /// The signing key's standing in the ledger; `null` for the marketplace's
    /// operator key (sales), which is published at `/api/v1/operator`.
    pub key: Option<KeyView>,
}

/// A creator key's standing. When it was rotated or revoked, `ended_receipt`
/// is the receipt of the statement that ended it, so a verifier can check the
/// revocation itself (`colophon_provenance::key_standing`).
#[derive(Clone, Debug, Serialize)]
pub struct KeyView {
    /// `active`, `rotated` or `revoked`.
    pub status: &'static str,
    /// For a revocation: `compromised` or `retired`.
    pub reason: Option<String>,
    pub ended_leaf: Option<u64>,
    pub ended_receipt: Option<Receipt>,
}

/// `GET /api/v1/provenance/{sha256}`.
#[derive(Debug, Serialize)]
pub struct ProvenanceView {
    pub content_hash: ContentHash,
    pub matches: Vec<Match>,
    /// For an image: its perceptual hash (docs/FORMATS.md §12) and other
    /// registered images within 10 of its 64 bits — possible copies.
    pub perceptual_hash: Option<String>,
    pub similar: Vec<crate::uploads::SimilarView>,
}

fn hexes(hashes: &[[u8; 32]]) -> Vec<String> {
    hashes.iter().map(hex::encode).collect()
}

fn internal(err: impl std::error::Error + Send + Sync + 'static) -> AppError {
    AppError::Internal(anyhow::Error::new(err))
}

pub async fn checkpoint(store: &Store) -> Result<Checkpoint, AppError> {
    let tree_size = store.log_size().await.map_err(internal)?;
    let root = store.log_root(tree_size).await.map_err(internal)?;
    let anchor = store
        .anchors()
        .await
        .map_err(internal)?
        .iter()
        .rev()
        .find(|a| a.status == colophon_store::AnchorStatus::Confirmed)
        .and_then(AnchorView::from_row);
    Ok(Checkpoint { tree_size, root: hex::encode(root), anchor })
}

pub async fn inclusion(store: &Store, leaf_index: u64, tree_size: u64) -> Result<InclusionView, AppError> {
    let size = store.log_size().await.map_err(internal)?;
    if leaf_index >= tree_size || tree_size > size {
        return Err(AppError::BadRequest(format!(
            "leaf_index must be below tree_size, and tree_size at most the log's size ({size})"
        )));
    }
    let entry = store.log_entry(leaf_index).await.map_err(internal)?.ok_or(AppError::NotFound)?;
    let proof = store.inclusion_proof(leaf_index, tree_size).await.map_err(internal)?;
    let root = store.log_root(tree_size).await.map_err(internal)?;
    Ok(InclusionView {
        leaf_index,
        tree_size,
        leaf_hash: hex::encode(entry.leaf_hash),
        root: hex::encode(root),
        proof: hexes(&proof),
    })
}

pub async fn consistency(store: &Store, from: u64, to: u64) -> Result<ConsistencyView, AppError> {
    let size = store.log_size().await.map_err(internal)?;
    if from > to || to > size {
        return Err(AppError::BadRequest(format!("need from ≤ to ≤ the log's size ({size})")));
    }
    let proof = store.consistency_proof(from, to).await.map_err(internal)?;
    Ok(ConsistencyView {
        from,
        to,
        from_root: hex::encode(store.log_root(from).await.map_err(internal)?),
        to_root: hex::encode(store.log_root(to).await.map_err(internal)?),
        proof: hexes(&proof),
    })
}

pub async fn provenance(store: &Store, content_hash: ContentHash) -> Result<ProvenanceView, AppError> {
    let entries = store.log_entries_for_content(&content_hash.0).await.map_err(internal)?;
    if entries.is_empty() {
        return Err(AppError::NotFound);
    }
    // Read once for all matches: the anchors, and the live root for entries
    // no anchor covers yet.
    let anchors = store.anchors().await.map_err(internal)?;
    let size = store.log_size().await.map_err(internal)?;
    let mut live_root = None;
    let mut matches = Vec::with_capacity(entries.len());
    let mut keys: std::collections::HashMap<String, Option<KeyView>> = std::collections::HashMap::new();
    for entry in entries {
        let covering = colophon_store::covering_anchor(&anchors, entry.leaf_index + 1);
        if covering.is_none() && live_root.is_none() {
            live_root = Some(store.log_root(size).await.map_err(internal)?);
        }
        let mut m = to_match(store, entry, covering, (size, live_root.unwrap_or_default())).await?;
        // One look-up per signer: many sales share the operator key.
        if !keys.contains_key(&m.signer_key_id) {
            keys.insert(m.signer_key_id.clone(), key_view(store, &m.signer_key_id).await?);
        }
        m.key = keys[&m.signer_key_id].clone();
        matches.push(m);
    }
    let (perceptual_hash, similar) = look_alikes(store, &content_hash).await?;
    Ok(ProvenanceView { content_hash, matches, perceptual_hash, similar })
}

async fn key_view(store: &Store, key_id_hex: &str) -> Result<Option<KeyView>, AppError> {
    let key_id = colophon_provenance::KeyId::parse(key_id_hex).map_err(internal)?;
    let Some(row) = store.key(&key_id.0).await.map_err(internal)? else {
        return Ok(None);
    };
    let ended_receipt = match row.ended_leaf {
        Some(leaf) => Some(receipt_for_leaf(store, leaf).await?),
        None => None,
    };
    Ok(Some(KeyView {
        status: row.status.as_str(),
        reason: row.revoke_reason,
        ended_leaf: row.ended_leaf,
        ended_receipt,
    }))
}

async fn look_alikes(
    store: &Store,
    content_hash: &ContentHash,
) -> Result<(Option<String>, Vec<crate::uploads::SimilarView>), AppError> {
    for file in store.files_by_hash(&content_hash.0).await.map_err(internal)? {
        if let Some(f) = store.file_with_phash(&file.id).await.map_err(internal)? {
            let similar = store
                .similar_files(f.phash, crate::uploads::SIMILAR_DISTANCE, 21)
                .await
                .map_err(internal)?
                .into_iter()
                .filter(|s| s.sha256 != content_hash.0)
                .take(20)
                .map(crate::uploads::SimilarView::from)
                .collect();
            return Ok((Some(colophon_previews::PHash::from_i64(f.phash).to_hex()), similar));
        }
    }
    Ok((None, vec![]))
}

async fn to_match(
    store: &Store,
    entry: LogEntryRow,
    covering: Option<&AnchorRow>,
    (log_size, live_root): (u64, [u8; 32]),
) -> Result<Match, AppError> {
    let key = PublicKey::from_bytes(&entry.public_key).map_err(internal)?;
    // Entries were verified when appended; decoding again keeps the API honest.
    let signed = SignedStatement::verify(&entry.statement, key, entry.signature).map_err(internal)?;
    let (tree_size, root, anchor) = match covering {
        Some(a) => (
            a.tree_size,
            a.root,
            AnchorView::from_row(a).map(|v| Anchor {
                chain_id: v.chain_id,
                contract: v.contract,
                tx_hash: v.tx_hash,
                block_number: v.block_number,
            }),
        ),
        None => (log_size, live_root, None),
    };
    let proof = store.inclusion_proof(entry.leaf_index, tree_size).await.map_err(internal)?;
    Ok(Match {
        key: None,
        leaf_index: entry.leaf_index,
        signer_key_id: key.key_id().to_hex(),
        signer_fingerprint: key.key_id().fingerprint(),
        anchored: anchor.is_some(),
        receipt: Receipt::new(&signed, entry.leaf_index, tree_size, &proof, &root, anchor),
        statement: signed.statement,
    })
}

/// The receipt of one log entry: its statement, the inclusion proof to the
/// newest confirmed anchor covering it (or to the live root until one does).
pub async fn receipt_for_leaf(store: &Store, leaf_index: u64) -> Result<Receipt, AppError> {
    let entry = store.log_entry(leaf_index).await.map_err(internal)?.ok_or(AppError::NotFound)?;
    let anchors = store.anchors().await.map_err(internal)?;
    let covering = colophon_store::covering_anchor(&anchors, leaf_index + 1);
    let size = store.log_size().await.map_err(internal)?;
    let live_root = match covering {
        Some(_) => [0; 32],
        None => store.log_root(size).await.map_err(internal)?,
    };
    Ok(to_match(store, entry, covering, (size, live_root)).await?.receipt)
}
