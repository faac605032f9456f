//! The Studio's preview queue: every image file's preview job, its state,
//! attempts, last error and which renderer made it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewJobView {
    pub listing_title: String,
    pub listing_slug: String,
    pub version: i64,
    /// queued, running, done or failed.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub backend: Option<String>,
    pub render_ms: Option<i64>,
}

/// The signed-in creator's preview jobs, newest first.
#[server(endpoint = "studio/previews")]
pub async fn my_preview_jobs() -> Result<Vec<PreviewJobView>, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = crate::api::keys::require_creator().await?;
            let jobs = store.creator_preview_jobs(creator.id).await?;
            Ok(jobs
                .into_iter()
                .map(|j| PreviewJobView {
                    listing_title: j.listing_title,
                    listing_slug: j.listing_slug,
                    version: j.version,
                    status: j.status,
                    attempts: j.attempts,
                    last_error: j.last_error,
                    backend: j.backend,
                    render_ms: j.render_ms,
                })
                .collect())
        }
        .await,
    )
}

#[component]
pub fn PreviewJobsPanel() -> impl IntoView {
    let jobs = Resource::new(|| (), |_| my_preview_jobs());
    view! {
        <section aria-labelledby="previews-heading" class="flex flex-col gap-3 rounded-lg border border-stone-200 bg-white p-6" data-testid="preview-jobs">
            <h2 id="previews-heading" class="text-xl font-semibold">"Previews"</h2>
            <p class="text-sm text-stone-600">
                "Collectors see watermarked previews (1600, 640 and 256 px), never your originals. Each image version is rendered once, and retried up to three times if rendering fails."
            </p>
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match jobs.await {
                        Ok(list) if list.is_empty() => view! { <p class="text-sm text-stone-600">"No images yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <table class="w-full text-left text-sm">
                                <thead><tr class="text-stone-500"><th>"Listing"</th><th>"Version"</th><th>"State"</th><th>"Renderer"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|j| {
                                        let state = match (j.status.as_str(), j.render_ms) {
                                            ("done", Some(ms)) => format!("Ready ({ms} ms)"),
                                            ("done", None) => "Ready".to_owned(),
                                            ("queued", _) if j.attempts > 0 => format!("Waiting to retry (attempt {} of 3)", j.attempts + 1),
                                            ("queued", _) => "Queued".to_owned(),
                                            ("running", _) => "Rendering…".to_owned(),
                                            (_, _) => format!("Failed after {} attempts", j.attempts),
                                        };
                                        view! {
                                            <tr class="border-t border-stone-100" data-testid="preview-job">
                                                <td><a class="underline" href=format!("/listings/{}", j.listing_slug)>{j.listing_title}</a></td>
                                                <td>{j.version}</td>
                                                <td data-testid="preview-state">
                                                    {state}
                                                    {j.last_error.map(|e| view! { <span class="block text-xs text-rose-800">{e}</span> })}
                                                </td>
                                                <td class="text-xs text-stone-500">{j.backend.unwrap_or_default()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-rose-800">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
