//! Studio: where creators set up their profile and signing key and list their work.

use leptos::prelude::*;

use crate::components::ui::{BUTTON, INPUT};
use leptos_meta::Title;

use crate::{
    api::account::{BecomeCreator, current_account},
    pages::ActionError,
    types::{CreatorProfile, Me},
};

/// Studio landing page.
#[component]
pub fn StudioPage() -> impl IntoView {
    // Re-read the account after becoming a creator (the redirect lands on this same page).
    let become_creator = ServerAction::<BecomeCreator>::new();
    let account = Resource::new(move || become_creator.version().get(), |_| current_account());
    view! {
        <Title text="Studio" />
        <section aria-labelledby="studio-heading" class="flex max-w-3xl flex-col gap-6">
            <h1 id="studio-heading" class="text-3xl font-bold tracking-tight">"Studio"</h1>
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(None) => view! { <SignedOut /> }.into_any(),
                        Ok(Some(Me { creator: None, .. })) => {
                            view! { <BecomeCreatorForm action=become_creator /> }.into_any()
                        }
                        Ok(Some(Me { creator: Some(profile), .. })) => {
                            view! { <CreatorStudio profile /> }.into_any()
                        }
                        Err(e) => {
                            view! {
                                <p role="alert" class="rounded border border-rose-300 bg-rose-50 p-4 text-rose-900">
                                    {e.to_string()}
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
fn SignedOut() -> impl IntoView {
    view! {
        <p class="text-stone-700">
            "The Studio is where creators list editions, workflows and LoRAs and sign every file with "
            "their own ed25519 key. The key is generated and kept in your browser; Colophon's server never sees it."
        </p>
        <p class="text-stone-700">
            <a href="/sign-in" class="font-medium text-amber-700 underline">"Sign in"</a>
            " or "
            <a href="/sign-up" class="font-medium text-amber-700 underline">"create an account"</a>
            " to open your Studio."
        </p>
    }
}

#[component]
fn BecomeCreatorForm(action: ServerAction<BecomeCreator>) -> impl IntoView {
    view! {
        <div class="flex flex-col gap-3">
            <h2 class="text-xl font-semibold">"Become a creator"</h2>
            <p class="text-stone-700">
                "Your handle names you in every statement you sign, so it cannot be changed later."
            </p>
            <ActionForm action attr:class="flex flex-col gap-4" attr:data-testid="become-creator-form">
                <label class="block">
                    <span class="font-medium">"Handle"</span>
                    <input class=INPUT name="handle" required minlength="2" maxlength="32" pattern="[a-zA-Z][a-zA-Z0-9_\\-]{1,31}" />
                    <span class="mt-1 block text-sm text-stone-600">
                        "2–32 characters: letters, digits, - and _."
                    </span>
                </label>
                <label class="block">
                    <span class="font-medium">"Display name"</span>
                    <input class=INPUT name="display_name" required maxlength="120" />
                </label>
                <label class="block">
                    <span class="font-medium">"Bio"</span>
                    <textarea class=INPUT name="bio" rows="3" maxlength="2000"></textarea>
                </label>
                <ActionError action />
                <button class=BUTTON type="submit" disabled=move || action.pending().get()>
                    "Become a creator"
                </button>
            </ActionForm>
        </div>
    }
}

#[component]
fn CreatorStudio(profile: CreatorProfile) -> impl IntoView {
    view! {
        <div class="flex flex-col gap-1" data-testid="creator-profile">
            <p class="text-xl font-semibold">{profile.display_name.clone()}</p>
            <p class="text-stone-600">"@" {profile.handle}</p>
            <p class="text-stone-700">{profile.bio}</p>
        </div>
        <crate::components::avatar::AvatarEditor url=profile.avatar_url name=profile.display_name />
        <crate::pages::keys::KeyPanel />
        <crate::pages::listings::ListingsPanel />
        <crate::pages::sales::SalesPanel />
        <crate::pages::sales::CreditsPanel />
        <crate::pages::payouts::PayoutsPanel />
        <crate::pages::styles::StylesPanel />
        <crate::pages::webhooks::WebhooksPanel />
        <crate::pages::tokens::TokensPanel />
        <crate::pages::preview_jobs::PreviewJobsPanel />
    }
}
