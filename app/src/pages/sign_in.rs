//! Sign in and create an account.

use leptos::prelude::*;

use crate::components::ui::{BUTTON, INPUT};
use leptos_meta::Title;

use crate::api::account::{SignIn, SignUp};

/// Shows an action's error, if its last run failed.
#[component]
pub fn ActionError<I, E>(action: ServerAction<I>) -> impl IntoView
where
    I: leptos::server_fn::ServerFn<Error = E> + Clone + Send + Sync + 'static,
    I::Output: Clone + Send + Sync + 'static,
    E: std::fmt::Display + Send + Sync + Clone + 'static,
{
    move || {
        action.value().get().and_then(|r| r.err()).map(|e| {
            view! {
                <p role="alert" class="rounded border border-rose-300 bg-rose-50 p-3 text-rose-900">
                    {e.to_string()}
                </p>
            }
        })
    }
}

/// Sign-in page.
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    view! {
        <Title text="Sign in" />
        <section aria-labelledby="sign-in-heading" class="flex max-w-md flex-col gap-4">
            <h1 id="sign-in-heading" class="text-3xl font-bold tracking-tight">"Sign in"</h1>
            <ActionForm action attr:class="flex flex-col gap-4" attr:data-testid="sign-in-form">
                <label class="block">
                    <span class="font-medium">"Email"</span>
                    <input class=INPUT type="email" name="email" autocomplete="email" required />
                </label>
                <label class="block">
                    <span class="font-medium">"Password"</span>
                    <input class=INPUT type="password" name="password" autocomplete="current-password" required />
                </label>
                <ActionError action />
                <button class=BUTTON type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="text-stone-700">
                "New here? " <a href="/sign-up" class="font-medium text-amber-700 underline">"Create an account"</a>
            </p>
        </section>
    }
}

/// Sign-up page.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    view! {
        <Title text="Create an account" />
        <section aria-labelledby="sign-up-heading" class="flex max-w-md flex-col gap-4">
            <h1 id="sign-up-heading" class="text-3xl font-bold tracking-tight">"Create an account"</h1>
            <p class="text-stone-700">
                "Collect editions and licences, or become a creator and sell your own work."
            </p>
            <ActionForm action attr:class="flex flex-col gap-4" attr:data-testid="sign-up-form">
                <label class="block">
                    <span class="font-medium">"Email"</span>
                    <input class=INPUT type="email" name="email" autocomplete="email" required />
                </label>
                <label class="block">
                    <span class="font-medium">"Password"</span>
                    <input
                        class=INPUT
                        type="password"
                        name="password"
                        autocomplete="new-password"
                        minlength="10"
                        required
                    />
                    <span class="mt-1 block text-sm text-stone-600">"At least 10 characters."</span>
                </label>
                <ActionError action />
                <button class=BUTTON type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating…" } else { "Create account" }}
                </button>
            </ActionForm>
            <p class="text-stone-700">
                "Have an account? " <a href="/sign-in" class="font-medium text-amber-700 underline">"Sign in"</a>
            </p>
        </section>
    }
}
