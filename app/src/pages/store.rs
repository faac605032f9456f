//! The storefront: published listings from the database.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{api::store::list_listings, components::listing_card::ListingCardView};

/// The store grid, or an empty state when nothing is published yet.
#[component]
pub fn StorePage() -> impl IntoView {
    let listings = Resource::new(|| (), |_| list_listings());

    view! {
        <Title text="Store" />
        <section aria-labelledby="store-heading" class="flex flex-col gap-6">
            <div>
                <h1 id="store-heading" class="text-3xl font-bold tracking-tight">"Store"</h1>
                <p class="mt-1 text-stone-600">
                    "Limited editions, ComfyUI workflows and LoRAs — each signed by the artist who made it."
                </p>
            </div>
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading listings…"</p> }>
                {move || Suspend::new(async move {
                    match listings.await {
                        Ok(cards) if cards.is_empty() => view! { <EmptyStore /> }.into_any(),
                        Ok(cards) => {
                            view! {
                                <ul
                                    class="grid grid-cols-1 gap-6 sm:grid-cols-2 lg:grid-cols-3"
                                    data-testid="listing-grid"
                                >
                                    {cards
                                        .into_iter()
                                        .map(|card| view! { <ListingCardView card /> })
                                        .collect_view()}
                                </ul>
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
