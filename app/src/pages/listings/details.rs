//! What the server found in a listing's newest file version.

use leptos::prelude::*;

use crate::api::listings::FileVersion;

/// What the server found in the newest file version: image size, workflow
/// nodes and models, LoRA training metadata.
#[component]
pub(super) fn FileDetails(file: FileVersion, versions: usize) -> impl IntoView {
    let d = file.details.clone();
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".to_owned(),
        other => other.to_string(),
    };
    let summary = match file.file_type.as_str() {
        "json" => format!(
            "ComfyUI workflow ({} format): {} nodes, {} links",
            text(&d["format"]),
            text(&d["node_count"]),
            text(&d["link_count"])
        ),
        "safetensors" => format!(
            "{} · {} tensors · {} parameters",
            text(&d["network"]),
            text(&d["tensor_count"]),
            text(&d["parameters"])
        ),
        t => format!("{} × {} px {}", text(&d["width"]), text(&d["height"]), t.to_uppercase()),
    };
    let rows: Vec<(String, String)> = match file.file_type.as_str() {
        "json" => {
            let mut rows: Vec<(String, String)> = d["node_types"]
                .as_array()
                .map(|a| {
                    a.iter().take(12).map(|p| (format!("node {}", text(&p[0])), format!("× {}", text(&p[1])))).collect()
                })
                .unwrap_or_default();
            for m in d["models"].as_array().into_iter().flatten() {
                let hash =
                    m["sha256"].as_str().map(|h| format!(" · sha256 {}…", &h[..h.len().min(16)])).unwrap_or_default();
                rows.push((text(&m["kind"]), format!("{} (node {}){hash}", text(&m["name"]), text(&m["node_id"]))));
            }
            rows
        }
        "safetensors" => {
            let k = &d["kohya"];
            let mut rows: Vec<(String, String)> = [
                ("title", "title"),
                ("base model", "base_model"),
                ("base model version", "base_model_version"),
                ("network module", "network_module"),
                ("network dim", "network_dim"),
                ("network alpha", "network_alpha"),
                ("resolution", "resolution"),
                ("epochs", "epochs"),
                ("steps", "steps"),
                ("learning rate", "learning_rate"),
            ]
            .into_iter()
            .filter(|(_, key)| !k[*key].is_null())
            .map(|(label, key)| (label.to_owned(), text(&k[key])))
            .collect();
            if let Some(tags) = k["top_tags"].as_array().filter(|t| !t.is_empty()) {
                let t: Vec<String> =
                    tags.iter().take(10).map(|p| format!("{} ({})", text(&p[0]), text(&p[1]))).collect();
                rows.push(("training tags".into(), t.join(", ")));
            }
            if let Some(h) = d["base_model_hash"].as_str() {
                rows.push(("base model sha256".into(), h.to_owned()));
            }
            rows
        }
        _ => vec![],
    };
    let metadata: Vec<(String, String)> =
        d["metadata"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), text(v))).collect()).unwrap_or_default();
    let alt_label = if file.file_type == "json" { "canonical hash (layout-free)" } else { "tensor-data hash" };
    view! {
        <div class="mt-3 rounded bg-stone-50 p-3 text-sm" data-testid="file-details">
            <p class="font-medium">
                "Version " {file.version} " of " {versions} " · log entry #" {file.leaf_index} " · " {summary}
            </p>
            <p class="break-all text-stone-600">"sha256 " <code>{file.sha256.clone()}</code></p>
            {file.alt_hash.clone().map(|h| view! {
                <p class="break-all text-stone-600">{alt_label} " " <code>{h}</code></p>
            })}
            {(!rows.is_empty()).then(|| view! {
                <dl class="mt-2 grid grid-cols-[max-content_1fr] gap-x-4">
                    {rows.into_iter().map(|(k, v)| view! { <dt class="text-stone-600">{k}</dt><dd class="break-all">{v}</dd> }).collect_view()}
                </dl>
            })}
            {(!metadata.is_empty()).then(|| view! {
                <details class="mt-2">
                    <summary class="cursor-pointer">"All " {metadata.len()} " __metadata__ entries"</summary>
                    <dl class="mt-1 grid grid-cols-[max-content_1fr] gap-x-4 text-xs">
                        {metadata.into_iter().map(|(k, v)| view! { <dt class="font-mono">{k}</dt><dd class="break-all font-mono">{v}</dd> }).collect_view()}
                    </dl>
                </details>
            })}
        </div>
    }
}
