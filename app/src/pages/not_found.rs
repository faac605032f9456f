//! 404.

use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any path no route matches; the server answers 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Not found" />
        <section class="flex flex-col gap-3">
            <h1 class="text-3xl font-bold tracking-tight">"Page not found"</h1>
            <p class="text-stone-700">"There is nothing at this address."</p>
            <a href="/" class="font-medium text-amber-700 underline">"Back to the store"</a>
        </section>
    }
}
