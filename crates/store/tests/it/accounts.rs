//! Accounts, creators and keys on both backends: uniqueness, one active key,
//! rotation and revocation, each atomic with its log entry.

use chrono::Utc;
use colophon_provenance::merkle;
use colophon_store::{
    KeyState, NewKey, NewLogEntry, StoreError,
    testing::{BACKENDS, TestDb},
};

fn entry(data: &[u8]) -> NewLogEntry<'_> {
    NewLogEntry {
        leaf_hash: merkle::leaf_hash(data),
        kind: 2,
        statement: data,
        public_key: [1; 32],
        signature: [2; 64],
        content_hash: None,
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn accounts_and_creator_profiles() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let id = store.create_account("ada@example.com", "$argon2id$…", Utc::now()).await.expect("create");
        let err = store.create_account("ada@example.com", "x", Utc::now()).await.expect_err("duplicate email");
        assert!(matches!(err, StoreError::Conflict { .. }), "{backend:?}");
        assert_eq!(store.account_credentials("ada@example.com").await.expect("q").map(|c| c.0), Some(id));
        assert_eq!(store.account_credentials("nobody@example.com").await.expect("q"), None);

        let acc = store.account(id).await.expect("q").expect("exists");
        assert_eq!((acc.email.as_str(), acc.creator.is_none()), ("ada@example.com", true));
        let cid = store.become_creator(id, "ada", "Ada Vector", "Plotter art.", Utc::now()).await.expect("creator");
        let again = store.become_creator(id, "ada2", "Ada", "", Utc::now()).await.expect_err("one profile per account");
        assert!(matches!(again, StoreError::Conflict { .. }), "{backend:?}");
        let other = store.create_account("bo@example.com", "x", Utc::now()).await.expect("create");
        let taken = store.become_creator(other, "ada", "Bo", "", Utc::now()).await.expect_err("handle taken");
        assert!(matches!(taken, StoreError::Conflict { .. }), "{backend:?}");

        store.update_creator_profile(cid, "Ada V.", "New bio").await.expect("update");
        let c = store.account(id).await.expect("q").expect("exists").creator.expect("creator");
        assert_eq!(
            (c.id, c.handle.as_str(), c.display_name.as_str(), c.bio.as_str()),
            (cid, "ada", "Ada V.", "New bio")
        );
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test]
async fn keys_register_rotate_and_revoke_with_their_log_entries() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let acc = store.create_account("ada@example.com", "x", Utc::now()).await.expect("create");
        let cid = store.become_creator(acc, "ada", "Ada", "", Utc::now()).await.expect("creator");

        let first =
            NewKey { creator_id: cid, key_id: [1; 32], public_key: [11; 32], entry: entry(b"reg 1"), replaces: None };
        let leaf = store.register_key(&first).await.expect("register");
        assert_eq!(leaf, 0);
        // A second first-key while one is active: refused, and the log did not grow.
        let second = NewKey { key_id: [2; 32], public_key: [12; 32], entry: entry(b"reg 2"), ..first.clone() };
        let err = store.register_key(&second).await.expect_err("one active key");
        assert!(matches!(err, StoreError::Conflict { .. }), "{backend:?}: {err:?}");
        assert_eq!(store.log_size().await.expect("size"), 1, "{backend:?}: failed registration left no log entry");

        // Rotation: the new key becomes active, the old one `rotated`, in one step.
        let rotate = NewKey { replaces: Some([1; 32]), entry: entry(b"rotate"), ..second.clone() };
        assert_eq!(store.register_key(&rotate).await.expect("rotate"), 1);
        let keys = store.creator_keys(cid).await.expect("keys");
        assert_eq!(
            keys.iter().map(|k| (k.key_id[0], k.status)).collect::<Vec<_>>(),
            [(2, KeyState::Active), (1, KeyState::Rotated)]
        );
        assert_eq!(keys[1].ended_leaf, Some(1));
        assert_eq!(keys[1].revoke_reason.as_deref(), Some("superseded"));
        // Rotating from a key that is no longer active is refused.
        let stale = NewKey {
            key_id: [3; 32],
            public_key: [13; 32],
            replaces: Some([1; 32]),
            entry: entry(b"stale"),
            ..first.clone()
        };
        assert!(matches!(store.register_key(&stale).await, Err(StoreError::Conflict { .. })), "{backend:?}");
        assert_eq!(store.log_size().await.expect("size"), 2);

        // Revocation, once.
        assert_eq!(store.revoke_key(&[2; 32], "compromised", &entry(b"revoke")).await.expect("revoke"), 2);
        let k = store.key(&[2; 32]).await.expect("q").expect("exists");
        assert_eq!(
            (k.status, k.revoke_reason.as_deref(), k.ended_leaf),
            (KeyState::Revoked, Some("compromised"), Some(2))
        );
        assert!(matches!(
            store.revoke_key(&[2; 32], "retired", &entry(b"again")).await,
            Err(StoreError::Conflict { .. })
        ));
        assert_eq!(store.log_size().await.expect("size"), 3, "{backend:?}");
        // With no active key left, a fresh registration is allowed again.
        let fresh = NewKey { key_id: [4; 32], public_key: [14; 32], entry: entry(b"fresh"), ..first.clone() };
        assert_eq!(store.register_key(&fresh).await.expect("fresh"), 3);
        store.close().await;
        db.drop_db().await;
    }
}
