//! Verify: check a file or hash against the ledger. A dropped file is hashed
//! here in wasm (8 MiB slices, never uploaded); a pasted hash or an opened
//! receipt works too. Every statement found is checked in the browser:
//! signature, the key's standing (a rotation or revocation counts only with a
//! receipt that verifies), the inclusion proof, and the root the registry
//! contract holds — read by the browser from a chain node the verifier picks.

mod chain;
mod checks;
mod results;

use colophon_provenance::{ContentHash, KeyStatus, Receipt, VerifyError, verify};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use chain::*;
pub use checks::*;
use results::*;

/// Verify page.
#[component]
pub fn VerifyPage() -> impl IntoView {
    // `/verify?hash=…` (a certificate's QR code) arrives with the hash filled in.
    let (initial, per_page) = leptos_router::hooks::use_query_map()
        .with_untracked(|q| (q.get("hash").unwrap_or_default(), sales_per_page(q.get("sales").as_deref())));
    let (hash, set_hash) = signal(initial);
    let lookup = Action::new_local(move |hash: &String| fetch_provenance(provenance_path(hash, per_page, None)));
    let feedback = move || match classify_hash(&hash.get()) {
        HashInput::Empty => ("text-stone-600", "Paste a 64-digit SHA-256 hash.".to_owned()),
        HashInput::Valid => {
            ("text-emerald-700", "This is a well-formed SHA-256 content hash: look it up in the ledger.".to_owned())
        }
        HashInput::WrongLength(n) => ("text-rose-700", format!("A SHA-256 hash has 64 hex digits; this has {n}.")),
        HashInput::NotHex => {
            ("text-rose-700", "Only the digits 0–9 and letters a–f can appear in a SHA-256 hash.".to_owned())
        }
    };

    // A dropped or chosen file: hashed here, never uploaded.
    let (progress, set_progress) = signal(None::<f64>);
    let (file_note, set_file_note) = signal(String::new());
    let (receipt_note, set_receipt_note) = signal(None::<Result<String, String>>);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let receipt_input = NodeRef::<leptos::html::Input>::new();
    // The chain this browser reads roots from (see `ChainCheck`).
    let chain = RwSignal::new(ChainSettings::default());
    provide_context(chain);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Some(settings) = initial_chain_settings().await {
                chain.set(settings);
            }
        })
    });
    let edit_chain = move |edit: &dyn Fn(&mut ChainSettings)| {
        chain.update(|c| edit(c));
        #[cfg(feature = "hydrate")]
        remember_chain_settings(&chain.get_untracked());
    };
    let hash_file = move |file: web_sys::File| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let name = file.name();
            set_file_note.set(format!("Hashing {name} in your browser…"));
            match crate::file_hash::sha256(&file, |f| set_progress.set(Some(f))).await {
                Ok(h) => {
                    set_hash.set(h.to_hex());
                    set_file_note.set(format!("{name}: SHA-256 computed in your browser. The file was not uploaded."));
                    lookup.dispatch(h.to_hex());
                }
                Err(e) => set_file_note.set(e),
            }
            set_progress.set(None);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (file, set_progress, set_file_note);
    };
    let open_receipt = move |file: web_sys::File| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let text = match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(t) => t.as_string().unwrap_or_default(),
                Err(_) => return set_receipt_note.set(Some(Err("Could not read the receipt file.".into()))),
            };
            match check_receipt(&text) {
                Ok((h, message)) => {
                    set_hash.set(h.to_hex());
                    set_receipt_note.set(Some(Ok(message)));
                    lookup.dispatch(h.to_hex());
                }
                Err(e) => set_receipt_note.set(Some(Err(e))),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (file, set_receipt_note);
    };

    view! {
        <Title text="Verify" />
        <section aria-labelledby="verify-heading" class="flex max-w-3xl flex-col gap-6">
            <div>
                <h1 id="verify-heading" class="text-3xl font-bold tracking-tight">"Verify"</h1>
                <p class="mt-2 text-stone-700">
                    "Check a file's hash against Colophon's public ledger without having to trust us. "
                    "The hash is looked up in the append-only Merkle log; the creator's ed25519 signature and the "
                    "inclusion proof are checked here in your browser; and the entry's log root is anchored on-chain. "
                    "Drop a file below: it is hashed in your browser and never uploaded. Or paste a hash (from "
                    <code class="font-mono">"sha256sum FILE"</code>
                    "), or open a receipt."
                </p>
            </div>
            <label
                for="verify-file"
                data-testid="drop-zone"
                class="flex cursor-pointer flex-col items-center gap-2 rounded-lg border-2 border-dashed border-stone-300 bg-white p-6 text-center hover:border-amber-500"
                on:dragover=move |ev| ev.prevent_default()
                on:drop=move |ev| {
                    ev.prevent_default();
                    if let Some(f) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
                        hash_file(f);
                    }
                }
            >
                <span class="font-medium">"Drop a file here, or choose one"</span>
                <span class="text-sm text-stone-600">"Any size: it is read in 8 MiB slices and hashed on your device."</span>
                <input
                    id="verify-file"
                    type="file"
                    class="text-sm"
                    data-testid="verify-file"
                    node_ref=file_input
                    on:change=move |_| {
                        if let Some(f) = file_input.get().and_then(|i| i.files()).and_then(|f| f.get(0)) {
                            hash_file(f);
                        }
                    }
                />
            </label>
            {move || progress.get().map(|p| view! {
                <progress max="1" value=p class="w-full" aria-label="Hashing progress" data-testid="hash-progress"></progress>
            })}
            <p aria-live="polite" class="text-sm text-stone-700" data-testid="file-note">{file_note}</p>
            <div class="flex flex-col gap-1">
                <label for="verify-receipt" class="font-medium">"Open a receipt (colophon-receipt/1 JSON)"</label>
                <input
                    id="verify-receipt"
                    type="file"
                    accept=".json,application/json"
                    class="text-sm"
                    data-testid="verify-receipt"
                    node_ref=receipt_input
                    on:change=move |_| {
                        if let Some(f) = receipt_input.get().and_then(|i| i.files()).and_then(|f| f.get(0)) {
                            open_receipt(f);
                        }
                    }
                />
                {move || receipt_note.get().map(|r| match r {
                    Ok(m) => view! { <p data-testid="receipt-note" class="text-sm text-emerald-700">{m}</p> }.into_any(),
                    Err(e) => view! { <p data-testid="receipt-note" role="alert" class="text-sm text-rose-700">{e}</p> }.into_any(),
                })}
            </div>
            <form
                class="flex flex-col gap-2"
                on:submit=move |ev| {
                    ev.prevent_default();
                    if let Ok(parsed) = ContentHash::parse(&hash.get_untracked()) {
                        lookup.dispatch(parsed.to_hex());
                    }
                }
            >
                <label for="hash" class="font-medium">"Content hash (SHA-256)"</label>
                <input
                    id="hash"
                    name="hash"
                    type="text"
                    autocomplete="off"
                    spellcheck="false"
                    class="rounded-md border border-stone-300 bg-white px-3 py-2 font-mono text-sm"
                    placeholder="e.g. 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                    aria-describedby="hash-feedback"
                    prop:value=hash
                    on:input=move |ev| set_hash.set(event_target_value(&ev))
                />
                <p id="hash-feedback" aria-live="polite" class=move || format!("text-sm {}", feedback().0)>
                    {move || feedback().1}
                </p>
                <button
                    type="submit"
                    class="self-start rounded-md bg-stone-900 px-4 py-2 text-sm font-medium text-white disabled:opacity-40"
                    disabled=move || classify_hash(&hash.get()) != HashInput::Valid || lookup.pending().get()
                >
                    {move || if lookup.pending().get() { "Looking up…" } else { "Look up in the ledger" }}
                </button>
            </form>
            <div aria-live="polite">
                {move || {
                    lookup
                        .value()
                        .get()
                        .map(|result| view! { <LookupResult result hash=hash.get_untracked() per_page /> })
                }}
            </div>
            <details class="rounded border border-stone-200 bg-white p-4 text-sm" data-testid="chain-settings">
                <summary class="cursor-pointer font-medium">"Chain: where your browser reads the anchored roots"</summary>
                <p class="mt-2 text-stone-700">
                    "Your browser asks a node of the anchor's chain for the root the registry contract holds, "
                    "so you need not trust Colophon for it. Any node of that chain answers the same: use your own. "
                    "Pin the registry address you trust; a receipt anchored elsewhere fails. Remembered in this browser."
                </p>
                <label class="mt-2 flex flex-col gap-1">
                    <span class="font-medium">"Chain RPC URL"</span>
                    <input
                        type="url"
                        data-testid="chain-rpc"
                        class="rounded-md border border-stone-300 px-3 py-2 font-mono"
                        placeholder="https://…"
                        prop:value=move || chain.get().rpc_url
                        on:change=move |ev| { let v = event_target_value(&ev); edit_chain(&|c| c.rpc_url = v.clone()) }
                    />
                </label>
                <label class="mt-2 flex flex-col gap-1">
                    <span class="font-medium">"Registry contract"</span>
                    <input
                        type="text"
                        spellcheck="false"
                        data-testid="chain-registry"
                        class="rounded-md border border-stone-300 px-3 py-2 font-mono"
                        placeholder="0x…"
                        prop:value=move || chain.get().registry
                        on:change=move |ev| { let v = event_target_value(&ev); edit_chain(&|c| c.registry = v.clone()) }
                    />
                </label>
            </details>
            <ol class="list-decimal space-y-1 pl-6 text-stone-700">
                <li>"Hash: the file's SHA-256, computed on your own device."</li>
                <li>"Statement: the creator-signed record that registered this hash."</li>
                <li>"Signature: checked against the creator's registered ed25519 key."</li>
                <li>"Inclusion: a Merkle proof (RFC 9162) that the statement is in the log."</li>
                <li>"Anchor: the log root for that size, read by your browser from the ProvenanceRegistry contract."</li>
            </ol>
        </section>
    }
}
