//! What a file is: its type by content, then the parser for its kind (image
//! limits and decode budget, workflow, LoRA header), decoded once per upload.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Uploads {
    /// Decodes upload `id`'s image once (bytes from `read`), within the
    /// memory budget: the cost is read from the header first, refused past
    /// [`DECODE_PER_UPLOAD`], and waits for its share of the total before a
    /// pixel is allocated. Concurrent callers share the one decode; the
    /// answer is kept until the upload completes or is discarded.
    pub(super) async fn decoded<F, Fut>(&self, id: &str, read: F) -> Decoded
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
    {
        let cell = self
            .decodes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(id.to_owned())
            .or_default()
            .clone();
        let (limits, budget) = (self.image_limits, self.decode_budget.clone());
        cell.get_or_init(|| async move {
            let bytes = read().await?;
            let (_, pixels) = colophon_formats::image::decode_cost(&bytes, &limits).map_err(|e| e.0)?;
            let cost = pixels.saturating_add(bytes.len() as u64);
            if cost > DECODE_PER_UPLOAD {
                let (need, max) = human_pair(cost, DECODE_PER_UPLOAD);
                return Err(format!(
                    "Decoding this image needs {need} of memory; the limit is {max} per image. \
                     Use fewer pixels or 8 bits per channel."
                ));
            }
            let permit = budget.reserve(cost).await;
            // The blocking decode runs to its end even if the request is gone; its
            // answer is kept for the next poll, and the permit is held until then.
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                colophon_previews::decode(&bytes, &limits)
                    .map(|(rgba, w, h)| (w, h, colophon_previews::phash::phash_rgba(&rgba, w, h)))
                    .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())?
        })
        .await
        .clone()
    }

    pub(super) fn forget_decode(&self, id: &str) {
        self.decodes.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(id);
    }

    /// Type by content, then the kind's parser and limits.
    pub(super) async fn inspect(
        &self,
        id: &str,
        kind: ListingKind,
        head: Vec<u8>,
        size: u64,
    ) -> Result<Inspected, HttpError> {
        let head_ref: &[u8] = &head;
        let sniffed = colophon_formats::sniff(head_ref);
        let expected = match kind {
            ListingKind::Edition => "a PNG, JPEG or WebP image",
            ListingKind::Workflow => "a ComfyUI workflow (JSON)",
            ListingKind::Lora => "a LoRA in the safetensors format",
        };
        let wrong_type = || {
            bad(format!(
                "This listing takes {expected}, but the file is {}.",
                sniffed.map_or("of an unsupported type".to_owned(), |t| format!("a {} file", t.extension()))
            ))
        };
        match kind {
            ListingKind::Edition => {
                let t = sniffed.filter(|t| t.is_image()).ok_or_else(wrong_type)?;
                // What made it (PNG text chunks, JPEG/WebP EXIF) is read first, bounded, and never fails the upload.
                let (generation, head) = tokio::task::spawn_blocking(move || {
                    let generation = colophon_formats::generation::from_image(&head);
                    (generation, head)
                })
                .await
                .map_err(internal)?;
                // Decoding proves the image whole; the perceptual hash comes from the same pixels.
                // A status poll may have decoded it already: then that answer is used.
                let (width, height, phash) = self.decoded(id, || async move { Ok(head) }).await.map_err(bad)?;
                let credits = generation.as_ref().map(|g| g.credited_hashes()).unwrap_or_default();
                let mut details =
                    serde_json::json!({"width": width, "height": height, "perceptual_hash": phash.to_hex()});
                if let Some(g) = generation {
                    details["generation"] = serde_json::to_value(g).map_err(internal)?;
                }
                Ok(Inspected {
                    file_type: t,
                    details,
                    alt_hash: None,
                    parents: vec![],
                    phash: Some(phash.as_i64()),
                    credits,
                })
            }
            ListingKind::Workflow => {
                let t = sniffed.filter(|t| *t == FileType::Json).ok_or_else(wrong_type)?;
                let w = Workflow::parse(head_ref).map_err(|e| bad(e.0))?;
                let parents = w.pinned_hashes();
                let details = serde_json::json!({
                    "format": w.format,
                    "node_count": w.nodes.len(),
                    "link_count": w.link_count,
                    "node_types": workflow::node_type_counts(&w),
                    "models": w.models,
                    "canonical_hash": w.canonical_hash,
                });
                Ok(Inspected {
                    file_type: t,
                    details,
                    alt_hash: Some(w.canonical_hash),
                    parents,
                    phash: None,
                    credits: vec![],
                })
            }
            ListingKind::Lora => {
                let t = sniffed.filter(|t| *t == FileType::Safetensors).ok_or_else(wrong_type)?;
                let h = lora::parse_header(head_ref, size, lora::DEFAULT_MAX_HEADER).map_err(|e| bad(e.0))?;
                let parents = h.info.base_model_hash.into_iter().collect();
                let details = serde_json::to_value(&h.info).map_err(internal)?;
                Ok(Inspected { file_type: t, details, alt_hash: None, parents, phash: None, credits: vec![] })
            }
        }
    }
}

pub(super) struct Inspected {
    pub(super) file_type: FileType,
    pub(super) details: serde_json::Value,
    pub(super) alt_hash: Option<ContentHash>,
    pub(super) parents: Vec<ContentHash>,
    pub(super) phash: Option<i64>,
    /// What an image's generation metadata credits (kind, hex prefix).
    pub(super) credits: Vec<(String, String)>,
}
