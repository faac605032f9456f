//! One listing in the store grid.

use leptos::prelude::*;

use crate::types::ListingCard;

/// A card: kind, title, creator, price and, for editions, what is left.
#[component]
pub fn ListingCardView(card: ListingCard) -> impl IntoView {
    let availability = card.availability_label();
    let price = card.price_label();
    view! {
        <li class="flex flex-col overflow-hidden rounded-lg border border-stone-200 bg-white shadow-sm">
            <div
                class="aspect-square bg-gradient-to-br from-stone-200 to-stone-300"
                role="img"
                aria-label=format!("Preview of {} is being prepared", card.title)
            ></div>
            <div class="flex flex-1 flex-col gap-1 p-4">
                <p class="text-xs font-medium uppercase tracking-wide text-amber-700">
                    {card.kind.label()}
                </p>
                <h2 class="text-base font-semibold" data-testid="listing-title">
                    <a href=format!("/listings/{}", card.slug) class="hover:underline">{card.title.clone()}</a>
                </h2>
                <p class="text-sm text-stone-600">"by " {card.creator.clone()}</p>
                <div class="mt-auto flex items-baseline justify-between pt-2">
                    <span class="font-semibold">{price}</span>
                    {availability.map(|text| view! { <span class="text-sm text-stone-600">{text}</span> })}
                </div>
            </div>
        </li>
    }
}
