//! The Studio page under repeated server-side rendering, in a process of its
//! own. Every other integration test shares one binary (`tests/it`); this one
//! stays apart because several servers in one process interfere in Leptos'
//! process-wide state: run beside the upload tests, about one run in three
//! left a Studio response whose HTML was complete but whose stream never
//! closed (seen at f70578d too; alone, under full CPU load, it never did).
//! That interference is a test-harness artefact (a deployment runs one
//! server per process) and is tracked for the production work (#24).

use colophon_provenance::SigningKey;
use colophon_store::Backend;
use server::testing::{Creator, TestApp, creator_with_key, listing};

/// The Studio renders on the server for a creator with a key and listings,
/// every time: a browser object created while rendering once panicked when a
/// different worker thread dropped it, stalling about one page in seven.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_studio_page_always_renders_for_a_creator() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let key = SigningKey::from_seed(&[24; 32]);
    let c = Creator { tab: creator_with_key(&app, "mira", &key).await, key };
    for (kind, title) in [("edition", "Tidal Memory"), ("lora", "Ink Wash"), ("workflow", "Heron")] {
        listing(&app, &c, kind, title).await;
    }
    for _ in 0..40 {
        let res = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            c.tab.get(app.url("/studio")).send().await.expect("get").text().await.expect("body")
        })
        .await
        .expect("the Studio page finished rendering");
        assert!(res.contains("Your listings") && res.contains("Ink Wash"), "{res}");
    }
    app.stop().await;
}
