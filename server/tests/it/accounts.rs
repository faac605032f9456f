//! Accounts and creator keys through the real HTTP surface: sign up / in /
//! out with session cookies, cross-origin refusal, rate limiting, becoming a
//! creator, and key statements signed client-side (as the browser does).

use colophon_provenance::{RevocationReason, SigningKey, Statement};
use colophon_store::{Backend, KeyState};
use reqwest::{StatusCode, header};
use serde_json::Value;
use server::testing::{TestApp, browser, call, now_ms};

fn submit_form(signed: &colophon_provenance::SignedStatement) -> [(&'static str, String); 3] {
    [
        ("statement_hex", hex::encode(&signed.bytes)),
        ("public_key_hex", signed.public_key.to_hex()),
        ("signature_hex", hex::encode(signed.signature)),
    ]
}

async fn submit(
    app: &TestApp,
    client: &reqwest::Client,
    signed: &colophon_provenance::SignedStatement,
) -> (StatusCode, String) {
    let form = submit_form(signed);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    call(app, client, "keys/submit", &form).await
}

#[tokio::test]
async fn sign_up_in_out_with_session_cookies() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let tab = browser();
    let creds = [("email", " Ada@Example.com "), ("password", "correct horse battery")];

    let res = tab
        .post(app.url("/api/account/sign_up"))
        .header(header::ACCEPT, "application/json")
        .form(&creds)
        .send()
        .await
        .expect("sign up");
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
    let cookie = res.headers().get(header::SET_COOKIE).expect("session cookie").to_str().expect("ascii").to_owned();
    assert!(cookie.starts_with("colophon_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");

    let (status, body) = call(&app, &tab, "account/current", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let me: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(me["email"], "ada@example.com", "email normalised");
    assert!(me["creator"].is_null());

    // The same email again: a clear conflict.
    let (status, body) = call(&app, &browser(), "account/sign_up", &creds).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("already exists"), "{body}");

    // Sign out ends the session server-side.
    call(&app, &tab, "account/sign_out", &[]).await;
    let (_, body) = call(&app, &tab, "account/current", &[]).await;
    assert_eq!(body.trim(), "null");

    // Wrong password and unknown email: the same answer.
    let (s1, b1) =
        call(&app, &tab, "account/sign_in", &[("email", "ada@example.com"), ("password", "wrong password!")]).await;
    let (s2, b2) =
        call(&app, &tab, "account/sign_in", &[("email", "nobody@example.com"), ("password", "wrong password!")]).await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(b1, b2);
    assert!(b1.contains("Wrong email or password"), "{b1}");

    let (status, body) = call(&app, &tab, "account/sign_in", &creds).await;
    assert!(status.is_success() || status.is_redirection(), "{status} {body}");
    let (_, body) = call(&app, &tab, "account/current", &[]).await;
    assert!(body.contains("ada@example.com"), "{body}");

    // Bad input is refused with a reason, and nothing is stored.
    let (status, body) =
        call(&app, &browser(), "account/sign_up", &[("email", "bo@example.com"), ("password", "short")]).await;
    assert!(status.is_client_error() || status.is_server_error(), "{status}");
    assert!(body.contains("at least 10 characters"), "{body}");
    assert_eq!(app.store.account_credentials("bo@example.com").await.expect("query"), None);
    app.stop().await;
}

#[tokio::test]
async fn cross_origin_posts_are_refused_and_sign_in_is_rate_limited() {
    let app = TestApp::spawn_env(Backend::Sqlite, &[("COLOPHON_RATE_SIGN_IN", "10".to_owned())]).await;
    let creds = [("email", "eve@example.com"), ("password", "correct horse battery")];
    for (name, value) in [("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")] {
        let res = browser()
            .post(app.url("/api/account/sign_up"))
            .header(name, value)
            .form(&creds)
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}");
        let body: Value = res.json().await.expect("json error");
        assert_eq!(body["error"], "forbidden");
    }
    assert_eq!(app.store.account_credentials("eve@example.com").await.expect("query"), None, "nothing stored");

    // Ten attempts in a burst, then 429 for this address. The bucket refills
    // one attempt every 6 s: on a loaded machine (each attempt spends an
    // argon2 verification) a refill may arrive mid-test, and is allowed for.
    let tab = browser();
    let mut statuses = Vec::new();
    let started = std::time::Instant::now();
    for _ in 0..12 {
        statuses.push(
            call(&app, &tab, "account/sign_in", &[("email", "x@example.com"), ("password", "wrong password!")]).await.0,
        );
    }
    let refills = usize::try_from(started.elapsed().as_secs() / 6).unwrap_or(usize::MAX);
    assert_eq!(statuses[..10], [StatusCode::UNAUTHORIZED; 10]);
    let limited = statuses[10..].iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(limited >= 2usize.saturating_sub(refills), "{statuses:?} after {refills} refills");
    assert!(statuses[10..].iter().all(|s| [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(s)));
    app.stop().await;
}

#[tokio::test]
async fn creators_register_rotate_and_revoke_keys_signed_in_the_client() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let tab = browser();
        call(&app, &tab, "account/sign_up", &[("email", "ada@example.com"), ("password", "correct horse battery")])
            .await;

        // Not a creator yet: keys are refused.
        let key = SigningKey::from_seed(&[7; 32]);
        let reg = Statement::KeyRegistered {
            public_key: key.public_key().to_bytes(),
            account: "ada".into(),
            time_ms: now_ms(),
        }
        .sign(&key)
        .expect("sign");
        let (status, body) = submit(&app, &tab, &reg).await;
        assert!(body.contains("Become a creator"), "{backend:?} {status} {body}");

        let (status, body) = call(
            &app,
            &tab,
            "account/become_creator",
            &[("handle", "Ada"), ("display_name", "Ada Vector"), ("bio", "Plotters.")],
        )
        .await;
        assert!(status.is_success() || status.is_redirection(), "{status} {body}");
        let (status, body) =
            call(&app, &browser(), "account/become_creator", &[("handle", "ada"), ("display_name", "X"), ("bio", "")])
                .await;
        assert!(body.contains("Sign in first"), "anonymous: {status} {body}");

        // A registration naming someone else, signed by another key, or with a stale clock is refused.
        let other = Statement::KeyRegistered {
            public_key: key.public_key().to_bytes(),
            account: "bo".into(),
            time_ms: now_ms(),
        }
        .sign(&key)
        .expect("sign");
        assert!(submit(&app, &tab, &other).await.1.contains("names bo"));
        let impostor = SigningKey::from_seed(&[8; 32]);
        let pop = Statement::KeyRegistered {
            public_key: key.public_key().to_bytes(),
            account: "ada".into(),
            time_ms: now_ms(),
        }
        .sign(&impostor)
        .expect("sign");
        assert!(submit(&app, &tab, &pop).await.1.contains("signed by the key it registers"));
        let stale = Statement::KeyRegistered {
            public_key: key.public_key().to_bytes(),
            account: "ada".into(),
            time_ms: now_ms() - 3_600_000,
        }
        .sign(&key)
        .expect("sign");
        assert!(submit(&app, &tab, &stale).await.1.contains("Check your clock"));
        let mut tampered = submit_form(&reg);
        tampered[2].1 = hex::encode([0u8; 64]);
        let form: Vec<(&str, &str)> = tampered.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert!(call(&app, &tab, "keys/submit", &form).await.1.contains("rejected"));
        assert_eq!(app.store.log_size().await.expect("size"), 0, "{backend:?}: nothing logged for refused statements");

        let (status, body) = submit(&app, &tab, &reg).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body.trim(), "0", "first log entry");
        let (_, body) = submit(&app, &tab, &reg).await;
        assert!(body.contains("already have an active key"), "{body}");

        // Rotation, signed by the current key.
        let next = SigningKey::from_seed(&[9; 32]);
        let rot = Statement::KeyRotated {
            old_key: key.public_key().key_id(),
            new_public_key: next.public_key().to_bytes(),
            time_ms: now_ms(),
        }
        .sign(&key)
        .expect("sign");
        let (status, body) = submit(&app, &tab, &rot).await;
        assert_eq!((status, body.trim()), (StatusCode::OK, "1"), "{backend:?}");

        // Another creator cannot touch Ada's keys.
        let eve = browser();
        call(&app, &eve, "account/sign_up", &[("email", "eve@example.com"), ("password", "correct horse battery")])
            .await;
        call(&app, &eve, "account/become_creator", &[("handle", "eve"), ("display_name", "Eve"), ("bio", "")]).await;
        let steal = Statement::KeyRevoked {
            key: next.public_key().key_id(),
            reason: RevocationReason::Compromised,
            time_ms: now_ms(),
        }
        .sign(&next)
        .expect("sign");
        let (status, body) = submit(&app, &eve, &steal).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.contains("not yours"), "{body}");

        // Ada's successor key revokes the old one as compromised.
        let revoke_old = Statement::KeyRevoked {
            key: key.public_key().key_id(),
            reason: RevocationReason::Compromised,
            time_ms: now_ms(),
        }
        .sign(&next)
        .expect("sign");
        let (status, body) = submit(&app, &tab, &revoke_old).await;
        assert_eq!((status, body.trim()), (StatusCode::OK, "2"), "{backend:?}");

        let (_, body) = call(&app, &tab, "keys/mine", &[]).await;
        let mine: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(mine["handle"], "ada");
        let states: Vec<(&str, &str)> = mine["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| (k["fingerprint"].as_str().expect("fp"), k["status"].as_str().expect("s")))
            .collect();
        assert_eq!(states.len(), 2);
        assert_eq!(states[0], (next.public_key().key_id().fingerprint().as_str(), "active"));
        assert_eq!(states[1].1, "revoked");
        let old = app.store.key(&key.public_key().key_id().0).await.expect("q").expect("row");
        assert_eq!((old.status, old.revoke_reason.as_deref()), (KeyState::Revoked, Some("compromised")));
        assert_eq!(app.store.log_size().await.expect("size"), 3);
        app.stop().await;
    }
}
