//! Drafts, file versions (atomic with their log entry), uploads and status
//! moves on both backends.

use chrono::{Duration, Utc};
use colophon_store::{
    ListingDraft, ListingKind, ListingStatus, NewFile, NewLogEntry, StoreError, UploadRow,
    testing::{BACKENDS, TestDb, log_entry},
};

fn entry(data: &[u8]) -> NewLogEntry<'_> {
    NewLogEntry { content_hash: Some([9; 32]), ..log_entry(data) }
}

fn draft(creator_id: i64, slug: &str) -> ListingDraft<'_> {
    ListingDraft {
        creator_id,
        slug,
        kind: ListingKind::Edition,
        title: "Tidal Memory",
        description: "Ink.",
        price_minor: 4800,
        currency: "USD",
        edition_size: Some(12),
        sale_starts_at: None,
        sale_ends_at: Some(Utc::now() + Duration::days(7)),
        per_account_cap: Some(2),
        royalty_bps: 500,
        tags: "ink,tide",
        license_json: "{}",
        license_hash: [5; 32],
        created_at: Utc::now(),
    }
}

fn file<'a>(id: &'a str, listing_id: i64, upload: Option<&'a str>) -> NewFile<'a> {
    NewFile {
        id,
        listing_id,
        sha256: [3; 32],
        size: 1234,
        file_type: "png",
        storage_key: "ab/file.png",
        alt_hash: None,
        details: "{}",
        preview: true,
        phash: None,
        upload_id: upload,
        credits: &[],
    }
}

#[tokio::test]
async fn files_version_atomically_with_their_log_entry() {
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let acc = store.create_account("mira@example.com", "x", Utc::now()).await.expect("account");
        let cid = store.become_creator(acc, "mira", "Mira", "", Utc::now()).await.expect("creator");
        let id = store.create_draft(&draft(cid, "tidal")).await.expect("draft");
        assert!(matches!(store.create_draft(&draft(cid, "tidal")).await, Err(StoreError::Conflict { .. })));
        let l = store.listing(id).await.expect("q").expect("exists");
        assert_eq!(
            (l.status, l.files, l.license_hash, l.tags.as_str()),
            (ListingStatus::Draft, 0, Some([5; 32]), "ink,tide")
        );

        // No file yet: cannot publish; a draft cannot be archived.
        assert!(!store.set_listing_status(id, cid, ListingStatus::Published, Utc::now()).await.expect("q"));
        assert!(!store.set_listing_status(id, cid, ListingStatus::Archived, Utc::now()).await.expect("q"));

        let up = UploadRow {
            id: "upl_1".into(),
            account_id: acc,
            listing_id: id,
            size: 1234,
            sha256: [3; 32],
            received: 0,
            expires_at: Utc::now() + Duration::hours(24),
        };
        store.create_upload(&up, Utc::now()).await.expect("upload");
        assert!(store.advance_upload("upl_1", 0, 1000).await.expect("advance"));
        assert!(!store.advance_upload("upl_1", 0, 500).await.expect("stale advance"), "{backend:?}");
        assert_eq!(store.upload("upl_1").await.expect("q").expect("row").received, 1000);

        let (leaf, version) =
            store.register_file(&file("fil_1", id, Some("upl_1")), &entry(b"v1")).await.expect("register");
        assert_eq!((leaf, version), (0, 1));
        assert_eq!(store.upload("upl_1").await.expect("q"), None, "upload ended in the same transaction");
        let (leaf, version) = store.register_file(&file("fil_2", id, None), &entry(b"v2")).await.expect("register v2");
        assert_eq!((leaf, version), (1, 2));
        // A duplicate file id rolls back the log entry too.
        let err = store.register_file(&file("fil_2", id, None), &entry(b"dup")).await.expect_err("duplicate");
        assert!(matches!(err, StoreError::Conflict { .. }), "{backend:?}: {err:?}");
        assert_eq!(store.log_size().await.expect("size"), 2, "{backend:?}");

        let files = store.listing_files(id).await.expect("files");
        assert_eq!(
            files.iter().map(|f| (f.id.as_str(), f.version, f.log_leaf)).collect::<Vec<_>>(),
            [("fil_2", 2, 1), ("fil_1", 1, 0)]
        );
        assert_eq!(store.files_by_hash(&[3; 32]).await.expect("by hash").len(), 2);

        // Now it can be published (by its owner only), then archived.
        assert!(!store.set_listing_status(id, cid + 1, ListingStatus::Published, Utc::now()).await.expect("q"));
        assert!(store.set_listing_status(id, cid, ListingStatus::Published, Utc::now()).await.expect("q"));
        assert_eq!(store.published_listings(10).await.expect("q").len(), 1);
        assert!(store.set_listing_status(id, cid, ListingStatus::Archived, Utc::now()).await.expect("q"));
        assert_eq!(store.published_listings(10).await.expect("q").len(), 0);
        assert_eq!(store.creator_listings(cid).await.expect("q")[0].files, 2);
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test]
async fn near_duplicates_found_through_the_band_indexes_match_a_full_scan() {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let target = next() as i64;
    // Mostly unrelated hashes, and some at every distance 0..=14 from the target.
    let mut hashes: Vec<i64> = (0..240).map(|_| next() as i64).collect();
    for d in 0..=14u32 {
        for _ in 0..3 {
            let mut h = target;
            let mut flipped = 0;
            while flipped < d {
                let bit = next() % 64;
                if (h ^ target) >> bit & 1 == 0 {
                    h ^= 1 << bit;
                    flipped += 1;
                }
            }
            hashes.push(h);
        }
    }
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let acc = store.create_account("mira@example.com", "x", Utc::now()).await.expect("account");
        let cid = store.become_creator(acc, "mira", "Mira", "", Utc::now()).await.expect("creator");
        let id = store.create_draft(&draft(cid, "tidal")).await.expect("draft");
        let ids: Vec<String> = (0..hashes.len()).map(|i| format!("fil_{i:04}")).collect();
        for (i, h) in hashes.iter().enumerate() {
            let data = i.to_be_bytes();
            let f = NewFile { phash: Some(*h), ..file(&ids[i], id, None) };
            store.register_file(&f, &entry(&data)).await.expect("register");
        }
        for max in [0, 3, 7, 10, 13, 20] {
            let found = store.similar_files(target, max, 1000).await.expect("similar");
            let mut want: Vec<(u32, &str)> = hashes
                .iter()
                .zip(&ids)
                .map(|(h, id)| ((h ^ target).count_ones(), id.as_str()))
                .filter(|(d, _)| *d <= max)
                .collect();
            want.sort();
            let got: Vec<(u32, &str)> = found.iter().map(|f| (f.distance, f.file_id.as_str())).collect();
            assert_eq!(got, want, "{backend:?}: within {max} bits");
        }
        // Nearest first, cut at the limit.
        let top = store.similar_files(target, 10, 5).await.expect("similar");
        assert_eq!(top.len(), 5);
        assert!(top.windows(2).all(|w| w[0].distance <= w[1].distance));
        store.close().await;
        db.drop_db().await;
    }
}
