//! `/docs/api`: the API reference, rendered from the same OpenAPI document the
//! server generates and serves at `/api/v1/openapi.json` (and the tests check
//! answers against).

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// The OpenAPI 3.1 document: the committed snapshot of the one the server
/// generates from the code (`server/src/openapi.rs`; a test keeps them equal).
#[cfg(feature = "ssr")]
pub const OPENAPI: &str = include_str!("../../../docs/openapi.json");

/// One operation, as the reference shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub tag: String,
    pub summary: String,
    pub description: String,
    /// The API-token scope it needs; empty for public operations.
    pub scope: String,
    pub parameters: Vec<String>,
    /// The request body's schema, as indented JSON.
    pub body: Option<String>,
    /// "201 — The draft" …
    pub responses: Vec<String>,
}

/// The reference: title, description and every operation in document order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub title: String,
    pub description: String,
    pub operations: Vec<Operation>,
}

/// Reads the reference out of the document.
#[cfg(feature = "ssr")]
pub fn reference() -> Reference {
    static SPEC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    let spec: &'static serde_json::Value =
        SPEC.get_or_init(|| serde_json::from_str(OPENAPI).expect("the committed OpenAPI document is JSON"));
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    // A request body names its schema (`$ref`); the reference shows the schema itself.
    let resolve = |schema: &'static serde_json::Value| -> &'static serde_json::Value {
        match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
            Some(name) => &spec["components"]["schemas"][name],
            None => schema,
        }
    };
    let mut operations = Vec::new();
    for (path, ops) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in ops.as_object().into_iter().flatten() {
            let parameters = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    format!(
                        "{} ({}{})",
                        text(&p["name"]),
                        text(&p["in"]),
                        if p["required"] == true { ", required" } else { "" }
                    )
                })
                .collect();
            let body = op["requestBody"]["content"].as_object().and_then(|c| c.iter().next()).map(|(kind, c)| {
                format!("{kind}\n{}", serde_json::to_string_pretty(resolve(&c["schema"])).unwrap_or_default())
            });
            let responses = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(code, r)| format!("{code} — {}", text(&r["description"])))
                .collect();
            operations.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                tag: text(&op["tags"][0]),
                summary: text(&op["summary"]),
                description: text(&op["description"]),
                // The token scope: the first security requirement's (`[{"token": ["publish"]}, {"session": []}]`).
                scope: text(&op["security"][0]["token"][0]),
                parameters,
                body,
                responses,
            });
        }
    }
    Reference { title: text(&spec["info"]["title"]), description: text(&spec["info"]["description"]), operations }
}

#[server(endpoint = "docs/api")]
pub async fn api_reference() -> Result<Reference, ApiError> {
    Ok(reference())
}

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let reference = Resource::new(|| (), |_| api_reference());
    view! {
        <Title text="API reference" />
        <section aria-labelledby="api-heading" class="flex max-w-4xl flex-col gap-6">
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match reference.await {
                        Ok(r) => view! { <ReferenceView r /> }.into_any(),
                        Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ReferenceView(r: Reference) -> impl IntoView {
    let groups = [
        ("creator", "Creator API", "An API token (Studio → API tokens) or your session."),
        ("verifier", "Verifier API", "Public: no authentication."),
    ];
    view! {
        <h1 id="api-heading" class="text-3xl font-bold tracking-tight">{r.title}</h1>
        <p class="text-stone-700">{r.description}</p>
        <p class="text-sm">
            "Machine-readable: "<a class="underline" href="/api/v1/openapi.json" rel="external">"/api/v1/openapi.json"</a>
            " (OpenAPI 3.1). The "<code>"colophon"</code>" CLI ("<code>"verify"</code>", "<code>"log audit"</code>") speaks it."
        </p>
        {groups.into_iter().map(|(tag, heading, note)| {
            let ops: Vec<Operation> = r.operations.iter().filter(|o| o.tag == tag).cloned().collect();
            view! {
                <section class="flex flex-col gap-3">
                    <h2 class="text-2xl font-semibold">{heading}</h2>
                    <p class="text-sm text-stone-600">{note}</p>
                    {ops.into_iter().map(|o| view! { <OperationView o /> }).collect_view()}
                </section>
            }
        }).collect_view()}
    }
}

#[component]
fn OperationView(o: Operation) -> impl IntoView {
    let anchor = format!("{}-{}", o.method.to_lowercase(), o.path.replace(['/', '{', '}', '.'], "-"));
    view! {
        <article id=anchor class="rounded-lg border border-stone-200 bg-white p-4" data-testid="api-operation">
            <h3 class="font-mono text-sm">
                <span class="mr-2 rounded bg-stone-900 px-2 py-0.5 text-white">{o.method}</span>{o.path}
            </h3>
            <p class="mt-1 font-medium">{o.summary}</p>
            {(!o.description.is_empty()).then(|| view! { <p class="text-sm text-stone-700">{o.description}</p> })}
            {(!o.scope.is_empty()).then(|| view! {
                <p class="text-sm">"Token scope: "<code class="font-mono">{o.scope}</code></p>
            })}
            {(!o.parameters.is_empty()).then(|| view! {
                <p class="text-sm">"Parameters: "{o.parameters.join(", ")}</p>
            })}
            {o.body.map(|b| view! {
                <details class="text-sm"><summary class="cursor-pointer">"Request body"</summary>
                    <pre class="overflow-x-auto bg-stone-50 p-2 text-xs">{b}</pre>
                </details>
            })}
            <ul class="mt-1 text-sm text-stone-700">
                {o.responses.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
            </ul>
        </article>
    }
}
