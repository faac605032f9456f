//! The Studio's listings: create drafts with terms, upload signed files with
//! a progress bar, publish and archive.
//!
//! - [`details`]: what the server read from a listing's newest file;
//! - [`upload`]: the browser's upload client (hash, sign, send, complete).

mod details;
mod upload;

use leptos::prelude::*;

use crate::components::ui::{BUTTON, BUTTON_LIGHT, INPUT};

use crate::{
    api::listings::{CreateListing, SetListingStatus, StudioListing, my_listings},
    pages::ActionError,
    types::{ListingKind, ListingStatus},
};

/// The creator's listings and the form for a new one.
#[component]
pub fn ListingsPanel() -> impl IntoView {
    let create = ServerAction::<CreateListing>::new();
    let status = ServerAction::<SetListingStatus>::new();
    let refresh = RwSignal::new(0u32);
    // Upload outcomes live here, not in the rows: rows are rebuilt when the list reloads.
    let outcomes = RwSignal::new(std::collections::HashMap::<i64, Result<String, String>>::new());
    let listings =
        Resource::new(move || (create.version().get(), status.version().get(), refresh.get()), |_| my_listings());
    view! {
        <section aria-labelledby="listings-heading" class="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-5">
            <h2 id="listings-heading" class="text-xl font-semibold">"Your listings"</h2>
            <Transition fallback=|| view! { <p aria-busy="true">"Loading listings…"</p> }>
                {move || Suspend::new(async move {
                    match listings.await {
                        Ok(list) if list.is_empty() => view! { <p class="text-stone-600">"No listings yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="flex flex-col gap-4" data-testid="studio-listings">
                                {list.into_iter().map(|l| view! { <ListingRow listing=l status refresh outcomes /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-rose-800">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <NewListingForm action=create />
        </section>
    }
}

#[component]
fn NewListingForm(action: ServerAction<CreateListing>) -> impl IntoView {
    let kind = RwSignal::new("edition".to_owned());
    view! {
        <details class="rounded border border-stone-200 p-3" open=true>
            <summary class="cursor-pointer font-medium">"New listing"</summary>
            <ActionForm action attr:class="mt-3 grid gap-3 md:grid-cols-2" attr:data-testid="new-listing-form">
                <label class="block">
                    <span class="font-medium">"Kind"</span>
                    <select class=INPUT name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="edition">"Limited edition (image)"</option>
                        <option value="workflow">"ComfyUI workflow"</option>
                        <option value="lora">"LoRA (safetensors)"</option>
                    </select>
                </label>
                <label class="block">
                    <span class="font-medium">"Title"</span>
                    <input class=INPUT name="title" required maxlength="200" />
                </label>
                <label class="block md:col-span-2">
                    <span class="font-medium">"Description"</span>
                    <textarea class=INPUT name="description" rows="2" maxlength="10000"></textarea>
                </label>
                <label class="block">
                    <span class="font-medium">"Price (USD)"</span>
                    <input class=INPUT name="price" required inputmode="decimal" placeholder="25.00" />
                </label>
                <label class="block" class:hidden=move || kind.get() != "edition">
                    <span class="font-medium">"Edition size"</span>
                    <input class=INPUT name="edition_size" type="number" min="1" max="10000" placeholder="25" />
                </label>
                <label class="block">
                    <span class="font-medium">"Sale starts (UTC, optional)"</span>
                    <input class=INPUT name="sale_starts_at" type="datetime-local" />
                </label>
                <label class="block">
                    <span class="font-medium">"Sale ends (UTC, optional)"</span>
                    <input class=INPUT name="sale_ends_at" type="datetime-local" />
                </label>
                <label class="block">
                    <span class="font-medium">"Per-account cap (optional)"</span>
                    <input class=INPUT name="per_account_cap" type="number" min="1" />
                </label>
                <label class="block" class:hidden=move || kind.get() != "edition">
                    <span class="font-medium">"Resale royalty (%)"</span>
                    <input class=INPUT name="royalty" inputmode="decimal" placeholder="5" />
                    <span class="text-xs text-stone-500">"Your share of every resale, 0 to 10 %; blank is 5 %."</span>
                </label>
                <label class="block">
                    <span class="font-medium">"Tags (comma-separated)"</span>
                    <input class=INPUT name="tags" placeholder="ink, tide, sumi-e" />
                </label>
                <fieldset class="md:col-span-2">
                    <legend class="font-medium">"Licence"</legend>
                    <p class="text-sm text-stone-600">"Personal use is always allowed. The terms are hashed into every file's signed statement."</p>
                    <div class="mt-1 flex flex-wrap gap-4 text-sm">
                        <label><input type="checkbox" name="commercial_use" />" Commercial use"</label>
                        <label><input type="checkbox" name="derivatives" checked />" Derivative works"</label>
                        <label><input type="checkbox" name="credit_required" checked />" Credit required"</label>
                        <label><input type="checkbox" name="redistribution" />" Redistribution"</label>
                    </div>
                    <input class=INPUT name="license_notes" placeholder="Notes (optional)" maxlength="2000" />
                </fieldset>
                <div class="md:col-span-2 flex flex-col gap-2">
                    <ActionError action />
                    <button class=BUTTON type="submit" disabled=move || action.pending().get()>"Create draft"</button>
                </div>
            </ActionForm>
        </details>
    }
}

#[component]
fn ListingRow(
    listing: StudioListing,
    status: ServerAction<SetListingStatus>,
    refresh: RwSignal<u32>,
    outcomes: RwSignal<std::collections::HashMap<i64, Result<String, String>>>,
) -> impl IntoView {
    let kind_label = match listing.kind {
        ListingKind::Edition => format!("Edition of {}", listing.edition_size.unwrap_or(0)),
        ListingKind::Workflow => "Workflow".to_owned(),
        ListingKind::Lora => "LoRA".to_owned(),
    };
    let id = listing.id;
    let accept = match listing.kind {
        ListingKind::Edition => "image/png,image/jpeg,image/webp",
        ListingKind::Workflow => ".json,application/json",
        ListingKind::Lora => ".safetensors",
    };
    // The chosen file is read from the input when uploading: browser objects
    // must not live in signals the server also creates (they are not Send).
    let file_input = NodeRef::<leptos::html::Input>::new();
    let pass = RwSignal::new(String::new());
    let progress = RwSignal::new(None::<(String, f64)>);
    let outcome = move |r: Option<Result<String, String>>| {
        outcomes.update(|m| {
            match r {
                Some(r) => m.insert(id, r),
                None => m.remove(&id),
            };
        })
    };
    let busy = RwSignal::new(false);
    let kind = listing.kind;
    let license_hash = listing.license_hash.clone();
    let upload = move |_| {
        let Some(f) = file_input.get_untracked().and_then(|input| input.files()).and_then(|files| files.get(0)) else {
            outcome(Some(Err("Choose a file first.".into())));
            return;
        };
        busy.set(true);
        outcome(None);
        let (p, license_hash) = (pass.get_untracked(), license_hash.clone());
        leptos::task::spawn_local(async move {
            let result = upload::upload(f, id, kind, &license_hash, &p, progress).await;
            busy.set(false);
            progress.set(None);
            outcome(Some(result));
            refresh.update(|v| *v += 1);
        });
    };
    view! {
        <li class="rounded border border-stone-200 p-4" data-testid="studio-listing" data-slug=listing.slug.clone()>
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <p class="font-semibold"><a href=format!("/listings/{}", listing.slug) class="hover:underline">{listing.title.clone()}</a></p>
                <p class="text-sm text-stone-600">
                    {kind_label} " · " <span data-testid="listing-status">{listing.status.as_str()}</span> " · "
                    <span data-testid="file-count">{listing.files}</span> " file(s) · "
                    <span data-testid="stock">
                        {match listing.edition_size {
                            Some(n) => format!("{} of {n} sold", listing.sold),
                            None => format!("{} licence(s) sold", listing.sold),
                        }}
                    </span>
                </p>
            </div>
            <ul class="mt-1 text-sm text-stone-600">
                {listing.license_words.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}
            </ul>
            {listing.versions.first().cloned().map(|v| view! { <details::FileDetails file=v versions=listing.versions.len() /> })}
            <div class="mt-3 flex flex-wrap items-end gap-3">
                <label class="text-sm">
                    "File"
                    <input type="file" accept=accept class="block text-sm" data-testid="file-input" node_ref=file_input />
                </label>
                <label class="text-sm">
                    "Key passphrase"
                    <input type="password" class="block rounded border border-stone-300 px-2 py-1" autocomplete="current-password" bind:value=pass data-testid="upload-passphrase" />
                </label>
                <button type="button" class=BUTTON_LIGHT disabled=move || busy.get() on:click=upload>
                    "Sign and upload"
                </button>
                {(listing.status != ListingStatus::Published).then(|| view! {
                    <button type="button" class=BUTTON_LIGHT
                        on:click=move |_| { status.dispatch(SetListingStatus { listing_id: id, status: "published".into() }); }>
                        "Publish"
                    </button>
                })}
                {(listing.status == ListingStatus::Published).then(|| view! {
                    <button type="button" class=BUTTON_LIGHT
                        on:click=move |_| { status.dispatch(SetListingStatus { listing_id: id, status: "archived".into() }); }>
                        "Archive"
                    </button>
                })}
            </div>
            {move || progress.get().map(|(phase, fraction)| view! {
                <div class="mt-3">
                    <label class="text-sm text-stone-700">{phase}
                        <progress class="block w-full" max="1" value=fraction data-testid="upload-progress"></progress>
                    </label>
                </div>
            })}
            {move || outcomes.get().get(&id).cloned().map(|r| match r {
                Ok(text) => view! { <p role="status" class="mt-2 text-emerald-800" data-testid="upload-result">{text}</p> }.into_any(),
                Err(text) => view! { <p role="alert" class="mt-2 text-rose-800">{text}</p> }.into_any(),
            })}
            <ActionError action=status />
        </li>
    }
}
