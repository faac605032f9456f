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
            {if card.kind == crate::types::ListingKind::Edition {
                view! {
                    <img
                        class="aspect-square w-full bg-stone-200 object-cover"
                        src=format!("/api/v1/listings/{}/preview/640", card.slug)
                        alt=format!("Preview of {}", card.title)
                        loading="lazy"
                        data-testid="card-preview"
                    />
                }
                    .into_any()
            } else {
                view! {
                    <div
                        class="flex aspect-square items-center justify-center bg-gradient-to-br from-stone-200 to-stone-300 text-sm font-medium text-stone-600"
                        role="img"
                        aria-label=format!("{}: {}", card.kind.label(), card.title)
                    >
                        {card.kind.label()}
                    </div>
                }
                    .into_any()
            }}
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
