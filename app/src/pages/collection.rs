//! A collector's editions and licences, and the printable certificate of each.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::orders::{Certificate, CollectionItem, Resell, WithdrawResale, get_certificate, my_collection},
    components::ui::BUTTON_LIGHT,
    types::{format_price, format_time_ms},
};

fn signed_out_or_error(e: &crate::error::ApiError) -> AnyView {
    match e {
        crate::error::ApiError::Unauthorized(_) => view! {
            <p class="text-stone-700">
                <a href="/sign-in" class="font-medium text-amber-700 underline">"Sign in"</a>
                " to see your collection."
            </p>
        }
        .into_any(),
        other => view! {
            <p role="alert" class="rounded border border-rose-300 bg-rose-50 p-4 text-rose-900">{other.to_string()}</p>
        }
        .into_any(),
    }
}

/// `/collection`.
#[component]
pub fn CollectionPage() -> impl IntoView {
    let resell = ServerAction::<Resell>::new();
    let withdraw = ServerAction::<WithdrawResale>::new();
    let items = Resource::new(move || (resell.version().get(), withdraw.version().get()), |_| my_collection());
    let failed = move || {
        let said = |r: Option<Result<(), crate::error::ApiError>>| r.and_then(Result::err).map(|e| e.to_string());
        said(resell.value().get()).or_else(|| said(withdraw.value().get()))
    };
    view! {
        <Title text="My collection" />
        <section aria-labelledby="collection-heading" class="flex flex-col gap-6">
            <h1 id="collection-heading" class="text-3xl font-bold tracking-tight">"My collection"</h1>
            {move || failed().map(|e| view! {
                <p role="alert" class="rounded border border-rose-300 bg-rose-50 p-3 text-rose-900" data-testid="resell-error">{e}</p>
            })}
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match items.await {
                        Ok(items) if items.is_empty() => view! {
                            <p class="text-stone-700" data-testid="collection-empty">
                                "Nothing here yet. " <a href="/" class="text-amber-700 underline">"Browse the store"</a>
                            </p>
                        }
                            .into_any(),
                        Ok(items) => view! {
                            <ul class="flex flex-col gap-3" data-testid="collection">
                                {items.into_iter().map(|item| view! { <Owned item resell withdraw /> }).collect_view()}
                            </ul>
                        }
                            .into_any(),
                        Err(e) => signed_out_or_error(&e),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Reselling an owned edition: offer it at a price, or withdraw the offer.
/// Licences are granted, not held, so they are not resold.
#[component]
fn ResellControl(
    item: CollectionItem,
    resell: ServerAction<Resell>,
    withdraw: ServerAction<WithdrawResale>,
) -> impl IntoView {
    if item.edition.is_none() {
        return view! {
            <p class="text-sm text-stone-600" data-testid="not-resellable">
                {colophon_catalog::Refusal::NotResellable.to_string()}
            </p>
        }
        .into_any();
    }
    if !item.from_wallet {
        return view! {
            <p class="text-sm text-stone-600" data-testid="not-resellable">
                {colophon_catalog::Refusal::NotFromWallet.to_string()}
            </p>
        }
        .into_any();
    }
    match item.offer.clone() {
        Some((offer_id, price)) => view! {
            <ActionForm action=withdraw attr:class="flex flex-wrap items-center gap-2">
                <p class="text-sm text-emerald-800" data-testid="offered">
                    {format!("Offered for resale at {}.", format_price(price, &item.currency))}
                </p>
                <input type="hidden" name="offer_id" value=offer_id />
                <button type="submit" class=BUTTON_LIGHT data-testid="withdraw-resale">"Withdraw the offer"</button>
            </ActionForm>
        }
        .into_any(),
        None => {
            let (field, input_id) = (format!("resell-{}", item.order_id), format!("resell-{}", item.order_id));
            view! {
                <ActionForm action=resell attr:class="flex flex-wrap items-end gap-2">
                    <input type="hidden" name="order_id" value=item.order_id.clone() />
                    <label class="flex flex-col text-sm" for=field>
                        {format!("Resale price ({})", item.currency)}
                        <input
                            id=input_id
                            name="price"
                            inputmode="decimal"
                            required
                            class="w-28 rounded-md border border-stone-300 px-2 py-1"
                            data-testid="resell-price"
                        />
                    </label>
                    <button type="submit" class=BUTTON_LIGHT data-testid="resell" disabled=move || resell.pending().get()>
                        "Offer for resale"
                    </button>
                    <p class="w-full text-xs text-stone-500">
                        "The creator's royalty and the platform fee come out of the price; the rest goes to the wallet you paid with."
                    </p>
                </ActionForm>
            }
            .into_any()
        }
    }
}

#[component]
fn Owned(item: CollectionItem, resell: ServerAction<Resell>, withdraw: ServerAction<WithdrawResale>) -> impl IntoView {
    let control = view! { <ResellControl item=item.clone() resell withdraw /> }.into_any();
    view! {
        <li class="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-stone-200 bg-white p-4">
            <div>
                <p class="text-xs font-medium uppercase tracking-wide text-amber-700">{item.kind.label()}</p>
                <a href=format!("/listings/{}", item.slug) class="font-semibold hover:underline" data-testid="owned-title">{item.title.clone()}</a>
                <p class="text-sm text-stone-600">
                    <span data-testid="owned-label">{item.label()}</span>
                    {format!(" · by {} · bought {} for {}", item.creator, format_time_ms(item.bought_ms), format_price(item.price_minor, &item.currency))}
                </p>
            </div>
            <div class="flex flex-wrap gap-2">
                <a href=format!("/collection/{}", item.order_id) class=BUTTON_LIGHT data-testid="certificate-link">"Certificate"</a>
                <a href=format!("/api/v1/orders/{}/download", item.order_id) class=BUTTON_LIGHT rel="external" download="" data-testid="download">"Download original"</a>
                <a href=format!("/api/v1/orders/{}/receipt", item.order_id) class=BUTTON_LIGHT rel="external" download="" data-testid="receipt-download">"Receipt (JSON)"</a>
            </div>
            <div class="w-full border-t border-stone-100 pt-2">{control}</div>
        </li>
    }
}

/// `/collection/:order`: the certificate of ownership, printable.
#[component]
pub fn CertificatePage() -> impl IntoView {
    let params = use_params_map();
    let order = move || params.with(|p| p.get("order").unwrap_or_default());
    let cert = Resource::new(order, get_certificate);
    view! {
        <Title text="Certificate" />
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match cert.await {
                    Ok(c) => view! { <CertificateView c /> }.into_any(),
                    Err(e) => signed_out_or_error(&e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CertificateView(c: Certificate) -> impl IntoView {
    let item = c.item.clone();
    view! {
        <article class="mx-auto flex max-w-3xl flex-col gap-6 rounded-lg border-2 border-stone-800 bg-white p-8 print:border-0" data-testid="certificate">
            <header class="flex items-start justify-between gap-6">
                <div>
                    <p class="text-xs font-medium uppercase tracking-widest text-stone-500">"Certificate of ownership"</p>
                    <h1 class="mt-2 text-3xl font-bold tracking-tight">{item.title.clone()}</h1>
                    <p class="mt-1 text-lg" data-testid="certificate-edition">
                        {item.label()} {format!(" · by {} (@{})", item.creator, item.creator_handle)}
                    </p>
                    {c.test_mode.then(|| view! {
                        <p class="mt-2 inline-block rounded bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900">
                            "Test-mode purchase: no money moved"
                        </p>
                    })}
                </div>
                // SVG markup the server rendered from the verify URL (no user input reaches it unescaped).
                <figure class="w-44 shrink-0 text-center">
                    <div inner_html=c.qr_svg.clone() data-testid="qr" aria-label="QR code of the verify link" role="img"></div>
                    <figcaption class="text-xs text-stone-500">"Scan to verify"</figcaption>
                </figure>
            </header>
            <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
                <dt class="text-stone-500">"Order"</dt>
                <dd class="font-mono">{item.order_id.clone()}</dd>
                <dt class="text-stone-500">"Bought"</dt>
                <dd>{format!("{} for {}", format_time_ms(item.bought_ms), format_price(item.price_minor, &item.currency))}</dd>
                {c.chain_payment.clone().map(|p| {
                    let (tx, log) = p.split_once(':').unwrap_or((p.as_str(), "?"));
                    view! {
                        <dt class="text-stone-500">"Paid"</dt>
                        <dd class="break-all font-mono" data-testid="certificate-payment">{format!("from a wallet, on chain: transaction {tx}, log {log}")}</dd>
                    }
                })}
                {c.resold.then(|| view! {
                    <dt class="text-stone-500">"Resold"</dt>
                    <dd class="font-medium text-amber-800" data-testid="certificate-resold">"You resold this edition: it passed to its new holder."</dd>
                })}
                <dt class="text-stone-500">"File SHA-256"</dt>
                <dd class="break-all font-mono" data-testid="certificate-hash">{item.sha256.clone()}</dd>
                <dt class="text-stone-500">"File"</dt>
                <dd>{format!("{} · {} bytes", item.file_type, item.size)}</dd>
                <dt class="text-stone-500">"Creator's key"</dt>
                <dd class="font-mono">{c.creator_fingerprint.clone().unwrap_or_else(|| "unknown".into())}</dd>
                <dt class="text-stone-500">"Registered at log index"</dt>
                <dd>{c.content_leaf.map(|l| l.to_string()).unwrap_or_default()}</dd>
                <dt class="text-stone-500">"Sale statement"</dt>
                <dd>{format!("log index {}, signed by the marketplace key {}", item.leaf_index, c.operator_fingerprint)}</dd>
                <dt class="text-stone-500">"Buyer reference"</dt>
                <dd class="break-all font-mono">{c.buyer_ref.clone()}</dd>
                <dt class="text-stone-500">"Buyer salt"</dt>
                <dd class="break-all font-mono">{c.buyer_salt.clone()}</dd>
                <dt class="text-stone-500">"Anchor"</dt>
                <dd data-testid="certificate-anchor">
                    {match c.anchor.clone() {
                        Some(a) => format!("chain {} · block {} · tx {}", a.chain_id, a.block_number, a.tx_hash),
                        None => "Pending: the next anchor will cover the sale.".to_owned(),
                    }}
                </dd>
            </dl>
            {(!c.custody.is_empty()).then(|| view! {
                <section aria-labelledby="custody-heading">
                    <h2 id="custody-heading" class="text-sm font-semibold uppercase tracking-wide text-stone-500">"Chain of custody"</h2>
                    <ol class="mt-1 list-decimal pl-5 text-sm" data-testid="custody">
                        {c.custody.iter().map(|h| view! {
                            <li data-testid="custody-entry">
                                {format!(
                                    "{} {} for {} · log index {}{}{}",
                                    if h.resale { "Resold" } else { "Sold" },
                                    format_time_ms(h.at_ms),
                                    format_price(h.price_minor, &h.currency),
                                    h.leaf_index,
                                    h.payment.as_deref().map(|p| format!(" · paid in transaction {}", p.split(':').next().unwrap_or(p))).unwrap_or_default(),
                                    if h.this { " · this certificate" } else { "" },
                                )}
                            </li>
                        }).collect_view()}
                    </ol>
                </section>
            })}
            <p class="text-xs text-stone-600">
                "SHA-256(\"colophon/buyer-ref/v1\" ‖ 0x00 ‖ salt ‖ order id) is the buyer reference in the sale statement: "
                "with this certificate you can show the statement is yours; the public log names no one. Verify the file at "
                <a href=c.verify_url.clone() class="break-all underline">{c.verify_url.clone()}</a>
                " or offline with the receipt and "
                <code class="font-mono">"colophon verify"</code>
                "."
            </p>
            <div class="flex flex-wrap gap-2 print:hidden">
                <button type="button" class=BUTTON_LIGHT on:click=move |_| {
                    #[cfg(feature = "hydrate")]
                    if let Some(w) = web_sys::window() {
                        let _ = w.print();
                    }
                }>"Print"</button>
                <a href=format!("/api/v1/orders/{}/download", item.order_id) class=BUTTON_LIGHT rel="external" download="">"Download original"</a>
                <a href=format!("/api/v1/orders/{}/receipt", item.order_id) class=BUTTON_LIGHT rel="external" download="">"File receipt (JSON)"</a>
                <a href=format!("/api/v1/orders/{}/sale-receipt", item.order_id) class=BUTTON_LIGHT rel="external" download="">"Sale receipt (JSON)"</a>
                <a href="/collection" class="py-1.5 text-sm underline">"Back to my collection"</a>
            </div>
        </article>
    }
}
