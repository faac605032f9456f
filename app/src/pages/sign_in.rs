//! Sign in.

use leptos::prelude::*;
use leptos_meta::Title;

/// Sign-in page. Accounts arrive with the Creators milestone; until then the
/// page says so instead of showing a form that cannot work.
#[component]
pub fn SignInPage() -> impl IntoView {
    view! {
        <Title text="Sign in" />
        <section aria-labelledby="sign-in-heading" class="flex max-w-md flex-col gap-4">
            <h1 id="sign-in-heading" class="text-3xl font-bold tracking-tight">"Sign in"</h1>
            <p class="rounded border border-amber-300 bg-amber-50 p-4 text-amber-900" role="status">
                "Accounts are not open yet. Browsing the store and verifying files need no account."
            </p>
        </section>
    }
}
