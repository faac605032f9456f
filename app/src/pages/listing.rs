//! A listing page: the work, its terms, what is left, buying, and the
//! provenance of its file (hash, signature, log index, on-chain anchor).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::storefront::{BuyListing, FileProvenance, ListingDetail, get_listing},
    components::ui::BUTTON,
    types::{format_duration_ms, format_time_ms},
};

/// `/listings/:slug`.
#[component]
pub fn ListingPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let buy = ServerAction::<BuyListing>::new();
    let detail = Resource::new(move || (slug(), buy.version().get()), |(slug, _)| get_listing(slug));
    // A Transition keeps the page (and the purchase message) on screen while
    // it refetches after a purchase.
    view! {
        <Transition fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Listing d buy /> }.into_any(),
                    Err(e) => {
                        view! {
                            <Title text="Not found" />
                            <p role="alert" class="rounded border border-rose-300 bg-rose-50 p-4 text-rose-900">
                                {e.to_string()}
                            </p>
                            <a href="/" class="text-amber-700 underline">"Back to the store"</a>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Listing(d: ListingDetail, buy: ServerAction<BuyListing>) -> impl IntoView {
    let price = d.card.price_label();
    let left = d.card.availability_label();
    let kind = d.card.kind.label();
    view! {
        <Title text=d.card.title.clone() />
        <article class="grid gap-8 lg:grid-cols-[3fr_2fr]" data-testid="listing-page">
            <div class="flex flex-col gap-6">
                {if d.card.kind == crate::types::ListingKind::Edition {
                    let base = format!("/api/v1/listings/{}/preview", d.card.slug);
                    view! {
                        <img
                            class="w-full rounded-lg bg-stone-200"
                            src=format!("{base}/1600")
                            srcset=format!("{base}/640 640w, {base}/1600 1600w")
                            sizes="(min-width: 1024px) 60vw, 100vw"
                            alt=format!("Watermarked preview of {}", d.card.title)
                            data-testid="listing-preview"
                        />
                    }
                        .into_any()
                } else {
                    view! {
                        <div
                            class="flex aspect-video w-full items-center justify-center rounded-lg bg-gradient-to-br from-stone-200 to-stone-300 font-medium text-stone-600"
                            role="img"
                            aria-label=format!("{}: {}", d.card.kind.label(), d.card.title)
                        >
                            {d.card.kind.label()}
                        </div>
                    }
                        .into_any()
                }}
                <section aria-labelledby="about-heading">
                    <h2 id="about-heading" class="text-lg font-semibold">"About"</h2>
                    <p class="mt-2 whitespace-pre-line text-stone-700">{d.description.clone()}</p>
                    <ul class="mt-3 flex flex-wrap gap-2" aria-label="Tags">
                        {d.tags.iter().map(|t| view! {
                            <li><a href=format!("/?q={t}") class="rounded-full bg-stone-200 px-2 py-0.5 text-xs">{t.clone()}</a></li>
                        }).collect_view()}
                    </ul>
                </section>
                <section aria-labelledby="licence-heading">
                    <h2 id="licence-heading" class="text-lg font-semibold">"Licence"</h2>
                    <ul class="mt-2 list-disc pl-5 text-stone-700" data-testid="licence">
                        {d.license_words.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}
                    </ul>
                    <p class="mt-1 break-all font-mono text-xs text-stone-500">"Terms hash " {d.license_hash.clone()}</p>
                </section>
                <ProvenancePanel file=d.file.clone() />
                <MadeWith d=d.clone() />
                <SalesHistory d=d.clone() />
            </div>
            <aside class="flex flex-col gap-4">
                <p class="text-xs font-medium uppercase tracking-wide text-amber-700">{kind}</p>
                <h1 class="text-3xl font-bold tracking-tight" data-testid="listing-heading">{d.card.title.clone()}</h1>
                <div class="flex items-center gap-3 text-stone-700">
                    <crate::components::avatar::Avatar url=d.creator_avatar.clone() name=d.card.creator.clone() size=40 />
                    <p>
                        "by "
                        <a href=format!("/?creator={}", d.creator_handle) class="font-medium underline">{d.card.creator.clone()}</a>
                        <span class="text-stone-500">{format!(" @{}", d.creator_handle)}</span>
                    </p>
                </div>
                {d.key_fingerprint.clone().map(|f| view! {
                    <p class="text-sm text-stone-600">"Signing key " <code class="font-mono" data-testid="key-fingerprint">{f}</code></p>
                })}
                {(!d.creator_bio.is_empty()).then(|| view! { <p class="text-sm text-stone-600">{d.creator_bio.clone()}</p> })}
                <p class="text-2xl font-semibold">{price}</p>
                {left.map(|l| view! { <p class="font-medium" data-testid="left">{l}</p> })}
                {(d.reserved > 0).then(|| view! {
                    <p class="text-sm text-stone-600" data-testid="reserved">
                        {format!("{} reserved by buyers paying from their wallets now", d.reserved)}
                    </p>
                })}
                <SaleWindow d=d.clone() />
                {d.per_account_cap.map(|c| view! { <p class="text-sm text-stone-600">{format!("At most {c} per collector.")}</p> })}
                <BuyPanel d=d.clone() buy />
                <ResaleMarket d=d.clone() />
            </aside>
        </article>
    }
}

/// "Sale starts in 2h 05m" / "Sale ends in 3d 4h", ticking in the browser.
#[component]
fn SaleWindow(d: ListingDetail) -> impl IntoView {
    let now = RwSignal::new(d.now_ms);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let handle = leptos::leptos_dom::helpers::set_interval_with_handle(
                move || now.set(js_sys::Date::now() as i64),
                std::time::Duration::from_secs(1),
            )
            .ok();
            on_cleanup(move || {
                if let Some(h) = handle {
                    h.clear();
                }
            });
        }
    });
    let (starts, ends) = (d.sale_starts_ms, d.sale_ends_ms);
    let text = move || {
        let n = now.get();
        match (starts, ends) {
            (Some(s), _) if n < s => {
                Some(format!("Sale starts in {} ({})", format_duration_ms(s - n), format_time_ms(s)))
            }
            (_, Some(e)) if n < e => {
                Some(format!("Sale ends in {} ({})", format_duration_ms(e - n), format_time_ms(e)))
            }
            (_, Some(e)) => Some(format!("Sale ended {}", format_time_ms(e))),
            _ => None,
        }
    };
    view! { <p class="text-sm font-medium text-stone-700" data-testid="countdown">{text}</p> }
}

#[component]
fn BuyPanel(d: ListingDetail, buy: ServerAction<BuyListing>) -> impl IntoView {
    let result = buy.value();
    let label = if d.card.edition_size.is_some() { "Buy this edition" } else { "Buy a licence" };
    let test_mode = d.test_mode.then(|| {
        view! {
            <p class="rounded bg-amber-100 px-2 py-1 text-xs font-medium text-amber-900" data-testid="test-mode">
                "Test mode: no money moves. Payments always succeed."
            </p>
        }
    });
    let wallet = (d.wallet_payments && d.signed_in && !d.is_owner && d.unavailable.is_none()).then(|| {
        view! { <WalletPay slug=d.card.slug.clone() price=d.card.price_minor key=d.checkout_key.clone() /> }.into_any()
    });
    let form = match (&d.unavailable, d.is_owner, d.signed_in) {
        (Some(why), _, _) => {
            view! { <p class="font-medium text-rose-800" data-testid="unavailable">{why.clone()}</p> }.into_any()
        }
        (None, true, _) => view! { <p class="text-sm text-stone-600">"This is your listing."</p> }.into_any(),
        (None, false, false) => view! {
            <a href="/sign-in" class=BUTTON>"Sign in to buy"</a>
        }
        .into_any(),
        (None, false, true) => view! {
            <ActionForm action=buy>
                <input type="hidden" name="slug" value=d.card.slug.clone() />
                <input type="hidden" name="price_minor" value=d.card.price_minor.to_string() />
                <input type="hidden" name="idempotency_key" value=d.checkout_key.clone() />
                <button type="submit" class=BUTTON data-testid="buy" disabled=move || buy.pending().get()>
                    {move || if buy.pending().get() { "Buying…" } else { label }}
                </button>
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <div class="flex flex-col gap-3 rounded-lg border border-stone-200 bg-white p-4">
            {test_mode}
            {(d.holdings > 0).then(|| view! {
                <p class="text-sm text-emerald-800">
                    {format!("You hold {} of this. ", d.holdings)}
                    <a href="/collection" class="underline">"See your collection"</a>
                </p>
            })}
            {form}
            {wallet}
            {move || match result.get() {
                Some(Ok(b)) => Some(view! {
                    <p role="status" class="rounded bg-emerald-50 p-3 text-emerald-900" data-testid="bought">
                        {match (b.edition, b.edition_size) {
                            (Some(e), Some(n)) => format!("You own edition #{e} of {n}. "),
                            _ => "Your licence is ready. ".to_owned(),
                        }}
                        <a href=format!("/collection/{}", b.order_id) class="font-medium underline">"View the certificate"</a>
                    </p>
                }.into_any()),
                Some(Err(e)) => Some(view! {
                    <p role="alert" class="rounded border border-rose-300 bg-rose-50 p-3 text-rose-900">{e.to_string()}</p>
                }.into_any()),
                None => None,
            }}
        </div>
    }
    .into_any()
}

/// Editions holders offer for resale: each with its price and the creator's
/// royalty, bought from a wallet like a new edition. Licences are not resold.
#[component]
fn ResaleMarket(d: ListingDetail) -> impl IntoView {
    if d.card.kind != crate::types::ListingKind::Edition {
        return view! {
            <p class="text-sm text-stone-600" data-testid="not-resellable">
                {colophon_catalog::Refusal::NotResellable.to_string()}
            </p>
        }
        .into_any();
    }
    let percent = |bps: i64| {
        let p = format!("{}.{:02}", bps / 100, bps % 100);
        p.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    if d.resales.is_empty() {
        return view! {
            <p class="text-sm text-stone-600" data-testid="royalty">
                {format!("Editions resold here pay the creator {} % of the price.", percent(d.royalty_bps))}
            </p>
        }
        .into_any();
    }
    let can_buy = d.wallet_payments && d.signed_in;
    let own_offers = d.own_offers.clone();
    let own = move |id: &str| own_offers.iter().any(|o| o == id);
    view! {
        <section aria-labelledby="resale-heading" class="flex flex-col gap-3 rounded-lg border border-stone-200 bg-white p-4" data-testid="resales">
            <h2 id="resale-heading" class="text-lg font-semibold">"Resale"</h2>
            <ul class="flex flex-col gap-3">
                {d.resales.iter().map(|o| {
                    let royalty = percent(o.royalty_bps);
                    let size = o.edition_size.map(|n| format!(" of {n}")).unwrap_or_default();
                    view! {
                        <li class="flex flex-col gap-1 border-t border-stone-100 pt-2" data-testid="resale-offer">
                            <p class="font-medium">
                                {format!("Edition #{}{size} · {}", o.edition, crate::types::format_price(o.price_minor, &o.currency))}
                            </p>
                            <p class="text-sm text-stone-600" data-testid="resale-royalty">
                                {format!("{royalty} % of the price goes to the creator as a royalty.")}
                            </p>
                            {o.held.then(|| view! { <p class="text-sm text-amber-800">"A buyer is paying for it now."</p> })}
                            {own(&o.id).then(|| view! {
                                <p class="text-sm text-stone-700" data-testid="own-offer">
                                    "This is your offer. You can withdraw it from "
                                    <a class="underline" href="/collection">"your collection"</a>"."
                                </p>
                            })}
                            {(can_buy && !o.held && !own(&o.id)).then(|| view! {
                                <WalletPay
                                    slug=o.listing.clone()
                                    price=o.price_minor
                                    key=format!("{}-{}", d.checkout_key, o.id)
                                    offer=o.id.clone()
                                />
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(!can_buy).then(|| view! { <p class="text-sm text-stone-600">"Sign in with a wallet-enabled marketplace to buy a resale."</p> })}
        </section>
    }
    .into_any()
}

/// Paying from a browser wallet: a quote (which holds the edition, or the
/// resale `offer`), the wallet's transactions, then the order once the
/// payment is confirmed.
#[component]
fn WalletPay(slug: String, price: i64, key: String, #[prop(optional, into)] offer: Option<String>) -> impl IntoView {
    let status: RwSignal<Option<(bool, String)>> = RwSignal::new(None);
    let done: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let resale = offer.is_some();
    let base_key = key;
    let pay = move |token: &'static str| {
        #[cfg(feature = "hydrate")]
        {
            let (slug, key, offer) = (slug.clone(), format!("{base_key}-{token}"), offer.clone());
            busy.set(true);
            done.set(None);
            leptos::task::spawn_local(async move {
                match pay_flow::run(&slug, price, token, &key, offer.as_deref(), status).await {
                    Ok(order_id) => {
                        status.set(None);
                        done.set(Some(order_id));
                    }
                    Err(message) => status.set(Some((true, message))),
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (token, &slug, price, &base_key, &offer);
    };
    let pay_usd = pay.clone();
    view! {
        <div class="flex flex-col gap-2 border-t border-stone-200 pt-3" data-testid="wallet-pay">
            <p class="text-sm text-stone-700">
                {if resale {
                    "Pay from your own wallet. The fee, the creator's royalty and the seller's share are shown before you confirm."
                } else {
                    "Or pay from your own wallet. The fee and the creator's share are shown before you confirm."
                }}
            </p>
            <div class="flex flex-wrap gap-2">
                <button type="button" class=BUTTON data-testid="pay-eth" disabled=move || busy.get() on:click=move |_| pay("eth")>"Pay with ETH"</button>
                <button type="button" class=BUTTON data-testid="pay-usd" disabled=move || busy.get() on:click=move |_| pay_usd("usd")>"Pay with dUSD"</button>
            </div>
            {move || status.get().map(|(error, message)| if error {
                view! { <p role="alert" class="rounded border border-rose-300 bg-rose-50 p-3 text-rose-900" data-testid="wallet-error">{message}</p> }.into_any()
            } else {
                view! { <p role="status" class="text-sm text-stone-700" data-testid="wallet-status">{message}</p> }.into_any()
            })}
            {move || done.get().map(|order_id| view! {
                <p role="status" class="rounded bg-emerald-50 p-3 text-emerald-900" data-testid="wallet-done">
                    "Paid and confirmed: it is yours. "
                    <a href=format!("/collection/{order_id}") class="font-medium underline">"View the certificate"</a>
                </p>
            })}
        </div>
    }
    .into_any()
}

#[cfg(feature = "hydrate")]
mod pay_flow {
    use colophon_api::{ErrorBody, PaymentQuote, QuoteState, WalletTransaction};
    use leptos::prelude::*;
    use serde_json::json;

    use crate::wallet::{
        format_units,
        steps::{account, call as wallet, ensure_chain, hex_u64, receipt_block, sign_typed_data, sleep},
    };

    /// POSTs `body` as JSON (with an Idempotency-Key when given); the answer,
    /// or the server's own words for a refusal (`refused` when it gave none).
    async fn post_json<T: serde::de::DeserializeOwned>(
        url: &str,
        key: Option<&str>,
        body: serde_json::Value,
        refused: &str,
    ) -> Result<T, String> {
        let mut request = gloo_net::http::Request::post(url);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let resp = request
            .json(&body)
            .map_err(|e| e.to_string())?
            .send()
            .await
            .map_err(|_| "Could not reach Colophon. Try again.".to_owned())?;
        if !resp.ok() {
            return Err(resp.json::<ErrorBody>().await.map(|e| e.message).unwrap_or_else(|_| refused.into()));
        }
        resp.json().await.map_err(|e| e.to_string())
    }

    /// The whole payment; `Ok` is the order id once it is issued.
    pub async fn run(
        slug: &str,
        price_minor: i64,
        token: &str,
        key: &str,
        offer: Option<&str>,
        status: RwSignal<Option<(bool, String)>>,
    ) -> Result<String, String> {
        let say = |m: String| status.set(Some((false, m)));
        say("Connecting to your wallet…".into());
        let from = account().await?;

        say("Asking for a quote…".into());
        let ask = json!({"listing": slug, "price_minor": price_minor, "wallet": from, "token": token, "offer": offer});
        let q: PaymentQuote = post_json("/api/v1/orders/quote", Some(key), ask, "The quote failed.").await?;

        ensure_chain(q.chain_id, say).await?;

        let units = |v: &str| format_units(v, q.decimals);
        say(match &q.seller_share {
            Some(seller) => format!(
                "Confirm in your wallet: {} {} (platform fee {}, creator's royalty {}, seller {}).",
                units(&q.amount),
                q.symbol,
                units(&q.platform_fee),
                units(&q.creator_share),
                units(seller),
            ),
            None => format!(
                "Confirm in your wallet: {} {} (platform fee {}, creator {}).",
                units(&q.amount),
                q.symbol,
                units(&q.platform_fee),
                units(&q.creator_share),
            ),
        });
        let mut transactions = q.transactions.clone();
        if let Some(permit) = &q.permit {
            say(format!(
                "Sign the permit in your wallet: it lets the sales contract take exactly {} {} for this order, once. \
                 Signing costs no gas.",
                units(&q.amount),
                q.symbol,
            ));
            match sign_typed_data(&from, &permit.typed_data).await? {
                Some(signature) => {
                    // The server checks the signer before the wallet spends gas on it.
                    let url = format!("/api/v1/orders/quote/{}/permit", q.order_id);
                    let pay: WalletTransaction =
                        post_json(&url, None, json!({"signature": signature}), "The permit was refused.").await?;
                    transactions = vec![pay];
                }
                None => say("Your wallet cannot sign permits: approve the amount, then confirm the payment…".into()),
            }
        }
        let mut paid_with = String::new();
        let last = transactions.len().saturating_sub(1);
        for (i, tx) in transactions.iter().enumerate() {
            let hash =
                wallet("eth_sendTransaction", json!([{"from": from, "to": tx.to, "data": tx.data, "value": tx.value}]))
                    .await?;
            let hash = hash.as_str().ok_or("Your wallet returned no transaction.")?.to_owned();
            if i < last {
                say("Approval sent; waiting for it to be mined, then confirm the payment…".into());
                for _ in 0..600 {
                    if receipt_block(&hash).await.is_some() {
                        break;
                    }
                    sleep(1000).await;
                }
            } else {
                paid_with = hash;
            }
        }

        let url = format!("/api/v1/orders/quote/{}", q.order_id);
        loop {
            let state: Option<QuoteState> = match gloo_net::http::Request::get(&url).send().await {
                Ok(r) if r.ok() => r.json().await.ok(),
                _ => None,
            };
            match state.as_ref().map(|s| s.status.as_str()) {
                Some("completed") => return Ok(q.order_id),
                Some("expired") => {
                    return Err(
                        "The quote expired before the payment arrived. Nothing was issued; ask for a new one.".into()
                    );
                }
                _ => {}
            }
            let seen = match (receipt_block(&paid_with).await, wallet("eth_blockNumber", json!([])).await.ok()) {
                (Some(block), Some(head)) => hex_u64(&head).map(|h| h.saturating_sub(block).min(q.confirmations)),
                _ => None,
            };
            say(match seen {
                Some(n) => format!("Submitted ({paid_with}). {n} of {} confirmations…", q.confirmations),
                None => format!("Submitted ({paid_with}). Waiting for it to be mined…"),
            });
            sleep(1000).await;
        }
    }
}

#[component]
fn ProvenancePanel(file: Option<FileProvenance>) -> impl IntoView {
    view! {
        <section aria-labelledby="provenance-heading" class="rounded-lg border border-stone-200 bg-white p-4" data-testid="provenance">
            <h2 id="provenance-heading" class="text-lg font-semibold">"Provenance"</h2>
            {match file {
                None => view! { <p class="text-stone-600">"No file registered yet."</p> }.into_any(),
                Some(f) => {
                    let signature = match (f.signature_valid, f.key_status.as_str()) {
                        (true, "active") => ("text-emerald-800", "Signature valid (creator's active key)".to_owned()),
                        (true, "rotated") => ("text-emerald-800", "Signature valid (made before the key was rotated)".to_owned()),
                        (true, status) => ("text-amber-800", format!("Signature valid, but the key is {status}")),
                        (false, _) => ("text-rose-800", "Signature does NOT verify".to_owned()),
                    };
                    view! {
                        <dl class="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
                            <dt class="text-stone-500">"SHA-256"</dt>
                            <dd class="break-all font-mono" data-testid="content-hash">{f.sha256.clone()}</dd>
                            {f.alt_hash.clone().map(|h| view! {
                                <dt class="text-stone-500">"Layout-free / tensor hash"</dt>
                                <dd class="break-all font-mono">{h}</dd>
                            })}
                            <dt class="text-stone-500">"File"</dt>
                            <dd>{format!("{} · {} bytes · version {}", f.file_type, f.size, f.version)}</dd>
                            <dt class="text-stone-500">"Signature"</dt>
                            <dd class=signature.0 data-testid="signature-status">{signature.1}</dd>
                            <dt class="text-stone-500">"Signer"</dt>
                            <dd class="font-mono">{f.signer_fingerprint.clone()}</dd>
                            <dt class="text-stone-500">"Signed"</dt>
                            <dd>{format_time_ms(f.statement_time_ms)}</dd>
                            <dt class="text-stone-500">"Log index"</dt>
                            <dd data-testid="log-index">{f.leaf_index}</dd>
                            <dt class="text-stone-500">"Anchor"</dt>
                            <dd data-testid="anchor-status">
                                {match f.anchor.clone() {
                                    Some(a) => format!(
                                        "Anchored on chain {} in block {} (tx {}, contract {}, tree size {})",
                                        a.chain_id, a.block_number, a.tx_hash, a.contract, a.tree_size
                                    ),
                                    None => "Pending: the next anchor will cover it.".to_owned(),
                                }}
                            </dd>
                        </dl>
                        <a href=format!("/verify?hash={}", f.sha256) class="mt-3 inline-block text-sm text-amber-700 underline">
                            "Verify it yourself"
                        </a>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// What made this work (its image's generation metadata, and the LoRAs and
/// workflows on Colophon it credits) and the works made with this one.
#[component]
fn MadeWith(d: ListingDetail) -> impl IntoView {
    let credit_list = |credits: Vec<crate::api::storefront::CreditView>, testid: &'static str| {
        view! {
            <ul class="mt-2 flex flex-col gap-1 text-sm" data-testid=testid>
                {credits.into_iter().map(|c| view! {
                    <li>
                        <a class="font-medium underline" href=format!("/listings/{}", c.slug)>{c.title}</a>
                        {format!(" · {} by {} (credited as {})", c.kind, c.creator, c.credited_as)}
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let (signed_in, slug) = (d.signed_in, d.card.slug.clone());
    let generation = d.generation.clone().map(|g| {
        let tool = colophon_formats::generator_name(&g.tool);
        view! {
            <details class="mt-2 text-sm" data-testid="generation">
                <summary class="cursor-pointer">{format!("Generation metadata ({tool}), as the image states it")}</summary>
                {g.prompt.map(|p| view! { <p class="mt-1 whitespace-pre-line text-stone-700"><span class="font-medium">"Prompt: "</span>{p}</p> })}
                {g.negative_prompt.map(|p| view! { <p class="text-stone-700"><span class="font-medium">"Negative: "</span>{p}</p> })}
                {g.seed.map(|s| view! { <p data-testid="generation-seed">"Seed " <span class="font-mono">{s}</span></p> })}
                <ul class="text-stone-700">
                    {g.models.into_iter().map(|(kind, name, hash, weight)| view! {
                        <li>{format!("{kind}: {name}{}{}", hash.map(|h| format!(" [{h}]")).unwrap_or_default(), weight.map(|w| format!(" × {w}")).unwrap_or_default())}</li>
                    }).collect_view()}
                </ul>
                <p class="text-stone-600">{g.settings.into_iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(" · ")}</p>
                {signed_in.then(|| view! { <SaveStyle slug=slug.clone() /> })}
            </details>
        }
        .into_any()
    });
    let made = (generation.is_some() || !d.made_with.is_empty()).then(|| {
        view! {
            <section aria-labelledby="made-with-heading" data-testid="made-with-panel">
                <h2 id="made-with-heading" class="text-lg font-semibold">"Made with"</h2>
                {(!d.made_with.is_empty()).then(|| credit_list(d.made_with.clone(), "made-with"))}
                {d.made_with.is_empty().then(|| view! {
                    <p class="text-sm text-stone-600">"None of the models or workflows it names are on Colophon."</p>
                })}
                {generation}
            </section>
        }
    });
    let used = (!d.used_in.is_empty()).then(|| {
        view! {
        <section aria-labelledby="used-in-heading" data-testid="used-in-panel">
            <h2 id="used-in-heading" class="text-lg font-semibold">"Used in"</h2>
            <p class="text-sm text-stone-600">"Published works whose generation metadata names this file's hash."</p>
            {credit_list(d.used_in.clone(), "used-in")}
        </section>
    }.into_any()
    });
    view! { {made} {used} }.into_any()
}

/// Saves this listing's generation settings to the viewer's private style library.
#[component]
fn SaveStyle(slug: String) -> impl IntoView {
    let save = Action::new(move |_: &()| crate::api::styles::save_style(slug.clone(), String::new()));
    view! {
        <button type="button" class=crate::components::ui::BUTTON_LIGHT data-testid="save-style"
            disabled=move || save.pending().get() on:click=move |_| { save.dispatch(()); }>
            "Save to my style library"
        </button>
        {move || save.value().get().map(|r| match r {
            Ok(()) => view! { <span class="ml-2 text-emerald-700" data-testid="style-saved">"Saved: see the Studio's style library."</span> }.into_any(),
            Err(e) => view! { <span class="ml-2 text-rose-700" role="alert">{e.to_string()}</span> }.into_any(),
        })}
    }
}

#[component]
fn SalesHistory(d: ListingDetail) -> impl IntoView {
    (!d.sales.is_empty()).then(|| {
        view! {
            <section aria-labelledby="history-heading">
                <h2 id="history-heading" class="text-lg font-semibold">"History"</h2>
                <ol class="mt-2 flex flex-col gap-1 text-sm text-stone-700" data-testid="sales-history">
                    {d.sales.iter().map(|s| view! {
                        <li>
                            {match s.edition {
                                Some(e) => format!("Edition #{e} sold"),
                                None => "Licence granted".to_owned(),
                            }}
                            {format!(" · {} · log index {}", format_time_ms(s.at_ms), s.leaf_index)}
                        </li>
                    }).collect_view()}
                </ol>
                {(d.card.sold > d.sales.len() as i64).then(|| view! {
                    <p class="mt-2 text-sm text-stone-600" data-testid="sales-history-more">
                        {format!("The newest {} of {} sales. ", d.sales.len(), d.card.sold)}
                        {d.file.as_ref().map(|f| view! {
                            <a class="underline" href=format!("/verify?hash={}", f.sha256)>"Every sale, with its receipt"</a>
                        })}
                    </p>
                })}
            </section>
        }
    })
}
