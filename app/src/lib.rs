//! Colophon's user interface: one Leptos app rendered on the server (`ssr`)
//! and hydrated in the browser (`hydrate`).
//!
//! Layout: `pages/` holds one module per user journey, `components/` the
//! shared view pieces, `api/` the server functions (thin: extract state, call
//! a domain crate, map the error) and `types.rs` the wire types.

pub mod api;
#[cfg(feature = "ssr")]
pub mod auth;
pub mod components;
pub mod context;
pub mod error;
#[cfg(feature = "hydrate")]
pub mod file_hash;
pub mod pages;
pub mod types;
pub mod wallet;

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{Route, Router, Routes},
    path,
};

use components::layout::SiteLayout;
use pages::{
    ApiDocsPage, CertificatePage, CollectionPage, ListingPage, NotFound, SignInPage, SignUpPage, StorePage, StudioPage,
    VerifyPage,
};

/// The HTML document around the app; used by the server for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    let stylesheet = use_context::<context::Stylesheet>().unwrap_or_default().0;
    view! {
        <!DOCTYPE html>
        <html lang="en" class="h-full">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <link rel="stylesheet" id="leptos" href=stylesheet />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-full bg-stone-50 text-stone-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// Sends this page's Content-Security-Policy, with the nonce leptos_axum
/// made for this response (the hydration scripts carry it).
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let chain = use_context::<context::ChainOrigin>().unwrap_or_default();
    if let Ok(value) = http::HeaderValue::from_str(&context::content_security_policy(&nonce, &chain)) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The root component: meta tags, stylesheet and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        // The base title: while a page's own title waits for its data (a
        // client-side navigation), the document is still called "Colophon".
        <Title text="" formatter=|text: String| {
            if text.is_empty() { "Colophon".to_owned() } else { format!("{text} · Colophon") }
        } />
        <Meta
            name="description"
            content="Colophon: a marketplace for generative art where anyone can prove who made what."
        />
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Router>
            <SiteLayout>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=StorePage ssr=SsrMode::Async />
                    <Route path=path!("/listings/:slug") view=ListingPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("collection") view=CollectionPage />
                    <Route path=path!("/collection/:order") view=CertificatePage />
                    <Route path=StaticSegment("verify") view=VerifyPage />
                    <Route path=path!("/docs/api") view=ApiDocsPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("studio") view=StudioPage />
                    <Route path=StaticSegment("sign-in") view=SignInPage />
                    <Route path=StaticSegment("sign-up") view=SignUpPage />
                </Routes>
            </SiteLayout>
        </Router>
    }
}
