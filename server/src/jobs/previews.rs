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
use colophon_previews::{PreviewError, Renderer, Source};
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
    /// Jobs rendered at once (the GPU renderer batches their submissions on one device).
    parallel: usize,
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
        parallel: usize,
    ) -> Self {
        Self { store, objects, renderer, limits, parallel: parallel.max(1) }
    }

    pub fn describe(&self) -> String {
        self.renderer.describe()
    }

    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        tracing::info!(renderer = %self.renderer.describe(), parallel = self.parallel, "preview worker started");
        loop {
            if *stop.borrow() {
                break;
            }
            let n = match self.run_once().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "preview queue unavailable");
                    0
                }
            };
            if n == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = stop.changed() => break,
                }
            }
        }
    }

    /// Claims and renders one batch; returns how many jobs it took.
    pub async fn run_once(&self) -> Result<usize, colophon_store::StoreError> {
        let now = Utc::now();
        let lease = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let jobs = self.store.claim_preview_jobs(self.parallel as i64, now, lease).await?;
        let n = jobs.len();
        let tasks: Vec<_> = jobs
            .into_iter()
            .map(|job| {
                let me = self.clone();
                tokio::spawn(async move { me.process(job).await })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
        Ok(n)
    }

    async fn process(&self, job: PreviewJob) {
        let started = Instant::now();
        match self.render(&job).await {
            Ok(()) => {
                tracing::info!(file_id = %job.file_id, ms = started.elapsed().as_millis() as u64, "previews rendered");
            }
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

    /// Renders one job; the error says what went wrong and whether retrying can help.
    async fn render(&self, job: &PreviewJob) -> Result<(), (String, bool)> {
        let transient = |e: &dyn std::fmt::Display| (e.to_string(), false);
        let original = self
            .objects
            .get(&ObjectPath::from(job.storage_key.as_str()))
            .await
            .map_err(|e| transient(&e))?
            .bytes()
            .await
            .map_err(|e| transient(&e))?;
        let (renderer, limits, creator) = (self.renderer.clone(), self.limits, job.creator_name.clone());
        let started = Instant::now();
        let (rendered, jpegs) = tokio::task::spawn_blocking(move || {
            let (rgba, w, h) = colophon_previews::decode(&original, &limits)?;
            let rendered = renderer.render(&Source::new(&rgba, w, h)?, &creator)?;
            let jpegs = rendered.previews.iter().map(|p| p.to_jpeg()).collect::<Result<Vec<_>, _>>()?;
            Ok::<_, PreviewError>((rendered, jpegs))
        })
        .await
        .map_err(|e| transient(&e))?
        .map_err(|e| {
            // A file that cannot be decoded will not decode next time either.
            let permanent = matches!(e, PreviewError::Input(_));
            (e.to_string(), permanent)
        })?;
        let render_ms = started.elapsed().as_millis() as i64;
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
