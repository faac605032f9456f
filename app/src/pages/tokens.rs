//! Studio: API tokens for pipelines and the CLI. A new token is shown once;
//! the list shows each token's prefix, scopes, creation and last use, and
//! revokes it at once.

use leptos::prelude::*;

use crate::{
    api::tokens::{CreatedToken, Scope, TokenView, create_token, my_tokens, revoke_token},
    components::ui::{BUTTON, BUTTON_LIGHT, INPUT},
};

#[component]
pub fn TokensPanel() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(vec![Scope::Read, Scope::Publish]);
    let create = Action::new(move |(name, scopes): &(String, Vec<Scope>)| {
        let (name, scopes) = (name.clone(), scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","));
        async move { create_token(name, scopes).await }
    });
    let revoke = Action::new(move |id: &i64| revoke_token(*id));
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| my_tokens());
    view! {
        <section aria-labelledby="tokens-heading" class="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-6" data-testid="tokens-panel">
            <h2 id="tokens-heading" class="text-xl font-semibold">"API tokens"</h2>
            <p class="text-sm text-stone-700">
                "For your pipelines and the "<code>"colophon"</code>" CLI: send "
                <code class="font-mono">"Authorization: Bearer col_…"</code>
                ". A token can do only what its scopes allow, never signs anything (your key does, on your machine) "
                "and cannot make other tokens. It is shown once; Colophon keeps only its SHA-256. "
                <a class="underline" href="/docs/api">"API reference"</a>"."
            </p>
            <form
                class="flex flex-col gap-3"
                on:submit=move |ev| {
                    ev.prevent_default();
                    create.dispatch((name.get_untracked(), chosen.get_untracked()));
                }
            >
                <label class="block">
                    <span class="font-medium">"Name"</span>
                    <input class=INPUT data-testid="token-name" maxlength="100" placeholder="render farm"
                        prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <fieldset class="flex flex-col gap-1">
                    <legend class="font-medium">"Scopes"</legend>
                    {Scope::ALL.into_iter().map(|scope| view! {
                        <label class="flex items-center gap-2 text-sm">
                            <input type="checkbox" data-testid=format!("token-scope-{}", scope.as_str())
                                prop:checked=move || chosen.get().contains(&scope)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| { c.retain(|s| *s != scope); if on { c.push(scope) } });
                                } />
                            <span><span class="font-mono">{scope.as_str()}</span>": "{scope.describe()}</span>
                        </label>
                    }).collect_view()}
                </fieldset>
                <button class=BUTTON type="submit" data-testid="token-create" disabled=move || create.pending().get()>
                    "Create token"
                </button>
            </form>
            {move || create.value().get().map(|r| match r {
                Ok(CreatedToken { token, view }) => view! {
                    <div class="rounded border border-emerald-300 bg-emerald-50 p-4" role="status">
                        <p class="font-medium">{format!("Token \"{}\" created. Copy it now: it will not be shown again.", view.name)}</p>
                        <code class="mt-2 block break-all font-mono text-sm" data-testid="token-secret">{token}</code>
                    </div>
                }.into_any(),
                Err(e) => view! { <p role="alert" class="text-rose-700" data-testid="token-error">{e.to_string()}</p> }.into_any(),
            })}
            {move || revoke.value().get().and_then(Result::err).map(|e| view! {
                <p role="alert" class="text-rose-700">{e.to_string()}</p>
            })}
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => view! { <p class="text-sm text-stone-600">"No tokens yet."</p> }.into_any(),
                        Ok(list) => view! { <TokenTable list revoke /> }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-rose-800">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn TokenTable(list: Vec<TokenView>, revoke: Action<i64, Result<(), crate::error::ApiError>>) -> impl IntoView {
    view! {
        <table class="w-full text-left text-sm">
            <thead class="text-stone-500">
                <tr><th>"Name"</th><th>"Token"</th><th>"Scopes"</th><th>"Last used"</th><th></th></tr>
            </thead>
            <tbody>
                {list.into_iter().map(|t| {
                    let id = t.id;
                    let revoked = t.revoked_at.is_some();
                    view! {
                        <tr data-testid="token-row" class=if revoked { "text-stone-500" } else { "" }>
                            <td>{t.name}</td>
                            <td class="font-mono">{t.prefix}"…"</td>
                            <td>{t.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")}</td>
                            <td data-testid="token-last-used">{t.last_used_at.unwrap_or_else(|| "never".into())}</td>
                            <td>
                                {match t.revoked_at {
                                    Some(at) => view! { <span data-testid="token-revoked">"revoked "{at}</span> }.into_any(),
                                    None => view! {
                                        <button class=BUTTON_LIGHT data-testid="token-revoke" on:click=move |_| { revoke.dispatch(id); }>
                                            "Revoke"
                                        </button>
                                    }.into_any(),
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
