//! `complete`: the creator's signed statement checked against what the
//! server computed, then one transaction that logs and registers the file.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Uploads {
    /// Verifies, stores and registers the upload. Any failure discards it.
    pub async fn complete(
        &self,
        account: &AccountRow,
        id: &str,
        req: CompleteUpload,
    ) -> Result<RegisteredFile, HttpError> {
        let _completing = self.claim(id)?;
        let u = self.owned_upload(account, id).await?;
        if u.received != u.size {
            return Err(HttpError::Conflict(format!(
                "Only {} of {} bytes have arrived; resume the upload.",
                u.received, u.size
            )));
        }
        let listing = self.owned_listing(account, u.listing_id).await?;
        let creator = Self::creator(account)?.clone();
        // Check the signature before touching the bytes: a bad one is the
        // client's mistake to fix, and the staged upload stays resumable.
        let signed = self.check_signature(&creator, &req).await?;
        let result = self.store_and_register(&u, &listing, &signed).await;
        if let Err(e) = &result
            && !matches!(e, HttpError::Unavailable { .. } | HttpError::Internal(_))
        {
            // The file itself was refused: nothing of it is kept.
            self.discard(id).await;
        } else if result.is_ok() {
            self.forget_decode(id);
            let _ = tokio::fs::remove_file(self.staging_path(id)).await;
        }
        result
    }

    pub(super) fn claim(&self, id: &str) -> Result<Completing, HttpError> {
        let mut set = self.completing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !set.insert(id.to_owned()) {
            return Err(HttpError::Conflict(
                "This upload is already being completed by another request; ask for its status in a moment.".into(),
            ));
        }
        Ok(Completing { set: self.completing.clone(), id: id.to_owned() })
    }

    pub(super) async fn check_signature(
        &self,
        creator: &colophon_store::CreatorRow,
        req: &CompleteUpload,
    ) -> Result<SignedStatement, HttpError> {
        if req.statement_hex.len() > 64 * 1024 {
            return Err(bad("The statement is too long."));
        }
        let bytes = hex::decode(req.statement_hex.trim()).map_err(|_| bad("statement_hex must be hex."))?;
        let signature: [u8; 64] = hex::decode(req.signature_hex.trim())
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| bad("signature_hex must be 128 hex digits."))?;
        let keys = self.store.creator_keys(creator.id).await?;
        let active = keys
            .iter()
            .find(|k| k.status == KeyState::Active)
            .ok_or_else(|| HttpError::Conflict("You have no active signing key.".into()))?;
        let pk = PublicKey::from_bytes(&active.public_key).map_err(internal)?;
        SignedStatement::verify(&bytes, pk, signature).map_err(|e| match e {
            // The statement itself is malformed (not UTF-8 text, an unknown tag …): the signature is not the problem.
            colophon_provenance::statement::SignedStatementError::Statement(e) => {
                bad(format!("The statement cannot be read: {e}. See docs/FORMATS.md for its encoding."))
            }
            e => {
                bad(format!("The signature does not verify with your active key ({}): {e}.", pk.key_id().fingerprint()))
            }
        })
    }

    pub(super) async fn store_and_register(
        &self,
        u: &UploadRow,
        listing: &colophon_store::ListingRecord,
        signed: &SignedStatement,
    ) -> Result<RegisteredFile, HttpError> {
        // One pass over the staged bytes: into the object store, through the hashers.
        let key = ObjectPath::from(format!("{}/{}", listing.id, u.id));
        let keep_all = listing.kind != ListingKind::Lora;
        // If this future is dropped (the request timed out or its client left)
        // or a panic unwinds through it, the guard removes what was stored,
        // unless the file got registered after all.
        let mut guard = StoredObject {
            uploads: self.clone(),
            key: key.clone(),
            file_id: u.id.clone(),
            sha256: u.sha256,
            armed: true,
        };
        let (hashes, head) = self.copy_to_store(u, &key, keep_all).await?;
        let outcome = async {
            if hashes.file.0 != u.sha256 {
                return Err(bad(format!(
                    "The file's SHA-256 is {} but the upload declared {}: the file changed or was damaged in transit.",
                    hashes.file,
                    ContentHash(u.sha256)
                )));
            }
            let inspected = self.inspect(&u.id, listing.kind, head, u.size as u64).await?;
            self.check_statement(signed, u, listing, &inspected)?;
            let details = serde_json::to_string(&inspected.details).map_err(internal)?;
            let alt_hash = match listing.kind {
                ListingKind::Lora => hashes.tensor_data.map(|h| h.0),
                ListingKind::Workflow => inspected.alt_hash.map(|h| h.0),
                ListingKind::Edition => None,
            };
            let now = Utc::now();
            let entry = NewLogEntry::from_signed(signed, now);
            let new = NewFile {
                id: &u.id,
                listing_id: listing.id,
                sha256: u.sha256,
                size: u.size,
                file_type: inspected.file_type.extension(),
                storage_key: key.as_ref(),
                alt_hash,
                details: &details,
                preview: listing.kind == ListingKind::Edition,
                phash: inspected.phash,
                upload_id: Some(&u.id),
                credits: &inspected.credits,
            };
            let similar = match inspected.phash {
                Some(p) => self.store.similar_files(p, SIMILAR_DISTANCE, 20).await?,
                None => vec![],
            };
            let (leaf_index, version) = self.store.register_file(&new, &entry).await.map_err(|e| match e {
                // The file id is the upload id: a second `complete` of the same upload lost the race.
                colophon_store::StoreError::Conflict { .. } => {
                    HttpError::Conflict("This upload has already been completed.".into())
                }
                e => e.into(),
            })?;
            tracing::info!(file_id = %u.id, listing = listing.id, leaf_index, version, "file registered");
            Ok(RegisteredFile {
                file_id: u.id.clone(),
                version,
                leaf_index,
                sha256: ContentHash(u.sha256).to_hex(),
                size: u.size as u64,
                file_type: inspected.file_type.as_str().to_owned(),
                alt_hash: alt_hash.map(hex::encode),
                details: inspected.details,
                signer_fingerprint: signed.public_key.key_id().fingerprint(),
                perceptual_hash: inspected.phash.map(|p| colophon_previews::PHash::from_i64(p).to_hex()),
                similar: similar.into_iter().map(similar_view).collect(),
            })
        }
        .await;
        // Two `complete`s of one upload write the same key with the same bytes;
        // the one that lost must not delete what the winner registered. When
        // in doubt (the database does not answer), keep the object: an
        // unreferenced one harms nobody, a missing registered one does.
        if outcome.is_err()
            && !self.is_registered(&u.id, &u.sha256).await.unwrap_or(true)
            && let Err(e) = self.objects.delete(&key).await
        {
            tracing::warn!(error = %e, key = %key, "could not delete a refused file from the object store");
        }
        guard.armed = false;
        outcome
    }

    /// Every field of the signed statement must match what the server knows.
    pub(super) fn check_statement(
        &self,
        signed: &SignedStatement,
        u: &UploadRow,
        listing: &colophon_store::ListingRecord,
        inspected: &Inspected,
    ) -> Result<(), HttpError> {
        let Statement::ContentRegistered {
            content_hash,
            content_kind,
            size,
            creator_key,
            listing_id,
            file_id,
            parents,
            license_terms,
            perceptual_hash,
            time_ms,
        } = &signed.statement
        else {
            return Err(bad("Files are registered with a ContentRegistered statement."));
        };
        let expected_kind = colophon_catalog::registration::content_kind(listing.kind);
        let mismatch = |field: &str| bad(format!("The statement's {field} does not match this upload."));
        if content_hash.0 != u.sha256 {
            return Err(mismatch("content_hash"));
        }
        if *content_kind != expected_kind {
            return Err(mismatch("content_kind"));
        }
        if *size != u.size as u64 {
            return Err(mismatch("size"));
        }
        if *creator_key != signed.public_key.key_id() {
            return Err(mismatch("creator_key"));
        }
        if *listing_id != listing.slug {
            return Err(mismatch("listing_id"));
        }
        if *file_id != u.id {
            return Err(mismatch("file_id"));
        }
        if license_terms.map(|h| h.0) != listing.license_hash {
            return Err(mismatch("license_terms"));
        }
        if let Some(p) = parents.iter().find(|p| !inspected.parents.contains(p)) {
            return Err(bad(format!("The statement names parent {p}, which the file does not reference.")));
        }
        // Optional in the statement; when present it must be the hash Colophon computes (docs/FORMATS.md §12).
        if let Some(p) = perceptual_hash {
            let ours = inspected.phash.map(|v| v.to_be_bytes().to_vec());
            if ours.as_deref() != Some(p.as_slice()) {
                return Err(bad(match inspected.phash {
                    Some(v) => format!(
                        "The statement's perceptual_hash is {} but this image's is {}.",
                        hex::encode(p),
                        colophon_previews::PHash::from_i64(v)
                    ),
                    None => "Only images have a perceptual_hash.".to_owned(),
                }));
            }
        }
        let now = u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0);
        if time_ms.abs_diff(now) > STATEMENT_SKEW_MS {
            return Err(bad("The statement's time is more than a day off. Check your clock."));
        }
        Ok(())
    }
}
