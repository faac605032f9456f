//! The look-up's answer on the page: each statement found, checked in the
//! browser, older sales page by page, and look-alike images.

use super::*;

#[component]
pub(super) fn LookupResult(result: Result<Option<Provenance>, String>, hash: String, per_page: u32) -> impl IntoView {
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

/// How many of the hash's sales are on the page, and a button that loads the
/// next older page (each card checked in the browser like the first ones).
#[component]
pub(super) fn OlderSales(hash: ContentHash, sales: SalesPage, per_page: u32) -> impl IntoView {
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
pub(super) fn MatchCard(m: Match, hash: ContentHash) -> impl IntoView {
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
pub(super) fn ChainCheck(receipt: Receipt, hash: ContentHash, sale: bool, key: KeyStatus) -> impl IntoView {
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
