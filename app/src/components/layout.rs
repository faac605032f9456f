//! The site shell: skip link, header with navigation, main area and footer.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

use crate::api::account::{SignOut, current_account};

const NAV: [(&str, &str); 4] =
    [("/", "Store"), ("/collection", "Collection"), ("/verify", "Verify"), ("/studio", "Studio")];

/// Header, navigation and footer around every page.
#[component]
pub fn SiteLayout(children: Children) -> impl IntoView {
    // Effects only run in the browser, so this flips once hydration is done;
    // end-to-end tests (and curious users) can read it from the DOM.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    let (menu_open, set_menu_open) = signal(false);

    view! {
        <div class="flex min-h-screen flex-col" data-hydrated=move || hydrated.get().to_string()>
            <a
                href="#main"
                class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
            >
                "Skip to content"
            </a>
            <header class="border-b border-stone-200 bg-white/90 backdrop-blur">
                <div class="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-2 px-4 py-3">
                    <a href="/" class="flex items-center gap-2 text-lg font-semibold tracking-tight">
                        <span
                            aria-hidden="true"
                            class="inline-block h-6 w-6 rounded-sm bg-gradient-to-br from-amber-500 to-rose-600"
                        ></span>
                        "Colophon"
                    </a>
                    <button
                        type="button"
                        class="rounded-md border border-stone-300 px-3 py-1.5 text-sm font-medium md:hidden"
                        aria-controls="site-nav"
                        aria-expanded=move || menu_open.get().to_string()
                        on:click=move |_| set_menu_open.update(|open| *open = !*open)
                    >
                        {move || if menu_open.get() { "Close menu" } else { "Menu" }}
                    </button>
                    <nav
                        id="site-nav"
                        aria-label="Main"
                        class=move || {
                            let base = "w-full md:block md:w-auto";
                            if menu_open.get() { base.to_owned() } else { format!("{base} hidden") }
                        }
                    >
                        <ul class="flex flex-col gap-1 py-2 md:flex-row md:gap-6 md:py-0">
                            {NAV
                                .into_iter()
                                .map(|(href, label)| {
                                    view! {
                                        <li>
                                            <A
                                                href=href
                                                exact=true
                                                attr:class="block rounded px-2 py-1 text-stone-700 hover:bg-stone-100 hover:text-stone-950 aria-[current=page]:font-semibold aria-[current=page]:text-stone-950"
                                            >
                                                {label}
                                            </A>
                                        </li>
                                    }
                                })
                                .collect_view()}
                            <AccountMenu />
                        </ul>
                    </nav>
                </div>
            </header>
            <main id="main" class="mx-auto w-full max-w-6xl flex-1 px-4 py-8">
                {children()}
            </main>
            <footer class="border-t border-stone-200 bg-white">
                <div class="mx-auto flex max-w-6xl flex-col gap-1 px-4 py-6 text-sm text-stone-600 md:flex-row md:justify-between">
                    <p>"Colophon — generative art with provable provenance."</p>
                    <p>
                        "Every file is signed by its creator, logged in an append-only Merkle log and anchored on-chain."
                    </p>
                </div>
            </footer>
        </div>
    }
}

/// "Sign in" for visitors; the account's name and "Sign out" once signed in.
/// Re-read on every navigation, so signing in or out shows at once.
#[component]
fn AccountMenu() -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let location = use_location();
    let account = Resource::new(move || (location.pathname.get(), sign_out.version().get()), |_| current_account());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(Some(me)) => {
                        let name = me.creator.map(|c| format!("@{}", c.handle)).unwrap_or(me.email);
                        view! {
                            <li class="flex items-center gap-2 px-2 py-1 text-stone-700" data-testid="account-menu">
                                <span class="text-sm" data-testid="account-name">{name}</span>
                                <ActionForm action=sign_out>
                                    <button
                                        type="submit"
                                        class="rounded border border-stone-300 px-2 py-0.5 text-sm hover:bg-stone-100"
                                    >
                                        "Sign out"
                                    </button>
                                </ActionForm>
                            </li>
                        }
                            .into_any()
                    }
                    _ => {
                        view! {
                            <li>
                                <A
                                    href="/sign-in"
                                    attr:class="block rounded px-2 py-1 text-stone-700 hover:bg-stone-100 hover:text-stone-950 aria-[current=page]:font-semibold"
                                >
                                    "Sign in"
                                </A>
                            </li>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}
