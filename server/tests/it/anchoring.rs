//! The anchor service against a real anvil: normal batches, RPC down and back,
//! anvil restarted from its state file, a crash between sending and
//! confirmation, and a reorg that drops a mined anchor. In every case each
//! leaf ends up anchored exactly once and receipts verify.

use std::path::Path;

use alloy::{primitives::B256, providers::Provider as _};
use chrono::Utc;
use colophon_ledger::{Chain, ProvenanceRegistry};
use colophon_provenance::{
    ContentHash, ContentKind, KeyStatus, Receipt, SigningKey, Statement,
    receipt::{Anchor, verify},
};
use colophon_store::{AnchorStatus, Backend, NewLogEntry, Store, testing::TestDb};
use server::{
    config::LocalChain,
    devchain::{DevChain, dev_signer},
    jobs::anchor::{AnchorSettings, Anchorer},
};

struct Rig {
    db: TestDb,
    store: Store,
    dir: tempfile::TempDir,
    port: u16,
    dev: Option<DevChain>,
    key: SigningKey,
}

fn local(port: u16) -> LocalChain {
    LocalChain { anvil_bin: server::testing::anvil_bin().into(), port, chain_id: 31337 }
}

impl Rig {
    async fn new(backend: Backend) -> Self {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let dev = DevChain::start(&local(port), dir.path()).await.expect("anvil");
        Self { db, store, dir, port, dev: Some(dev), key: SigningKey::from_seed(&[5; 32]) }
    }

    fn rpc(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn registry(&self) -> alloy::primitives::Address {
        self.dev.as_ref().map(|d| d.deployment.registry).expect("chain running")
    }

    async fn chain(&self) -> Chain {
        Chain::connect_with_signer(&self.rpc(), self.registry(), Some(31337), dev_signer().expect("key"))
            .await
            .expect("connect")
    }

    async fn anchorer(&self) -> Anchorer {
        Anchorer::new(self.store.clone(), self.chain().await, AnchorSettings::default())
    }

    async fn stop_chain(&mut self) {
        if let Some(dev) = self.dev.take() {
            dev.stop().await;
        }
    }

    async fn start_chain(&mut self) {
        self.dev = Some(DevChain::start(&local(self.port), self.dir.path()).await.expect("anvil restarts"));
    }

    /// Appends `n` signed registrations; returns their content hashes.
    async fn append(&self, n: usize) -> Vec<ContentHash> {
        let mut files = Vec::new();
        for _ in 0..n {
            let index = self.store.log_size().await.expect("size");
            let file = ContentHash::of(format!("file {index}").as_bytes());
            let signed = Statement::ContentRegistered {
                content_hash: file,
                content_kind: ContentKind::Workflow,
                size: 100,
                creator_key: self.key.public_key().key_id(),
                listing_id: "lst".into(),
                file_id: format!("fil_{index}"),
                parents: vec![],
                license_terms: None,
                perceptual_hash: None,
                time_ms: 1_795_000_000_000,
            }
            .sign(&self.key)
            .expect("sign");
            self.store
                .append_log_entry(&NewLogEntry {
                    leaf_hash: signed.leaf_hash(),
                    kind: signed.statement.kind_tag(),
                    statement: &signed.bytes,
                    public_key: signed.public_key.to_bytes(),
                    signature: signed.signature,
                    content_hash: Some(file.0),
                    created_at: Utc::now(),
                })
                .await
                .expect("append");
            files.push(file);
        }
        files
    }

    async fn anchor_count(&self) -> u64 {
        let chain = self.chain().await;
        ProvenanceRegistry::new(self.registry(), chain.provider()).anchorCount().call().await.expect("count")
    }

    async fn rpc_call(&self, method: &'static str, params: serde_json::Value) -> serde_json::Value {
        let chain = self.chain().await;
        let params = params.as_array().cloned().unwrap_or_default();
        chain.provider().raw_request(method.into(), params).await.expect(method)
    }

    /// Every leaf is covered by a confirmed anchor whose root is on-chain, each
    /// size at most once, and a receipt for every leaf verifies.
    async fn assert_every_leaf_anchored_once(&self, files: &[ContentHash]) {
        let chain = self.chain().await;
        let anchors = self.store.anchors().await.expect("anchors");
        let confirmed: Vec<_> = anchors.iter().filter(|a| a.status == AnchorStatus::Confirmed).collect();
        assert_eq!(self.anchor_count().await, confirmed.len() as u64, "one on-chain anchor per confirmed size");
        for a in &confirmed {
            assert_eq!(chain.root_for(a.tree_size).await.expect("root"), B256::from(a.root));
        }
        for (index, file) in files.iter().enumerate() {
            let index = index as u64;
            let anchor = self.store.confirmed_anchor_covering(index + 1).await.expect("anchors").expect("covered");
            let entry = self.store.log_entry(index).await.expect("entry").expect("exists");
            let proof = self.store.inclusion_proof(index, anchor.tree_size).await.expect("proof");
            let signed = colophon_provenance::SignedStatement::verify(
                &entry.statement,
                colophon_provenance::PublicKey::from_bytes(&entry.public_key).expect("key"),
                entry.signature,
            )
            .expect("signed");
            let receipt = Receipt::new(
                &signed,
                index,
                anchor.tree_size,
                &proof,
                &anchor.root,
                Some(Anchor {
                    chain_id: anchor.chain_id,
                    contract: anchor.contract.clone(),
                    tx_hash: anchor.tx_hash.clone().expect("tx"),
                    block_number: anchor.block_number.expect("block"),
                }),
            );
            let on_chain = chain.anchored_root(anchor.tree_size).await.expect("chain reader");
            verify(file, &receipt, on_chain.as_ref(), KeyStatus::Active).expect("receipt verifies");
        }
    }

    async fn finish(mut self) {
        self.stop_chain().await;
        self.store.close().await;
        self.db.drop_db().await;
    }
}

/// Ticks until nothing is pending or sent (the node mines asynchronously, so
/// one tick may see a transaction before its block); at most 50 ticks.
async fn settle(anchorer: &Anchorer, store: &Store) {
    for _ in 0..50 {
        anchorer.tick(true, Utc::now()).await.expect("tick");
        let anchors = store.anchors().await.expect("anchors");
        if anchors.iter().all(|a| matches!(a.status, AnchorStatus::Confirmed | AnchorStatus::Superseded)) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("anchors did not settle");
}

fn statuses(anchors: &[colophon_store::AnchorRow]) -> Vec<(u64, AnchorStatus)> {
    anchors.iter().map(|a| (a.tree_size, a.status)).collect()
}

#[tokio::test]
async fn batches_are_anchored_once_and_receipts_verify() {
    for backend in colophon_store::testing::BACKENDS {
        let rig = Rig::new(backend).await;
        let anchorer = rig.anchorer().await;
        let mut files = rig.append(5).await;
        settle(&anchorer, &rig.store).await;
        files.extend(rig.append(3).await);
        anchorer.tick(false, Utc::now()).await.expect("not due: nothing new is sent");
        assert_eq!(rig.anchor_count().await, 1);
        settle(&anchorer, &rig.store).await;
        anchorer.tick(true, Utc::now()).await.expect("nothing new: no transaction");
        let anchors = rig.store.anchors().await.expect("anchors");
        assert_eq!(statuses(&anchors), [(5, AnchorStatus::Confirmed), (8, AnchorStatus::Confirmed)], "{backend:?}");
        rig.assert_every_leaf_anchored_once(&files).await;
        let health = anchorer.health().read().await.clone();
        assert!(health.ok && health.anchored_size == 8 && health.log_size == 8, "{health:?}");
        rig.finish().await;
    }
}

#[tokio::test]
async fn rpc_down_then_back() {
    let mut rig = Rig::new(Backend::Sqlite).await;
    let anchorer = rig.anchorer().await;
    let files = rig.append(2).await;
    rig.stop_chain().await;

    let err = anchorer.tick(true, Utc::now()).await.expect_err("the chain is down");
    assert!(err.to_string().contains("chain unavailable"), "{err}");
    let health = anchorer.health().read().await.clone();
    assert!(!health.ok && health.failing_since.is_some(), "{health:?}");
    assert_eq!(health.error.as_deref(), Some("chain RPC unavailable; retrying"), "no internals in health");

    rig.start_chain().await;
    settle(&anchorer, &rig.store).await;
    assert!(anchorer.health().read().await.ok);
    assert_eq!(statuses(&rig.store.anchors().await.expect("anchors")), [(2, AnchorStatus::Confirmed)]);
    rig.assert_every_leaf_anchored_once(&files).await;
    rig.finish().await;
}

#[tokio::test]
async fn anvil_restarted_from_its_state_file_keeps_anchors() {
    let mut rig = Rig::new(Backend::Sqlite).await;
    let mut files = rig.append(4).await;
    settle(&rig.anchorer().await, &rig.store).await;
    rig.stop_chain().await;
    assert!(Path::new(&rig.dir.path().join("anvil-state.json")).is_file());
    rig.start_chain().await;

    let anchorer = rig.anchorer().await;
    anchorer.tick(true, Utc::now()).await.expect("reconciles, sends nothing");
    assert_eq!(rig.anchor_count().await, 1, "the anchor survived the restart");
    files.extend(rig.append(1).await);
    settle(&anchorer, &rig.store).await;
    assert_eq!(
        statuses(&rig.store.anchors().await.expect("anchors")),
        [(4, AnchorStatus::Confirmed), (5, AnchorStatus::Confirmed)]
    );
    rig.assert_every_leaf_anchored_once(&files).await;
    rig.finish().await;
}

#[tokio::test]
async fn a_crash_between_sending_and_confirmation_sends_nothing_twice() {
    let rig = Rig::new(Backend::Sqlite).await;
    let files = rig.append(3).await;
    // Transactions now wait in anvil's pool until a block is mined by hand.
    rig.rpc_call("evm_setAutomine", serde_json::json!([false])).await;
    let first = rig.anchorer().await;
    first.tick(true, Utc::now()).await.expect("sent, not mined");
    assert_eq!(statuses(&rig.store.anchors().await.expect("anchors")), [(3, AnchorStatus::Sent)]);
    drop(first); // The process dies here.

    let second = rig.anchorer().await;
    second.tick(true, Utc::now()).await.expect("sees the pending transaction and waits");
    rig.rpc_call("evm_mine", serde_json::json!([])).await;
    settle(&second, &rig.store).await;
    rig.rpc_call("evm_setAutomine", serde_json::json!([true])).await;
    assert_eq!(statuses(&rig.store.anchors().await.expect("anchors")), [(3, AnchorStatus::Confirmed)]);
    rig.assert_every_leaf_anchored_once(&files).await;

    // Killed after the transaction was mined but before the database heard:
    // the intent says pending, the chain says done. Nothing is sent again.
    let more = rig.append(2).await;
    let root = rig.store.log_root(5).await.expect("root");
    rig.store.insert_anchor_intent(5, &root, 31337, &rig.registry().to_string(), Utc::now()).await.expect("intent");
    rig.chain().await.send_anchor(B256::from(root), 5).await.expect("sent by the run that died");
    let third = rig.anchorer().await;
    settle(&third, &rig.store).await;
    assert_eq!(
        statuses(&rig.store.anchors().await.expect("anchors")),
        [(3, AnchorStatus::Confirmed), (5, AnchorStatus::Confirmed)]
    );
    let all: Vec<_> = files.into_iter().chain(more).collect();
    rig.assert_every_leaf_anchored_once(&all).await;
    rig.finish().await;
}

#[tokio::test]
async fn a_reorg_that_drops_an_anchor_is_repaired() {
    let rig = Rig::new(Backend::Postgres).await;
    let files = rig.append(3).await;
    let snapshot = rig.rpc_call("evm_snapshot", serde_json::json!([])).await;
    let anchorer = rig.anchorer().await;
    settle(&anchorer, &rig.store).await;
    assert_eq!(statuses(&rig.store.anchors().await.expect("anchors")), [(3, AnchorStatus::Confirmed)]);

    // The block holding the anchor is reorganized away.
    rig.rpc_call("evm_revert", serde_json::json!([snapshot])).await;
    assert_eq!(rig.chain().await.root_for(3).await.expect("root"), B256::ZERO, "gone from the chain");
    settle(&anchorer, &rig.store).await;
    assert_eq!(statuses(&rig.store.anchors().await.expect("anchors")), [(3, AnchorStatus::Confirmed)]);
    rig.assert_every_leaf_anchored_once(&files).await;
    rig.finish().await;
}
