//! Studio: sale webhooks and their delivery log.

use leptos::prelude::*;

use crate::{
    api::webhooks::{CreatedWebhook, WebhookView, add_webhook, disable_webhook, my_webhooks},
    components::ui::{BUTTON, BUTTON_LIGHT, INPUT},
};

#[component]
pub fn WebhooksPanel() -> impl IntoView {
    let url = RwSignal::new(String::new());
    let add = Action::new(move |url: &String| add_webhook(url.clone()));
    let disable = Action::new(move |id: &i64| disable_webhook(*id));
    let reload = RwSignal::new(0u32);
    let hooks = Resource::new(move || (add.version().get(), disable.version().get(), reload.get()), |_| my_webhooks());
    view! {
        <section aria-labelledby="webhooks-heading" class="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-6" data-testid="webhooks-panel">
            <div class="flex items-center justify-between">
                <h2 id="webhooks-heading" class="text-xl font-semibold">"Sale webhooks"</h2>
                <button class=BUTTON_LIGHT data-testid="webhooks-refresh" on:click=move |_| reload.update(|n| *n += 1)>"Refresh"</button>
            </div>
            <p class="text-sm text-stone-700">
                "Colophon POSTs each sale of your work as JSON to your endpoint, signed with "
                <code class="font-mono">"Colophon-Signature: t=…,v1=HMAC-SHA256(secret, t.body)"</code>
                ". A non-2xx answer is retried with growing delays (10 s, 40 s, 160 s … up to 8 attempts). "
                "Check the signature and that t is recent before trusting a delivery."
            </p>
            <form class="flex gap-2" on:submit=move |ev| { ev.prevent_default(); add.dispatch(url.get_untracked()); }>
                <input class=INPUT data-testid="webhook-url" type="url" placeholder="https://example.com/colophon-hook"
                    prop:value=url on:input=move |ev| url.set(event_target_value(&ev)) />
                <button class=BUTTON type="submit" data-testid="webhook-add" disabled=move || add.pending().get()>"Add"</button>
            </form>
            {move || add.value().get().map(|r| match r {
                Ok(CreatedWebhook { secret, url }) => view! {
                    <div class="rounded border border-emerald-300 bg-emerald-50 p-4" role="status">
                        <p class="font-medium">{format!("Deliveries to {url} are signed with this secret. Copy it now: it will not be shown again.")}</p>
                        <code class="mt-2 block break-all font-mono text-sm" data-testid="webhook-secret">{secret}</code>
                    </div>
                }.into_any(),
                Err(e) => view! { <p role="alert" class="text-rose-700" data-testid="webhook-error">{e.to_string()}</p> }.into_any(),
            })}
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match hooks.await {
                        Ok(list) if list.is_empty() => view! { <p class="text-sm text-stone-600">"No webhooks yet."</p> }.into_any(),
                        Ok(list) => list.into_iter().map(|w| view! { <Hook w disable /> }).collect_view().into_any(),
                        Err(e) => view! { <p role="alert" class="text-rose-800">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Hook(w: WebhookView, disable: Action<i64, Result<(), crate::error::ApiError>>) -> impl IntoView {
    let id = w.id;
    view! {
        <div class="rounded border border-stone-200 p-3" data-testid="webhook">
            <div class="flex items-center justify-between gap-2">
                <p class="break-all font-mono text-sm">{w.url}</p>
                {if w.disabled {
                    view! { <span class="text-sm text-stone-500" data-testid="webhook-disabled">"disabled"</span> }.into_any()
                } else {
                    view! { <button class=BUTTON_LIGHT data-testid="webhook-disable" on:click=move |_| { disable.dispatch(id); }>"Disable"</button> }.into_any()
                }}
            </div>
            <table class="mt-2 w-full text-left text-sm">
                <thead class="text-stone-500"><tr><th>"Event"</th><th>"Status"</th><th>"Attempts"</th><th>"Answer"</th><th>"Created"</th></tr></thead>
                <tbody>
                    {w.deliveries.into_iter().map(|d| {
                        let answer = match (d.last_status, d.last_error) {
                            (Some(s), None) => format!("HTTP {s}"),
                            (Some(s), Some(e)) => format!("HTTP {s}: {e}"),
                            (None, Some(e)) => e,
                            (None, None) => "—".into(),
                        };
                        let status = match d.next_attempt_at {
                            Some(next) if d.attempts > 0 => format!("{} (retry at {next})", d.status),
                            _ => d.status.clone(),
                        };
                        view! {
                            <tr data-testid="delivery">
                                <td>{format!("{} {}", d.event, d.event_id)}</td>
                                <td data-testid="delivery-status">{status}</td>
                                <td>{d.attempts}</td>
                                <td data-testid="delivery-answer">{answer}</td>
                                <td>{d.created_at}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
