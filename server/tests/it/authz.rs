//! The authorisation matrix: every REST route (from `server::routes::api()`,
//! the router's own list, each method found from the router's `Allow`
//! header) and every server function (from the server-function registry),
//! called as each kind of caller. What each gets is written in
//! docs/AUTHZ.md; this test fails when an answer differs from it, and
//! `COLOPHON_WRITE_AUTHZ=1` rewrites it (review the diff). A route or server
//! function added later is walked too, so it cannot be forgotten.
//!
//! Beside the table, rules that must hold whatever the table says: the
//! public routes are the only ones an anonymous caller passes; API tokens
//! never pass a browser-only route; another creator never reaches the
//! owner's listing, upload or order.

use std::collections::BTreeMap;

use colophon_provenance::{ContentKind, SigningKey};
use colophon_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use server::testing::{
    Creator, TestApp, browser, call, collector, creator_with_key, listing, order, png, publish, start, upload,
};

/// The callers, in the table's column order. The collector bought the owner's edition.
const CALLERS: [&str; 7] =
    ["anonymous", "collector", "other creator", "owner", "token:read", "token:publish", "token:sales"];

/// Routes anyone may call.
const PUBLIC: &[&str] = &[
    "/healthz",
    "/api/v1/log/checkpoint",
    "/api/v1/log/inclusion",
    "/api/v1/log/consistency",
    "/api/v1/provenance/{sha256}",
    "/api/v1/operator",
    "/api/v1/chain",
    "/api/v1/openapi.json",
    "/api/v1/listings/{slug}/resales",
    "/api/v1/listings/{slug}/editions/{edition}/custody",
    "/api/v1/listings/{slug}/preview/{size}",
    "/api/v1/creators/{handle}/avatar",
];

/// How an answer reads in the table: refused (401, 403), hidden (404), or
/// let through the authorisation checks (✓: whatever the handler then said).
fn class(s: StatusCode) -> &'static str {
    match s.as_u16() {
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        429 => "429",
        _ => "✓",
    }
}

enum Who {
    Anonymous,
    Tab(reqwest::Client),
    Token(String),
}

struct World {
    app: TestApp,
    callers: Vec<Who>,
    owner: Creator,
    listing_id: i64,
    vars: BTreeMap<&'static str, String>,
}

async fn token(app: &TestApp, tab: &reqwest::Client, scopes: &str) -> String {
    let (s, body) = call(app, tab, "tokens/create", &[("name", scopes), ("scopes", scopes)]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    serde_json::from_str::<Value>(&body).expect("json")["token"].as_str().expect("token").to_owned()
}

async fn world() -> World {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let owner = Creator { key: SigningKey::from_seed(&[41; 32]), tab: browser() };
    let owner = Creator { tab: creator_with_key(&app, "owner", &owner.key).await, key: owner.key };
    let other = Creator { key: SigningKey::from_seed(&[42; 32]), tab: browser() };
    let other = Creator { tab: creator_with_key(&app, "other", &other.key).await, key: other.key };
    let edition = listing(&app, &owner, "edition", "Matrix").await;
    let image = png(24, 24);
    let (s, file) = upload(&app, &owner, &edition, ContentKind::EditionImage, &image, vec![]).await;
    assert_eq!(s, StatusCode::CREATED, "{file}");
    let listing_id = edition["id"].as_i64().expect("id");
    publish(&app, &owner, listing_id).await;
    let slug = edition["slug"].as_str().expect("slug").to_owned();
    let buyer = collector(&app, "buyer@example.com").await;
    let (s, bought) = order(&app, &buyer, &slug, Some("matrix-order-1"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{bought}");
    let vars = BTreeMap::from([
        ("slug", slug),
        ("sha256", file["sha256"].as_str().expect("sha").to_owned()),
        ("order", bought["order_id"].as_str().expect("order").to_owned()),
        ("edition", "1".to_owned()),
        ("size", "640".to_owned()),
        ("handle", "owner".to_owned()),
        ("quote", "ord_noquote000000000000".to_owned()),
        ("offer", "off_nooffer0000000000000".to_owned()),
        ("listing_id", listing_id.to_string()),
    ]);
    let callers = vec![
        Who::Anonymous,
        Who::Tab(buyer),
        Who::Tab(other.tab.clone()),
        Who::Tab(owner.tab.clone()),
        Who::Token(token(&app, &owner.tab, "read").await),
        Who::Token(token(&app, &owner.tab, "publish").await),
        Who::Token(token(&app, &owner.tab, "sales").await),
    ];
    World { app, callers, owner, listing_id, vars }
}

impl World {
    /// The path with the owner's resources in it (a fresh upload of the owner's for each call).
    async fn fill(&self, template: &str) -> String {
        let mut path = template.to_owned();
        if path.contains("/uploads/{id}") {
            let res = start(&self.app, &self.owner, self.listing_id, &png(7, 7)).await;
            let up: Value = res.json().await.expect("upload");
            path = path.replace("{id}", up["upload_id"].as_str().expect("id"));
        }
        let id = match template {
            t if t.starts_with("/api/v1/orders/quote/") => &self.vars["quote"],
            t if t.starts_with("/api/v1/resales/") => &self.vars["offer"],
            _ => &self.vars["order"],
        };
        path = path.replace("{id}", id);
        for (k, v) in &self.vars {
            path = path.replace(&format!("{{{k}}}"), v);
        }
        path
    }

    async fn send(&self, who: &Who, method: &Method, url: String, form: Option<&[(&str, &str)]>) -> StatusCode {
        let client = match who {
            Who::Tab(tab) => tab.clone(),
            Who::Anonymous | Who::Token(_) => browser(),
        };
        let mut req = client.request(method.clone(), url).header("sec-fetch-site", "same-origin");
        if let Who::Token(t) = who {
            req = req.bearer_auth(t);
        }
        req = match form {
            Some(form) => req.header(reqwest::header::ACCEPT, "application/json").form(form),
            None if *method == Method::GET || *method == Method::DELETE => req,
            None => req.header(reqwest::header::CONTENT_TYPE, "application/json").body("{}"),
        };
        req.send().await.expect("request").status()
    }
}

/// Arguments each server function is called with: valid in shape, so what
/// answers is the function's own authorisation, not argument parsing.
fn server_fn_args(path: &str, vars: &BTreeMap<&'static str, String>) -> Vec<(&'static str, String)> {
    let s = |v: &str| v.to_owned();
    let slug = vars["slug"].clone();
    let args: Vec<(&'static str, String)> = match path.trim_start_matches("/api/") {
        "account/sign_up" => vec![("email", s("matrix-new@example.com")), ("password", s("correct horse battery"))],
        "account/sign_in" => vec![("email", s("nobody@example.com")), ("password", s("wrong password here"))],
        "account/become_creator" => vec![("handle", s("matrixnew")), ("display_name", s("M")), ("bio", s(""))],
        "listings/create" => vec![("kind", s("edition")), ("title", s("x")), ("description", s("")), ("price", s("1"))],
        "listings/status" => vec![("listing_id", vars["listing_id"].clone()), ("status", s("published"))],
        "webhooks/add" => vec![("url", s("https://example.com/hook"))],
        "webhooks/disable" => vec![("id", s("999"))],
        "keys/submit" => vec![("statement_hex", s("00")), ("public_key_hex", s("00")), ("signature_hex", s("00"))],
        "store/search" => vec![("query[q]", s("")), ("query[kind]", s(""))],
        "store/listing" => vec![("slug", slug.clone())],
        "store/buy" => vec![("slug", slug.clone()), ("price_minor", s("1")), ("idempotency_key", s("matrix-key-0001"))],
        "tokens/create" => vec![("name", s("m")), ("scopes", s("read"))],
        "tokens/revoke" => vec![("id", s("999"))],
        "styles/save" => vec![("slug", slug), ("name", s("m"))],
        "styles/delete" => vec![("id", s("999"))],
        "collection/resell" => vec![("order_id", vars["order"].clone()), ("price", s("10"))],
        "collection/withdraw_resale" => vec![("offer_id", vars["offer"].clone())],
        "collection/certificate" => vec![("order_id", vars["order"].clone())],
        _ => vec![],
    };
    args
}

#[tokio::test]
async fn every_route_and_server_function_answers_each_caller_as_the_matrix_says() {
    let w = world().await;
    let mut rows: Vec<(String, Vec<&'static str>)> = Vec::new();

    // REST routes: the router's own list; the methods from its 405 `Allow` header.
    for template in server::routes::api().paths {
        let probe =
            w.app.client.request(Method::PATCH, w.app.url(&w.fill(template).await)).send().await.expect("probe");
        assert_eq!(probe.status(), StatusCode::METHOD_NOT_ALLOWED, "{template}: no route uses PATCH");
        let allow = probe.headers()[reqwest::header::ALLOW].to_str().expect("allow").to_owned();
        for method in allow.split(',').map(str::trim).filter(|m| *m != "HEAD") {
            let method: Method = method.parse().expect("method");
            let mut answers = Vec::new();
            for who in &w.callers {
                let url = w.app.url(&w.fill(template).await);
                answers.push(class(w.send(who, &method, url, None).await));
            }
            let public = PUBLIC.contains(&template);
            if !public && template != "/metrics" {
                assert_eq!(answers[0], "401", "{method} {template}: anonymous callers are refused");
            }
            // Reads of someone else's resource are hidden (a write with an empty body is refused for
            // its body first, which says nothing about the resource either).
            let owned = ["/api/v1/studio/listings/{slug}", "/api/v1/uploads/{id}", "/api/v1/orders/{id}"];
            if method == Method::GET && owned.iter().any(|p| template.starts_with(p)) {
                assert_eq!(answers[2], "404", "{method} {template}: another creator never reaches it");
            }
            rows.push((format!("`{method} {template}`"), answers));
        }
    }

    // Server functions: the registry's list (form-encoded POSTs, as the app sends them).
    let mut fns: Vec<(&'static str, Method)> = leptos::server_fn::axum::server_fn_paths().collect();
    // Signing out ends the callers' sessions: it goes last.
    fns.sort_by_key(|(p, _)| (p.ends_with("/sign_out"), *p));
    assert!(fns.len() >= 25, "the registry lists the server functions: {}", fns.len());
    for (path, method) in fns {
        let args = server_fn_args(path, &w.vars);
        let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut answers = Vec::new();
        for who in &w.callers {
            answers.push(class(w.send(who, &method, w.app.url(path), Some(&form)).await));
        }
        for (i, who) in CALLERS.iter().enumerate().skip(4) {
            // Server functions take the browser session only: a token alone is anonymous there.
            assert_eq!(answers[i], answers[0], "{path}: {who} is treated as anonymous");
        }
        rows.push((format!("`{path}` (server function)"), answers));
    }

    let mut table = String::from(
        "# Who may call what\n\n\
         Generated by `server/tests/it/authz.rs`, which calls every REST route and\n\
         server function as each kind of caller and fails when an answer differs\n\
         from this table (`COLOPHON_WRITE_AUTHZ=1 cargo test -p server --test it authz`\n\
         rewrites it). The collector bought the owner's edition; tokens belong to the\n\
         owner and carry one scope each; paths hold the owner's listing, upload and\n\
         the collector's order (a quote and a resale offer that do not exist).\n\n\
         ✓: let through authorisation (the handler then answered: 2xx, or 400/409\n\
         for the deliberately empty body); 401: not signed in / no valid token;\n\
         403: signed in but not allowed (a token without the scope, a collector on a\n\
         creator's route); 404: not found, or not the caller's (nothing is said about\n\
         other accounts' resources); `/metrics` is 404 to everyone until\n\
         `COLOPHON_METRICS_TOKEN` is set.\n\n",
    );
    table.push_str(&format!("| route | {} |\n|---|{}\n", CALLERS.join(" | "), "---|".repeat(CALLERS.len())));
    for (route, answers) in &rows {
        table.push_str(&format!("| {route} | {} |\n", answers.join(" | ")));
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/AUTHZ.md");
    if std::env::var_os("COLOPHON_WRITE_AUTHZ").is_some() {
        std::fs::write(&path, &table).expect("write docs/AUTHZ.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed, table,
        "answers differ from docs/AUTHZ.md (COLOPHON_WRITE_AUTHZ=1 rewrites it; review the diff)"
    );
    w.app.stop().await;
}
