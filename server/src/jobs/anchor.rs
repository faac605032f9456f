//! The anchor service: commits the log's root for its current size to the
//! ProvenanceRegistry contract, crash-safely.
//!
//! Outbox: the intent (size, root) is written to the database *before* the
//! transaction is sent; every tick first reconciles what the database says
//! with what the chain says, so a crash at any point — before sending, after
//! sending, before confirmation — and a reorg that drops a mined anchor all
//! end with each size anchored at most once and every leaf covered. The
//! contract refuses a size that is not above the latest one, and the database
//! refuses a second intent for a size: the rule holds even against bugs here.

use std::{sync::Arc, time::Duration};

use alloy::primitives::{B256, TxHash};
use chrono::{DateTime, Utc};
use colophon_ledger::{Chain, LedgerError, TxState};
use colophon_store::{AnchorRow, AnchorStatus, AnchorUpdate, Store, StoreError};
use serde::Serialize;
use tokio::sync::{RwLock, watch};

use super::lease::{self, Lease};

/// How often and how carefully to anchor.
#[derive(Clone, Copy, Debug)]
pub struct AnchorSettings {
    /// Anchor at least this often when the log has grown (`COLOPHON_ANCHOR_INTERVAL`, seconds).
    pub interval: Duration,
    /// Anchor early once this many new leaves are waiting (`COLOPHON_ANCHOR_BATCH`).
    pub batch: u64,
    /// Blocks on top of the anchor's block before it counts (`COLOPHON_CONFIRMATIONS`).
    pub confirmations: u64,
}

impl Default for AnchorSettings {
    fn default() -> Self {
        Self { interval: Duration::from_secs(30), batch: 1000, confirmations: 1 }
    }
}

/// Recently confirmed anchors are re-checked this many blocks deep, to notice reorgs.
const REORG_WINDOW: u64 = 64;

/// What `/healthz` reports about anchoring.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AnchorHealth {
    pub ok: bool,
    /// Whether this process holds the anchoring lease (one process of many
    /// anchors; the others stand by and take over when it stops).
    pub leader: bool,
    /// The largest confirmed anchored size.
    pub anchored_size: u64,
    pub log_size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_success_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<DateTime<Utc>>,
    /// A short, user-safe description of the current failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Why a tick failed.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("chain unavailable: {0}")]
    Chain(#[from] LedgerError),
    #[error("database unavailable: {0}")]
    Store(#[from] StoreError),
    #[error("the chain holds a different root for size {tree_size} than our log: refusing to anchor further")]
    Fork { tree_size: u64 },
}

impl AnchorError {
    fn public(&self) -> String {
        match self {
            Self::Chain(_) => "chain RPC unavailable; retrying".into(),
            Self::Store(_) => "database unavailable; retrying".into(),
            Self::Fork { tree_size } => format!("on-chain root for size {tree_size} differs from the log"),
        }
    }
}

/// The service. Cheap to clone.
#[derive(Clone)]
pub struct Anchorer {
    store: Store,
    chain: Chain,
    settings: AnchorSettings,
    health: Arc<RwLock<AnchorHealth>>,
    lease: Option<Lease>,
}

fn update<'a>(status: AnchorStatus, tx: Option<&'a str>, block: Option<u64>, now: DateTime<Utc>) -> AnchorUpdate<'a> {
    AnchorUpdate { status, tx_hash: tx, block_number: block, attempted: false, last_error: None, at: now }
}

impl Anchorer {
    pub fn new(store: Store, chain: Chain, settings: AnchorSettings) -> Self {
        Self { store, chain, settings, health: Arc::new(RwLock::new(AnchorHealth::default())), lease: None }
    }

    /// Anchors only while holding `lease` (servers sharing a database elect one anchorer).
    #[must_use]
    pub fn with_lease(mut self, lease: Lease) -> Self {
        self.lease = Some(lease);
        self
    }

    /// Shared with `/healthz`.
    pub fn health(&self) -> Arc<RwLock<AnchorHealth>> {
        self.health.clone()
    }

    /// One round: reconcile the outbox with the chain, then, if `due` and the
    /// log has grown, record and send a new anchor, and reconcile again.
    pub async fn tick(&self, due: bool, now: DateTime<Utc>) -> Result<(), AnchorError> {
        let result = self.tick_inner(due, now).await;
        let mut health = self.health.write().await;
        health.leader = true;
        match &result {
            Ok(()) => {
                health.ok = true;
                health.last_success_at = Some(now);
                health.failing_since = None;
                health.error = None;
            }
            Err(err) => {
                if health.failing_since.is_none() {
                    tracing::error!(error = %err, "anchoring failed; retrying with backoff");
                } else {
                    tracing::warn!(error = %err, "anchoring still failing");
                }
                health.ok = false;
                health.failing_since.get_or_insert(now);
                health.error = Some(err.public());
            }
        }
        self.read_sizes(&mut health).await;
        result
    }

    async fn read_sizes(&self, health: &mut AnchorHealth) {
        if let Ok(size) = self.store.log_size().await {
            health.log_size = size;
        }
        if let Ok(latest) = self.store.latest_confirmed_anchor().await {
            health.anchored_size = latest.map_or(0, |a| a.tree_size);
        }
    }

    /// Another process anchors: report what the database says, and no failure of ours.
    async fn stand_by(&self) {
        let mut health = self.health.write().await;
        *health = AnchorHealth { ok: true, leader: false, ..AnchorHealth::default() };
        self.read_sizes(&mut health).await;
    }

    async fn tick_inner(&self, due: bool, now: DateTime<Utc>) -> Result<(), AnchorError> {
        let in_flight = self.reconcile(now).await?;
        if in_flight || !due {
            return Ok(());
        }
        let size = self.store.log_size().await?;
        let last = self.store.latest_live_anchor_size().await?;
        if size <= last || size <= self.chain_latest_size().await? {
            return Ok(());
        }
        let root = self.store.log_root(size).await?;
        let contract = self.chain.registry().to_string();
        // The outbox: the intent is durable before anything is sent.
        self.store.insert_anchor_intent(size, &root, self.chain.chain_id(), &contract, now).await?;
        tracing::info!(tree_size = size, root = %hex_root(&root), "anchoring");
        self.send(size, &root, now).await?;
        self.reconcile(now).await?;
        Ok(())
    }

    async fn chain_latest_size(&self) -> Result<u64, AnchorError> {
        Ok(self.chain.latest_anchor().await?.1)
    }

    async fn send(&self, size: u64, root: &[u8; 32], now: DateTime<Utc>) -> Result<(), AnchorError> {
        match self.chain.send_anchor(B256::from(*root), size).await {
            Ok(tx) => {
                let tx = tx.to_string();
                let sent = AnchorUpdate { attempted: true, ..update(AnchorStatus::Sent, Some(&tx), None, now) };
                self.store.update_anchor(size, &sent).await?;
                Ok(())
            }
            Err(LedgerError::SizeNotIncreasing { .. }) => {
                // Someone (an earlier run of ours) got a size at or above this
                // one on-chain first; reconcile decides what that means.
                Ok(())
            }
            Err(err) => {
                let failed = AnchorUpdate {
                    attempted: true,
                    last_error: Some("send failed"),
                    ..update(AnchorStatus::Pending, None, None, now)
                };
                let _ = self.store.update_anchor(size, &failed).await;
                Err(err.into())
            }
        }
    }

    /// Brings every unfinished or recently confirmed anchor in line with the
    /// chain. Returns whether one is still in flight.
    async fn reconcile(&self, now: DateTime<Utc>) -> Result<bool, AnchorError> {
        let head = self.chain.block_number().await?;
        let latest_on_chain = self.chain_latest_size().await?;
        let mut in_flight = false;
        // Confirmed anchors older than the reorg window are settled: the
        // pass reads the unfinished and recent ones only, not the history.
        let since = (head + 1).saturating_sub(REORG_WINDOW);
        for anchor in self.store.anchors_to_reconcile(since).await? {
            let recent = anchor.block_number.is_some_and(|b| b + REORG_WINDOW > head);
            let check = match anchor.status {
                AnchorStatus::Pending | AnchorStatus::Sent => true,
                AnchorStatus::Confirmed => recent,
                AnchorStatus::Superseded => false,
            };
            if check && self.reconcile_one(&anchor, latest_on_chain, now).await? {
                in_flight = true;
            }
        }
        Ok(in_flight)
    }

    async fn reconcile_one(
        &self,
        a: &AnchorRow,
        latest_on_chain: u64,
        now: DateTime<Utc>,
    ) -> Result<bool, AnchorError> {
        let on_chain = self.chain.root_for(a.tree_size).await?;
        if on_chain == B256::from(a.root) {
            let Some((tx, block)) = self.chain.anchored_event(a.tree_size).await? else {
                return Ok(true); // The node serves state before logs; look again next tick.
            };
            let tx = tx.to_string();
            // Read the head now, after the event: a head read earlier may predate its block.
            let head = self.chain.block_number().await?;
            if head + 1 >= block + self.settings.confirmations {
                if a.status != AnchorStatus::Confirmed || a.block_number != Some(block) {
                    tracing::info!(tree_size = a.tree_size, %tx, block, "anchor confirmed");
                    self.store
                        .update_anchor(a.tree_size, &update(AnchorStatus::Confirmed, Some(&tx), Some(block), now))
                        .await?;
                }
                return Ok(false);
            }
            self.store.update_anchor(a.tree_size, &update(AnchorStatus::Sent, Some(&tx), None, now)).await?;
            return Ok(true);
        }
        if on_chain != B256::ZERO {
            return Err(AnchorError::Fork { tree_size: a.tree_size });
        }
        // Not on the canonical chain (never landed, still pending, or dropped by a reorg).
        if latest_on_chain >= a.tree_size {
            tracing::warn!(
                tree_size = a.tree_size,
                latest_on_chain,
                "a larger size is anchored; this one never can be"
            );
            self.store.update_anchor(a.tree_size, &update(AnchorStatus::Superseded, None, None, now)).await?;
            return Ok(false);
        }
        if a.status == AnchorStatus::Confirmed {
            tracing::warn!(
                tree_size = a.tree_size,
                "a confirmed anchor vanished from the chain (reorg); sending it again"
            );
        }
        let pending = match a.tx_hash.as_deref().and_then(|t| t.parse::<TxHash>().ok()) {
            Some(tx) if a.status == AnchorStatus::Sent => matches!(self.chain.tx_state(tx).await?, TxState::Pending),
            _ => false,
        };
        if !pending {
            self.send(a.tree_size, &a.root, now).await?;
        }
        Ok(true)
    }

    /// Runs until `shutdown` flips: ticks every second while something is in
    /// flight or the batch is full, otherwise every `interval`; backs off
    /// (1 s doubling to the interval) while the chain or database is down.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut backoff = Duration::from_secs(1);
        let mut last_anchor = tokio::time::Instant::now();
        loop {
            if let Some(lease) = &self.lease
                && !lease.hold().await
            {
                self.stand_by().await;
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    _ = shutdown.changed() => return,
                }
            }
            let due = last_anchor.elapsed() >= self.settings.interval || self.batch_full().await;
            let wait = match self.tick(due, Utc::now()).await {
                Ok(()) => {
                    backoff = Duration::from_secs(1);
                    if due {
                        last_anchor = tokio::time::Instant::now();
                    }
                    Duration::from_secs(1)
                }
                Err(_) => {
                    let wait = backoff;
                    backoff = (backoff * 2).min(self.settings.interval.max(Duration::from_secs(1)));
                    // Renew the lease in time even while backing off.
                    if self.lease.is_some() { wait.min(lease::TTL / 3) } else { wait }
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {
                    if let Some(lease) = &self.lease {
                        lease.release().await;
                    }
                    return;
                }
            }
        }
    }

    async fn batch_full(&self) -> bool {
        let health = self.health.read().await;
        self.store.log_size().await.is_ok_and(|size| size >= health.anchored_size + self.settings.batch)
    }
}

fn hex_root(root: &[u8; 32]) -> String {
    root.iter().map(|b| format!("{b:02x}")).collect()
}
