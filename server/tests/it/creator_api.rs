//! The creator API with API tokens: scopes, revocation, last use, the
//! listing → signed upload → publish path a pipeline takes, authZ between
//! creators, and every answer checked against the served OpenAPI document
//! (every documented creator operation is exercised here).

use std::collections::BTreeSet;

use colophon_provenance::{ContentHash, ContentKind, SigningKey, Statement};
use colophon_store::testing::BACKENDS;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::testing::{TestApp, call, conform, creator_with_key, now_ms, png};

/// Calls the API as a pipeline would and checks the answer against the document.
struct Api<'a> {
    app: &'a TestApp,
    spec: Value,
    http: reqwest::Client,
    /// (method, documented path, status) seen.
    seen: std::sync::Mutex<BTreeSet<(String, String, u16)>>,
}

impl Api<'_> {
    async fn call(&self, token: &str, method: Method, template: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method.clone(), self.app.url(path)).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        self.check(res, &method, template).await
    }

    async fn check(&self, res: reqwest::Response, method: &Method, template: &str) -> (u16, Value) {
        let status = res.status().as_u16();
        if status == 401 {
            assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"colophon\"");
        }
        let body: Value = if status == 204 { Value::Null } else { res.json().await.expect("a JSON answer") };
        let op = &self.spec["paths"][template][method.as_str().to_lowercase()];
        assert!(op.is_object(), "{method} {template} is not documented");
        let response = &op["responses"][status.to_string()];
        assert!(response.is_object(), "{method} {template}: status {status} is not documented: {body}");
        let schema = &response["content"]["application/json"]["schema"];
        if !schema.is_null() {
            let mut errors = Vec::new();
            conform(&self.spec, schema, &body, template, &mut errors);
            assert!(errors.is_empty(), "{method} {template} ({status}) breaks its schema: {errors:#?}\n{body}");
        }
        self.seen.lock().expect("lock").insert((method.as_str().to_lowercase(), template.to_owned(), status));
        (status, body)
    }
}

/// Makes a token in the Studio (a server function, with the session).
async fn make_token(app: &TestApp, tab: &reqwest::Client, name: &str, scopes: &str) -> (String, i64) {
    let (s, body) = call(app, tab, "tokens/create", &[("name", name), ("scopes", scopes)]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let created: Value = serde_json::from_str(&body).expect("json");
    let token = created["token"].as_str().expect("token").to_owned();
    assert!(token.starts_with("col_") && token.len() == 68, "{token}");
    assert_eq!(created["view"]["prefix"], token[..12]);
    (token, created["view"]["id"].as_i64().expect("id"))
}

#[tokio::test]
async fn a_pipeline_lists_uploads_signs_and_publishes_with_a_scoped_token() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let spec: Value = app.get("/api/v1/openapi.json").await.json().await.expect("spec");
        let api = Api { app: &app, spec, http: reqwest::Client::new(), seen: Default::default() };
        let key = SigningKey::from_seed(&[41; 32]);
        let tab = creator_with_key(&app, "pipeline", &key).await;
        let (token, token_id) = make_token(&app, &tab, "render farm", "read,publish").await;
        let (reader, _) = make_token(&app, &tab, "dashboard", "read").await;
        let (seller, _) = make_token(&app, &tab, "accounts", "sales").await;

        // Who am I: the creator, the active key, the token's scopes.
        let (s, me) = api.call(&token, Method::GET, "/api/v1/me", "/api/v1/me", None).await;
        assert_eq!(s, 200, "{me}");
        assert_eq!(me["creator"]["handle"], "pipeline");
        assert_eq!(me["creator"]["active_key"]["public_key"], key.public_key().to_hex());
        assert_eq!(me["scopes"], json!(["read", "publish"]));

        // A draft under a chosen slug; the same slug again is a conflict, bad fields are named.
        let draft = json!({
            "kind": "edition", "title": "Tide 01", "price_minor": 2500, "edition_size": 5, "slug": "tide-01",
            "tags": ["Ocean", "generative"], "license": {"credit_required": true}
        });
        let listings = "/api/v1/studio/listings";
        let (s, listing) = api.call(&token, Method::POST, listings, listings, Some(draft.clone())).await;
        assert_eq!(s, 201, "{listing}");
        assert_eq!((listing["slug"].as_str(), listing["status"].as_str()), (Some("tide-01"), Some("draft")));
        let (s, taken) = api.call(&token, Method::POST, listings, listings, Some(draft.clone())).await;
        assert_eq!(s, 409);
        assert!(taken["message"].as_str().expect("message").contains("tide-01"), "{taken}");
        for (bad, needle) in [
            (
                json!({"kind": "edition", "title": "x", "price_minor": 1, "edition_size": 0}),
                "Edition sizes are 1–10,000",
            ),
            (json!({"kind": "poster", "title": "x", "price_minor": 1}), "an edition, a workflow or a LoRA"),
            (json!({"kind": "lora", "title": "x", "price_minor": -5}), "Prices are 0"),
            (json!({"kind": "lora", "title": "x", "price_minor": 5, "slug": "Not OK"}), "A slug is"),
            (json!({"kind": "lora", "title": "x", "price_minor": 5, "colour": "red"}), "unknown field `colour`"),
        ] {
            let (s, err) = api.call(&token, Method::POST, listings, listings, Some(bad)).await;
            assert_eq!(s, 400, "{err}");
            assert!(err["message"].as_str().expect("message").contains(needle), "{err}");
        }
        let malformed = api
            .http
            .post(app.url(listings))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{\"kind\": ")
            .send()
            .await
            .expect("send");
        assert_eq!(api.check(malformed, &Method::POST, listings).await.0, 400);

        // Upload a PNG with the token, sign it with the creator's key (here, as the CLI does), complete.
        let bytes = png(64, 48);
        let start =
            json!({"listing_id": listing["id"], "size": bytes.len(), "sha256": ContentHash::of(&bytes).to_hex()});
        let (s, up) = api.call(&token, Method::POST, "/api/v1/uploads", "/api/v1/uploads", Some(start)).await;
        assert_eq!(s, 201, "{up}");
        let id = up["upload_id"].as_str().expect("id").to_owned();
        let one = format!("/api/v1/uploads/{id}");
        let res = api
            .http
            .put(app.url(&one))
            .bearer_auth(&token)
            .header("upload-offset", "5")
            .body(bytes.clone())
            .send()
            .await
            .expect("put");
        assert_eq!(api.check(res, &Method::PUT, "/api/v1/uploads/{id}").await.0, 409, "a wrong offset is refused");
        let res = api
            .http
            .put(app.url(&one))
            .bearer_auth(&token)
            .header("upload-offset", "0")
            .body(bytes.clone())
            .send()
            .await
            .expect("put");
        assert_eq!(api.check(res, &Method::PUT, "/api/v1/uploads/{id}").await.0, 200);
        let (s, status) = api.call(&token, Method::GET, "/api/v1/uploads/{id}", &one, None).await;
        assert_eq!((s, status["offset"].as_u64()), (200, Some(bytes.len() as u64)));
        let phash = status["perceptual_hash"].as_str().expect("an image's perceptual hash");
        let signed = Statement::ContentRegistered {
            content_hash: ContentHash::of(&bytes),
            content_kind: ContentKind::EditionImage,
            size: bytes.len() as u64,
            creator_key: key.public_key().key_id(),
            listing_id: up["listing_ref"].as_str().expect("ref").to_owned(),
            file_id: up["file_id"].as_str().expect("file").to_owned(),
            parents: vec![],
            license_terms: ContentHash::parse(listing["license_hash"].as_str().expect("licence")).ok(),
            perceptual_hash: Some(hex::decode(phash).expect("hex")),
            time_ms: now_ms(),
        }
        .sign(&key)
        .expect("sign");
        let complete =
            json!({"statement_hex": hex::encode(&signed.bytes), "signature_hex": hex::encode(signed.signature)});
        let done = "/api/v1/uploads/{id}/complete";
        let (s, file) = api.call(&token, Method::POST, done, &format!("{one}/complete"), Some(complete)).await;
        assert_eq!(s, 201, "{file}");
        assert_eq!(file["sha256"], ContentHash::of(&bytes).to_hex());

        // A cancelled upload is gone.
        let start = json!({"listing_id": listing["id"], "size": 10, "sha256": ContentHash::of(b"0123456789").to_hex()});
        let (_, up2) = api.call(&token, Method::POST, "/api/v1/uploads", "/api/v1/uploads", Some(start)).await;
        let two = format!("/api/v1/uploads/{}", up2["upload_id"].as_str().expect("id"));
        assert_eq!(api.call(&token, Method::DELETE, "/api/v1/uploads/{id}", &two, None).await.0, 204);
        assert_eq!(api.call(&token, Method::GET, "/api/v1/uploads/{id}", &two, None).await.0, 404);

        // Publish; doing it again is a no-op.
        let status_path = "/api/v1/studio/listings/{slug}/status";
        let publish = Some(json!({"status": "published"}));
        for _ in 0..2 {
            let (s, l) = api
                .call(&token, Method::POST, status_path, "/api/v1/studio/listings/tide-01/status", publish.clone())
                .await;
            assert_eq!((s, l["status"].as_str()), (200, Some("published")), "{l}");
        }
        let (s, one_listing) = api
            .call(&reader, Method::GET, "/api/v1/studio/listings/{slug}", "/api/v1/studio/listings/tide-01", None)
            .await;
        assert_eq!(s, 200);
        assert_eq!(one_listing["versions"][0]["sha256"], ContentHash::of(&bytes).to_hex());
        let (s, all) = api.call(&reader, Method::GET, listings, listings, None).await;
        assert_eq!((s, all.as_array().map(Vec::len)), (200, Some(1)));

        // Scopes: a read token cannot publish; a publish token cannot read sales; a sales token can.
        let (s, e) = api.call(&reader, Method::POST, listings, listings, Some(draft.clone())).await;
        assert_eq!(s, 403);
        assert!(e["message"].as_str().expect("message").contains("`publish` scope"), "{e}");
        let sales = "/api/v1/studio/sales";
        assert_eq!(api.call(&token, Method::GET, sales, sales, None).await.0, 403);
        let (s, list) = api.call(&seller, Method::GET, sales, sales, None).await;
        assert_eq!((s, list), (200, json!([])));
        let csv = api.http.get(app.url("/api/v1/studio/sales.csv")).bearer_auth(&seller).send().await.expect("csv");
        assert_eq!(csv.status(), 200);
        assert!(csv.text().await.expect("text").starts_with("sold_at,order_id"));
        api.seen.lock().expect("lock").insert(("get".into(), "/api/v1/studio/sales.csv".into(), 200));
        let csv = api.http.get(app.url("/api/v1/studio/sales.csv")).bearer_auth(&reader).send().await.expect("csv");
        assert_eq!(api.check(csv, &Method::GET, "/api/v1/studio/sales.csv").await.0, 403);

        // Another creator sees none of it; a stranger's upload id is not found.
        let other_key = SigningKey::from_seed(&[42; 32]);
        let other_tab = creator_with_key(&app, "otherone", &other_key).await;
        let (other, _) = make_token(&app, &other_tab, "theirs", "read,publish").await;
        let (s, _) = api
            .call(&other, Method::GET, "/api/v1/studio/listings/{slug}", "/api/v1/studio/listings/tide-01", None)
            .await;
        assert_eq!(s, 404, "another creator's listing is invisible");
        assert_eq!(
            api.call(&other, Method::POST, status_path, "/api/v1/studio/listings/tide-01/status", publish.clone())
                .await
                .0,
            404
        );
        assert_eq!(api.call(&other, Method::GET, "/api/v1/uploads/{id}", &one, None).await.0, 404);

        // The avatar, from a pipeline: a picture in, a 256×256 PNG served; a non-picture refused; removed.
        let avatar = "/api/v1/me/avatar";
        let res = api.http.put(app.url(avatar)).bearer_auth(&token).body(png(96, 64)).send().await.expect("put");
        let (s, a) = api.check(res, &Method::PUT, avatar).await;
        assert_eq!((s, &a["width"], &a["height"]), (200, &json!(256), &json!(256)), "{a}");
        let served = api.http.get(app.url(a["url"].as_str().expect("url"))).send().await.expect("get");
        assert_eq!(served.headers()["etag"], format!("\"{}\"", a["sha256"].as_str().expect("sha")).as_str());
        let res = api.http.put(app.url(avatar)).bearer_auth(&token).body("not a picture").send().await.expect("put");
        let (s, e) = api.check(res, &Method::PUT, avatar).await;
        assert_eq!(s, 400, "{e}");
        let res = api.http.put(app.url(avatar)).bearer_auth(&reader).body(png(8, 8)).send().await.expect("put");
        assert_eq!(api.check(res, &Method::PUT, avatar).await.0, 403, "the read scope cannot change it");
        let res = api.http.delete(app.url(avatar)).bearer_auth(&token).send().await.expect("delete");
        assert_eq!(api.check(res, &Method::DELETE, avatar).await.0, 204);
        let gone = api.http.get(app.url(a["url"].as_str().expect("url"))).send().await.expect("get");
        assert_eq!(gone.status(), StatusCode::NOT_FOUND);

        // Not a token, a forged one, none at all.
        for bad in ["nope", &format!("col_{}", "0".repeat(64))] {
            let (s, e) = api.call(bad, Method::GET, "/api/v1/me", "/api/v1/me", None).await;
            assert_eq!(s, 401, "{e}");
        }
        let res = api.http.get(app.url("/api/v1/me")).send().await.expect("anonymous");
        assert_eq!(api.check(res, &Method::GET, "/api/v1/me").await.0, 401);

        // The Studio lists the tokens with their last use; a revoked token stops at once.
        let (_, mine) = call(&app, &tab, "tokens/mine", &[]).await;
        let mine: Value = serde_json::from_str(&mine).expect("json");
        let used = mine.as_array().expect("list").iter().find(|t| t["id"] == token_id).expect("listed").clone();
        assert!(used["last_used_at"].is_string(), "{used}");
        assert!(!mine.to_string().contains(&token[12..]), "the secret is never shown again");
        let (s, b) = call(&app, &tab, "tokens/revoke", &[("id", &token_id.to_string())]).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, e) = api.call(&token, Method::GET, "/api/v1/me", "/api/v1/me", None).await;
        assert_eq!(s, 401);
        assert!(e["message"].as_str().expect("message").contains("revoked"), "{e}");
        // Only the owner revokes: another account's attempt finds nothing.
        let (_, other_id) = make_token(&app, &other_tab, "second", "read").await;
        let (s, _) = call(&app, &tab, "tokens/revoke", &[("id", &other_id.to_string())]).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, b) = call(&app, &tab, "tokens/create", &[("name", "x"), ("scopes", "read,admin")]).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");

        // Payouts, with wallet payments off here: the session's answers as documented.
        let res = tab.get(app.url("/api/v1/studio/payouts")).send().await.expect("get");
        let (s, p) = api.check(res, &Method::GET, "/api/v1/studio/payouts").await;
        assert_eq!((s, &p["enabled"]), (200, &Value::Bool(false)), "{p}");
        let res = tab
            .post(app.url("/api/v1/studio/payout-address/challenge"))
            .json(&json!({"address": "0x90F79bf6EB2c4f870365E785982E1f101E93b906"}))
            .send()
            .await
            .expect("post");
        let (s, e) = api.check(res, &Method::POST, "/api/v1/studio/payout-address/challenge").await;
        assert_eq!(s, 409, "{e}");
        let res = tab
            .post(app.url("/api/v1/studio/payout-address"))
            .json(&json!({"signature": "0x00"}))
            .send()
            .await
            .expect("post");
        let (s, e) = api.check(res, &Method::POST, "/api/v1/studio/payout-address").await;
        assert_eq!(s, 400, "nothing was issued to prove: {e}");

        // Every documented creator operation was exercised above.
        let seen = api.seen.lock().expect("lock").clone();
        for (path, ops) in api.spec["paths"].as_object().expect("paths") {
            for (method, op) in ops.as_object().expect("ops") {
                if op["tags"][0] == "creator" {
                    assert!(
                        seen.iter().any(|(m, p, _)| m == method && p == path),
                        "{method} {path} is documented but not exercised"
                    );
                }
            }
        }
        app.stop().await;
    }
}
