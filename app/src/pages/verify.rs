//! Verify: check a file or hash against the ledger. A dropped file is hashed
//! here in wasm (8 MiB slices, never uploaded); a pasted hash or an opened
//! receipt works too. Every statement found is checked in the browser:
//! signature, the key's standing (a rotation or revocation counts only with a
//! receipt that verifies), the inclusion proof, and the root the registry
//! contract holds — read by the browser from a chain node the verifier picks.

use colophon_provenance::{ContentHash, KeyStatus, Receipt, VerifyError, verify};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// What a pasted string looks like, for live feedback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashInput {
    Empty,
    Valid,
    WrongLength(usize),
    NotHex,
}

/// Classifies a pasted string as a SHA-256 hex digest (64 hex digits,
/// surrounding whitespace and an optional `sha256:` prefix allowed).
pub fn classify_hash(input: &str) -> HashInput {
    let trimmed = input.trim();
    let hex = trimmed.strip_prefix("sha256:").unwrap_or(trimmed);
    if hex.is_empty() {
        HashInput::Empty
    } else if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        HashInput::NotHex
    } else if hex.len() != 64 {
        HashInput::WrongLength(hex.len())
    } else {
        HashInput::Valid
    }
}

pub use colophon_api::{KeyStanding, Match, Provenance, SalesPage};

/// Sales per look-up unless `/verify?sales=N` asks for another page size (1 to 100).
pub const SALES_PER_PAGE: u32 = 20;

/// The page size a `sales` query value asks for, within the API's 1 to 100.
pub fn sales_per_page(raw: Option<&str>) -> u32 {
    raw.and_then(|v| v.trim().parse::<u32>().ok()).filter(|n| (1..=100).contains(n)).unwrap_or(SALES_PER_PAGE)
}

/// The look-up's path: a page of `limit` sales, older than `before` when given.
pub fn provenance_path(hash: &str, limit: u32, before: Option<u64>) -> String {
    match before {
        Some(b) => format!("/api/v1/provenance/{hash}?limit={limit}&before={b}"),
        None => format!("/api/v1/provenance/{hash}?limit={limit}"),
    }
}

/// The key's standing, checked here: `Err` when the server's claim does not verify.
fn key_standing(receipt: &Receipt, key: Option<&KeyStanding>) -> Result<(KeyStatus, String), String> {
    let Some(key) = key else {
        return Ok((KeyStatus::Active, String::new()));
    };
    let status = colophon_provenance::key_standing(receipt, key.status.as_str(), key.ended_receipt.as_ref())
        .map_err(|e| format!("the key's standing does not verify: {e}"))?;
    let text = match (status, key.status) {
        (KeyStatus::Active, _) => "The key is active.".to_owned(),
        (_, colophon_api::KeyStatus::Rotated) => {
            "This key was later rotated: what it signed before stays valid.".to_owned()
        }
        _ => format!("This key was revoked ({}).", key.reason.as_deref().unwrap_or("no reason given")),
    };
    Ok((status, text))
}

/// What this browser checks before reading the chain: signature and
/// inclusion proof (`ChainCheck` then adds the on-chain root).
fn check_in_browser(hash: &ContentHash, receipt: &Receipt, sale: bool, key: KeyStatus) -> Result<(), String> {
    let result =
        if sale { colophon_provenance::verify_sale(hash, receipt, None) } else { verify(hash, receipt, None, key) };
    match result {
        // Every check before the chain's passed; only the anchor is left.
        Ok(_) | Err(VerifyError::Unanchored { .. }) => Ok(()),
        Err(err) => Err(err.to_string()),
    }
}

/// Where this browser reads anchored roots: a node of the anchor's chain and
/// the registry contract the verifier trusts. Prefilled from
/// `GET /api/v1/chain`, editable, remembered in this browser.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSettings {
    #[serde(default)]
    pub rpc_url: String,
    #[serde(default)]
    pub registry: String,
}

/// What a chain node answered for one tree size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReading {
    /// `eth_chainId`.
    pub chain_id: u64,
    /// `rootFor(tree_size)`; `None` when that size was never anchored.
    pub root: Option<[u8; 32]>,
    /// `eth_blockNumber`.
    pub head: u64,
}

/// The receipt must be anchored in the registry the verifier trusts. Nothing
/// a chain node answers can change that, so it is decided before any read
/// (a node asked about an address without code answers nothing useful).
pub fn check_registry(receipt: &Receipt, registry: &str) -> Result<(), String> {
    let anchor = receipt.anchor.as_ref().ok_or("This entry is not anchored on-chain yet.")?;
    if !anchor.contract.eq_ignore_ascii_case(registry.trim()) {
        return Err(format!(
            "Anchored in contract {}, which is not the registry you check against ({}).",
            anchor.contract,
            registry.trim()
        ));
    }
    Ok(())
}

/// The whole verdict once the chain has answered: the receipt must be
/// anchored in the registry the verifier trusts, on the chain the node serves,
/// and every check — now including the on-chain root — must pass.
pub fn chain_verdict(
    hash: &ContentHash,
    receipt: &Receipt,
    sale: bool,
    key: KeyStatus,
    registry: &str,
    reading: &ChainReading,
) -> Result<String, String> {
    check_registry(receipt, registry)?;
    let anchor = receipt.anchor.as_ref().ok_or("This entry is not anchored on-chain yet.")?;
    if reading.chain_id != anchor.chain_id {
        return Err(format!(
            "The chain node serves chain {}, but the anchor is on chain {}.",
            reading.chain_id, anchor.chain_id
        ));
    }
    let root = reading.root.as_ref();
    let result =
        if sale { colophon_provenance::verify_sale(hash, receipt, root) } else { verify(hash, receipt, root, key) };
    match result {
        Ok(_) => Ok(format!(
            "On-chain root matches: your browser read the root for {} entries from chain {} ({} confirmations).",
            receipt.tree_size,
            reading.chain_id,
            reading.head.saturating_sub(anchor.block_number) + 1
        )),
        Err(e) => Err(format!("On-chain check failed: {e}.")),
    }
}

/// A JSON-RPC quantity (`0x…`, no leading zeros required).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn parse_quantity(hex: &str) -> Result<u64, String> {
    hex.strip_prefix("0x")
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or_else(|| format!("The chain node answered {hex:?}, not a number."))
}

/// `rootFor`'s answer: one 32-byte word; all zeros means "never anchored".
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn parse_root(hex: &str) -> Result<Option<[u8; 32]>, String> {
    let bytes = hex.strip_prefix("0x").and_then(|h| ContentHash::parse(h).ok()).map(|h| *h.as_bytes());
    match bytes {
        Some(word) if word == [0; 32] => Ok(None),
        Some(word) => Ok(Some(word)),
        None => Err(format!("The chain node answered {hex:?}, not a 32-byte root: is the registry address right?")),
    }
}

#[cfg(feature = "hydrate")]
async fn json_rpc(url: &str, method: &str, params: serde_json::Value) -> Result<String, String> {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let resp = gloo_net::http::Request::post(url)
        .json(&body)
        .map_err(|_| "Could not build the chain request.".to_owned())?
        .send()
        .await
        .map_err(|_| {
            format!("Could not reach the chain node at {url} (is it up, and does it allow this page's origin?).")
        })?;
    let answer: serde_json::Value =
        resp.json().await.map_err(|_| format!("{url} did not answer as a JSON-RPC chain node."))?;
    if let Some(err) = answer.get("error") {
        return Err(format!(
            "The chain node refused {method}: {}",
            err["message"].as_str().unwrap_or("no reason given")
        ));
    }
    answer["result"].as_str().map(str::to_owned).ok_or_else(|| format!("{url} gave no result for {method}."))
}

#[cfg(feature = "hydrate")]
async fn read_chain(settings: ChainSettings, tree_size: u64) -> Result<ChainReading, String> {
    let url = settings.rpc_url.trim();
    if url.is_empty() {
        return Err("Set a chain RPC URL under \"Chain\" to check the root on-chain.".into());
    }
    let registry = settings.registry.trim();
    let call =
        serde_json::json!([{"to": registry, "data": colophon_provenance::root_for_call_data(tree_size)}, "latest"]);
    Ok(ChainReading {
        chain_id: parse_quantity(&json_rpc(url, "eth_chainId", serde_json::json!([])).await?)?,
        root: parse_root(&json_rpc(url, "eth_call", call).await?)?,
        head: parse_quantity(&json_rpc(url, "eth_blockNumber", serde_json::json!([])).await?)?,
    })
}

#[cfg(not(feature = "hydrate"))]
async fn read_chain(_settings: ChainSettings, _tree_size: u64) -> Result<ChainReading, String> {
    Err("The chain is read by your browser once the page has loaded.".into())
}

/// Where the settings are remembered in this browser.
#[cfg(feature = "hydrate")]
const CHAIN_SETTINGS_KEY: &str = "colophon.verify.chain";

/// The remembered settings, else the operator's suggestion.
#[cfg(feature = "hydrate")]
async fn initial_chain_settings() -> Option<ChainSettings> {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if let Some(saved) = storage.as_ref().and_then(|s| s.get_item(CHAIN_SETTINGS_KEY).ok().flatten())
        && let Ok(settings) = serde_json::from_str::<ChainSettings>(&saved)
    {
        return Some(settings);
    }
    let resp = gloo_net::http::Request::get("/api/v1/chain").send().await.ok()?;
    let chain: colophon_api::Chain = resp.json().await.ok()?;
    Some(ChainSettings { rpc_url: chain.rpc_url.unwrap_or_default(), registry: chain.registry })
}

#[cfg(feature = "hydrate")]
fn remember_chain_settings(settings: &ChainSettings) {
    if let (Some(storage), Ok(json)) =
        (web_sys::window().and_then(|w| w.local_storage().ok().flatten()), serde_json::to_string(settings))
    {
        let _ = storage.set_item(CHAIN_SETTINGS_KEY, &json);
    }
}

#[cfg(feature = "hydrate")]
async fn fetch_provenance(path: String) -> Result<Option<Provenance>, String> {
    let resp = gloo_net::http::Request::get(&path)
        .send()
        .await
        .map_err(|_| "Could not reach Colophon. Check your connection and try again.".to_owned())?;
    match resp.status() {
        200 => resp.json().await.map(Some).map_err(|_| "The ledger's answer could not be read.".to_owned()),
        404 => Ok(None),
        _ => {
            let body: serde_json::Value = resp.json().await.unwrap_or_default();
            Err(body["message"].as_str().unwrap_or("The look-up failed.").to_owned())
        }
    }
}

#[cfg(not(feature = "hydrate"))]
async fn fetch_provenance(_path: String) -> Result<Option<Provenance>, String> {
    Err("Look-ups run in your browser once the page has loaded.".to_owned())
}

/// Reads a receipt file: which hash it is about, and whether its signature
/// and inclusion proof verify (the key's standing and the anchor come from the
/// ledger look-up that follows).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn check_receipt(text: &str) -> Result<(ContentHash, String), String> {
    let receipt = Receipt::from_json(text).map_err(|e| format!("Not a Colophon receipt: {e}"))?;
    let statement = receipt.decode_statement().map_err(|e| format!("Not a Colophon receipt: {e}"))?;
    let paid = statement.payment().map(|p| format!(" The sale {}.", p.summary())).unwrap_or_default();
    let sale = statement.is_sale();
    let Some(hash) = statement.content_hash() else {
        return Err("This receipt is about a key, not a file.".into());
    };
    check_in_browser(&hash, &receipt, sale, KeyStatus::Active)
        .map_err(|e| format!("The receipt does not verify: {e}"))?;
    let what = if sale { "sale" } else { "registration" };
    Ok((
        hash,
        format!(
            "Receipt for a {what} of {}: signature and inclusion proof (log entry #{} of {}) verified in your browser.{paid}",
            hash.to_hex(),
            receipt.leaf_index,
            receipt.tree_size
        ),
    ))
}

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

#[component]
fn LookupResult(result: Result<Option<Provenance>, String>, hash: String, per_page: u32) -> impl IntoView {
    let Ok(parsed) = ContentHash::parse(&hash) else {
        return view! { <p role="alert">"Not a SHA-256 hash."</p> }.into_any();
    };
    match result {
        Err(message) => view! {
            <p role="alert" class="rounded border border-rose-300 bg-rose-50 p-4 text-rose-900">{message}</p>
        }
        .into_any(),
        Ok(None) => view! {
            <p data-testid="verify-not-found" class="rounded border border-stone-300 bg-white p-4">
                "No statement in the ledger registers this hash."
            </p>
        }
        .into_any(),
        Ok(Some(found)) => view! {
            <ul class="flex flex-col gap-4">
                {ordered(found.matches).into_iter().map(|m| view! { <MatchCard m hash=parsed /> }).collect_view()}
            </ul>
            <OlderSales hash=parsed sales=found.sales per_page />
            {(!found.similar.is_empty()).then(|| view! {
                <section class="rounded border border-amber-300 bg-amber-50 p-4" data-testid="look-alikes">
                    <h2 class="font-semibold">"Registered images that look like this one"</h2>
                    <p class="text-sm text-stone-700">"Perceptual hashes within 10 of 64 bits: possibly the same picture, resized or re-encoded."</p>
                    <ul class="mt-2 list-disc pl-5 text-sm">
                        {found.similar.into_iter().map(|s| view! {
                            <li>
                                <a class="underline" href=format!("/listings/{}", s.listing)>{s.title}</a>
                                {format!(" by {} · {} bits differ · ", s.creator, s.distance)}
                                <a class="font-mono underline" href=format!("/verify?hash={}", s.sha256)>{s.sha256[..16].to_owned()}"…"</a>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            })}
        }
        .into_any(),
    }
}

/// A sale or licence (signed by the operator), not a creator's registration.
fn is_sale(m: &Match) -> bool {
    matches!(m.statement["type"].as_str(), Some("edition_sold" | "license_granted" | "edition_transferred"))
}

/// The page's order: registrations in log order, then sales newest first.
pub fn ordered(matches: Vec<Match>) -> Vec<Match> {
    let (sales, mut out): (Vec<_>, Vec<_>) = matches.into_iter().partition(is_sale);
    out.extend(sales.into_iter().rev());
    out
}

/// How many of the hash's sales are on the page, and a button that loads the
/// next older page (each card checked in the browser like the first ones).
#[component]
fn OlderSales(hash: ContentHash, sales: SalesPage, per_page: u32) -> impl IntoView {
    let total = sales.total;
    let shown = RwSignal::new(sales.shown);
    let cursor = RwSignal::new(sales.next_before);
    let older = RwSignal::new(Vec::<Match>::new());
    let error = RwSignal::new(None::<String>);
    let load = Action::new_local(move |before: &u64| {
        fetch_provenance(provenance_path(&hash.to_hex(), per_page, Some(*before)))
    });
    Effect::new(move |_| {
        if let Some(result) = load.value().get() {
            match result {
                Ok(Some(page)) => {
                    error.set(None);
                    shown.update(|n| *n += page.sales.shown);
                    cursor.set(page.sales.next_before);
                    // Newest first, like the first page: older pages go below.
                    older.update(|all| all.extend(ordered(page.matches)));
                }
                Ok(None) => cursor.set(None),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    view! {
        <Show when=move || { total > 0 }>
            <ul class="flex flex-col gap-4">
                {move || older.get().into_iter().map(|m| view! { <MatchCard m hash /> }).collect_view()}
            </ul>
            <p class="text-sm text-stone-700" data-testid="verify-sales-count">
                {move || {
                    let noun = if total == 1 { "sale" } else { "sales" };
                    if shown.get() >= total {
                        format!("All {total} {noun} of this file are shown.")
                    } else {
                        format!("Showing the newest {} of {total} {noun} of this file.", shown.get())
                    }
                }}
            </p>
            {move || cursor.get().map(|before| view! {
                <button
                    type="button"
                    class="self-start rounded-md border border-stone-300 bg-white px-4 py-2 text-sm font-medium disabled:opacity-40"
                    disabled=move || load.pending().get()
                    on:click=move |_| { load.dispatch(before); }
                >
                    {move || if load.pending().get() { "Loading…" } else { "Show older sales" }}
                </button>
            })}
            {move || error.get().map(|e| view! { <p role="alert" class="text-sm text-rose-700">{e}</p> })}
        </Show>
    }
}

#[component]
fn MatchCard(m: Match, hash: ContentHash) -> impl IntoView {
    let kind = m.statement["type"].as_str().unwrap_or("statement").replace('_', " ");
    let listing = m.statement["listing_id"].as_str().unwrap_or_default().to_owned();
    // Sales are signed by the marketplace's operator key, registrations by the creator.
    let sale = is_sale(&m);
    let standing = if sale { Ok((KeyStatus::Active, String::new())) } else { key_standing(&m.receipt, m.key.as_ref()) };
    let (check, key_text, standing_status) = match standing {
        Ok((status, text)) => (check_in_browser(&hash, &m.receipt, sale, status), text, Some(status)),
        Err(e) => (Err(e), String::new(), None),
    };
    let sold = m.receipt.decode_statement().ok().and_then(|s| {
        let paid = s.payment().map(|p| format!(" It {}.", p.summary())).unwrap_or_default();
        s.sale_summary().map(|what| {
            let mut what = what;
            what[..1].make_ascii_uppercase();
            format!("{what}, signed by the marketplace's operator key.{paid}")
        })
    });
    let anchor = m.receipt.anchor.clone();
    let tree_size = m.receipt.tree_size;
    // Only an entry whose signature and proof passed is worth the chain's answer.
    let on_chain = match (&check, &standing_status) {
        (Ok(()), Some(status)) if anchor.is_some() => {
            Some(view! { <ChainCheck receipt=m.receipt.clone() hash sale key=*status /> })
        }
        _ => None,
    };
    view! {
        <li data-testid="verify-match" class="rounded-lg border border-stone-200 bg-white p-4 shadow-sm">
            <p class="text-xs font-medium uppercase tracking-wide text-amber-700">{kind}</p>
            <p class="mt-1 text-sm text-stone-700">"Listing " <span class="font-mono">{listing}</span></p>
            {sold.map(|text| view! { <p class="text-sm text-stone-700" data-testid="verify-sale">{text}</p> })}
            <p class="text-sm text-stone-700">
                "Signed by key " <span class="font-mono" data-testid="verify-fingerprint">{m.signer_fingerprint}</span>
            </p>
            {(!key_text.is_empty()).then(|| view! { <p class="text-sm text-stone-700" data-testid="verify-key">{key_text}</p> })}
            <p class="text-sm text-stone-700">"Log entry #" {m.leaf_index} " of " {tree_size}</p>
            {match check {
                Ok(()) => view! {
                    <p data-testid="verify-browser-check" class="mt-2 font-medium text-emerald-700">
                        "Signature and inclusion proof verified in your browser."
                    </p>
                }
                .into_any(),
                Err(reason) => view! {
                    <p data-testid="verify-browser-check" role="alert" class="mt-2 font-medium text-rose-700">
                        {format!("Verification failed: {reason}")}
                    </p>
                }
                .into_any(),
            }}
            {match anchor {
                Some(a) => view! {
                    <p data-testid="verify-anchor" class="text-sm text-stone-700">
                        {format!(
                            "Anchored on chain {} at block {} in transaction {} (contract {}).",
                            a.chain_id, a.block_number, a.tx_hash, a.contract,
                        )}
                    </p>
                }
                .into_any(),
                None => view! {
                    <p data-testid="verify-anchor" class="text-sm text-amber-800">
                        "Not anchored on-chain yet: the next anchor will cover this entry."
                    </p>
                }
                .into_any(),
            }}
            {on_chain}
        </li>
    }
}

/// Reads the anchored root from the chain in the browser and gives the final verdict.
#[component]
fn ChainCheck(receipt: Receipt, hash: ContentHash, sale: bool, key: KeyStatus) -> impl IntoView {
    let chain = expect_context::<RwSignal<ChainSettings>>();
    let tree_size = receipt.tree_size;
    let reading = LocalResource::new(move || read_chain(chain.get(), tree_size));
    move || {
        let settings = chain.get();
        let verdict = match (check_registry(&receipt, &settings.registry), reading.get()) {
            (Err(refused), _) => Err(refused),
            (Ok(()), None) => return view! { <p data-testid="verify-chain" class="text-sm text-stone-600">"Reading the root from the chain…"</p> }.into_any(),
            (Ok(()), Some(reading)) => reading.and_then(|r| chain_verdict(&hash, &receipt, sale, key, &settings.registry, &r)),
        };
        match verdict {
            Ok(text) => view! { <p data-testid="verify-chain" class="text-sm font-medium text-emerald-700">{text}</p> }.into_any(),
            Err(text) => view! { <p data-testid="verify-chain" role="alert" class="text-sm font-medium text-rose-700">{text}</p> }.into_any(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_pasted_hashes() {
        let good = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(classify_hash(good), HashInput::Valid);
        assert_eq!(classify_hash(&format!("  sha256:{good}\n")), HashInput::Valid);
        assert_eq!(classify_hash(""), HashInput::Empty);
        assert_eq!(classify_hash("abc"), HashInput::WrongLength(3));
        assert_eq!(classify_hash("xyz"), HashInput::NotHex);
    }

    #[test]
    fn the_sales_page_size_comes_from_the_url_within_the_apis_bounds() {
        assert_eq!(sales_per_page(None), SALES_PER_PAGE);
        assert_eq!(sales_per_page(Some("5")), 5);
        assert_eq!(sales_per_page(Some("100")), 100);
        for junk in ["0", "101", "-3", "ten", ""] {
            assert_eq!(sales_per_page(Some(junk)), SALES_PER_PAGE, "{junk}");
        }
        assert_eq!(provenance_path("ab", 5, None), "/api/v1/provenance/ab?limit=5");
        assert_eq!(provenance_path("ab", 5, Some(9)), "/api/v1/provenance/ab?limit=5&before=9");
    }

    #[test]
    fn registrations_come_first_then_sales_newest_first() {
        let vector: serde_json::Value =
            serde_json::from_str(include_str!("../../../crates/provenance/vectors/receipt.json")).expect("vector");
        let receipt: Receipt = serde_json::from_value(vector["receipt"].clone()).expect("receipt");
        let m = |leaf: u64, kind: &str| Match {
            leaf_index: leaf,
            statement: serde_json::json!({ "type": kind }),
            signer_key_id: String::new(),
            signer_fingerprint: String::new(),
            anchored: false,
            receipt: receipt.clone(),
            key: None,
        };
        let page = vec![
            m(1, "content_registered"),
            m(4, "edition_sold"),
            m(6, "content_registered"),
            m(7, "license_granted"),
            m(9, "edition_sold"),
        ];
        let leaves: Vec<u64> = ordered(page).iter().map(|m| m.leaf_index).collect();
        assert_eq!(leaves, [1, 6, 9, 7, 4]);
    }

    #[test]
    fn an_opened_receipt_names_its_hash_and_is_checked() {
        let vector: serde_json::Value =
            serde_json::from_str(include_str!("../../../crates/provenance/vectors/receipt.json")).expect("vector");
        let receipt = vector["receipt"].to_string();
        let (hash, message) = check_receipt(&receipt).expect("the committed receipt verifies");
        assert_eq!(hash, ContentHash::of(b"file 6"));
        assert!(message.contains("verified in your browser"), "{message}");
        let mut tampered = vector["receipt"].clone();
        tampered["root"] = serde_json::Value::String("00".repeat(32));
        assert!(check_receipt(&tampered.to_string()).expect_err("tampered").contains("does not verify"));
        assert!(check_receipt("{}").expect_err("junk").starts_with("Not a Colophon receipt"));
    }

    #[test]
    fn the_chains_answer_decides_the_verdict() {
        let vector: serde_json::Value =
            serde_json::from_str(include_str!("../../../crates/provenance/vectors/receipt.json")).expect("vector");
        let receipt: Receipt = serde_json::from_value(vector["receipt"].clone()).expect("receipt");
        let file = ContentHash::parse(vector["file_sha256"].as_str().expect("hash")).expect("hash");
        let anchored = parse_root(&format!("0x{}", vector["anchored_root"].as_str().expect("root")))
            .expect("a word")
            .expect("not zero");
        let registry = receipt.anchor.as_ref().expect("anchored").contract.to_uppercase().replace("0X", "0x");
        let reading = ChainReading { chain_id: 31337, root: Some(anchored), head: 11 };
        let verdict = |reading: &ChainReading, registry: &str| {
            chain_verdict(&file, &receipt, false, KeyStatus::Active, registry, reading)
        };

        let ok = verdict(&reading, &registry).expect("the anchored root matches");
        assert!(ok.contains("root for 13 entries from chain 31337 (5 confirmations)"), "{ok}");
        let never = ChainReading { root: None, ..reading.clone() };
        assert!(verdict(&never, &registry).expect_err("unanchored").contains("no root is anchored"));
        let moved = ChainReading { root: Some([7; 32]), ..reading.clone() };
        assert!(verdict(&moved, &registry).expect_err("moved root").contains("differs from the root anchored"));
        let other_chain = ChainReading { chain_id: 1, ..reading.clone() };
        assert!(verdict(&other_chain, &registry).expect_err("chain").contains("serves chain 1"));
        let stranger = "0x0000000000000000000000000000000000000001";
        assert!(verdict(&reading, stranger).expect_err("registry").contains("not the registry you check against"));
        let other_file = ContentHash::of(b"something else");
        assert!(
            chain_verdict(&other_file, &receipt, false, KeyStatus::Active, &registry, &reading).is_err(),
            "the file must still match"
        );
    }

    #[test]
    fn reads_json_rpc_answers() {
        assert_eq!(parse_quantity("0x7a69"), Ok(31337));
        assert!(parse_quantity("31337").is_err());
        assert_eq!(parse_root(&format!("0x{}", "00".repeat(32))), Ok(None));
        assert_eq!(parse_root(&format!("0x{}", "ab".repeat(32))), Ok(Some([0xab; 32])));
        assert!(parse_root("0x").expect_err("empty").contains("registry address"));
    }
}
