//! The Merkle log and the anchor outbox on both backends.

use chrono::{DateTime, TimeZone, Utc};
use colophon_provenance::merkle::{self, MemoryTree, verify_consistency, verify_inclusion};
use colophon_store::{
    AnchorStatus, AnchorUpdate, NewLogEntry, StoreError,
    testing::{BACKENDS, TestDb},
};

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_795_000_000, 0).single().expect("time")
}

fn entry(data: &[u8]) -> NewLogEntry<'_> {
    NewLogEntry {
        leaf_hash: merkle::leaf_hash(data),
        kind: 1,
        statement: data,
        public_key: [1; 32],
        signature: [2; 64],
        content_hash: None,
        created_at: now(),
    }
}

#[tokio::test]
async fn log_roots_and_proofs_match_the_reference_tree() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        assert_eq!(store.log_size().await.expect("size"), 0);
        assert_eq!(store.log_root(0).await.expect("root"), merkle::EMPTY_ROOT);

        let mut reference = MemoryTree::new();
        let data: Vec<Vec<u8>> = (0..37u32).map(|i| format!("statement {i}").into_bytes()).collect();
        for (i, d) in data.iter().enumerate() {
            assert_eq!(store.append_log_entry(&entry(d)).await.expect("append"), i as u64, "{backend:?}");
            reference.push(d);
        }
        assert_eq!(store.log_size().await.expect("size"), 37);
        for size in [1, 2, 7, 8, 16, 31, 37] {
            let root = store.log_root(size).await.expect("root");
            assert_eq!(root, merkle::root(&reference, size).expect("root"), "{backend:?} size {size}");
        }
        let root = store.log_root(37).await.expect("root");
        for index in [0, 5, 31, 36] {
            let proof = store.inclusion_proof(index, 37).await.expect("proof");
            verify_inclusion(&merkle::leaf_hash(&data[index as usize]), index, 37, &proof, &root).expect("verifies");
        }
        let old_root = store.log_root(13).await.expect("root");
        let proof = store.consistency_proof(13, 37).await.expect("proof");
        verify_consistency(13, 37, &old_root, &root, &proof).expect("consistent");
        assert!(store.inclusion_proof(37, 37).await.is_err(), "no leaf past the end");
        assert!(store.inclusion_proof(0, 38).await.is_err(), "no tree larger than the log");

        let row = store.log_entry(5).await.expect("entry").expect("exists");
        assert_eq!(row.statement, data[5]);
        assert_eq!(row.leaf_hash, merkle::leaf_hash(&data[5]));
        assert!(store.log_entry(99).await.expect("entry").is_none());
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test]
async fn concurrent_appends_get_distinct_dense_indexes() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let data: Vec<Vec<u8>> = (0..40u32).map(|i| format!("concurrent {i}").into_bytes()).collect();
        let mut indexes: Vec<u64> = futures::future::join_all(data.iter().map(|d| {
            let store = store.clone();
            async move { store.append_log_entry(&entry(d)).await.expect("append") }
        }))
        .await;
        indexes.sort_unstable();
        assert_eq!(indexes, (0..40).collect::<Vec<_>>(), "{backend:?}");
        // The stored tree is the tree of the entries in index order.
        let mut reference = MemoryTree::new();
        for i in 0..40 {
            reference.push_hash(store.log_entry(i).await.expect("entry").expect("exists").leaf_hash);
        }
        assert_eq!(store.log_root(40).await.expect("root"), reference.root(), "{backend:?}");
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test]
async fn the_anchor_outbox_records_each_size_once() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let root = [7u8; 32];
        store.insert_anchor_intent(10, &root, 31337, "0xabc", now()).await.expect("intent");
        let err = store.insert_anchor_intent(10, &root, 31337, "0xabc", now()).await.expect_err("twice");
        assert!(matches!(err, StoreError::Conflict { .. }), "{backend:?}: {err:?}");

        let sent = AnchorUpdate {
            status: AnchorStatus::Sent,
            tx_hash: Some("0xfeed"),
            block_number: None,
            attempted: true,
            last_error: None,
            at: now(),
        };
        store.update_anchor(10, &sent).await.expect("sent");
        // A confirmed anchor needs its transaction and block (database constraint).
        let bad = AnchorUpdate { status: AnchorStatus::Confirmed, tx_hash: None, ..sent.clone() };
        assert!(store.update_anchor(10, &bad).await.is_err(), "{backend:?}");
        let confirmed =
            AnchorUpdate { status: AnchorStatus::Confirmed, block_number: Some(5), attempted: false, ..sent };
        store.update_anchor(10, &confirmed).await.expect("confirmed");

        let rows = store.anchors().await.expect("anchors");
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].status, rows[0].attempts, rows[0].block_number), (AnchorStatus::Confirmed, 1, Some(5)));
        assert_eq!(store.confirmed_anchor_covering(3).await.expect("covering").map(|a| a.tree_size), Some(10));
        assert!(store.confirmed_anchor_covering(11).await.expect("covering").is_none());
        store.close().await;
        db.drop_db().await;
    }
}
