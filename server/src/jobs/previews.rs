//! The preview worker: claims jobs from the database queue, renders them with
//! the GPU or CPU renderer (`colophon-previews`), stores three JPEGs in the
//! object store and records them with the file's perceptual hash.
//!
//! Jobs are leased for [`LEASE`]: a worker killed mid-render leaves its jobs
//! `running` with an expired lease, and the next claim takes them again.
//! Several server processes may share the queue (PostgreSQL skips rows
//! another worker holds). Previews are made from the original but never are
//! the original: always downscaled or re-encoded, always watermarked.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use colophon_formats::image::ImageLimits;
use colophon_previews::{PreviewError, Rendered, Renderer, Source};
use colophon_store::{MAX_PREVIEW_ATTEMPTS, NewPreview, PreviewJob, Store};
use object_store::{ObjectStore, ObjectStoreExt as _, path::Path as ObjectPath};

/// How long a claimed job is a worker's before another may take it.
pub const LEASE: Duration = Duration::from_secs(600);
const IDLE_POLL: Duration = Duration::from_millis(1000);

#[derive(Clone)]
pub struct PreviewWorker {
    store: Store,
    objects: Arc<dyn ObjectStore>,
    renderer: Renderer,
    limits: ImageLimits,
    /// Shared with upload checks: a batch reserves what its originals take to decode.
    budget: crate::decode_budget::DecodeBudget,
    /// Jobs rendered at once (the GPU renderer batches their submissions on one device).
    parallel: usize,
}

/// A rendered job: previews, hash and the JPEGs to store.
struct Done {
    rendered: Rendered,
    jpegs: Vec<Vec<u8>>,
}

type JobResult<T> = Result<T, (String, bool)>;

/// Decodes every fetched original (side by side), renders those that decoded
/// in one batch and encodes their JPEGs. A file that cannot be decoded will not
/// decode next time either: that failure is permanent.
fn render_all(
    renderer: &Renderer,
    limits: &ImageLimits,
    originals: Vec<JobResult<bytes::Bytes>>,
    creators: &[String],
) -> Vec<JobResult<Done>> {
    use rayon::prelude::*;
    let fail = |e: PreviewError| {
        let permanent = matches!(e, PreviewError::Input(_));
        (e.to_string(), permanent)
    };
    let decoded: Vec<JobResult<(Vec<u8>, u32, u32)>> = originals
        .into_par_iter()
        .map(|o| o.and_then(|bytes| colophon_previews::decode(&bytes, limits).map_err(fail)))
        .collect();
    let mut results: Vec<JobResult<Done>> = Vec::with_capacity(decoded.len());
    let mut items = Vec::new();
    let mut slots = Vec::new();
    for (i, d) in decoded.iter().enumerate() {
        match d {
            Ok((rgba, w, h)) => match Source::new(rgba, *w, *h) {
                Ok(src) => {
                    items.push((src, creators[i].as_str()));
                    slots.push(i);
                    results.push(Err((String::new(), false)));
                }
                Err(e) => results.push(Err(fail(e))),
            },
            Err(e) => results.push(Err(e.clone())),
        }
    }
    let rendered = renderer.render_batch(&items);
    let encoded: Vec<JobResult<Done>> = rendered
        .into_par_iter()
        .map(|r| {
            let rendered = r.map_err(fail)?;
            let jpegs = rendered.previews.iter().map(|p| p.to_jpeg()).collect::<Result<Vec<_>, _>>().map_err(fail)?;
            Ok(Done { rendered, jpegs })
        })
        .collect();
    for (slot, r) in slots.into_iter().zip(encoded) {
        results[slot] = r;
    }
    results
}

/// Where a file's preview lives in the object store.
pub fn preview_key(file_id: &str, long_edge: u32) -> String {
    format!("previews/{file_id}/{long_edge}.jpg")
}

impl PreviewWorker {
    pub fn new(
        store: Store,
        objects: Arc<dyn ObjectStore>,
        renderer: Renderer,
        limits: ImageLimits,
        budget: crate::decode_budget::DecodeBudget,
        parallel: usize,
    ) -> Self {
        Self { store, objects, renderer, limits, budget, parallel: parallel.max(1) }
    }

    pub fn describe(&self) -> String {
        self.renderer.describe()
    }

    pub async fn run(self, stop: tokio::sync::watch::Receiver<bool>) {
        tracing::info!(renderer = %self.renderer.describe(), parallel = self.parallel, "preview worker started");
        super::poll("preview queue", IDLE_POLL, stop, || self.run_once()).await;
    }

    /// Claims and renders one batch; returns how many jobs it took. The
    /// batch's images are decoded side by side and rendered in one call (one
    /// GPU submission on the GPU renderer); each job then succeeds or fails alone.
    pub async fn run_once(&self) -> Result<usize, colophon_store::StoreError> {
        let now = Utc::now();
        let lease = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let jobs = self.store.claim_preview_jobs(self.parallel as i64, now, lease).await?;
        let n = jobs.len();
        if n == 0 {
            return Ok(0);
        }
        let started = Instant::now();
        let originals = futures::future::join_all(jobs.iter().map(|job| self.fetch(job))).await;
        let (renderer, limits) = (self.renderer.clone(), self.limits);
        // The batch's memory comes out of the shared budget, read from the
        // headers: each file, its decode, and the resizer's working copies
        // (at most one more RGBA8 image's worth: the cascade's first level
        // and the convolution's intermediate are each smaller than the source).
        let cost: u64 = originals
            .iter()
            .filter_map(|o| o.as_ref().ok())
            .map(|b| {
                colophon_formats::image::decode_cost(b, &limits)
                    .map_or(0, |(info, decode)| decode + u64::from(info.width) * u64::from(info.height) * 4)
                    + b.len() as u64
            })
            .sum();
        let reserved = self.budget.reserve(cost).await;
        let creators: Vec<String> = jobs.iter().map(|j| j.creator_name.clone()).collect();
        let rendered = tokio::task::spawn_blocking(move || {
            let _reserved = reserved;
            render_all(&renderer, &limits, originals, &creators)
        })
        .await;
        let rendered = match rendered {
            Ok(r) => r,
            Err(e) => jobs.iter().map(|_| Err((format!("the render task failed: {e}"), false))).collect(),
        };
        let render_ms = started.elapsed().as_millis() as i64;
        metrics::histogram!("colophon_preview_render_seconds", "backend" => self.renderer.kind())
            .record(started.elapsed().as_secs_f64());
        let finished = jobs.iter().zip(rendered).map(|(job, result)| async move {
            let result = match result {
                Ok(r) => self.store_previews(job, r, render_ms).await,
                Err(e) => Err(e),
            };
            if result.is_ok() {
                metrics::counter!("colophon_previews_rendered_total", "backend" => self.renderer.kind()).increment(1);
            }
            self.record(job, result).await;
        });
        futures::future::join_all(finished).await;
        Ok(n)
    }

    async fn record(&self, job: &PreviewJob, result: Result<(), (String, bool)>) {
        match result {
            Ok(()) => tracing::info!(file_id = %job.file_id, "previews rendered"),
            Err((e, permanent)) => {
                let retry = !permanent && job.attempts < MAX_PREVIEW_ATTEMPTS;
                let retry_at = retry.then(|| Utc::now() + chrono::Duration::seconds(5 << job.attempts.clamp(0, 6)));
                tracing::warn!(file_id = %job.file_id, attempt = job.attempts, retry, error = %e, "preview job failed");
                if let Err(e) = self.store.fail_preview_job(job.id, &e, Utc::now(), retry_at).await {
                    tracing::warn!(error = %e, "could not record a preview failure");
                }
            }
        }
    }

    async fn fetch(&self, job: &PreviewJob) -> Result<bytes::Bytes, (String, bool)> {
        let transient = |e: &dyn std::fmt::Display| (e.to_string(), false);
        self.objects
            .get(&ObjectPath::from(job.storage_key.as_str()))
            .await
            .map_err(|e| transient(&e))?
            .bytes()
            .await
            .map_err(|e| transient(&e))
    }

    /// Stores one job's JPEGs and records them; the error says whether retrying can help.
    async fn store_previews(&self, job: &PreviewJob, done: Done, render_ms: i64) -> Result<(), (String, bool)> {
        let transient = |e: &dyn std::fmt::Display| (e.to_string(), false);
        let Done { rendered, jpegs } = done;
        if let Some(stored) = job.phash
            && stored != rendered.phash.as_i64()
        {
            tracing::error!(file_id = %job.file_id, stored = %colophon_previews::PHash::from_i64(stored), rendered = %rendered.phash,
                "the renderer's perceptual hash differs from the upload's: renderers disagree");
        }
        let mut keys = Vec::with_capacity(jpegs.len());
        for (p, jpeg) in rendered.previews.iter().zip(jpegs) {
            let key = preview_key(&job.file_id, p.long_edge);
            let bytes = jpeg.len() as i64;
            self.objects.put(&ObjectPath::from(key.as_str()), jpeg.into()).await.map_err(|e| transient(&e))?;
            keys.push((key, p, bytes));
        }
        let rows: Vec<NewPreview<'_>> = keys
            .iter()
            .map(|(key, p, bytes)| NewPreview {
                long_edge: i64::from(p.long_edge),
                width: i64::from(p.width),
                height: i64::from(p.height),
                storage_key: key,
                bytes: *bytes,
            })
            .collect();
        self.store
            .finish_preview_job(
                job.id,
                &job.file_id,
                &rows,
                rendered.phash.as_i64(),
                &self.renderer.describe(),
                render_ms,
                Utc::now(),
            )
            .await
            .map_err(|e| transient(&e))
    }
}
