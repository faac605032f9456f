//! The storefront: search and filters in the URL (shareable), a grid of
//! published listings, pagination.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

use crate::{
    api::storefront::{StoreQuery, search_store},
    components::{listing_card::ListingCardView, ui::INPUT},
};

fn query_from_url(q: &leptos_router::params::ParamsMap) -> StoreQuery {
    let get = |k: &str| q.get(k).unwrap_or_default();
    StoreQuery {
        q: get("q"),
        kind: get("kind"),
        creator: get("creator"),
        min: get("min"),
        max: get("max"),
        available: matches!(get("available").as_str(), "1" | "on" | "true"),
        sort: get("sort"),
        page: get("page").parse().unwrap_or(1),
    }
}

/// The URL of `query` at `page` (what the pager links to).
fn page_url(query: &StoreQuery, page: u32) -> String {
    let mut parts = Vec::new();
    let mut push = |k: &str, v: &str| {
        if !v.is_empty() {
            parts.push(format!("{k}={}", urlencode(v)));
        }
    };
    push("q", &query.q);
    push("kind", &query.kind);
    push("creator", &query.creator);
    push("min", &query.min);
    push("max", &query.max);
    push("available", if query.available { "1" } else { "" });
    push("sort", &query.sort);
    push("page", &if page > 1 { page.to_string() } else { String::new() });
    if parts.is_empty() { "/".to_owned() } else { format!("/?{}", parts.join("&")) }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The store: filters, results and pages.
#[component]
pub fn StorePage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(query_from_url));
    let results = Resource::new(move || query.get(), search_store);

    view! {
        <Title text="Store" />
        <section aria-labelledby="store-heading" class="flex flex-col gap-6">
            <div>
                <h1 id="store-heading" class="text-3xl font-bold tracking-tight">"Store"</h1>
                <p class="mt-1 text-stone-600">
                    "Limited editions, ComfyUI workflows and LoRAs — each signed by the artist who made it."
                </p>
            </div>
            <Filters query />
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading listings…"</p> }>
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    match results.await {
                        Ok(r) if r.total == 0 && q == StoreQuery { page: q.page, ..StoreQuery::default() } => {
                            view! { <EmptyStore /> }.into_any()
                        }
                        Ok(r) => {
                            let (page, pages, total) = (r.page, r.pages, r.total);
                            view! {
                                {r.notice.map(|n| view! { <p role="status" class="text-sm text-amber-800">{n}</p> })}
                                <p class="text-sm text-stone-600" data-testid="result-count">
                                    {match total {
                                        0 => "No listings match. Try fewer words or filters.".to_owned(),
                                        1 => "1 listing".to_owned(),
                                        n => format!("{n} listings"),
                                    }}
                                </p>
                                <ul
                                    class="grid grid-cols-1 gap-6 sm:grid-cols-2 lg:grid-cols-3"
                                    data-testid="listing-grid"
                                >
                                    {r.cards.into_iter().map(|card| view! { <ListingCardView card /> }).collect_view()}
                                </ul>
                                <Pager query=q page pages />
                            }
                                .into_any()
                        }
                        Err(err) => {
                            view! {
                                <p role="alert" class="rounded border border-rose-300 bg-rose-50 p-4 text-rose-900">
                                    {err.to_string()}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The filter form: a GET form, so every search is a shareable URL.
#[component]
fn Filters(query: Memo<StoreQuery>) -> impl IntoView {
    let q = move || query.get();
    view! {
        <Form method="GET" action="/" attr:class="grid grid-cols-2 gap-3 rounded-lg border border-stone-200 bg-white p-4 md:grid-cols-6" attr:role="search">
            <label class="col-span-2 text-sm font-medium md:col-span-2">
                "Search"
                <input type="search" name="q" class=INPUT placeholder="title, tag or artist" prop:value=move || q().q />
            </label>
            <label class="text-sm font-medium">
                "Kind"
                <select name="kind" class=INPUT prop:value=move || q().kind>
                    <option value="">"All"</option>
                    <option value="edition">"Editions"</option>
                    <option value="workflow">"Workflows"</option>
                    <option value="lora">"LoRAs"</option>
                </select>
            </label>
            <label class="text-sm font-medium">
                "Sort"
                <select name="sort" class=INPUT prop:value=move || q().sort>
                    <option value="">"Best"</option>
                    <option value="newest">"Newest"</option>
                    <option value="price_asc">"Price: low to high"</option>
                    <option value="price_desc">"Price: high to low"</option>
                </select>
            </label>
            <label class="text-sm font-medium">
                "Min price"
                <input type="text" inputmode="decimal" name="min" class=INPUT placeholder="0" prop:value=move || q().min />
            </label>
            <label class="text-sm font-medium">
                "Max price"
                <input type="text" inputmode="decimal" name="max" class=INPUT placeholder="any" prop:value=move || q().max />
            </label>
            <label class="text-sm font-medium">
                "Artist"
                <input type="text" name="creator" class=INPUT placeholder="handle" prop:value=move || q().creator />
            </label>
            <label class="flex items-center gap-2 self-end pb-2 text-sm font-medium">
                <input type="checkbox" name="available" value="1" prop:checked=move || q().available />
                "Available now"
            </label>
            <div class="col-span-2 flex items-end gap-3 md:col-span-4 md:justify-end">
                <a href="/" class="py-2 text-sm text-stone-600 underline">"Clear"</a>
                <button type="submit" class="rounded-md bg-stone-900 px-4 py-2 text-sm font-medium text-white">"Search"</button>
            </div>
        </Form>
    }
}

#[component]
fn Pager(query: StoreQuery, page: u32, pages: u32) -> impl IntoView {
    (pages > 1).then(|| {
        let prev = (page > 1).then(|| page_url(&query, page - 1));
        let next = (page < pages).then(|| page_url(&query, page + 1));
        view! {
            <nav aria-label="Pages" class="flex items-center justify-center gap-4 text-sm">
                {prev.map(|href| view! { <a href=href rel="prev" class="underline">"← Previous"</a> })}
                <span data-testid="page-of">{format!("Page {page} of {pages}")}</span>
                {next.map(|href| view! { <a href=href rel="next" class="underline">"Next →"</a> })}
            </nav>
        }
    })
}

#[component]
fn EmptyStore() -> impl IntoView {
    view! {
        <div
            class="rounded-lg border border-dashed border-stone-300 bg-white p-10 text-center"
            data-testid="store-empty"
        >
            <h2 class="text-lg font-semibold">"Nothing for sale yet"</h2>
            <p class="mt-2 text-stone-600">
                "When creators publish editions, workflows and LoRAs, they appear here."
            </p>
            <a href="/studio" class="mt-4 inline-block font-medium text-amber-700 underline">
                "Open the Studio to list your work"
            </a>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_urls_keep_the_search_shareable() {
        let q = StoreQuery { q: "dawn & dusk".into(), kind: "edition".into(), available: true, ..Default::default() };
        assert_eq!(page_url(&q, 2), "/?q=dawn+%26+dusk&kind=edition&available=1&page=2");
        assert_eq!(page_url(&StoreQuery::default(), 1), "/");
    }
}
