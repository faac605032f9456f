//! Studio: the private style library and the works made alike.

use leptos::prelude::*;

use crate::{
    api::styles::{StyleView, delete_style, my_styles},
    components::ui::BUTTON_LIGHT,
};

#[component]
pub fn StylesPanel() -> impl IntoView {
    let delete = Action::new(move |id: &i64| delete_style(*id));
    let styles = Resource::new(move || delete.version().get(), |_| my_styles());
    view! {
        <section aria-labelledby="styles-heading" class="flex flex-col gap-3 rounded-lg border border-stone-200 bg-white p-6" data-testid="styles-panel">
            <h2 id="styles-heading" class="text-xl font-semibold">"Style library"</h2>
            <p class="text-sm text-stone-600">
                "Private. Save the seed, settings and models of any listing whose image carries generation metadata "
                "(\"Save to my style library\" on its page); each entry lists your works that share them."
            </p>
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match styles.await {
                        Ok(list) if list.is_empty() => view! { <p class="text-sm text-stone-600">"Nothing saved yet."</p> }.into_any(),
                        Ok(list) => list.into_iter().map(|s| view! { <Style s delete /> }).collect_view().into_any(),
                        Err(e) => view! { <p role="alert" class="text-rose-800">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Style(s: StyleView, delete: Action<i64, Result<(), crate::error::ApiError>>) -> impl IntoView {
    let id = s.id;
    view! {
        <article class="rounded border border-stone-200 p-3 text-sm" data-testid="style">
            <div class="flex items-center justify-between">
                <p class="font-medium">{s.name}" · from "<a class="underline" href=format!("/listings/{}", s.listing_slug)>{s.listing_title}</a></p>
                <button class=BUTTON_LIGHT data-testid="style-delete" on:click=move |_| { delete.dispatch(id); }>"Remove"</button>
            </div>
            {s.seed.map(|seed| view! { <p>"Seed " <span class="font-mono" data-testid="style-seed">{seed}</span></p> })}
            <p class="text-stone-600">{s.settings.into_iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(" · ")}</p>
            <p class="text-stone-600">{s.models.join(" · ")}</p>
            {if s.matches.is_empty() {
                view! { <p class="text-stone-500">"None of your other works share these."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-1 list-disc pl-5" data-testid="style-matches">
                        {s.matches.into_iter().map(|m| view! {
                            <li><a class="underline" href=format!("/listings/{}", m.slug)>{m.title}</a>{format!(" — {}", m.why.join(", "))}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </article>
    }
}
