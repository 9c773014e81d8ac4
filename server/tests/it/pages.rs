//! Server rendering under concurrency: many signed-in clients reading every page at once get
//! complete pages, and the renderer never panics (a panic in a request's task only shows as a
//! dropped connection, so a panic hook counts them too).
//!
//! Its own test binary, so the panic hook sees only this test's panics.

use crate::common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_readers_get_whole_pages_and_nothing_panics() {
    let panics = Arc::new(AtomicUsize::new(0));
    {
        let panics = panics.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            panics.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    }

    let app = TestApp::spawn().await;
    let sb = sandbox().await;
    let admin = app.admin().await;
    let config = create_config(&app, &admin, rh_config("Concurrent", &sb.base_url())).await;
    let task = launch(&app, config, spec("a cat")).await;
    wait_final(&app, task, 20).await;

    let pages: Vec<String> = [
        "/".to_owned(),
        "/configs".to_owned(),
        format!("/configs/{config}"),
        format!("/configs/{config}/edit"),
        "/configs/new".to_owned(),
        "/tasks".to_owned(),
        format!("/tasks/{}", task.0),
        "/tasks/new".to_owned(),
        "/users".to_owned(),
        "/no-such-page".to_owned(),
    ]
    .into();
    let pages = Arc::new(pages);

    let mut workers = Vec::new();
    for w in 0..16 {
        let client = admin.clone();
        let pages = pages.clone();
        let base = app.base.clone();
        workers.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            for i in 0..30 {
                let page = &pages[(i + w) % pages.len()];
                match client.get(format!("{base}{page}")).send().await {
                    Ok(r) => {
                        let status = r.status();
                        match r.text().await {
                            Ok(html) if html.contains("</html>") => {
                                let expected = if page == "/no-such-page" { 404 } else { 200 };
                                if status != expected {
                                    failures.push(format!("{page}: {status}"));
                                }
                                if !html.contains("<title>") {
                                    failures.push(format!("{page}: no <title>"));
                                }
                            }
                            Ok(_) => failures.push(format!("{page}: page cut short")),
                            Err(e) => failures.push(format!("{page}: body: {e}")),
                        }
                    }
                    Err(e) => failures.push(format!("{page}: {e}")),
                }
            }
            failures
        }));
    }
    let mut failures = Vec::new();
    for w in workers {
        failures.extend(w.await.expect("worker"));
    }
    assert!(
        failures.is_empty(),
        "{} failed requests, first: {:?}",
        failures.len(),
        failures.iter().take(5).collect::<Vec<_>>()
    );
    assert_eq!(
        panics.load(Ordering::SeqCst),
        0,
        "the server panicked while rendering"
    );
}
