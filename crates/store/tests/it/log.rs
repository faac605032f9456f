//! The Merkle log and the anchor outbox on both backends.

use chrono::{DateTime, TimeZone, Utc};
use colophon_provenance::merkle::{self, MemoryTree, verify_consistency, verify_inclusion};
use colophon_store::{
    AnchorStatus, AnchorUpdate, NewLogEntry, StoreError,
    testing::{BACKENDS, TestDb, log_entry},
};

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_795_000_000, 0).single().expect("time")
}

fn entry(data: &[u8]) -> NewLogEntry<'_> {
    NewLogEntry { created_at: now(), ..log_entry(data) }
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
        // Many proofs from one read of their nodes: the same proofs, in order.
        let pairs = [(0, 37), (36, 37), (5, 8), (12, 13), (0, 1), (31, 32)];
        let batch = store.inclusion_proofs(&pairs).await.expect("proofs");
        assert_eq!(batch.len(), pairs.len());
        for (&(index, size), proof) in pairs.iter().zip(&batch) {
            assert_eq!(proof, &store.inclusion_proof(index, size).await.expect("proof"), "{backend:?} {index}/{size}");
            let root = store.log_root(size).await.expect("root");
            verify_inclusion(&merkle::leaf_hash(&data[index as usize]), index, size, proof, &root).expect("verifies");
        }
        assert!(store.inclusion_proofs(&[(0, 37), (40, 41)]).await.is_err(), "one bad pair fails the batch");
        assert!(store.inclusion_proofs(&[]).await.expect("none").is_empty());
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
            AnchorUpdate { status: AnchorStatus::Confirmed, block_number: Some(5), attempted: false, ..sent.clone() };
        store.update_anchor(10, &confirmed).await.expect("confirmed");

        let rows = store.anchors().await.expect("anchors");
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].status, rows[0].attempts, rows[0].block_number), (AnchorStatus::Confirmed, 1, Some(5)));
        assert_eq!(store.confirmed_anchor_covering(3).await.expect("covering").map(|a| a.tree_size), Some(10));
        assert!(store.confirmed_anchor_covering(11).await.expect("covering").is_none());
        assert_eq!(store.latest_confirmed_anchor().await.expect("latest").map(|a| a.tree_size), Some(10));

        // A pending anchor covers nothing; the smallest confirmed one at or above a size does.
        store.insert_anchor_intent(15, &root, 31337, "0xabc", now()).await.expect("intent");
        store.insert_anchor_intent(20, &root, 31337, "0xabc", now()).await.expect("intent");
        store
            .update_anchor(20, &AnchorUpdate { tx_hash: Some("0xbeef"), block_number: Some(9), ..confirmed.clone() })
            .await
            .expect("confirmed");
        for (size, want) in [(3, Some(10)), (10, Some(10)), (11, Some(20)), (16, Some(20)), (20, Some(20)), (21, None)]
        {
            let got = store.confirmed_anchor_covering(size).await.expect("covering").map(|a| a.tree_size);
            assert_eq!(got, want, "{backend:?} covering {size}");
        }
        assert_eq!(store.latest_confirmed_anchor().await.expect("latest").map(|a| a.tree_size), Some(20));

        // A reconciliation pass reads the unfinished anchors and the recently confirmed ones.
        let sizes = |rows: Vec<colophon_store::AnchorRow>| rows.iter().map(|a| a.tree_size).collect::<Vec<_>>();
        for (since, want) in [(0, vec![10, 15, 20]), (5, vec![10, 15, 20]), (6, vec![15, 20]), (10, vec![15])] {
            assert_eq!(
                sizes(store.anchors_to_reconcile(since).await.expect("open")),
                want,
                "{backend:?} since {since}"
            );
        }
        assert_eq!(store.latest_live_anchor_size().await.expect("live"), 20);
        let superseded = AnchorUpdate { status: AnchorStatus::Superseded, ..confirmed.clone() };
        store.update_anchor(20, &superseded).await.expect("superseded");
        assert_eq!(
            store.latest_live_anchor_size().await.expect("live"),
            15,
            "{backend:?}: a superseded size is not live"
        );
        assert_eq!(sizes(store.anchors_to_reconcile(0).await.expect("open")), [10, 15]);
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_hashs_entries_come_as_registrations_and_pages_of_sales() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let (ours, other) = ([5u8; 32], [6u8; 32]);
        // Leaves 0..30: a registration of ours at 0 and 17, one of another hash at 1;
        // sales (kind 5) and licences (kind 6) of ours elsewhere, of the other at every 7th.
        let data: Vec<Vec<u8>> = (0..30u32).map(|i| format!("statement {i}").into_bytes()).collect();
        let mut ours_sales = Vec::new();
        for (i, d) in data.iter().enumerate() {
            let (kind, hash) = match i {
                0 | 17 => (1, ours),
                1 => (1, other),
                i if i % 7 == 0 => (5, other),
                i => {
                    ours_sales.push(i as u64);
                    (if i % 2 == 0 { 5 } else { 6 }, ours)
                }
            };
            store.append_log_entry(&NewLogEntry { kind, content_hash: Some(hash), ..entry(d) }).await.expect("append");
        }
        ours_sales.reverse();

        let first = store.content_entries(&ours, None, 10).await.expect("page");
        let leaves = |rows: &[colophon_store::LogEntryRow]| rows.iter().map(|r| r.leaf_index).collect::<Vec<_>>();
        assert_eq!(leaves(&first.registrations), [0, 17], "{backend:?}");
        assert_eq!(first.sales_total, ours_sales.len() as u64);
        assert_eq!(leaves(&first.sales), ours_sales[..10], "newest first");
        assert_eq!(first.sales[0].statement, data[ours_sales[0] as usize]);
        let cursor = first.sales.last().map(|r| r.leaf_index);
        let rest = store.content_entries(&ours, cursor, 100).await.expect("page");
        assert_eq!(leaves(&rest.sales), ours_sales[10..], "{backend:?}: the rest, no overlap");
        assert_eq!(rest.sales_total, first.sales_total);
        assert!(store.content_entries(&ours, Some(0), 10).await.expect("page").sales.is_empty());

        let none = store.content_entries(&[9; 32], None, 10).await.expect("page");
        assert_eq!(none, colophon_store::ContentEntries::default());
        store.close().await;
        db.drop_db().await;
    }
}
