//! Studio: where creators will list and sign their work.

use leptos::prelude::*;
use leptos_meta::Title;

/// Studio landing page.
#[component]
pub fn StudioPage() -> impl IntoView {
    view! {
        <Title text="Studio" />
        <section aria-labelledby="studio-heading" class="flex max-w-3xl flex-col gap-4">
            <h1 id="studio-heading" class="text-3xl font-bold tracking-tight">"Studio"</h1>
            <p class="text-stone-700">
                "The Studio is where creators list editions, workflows and LoRAs and sign every file with "
                "their own ed25519 key. The key is generated and kept in your browser; Colophon's server never sees it."
            </p>
            <p class="text-stone-700">
                <a href="/sign-in" class="font-medium text-amber-700 underline">"Sign in"</a>
                " to open your Studio."
            </p>
        </section>
    }
}
