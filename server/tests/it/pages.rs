//! Server rendering under concurrency: many signed-in clients reading every page at once get
//! complete pages rendered for their role, and the renderer never panics (a panic in a request's task only shows as a
//! dropped connection, so a panic hook counts them too); a page keeps its own request context
//! while other loads are abandoned and the site's files are fetched alongside.

use crate::common::*;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::task::JoinHandle;

/// Waits for every worker and asserts that none of them reported a problem.
async fn assert_no_problems(workers: Vec<JoinHandle<Vec<String>>>) {
    let mut problems = Vec::new();
    for w in workers {
        problems.extend(w.await.expect("worker"));
    }
    assert!(
        problems.is_empty(),
        "{} problems, first: {:#?}",
        problems.len(),
        problems.iter().take(5).collect::<Vec<_>>()
    );
}

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

    let (app, admin, _sb, config) = app_with_sandbox("Concurrent").await;
    let (task, _) = run_task(&app, config, spec("a cat"), 20).await;

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
                                // The page as its role sees it, whatever the timing: the server
                                // render waits for the signed-in user (an admin's nav has the
                                // users link), so hydration finds what it expects.
                                if !html.contains("href=\"/users\"") {
                                    failures
                                        .push(format!("{page}: rendered without the admin's nav"));
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
    assert_no_problems(workers).await;
    assert_eq!(
        panics.load(Ordering::SeqCst),
        0,
        "the server panicked while rendering"
    );
}

/// A page's context is its own: while pages render concurrently, other page loads are given up
/// half-way (before the answer, or after its first part) and the site's files are fetched as a
/// browser does, every page still comes whole with its own Content-Security-Policy (whose nonce
/// its scripts carry), no internal error sits in the page or in the data it hands the browser,
/// and no server-side work ever runs without its request.
///
/// Before the request scope it failed on every run: file requests took rendering pages' headers
/// (those pages came with the policy that blocks everything, the files with a page's policy),
/// and a config's page handed the browser `no-backend` errors from resources loaded after their
/// owner was gone (the log had more of them, from abandoned loads).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_keep_their_own_context_while_others_are_abandoned_or_fetch_files() {
    let site = tempfile::TempDir::new().expect("site");
    std::fs::create_dir_all(site.path().join("pkg")).expect("pkg");
    std::fs::write(site.path().join("pkg/rhconsole.css"), "body{}").expect("css");
    std::fs::write(site.path().join("pkg/rhconsole.js"), "export {}").expect("js");
    let app = TestApp::spawn_opts(Options {
        site_root: Some(site.path().to_path_buf()),
        ..Options::default()
    })
    .await;
    let admin = app.admin().await;
    let (_sb, config) = sandbox_config(&app, &admin, "Own context", json!({})).await;
    let misses_before = context_misses(&app).await;

    let pages: Arc<Vec<String>> = Arc::new(vec![
        format!("/configs/{config}"),
        "/".to_owned(),
        "/configs".to_owned(),
        "/tasks".to_owned(),
        "/tasks/new".to_owned(),
        "/users".to_owned(),
    ]);
    let mut workers = Vec::new();
    for w in 0..12u64 {
        let client = admin.clone();
        let pages = pages.clone();
        let base = app.base.clone();
        workers.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            for i in 0..24u64 {
                let page = &pages[((i + w) % pages.len() as u64) as usize];
                let url = format!("{base}{page}");
                match w % 3 {
                    // The browser's files, alongside the pages.
                    0 => {
                        let file = if i % 2 == 0 {
                            "rhconsole.css"
                        } else {
                            "rhconsole.js"
                        };
                        match client.get(format!("{base}/pkg/{file}")).send().await {
                            Ok(r) => {
                                let csp = csp_of(&r);
                                if r.status() != 200 || csp.contains("'nonce-") {
                                    failures.push(format!("/pkg/{file}: {} {csp}", r.status()));
                                }
                            }
                            Err(e) => failures.push(format!("/pkg/{file}: {e}")),
                        }
                    }
                    // Loads given up: before the answer (at varying points), or after its
                    // first part.
                    1 => {
                        if i % 2 == 0 {
                            let wait = std::time::Duration::from_millis((i * 3 + w) % 20);
                            let _ = tokio::time::timeout(wait, client.get(&url).send()).await;
                        } else if let Ok(mut r) = client.get(&url).send().await {
                            let _ = r.chunk().await;
                        }
                    }
                    _ => failures.extend(whole_page_problems(&client, page, &url).await),
                }
            }
            failures
        }));
    }
    assert_no_problems(workers).await;
    // Abandoned loads end their work; none of it may have run without its request.
    for page in pages.iter() {
        let problems = whole_page_problems(&admin, page, &app.url(page)).await;
        assert!(problems.is_empty(), "{problems:?}");
    }
    assert!(
        misses_before.is_some(),
        "no context-miss count in the metrics"
    );
    assert_eq!(
        context_misses(&app).await,
        misses_before,
        "server-side work ran without its request context (see the log)"
    );
}

fn csp_of(r: &reqwest::Response) -> String {
    r.headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// What is wrong with one load of `page`: not a whole page, not its own policy, or an internal
/// error shown in it or handed to the browser with it.
async fn whole_page_problems(client: &reqwest::Client, page: &str, url: &str) -> Vec<String> {
    let r = match client.get(url).send().await {
        Ok(r) => r,
        Err(e) => return vec![format!("{page}: {e}")],
    };
    let status = r.status();
    let csp = csp_of(&r);
    let html = match r.text().await {
        Ok(html) => html,
        Err(e) => return vec![format!("{page}: body: {e}")],
    };
    let mut problems = Vec::new();
    if status != 200 {
        problems.push(format!("{page}: status {status}"));
    }
    if !html.contains("</html>") {
        problems.push(format!("{page}: page cut short"));
    }
    match csp_nonce(&csp) {
        Some(nonce) if html.contains(&format!("nonce=\"{nonce}\"")) => {}
        Some(_) => problems.push(format!(
            "{page}: the scripts carry another nonce than {csp}"
        )),
        None => problems.push(format!("{page}: no page policy: {csp}")),
    }
    if let Some(at) = html.find("Internal") {
        let from = html.floor_char_boundary(at.saturating_sub(120));
        let to = html.ceil_char_boundary((at + 120).min(html.len()));
        problems.push(format!(
            "{page}: internal error in the page: {}",
            &html[from..to]
        ));
    }
    problems
}

/// The server's count of work that found no request context (`/metrics`).
async fn context_misses(app: &TestApp) -> Option<u64> {
    metrics(app)
        .await
        .lines()
        .find_map(|l| l.strip_prefix("rhconsole_request_context_misses_total "))
        .and_then(|v| v.trim().parse().ok())
}

/// The built files: a browser that has one asks whether it changed and gets a 304 without the
/// body (before, Leptos' file handler dropped the conditional headers and sent every chunk
/// again on each visit), and it comes compressed: precompressed when the build wrote `.br`/`.gz`
/// files (release builds do), compressed on the way otherwise.
#[tokio::test]
async fn built_files_answer_a_revalidation_with_304_and_come_compressed() {
    let site = tempfile::TempDir::new().expect("site");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg");
    let wasm: Vec<u8> = (0..40_000u32).map(|i| (i % 7) as u8).collect();
    std::fs::write(pkg.join("chunk_1.wasm"), &wasm).expect("wasm");
    std::fs::write(pkg.join("rhconsole.js"), "export {}\n".repeat(500)).expect("js");
    std::fs::write(pkg.join("rhconsole.js.br"), b"precompressed").expect("br");
    let app = TestApp::spawn_opts(Options {
        site_root: Some(site.path().to_path_buf()),
        ..Options::default()
    })
    .await;
    let client = reqwest::Client::new();
    let url = app.url("/pkg/chunk_1.wasm");
    let first = client.get(&url).send().await.expect("first");
    assert_eq!(first.status(), 200);
    assert_eq!(
        first
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-cache")
    );
    let modified = first
        .headers()
        .get("last-modified")
        .cloned()
        .expect("last-modified");
    assert_eq!(first.bytes().await.expect("body").len(), wasm.len());

    let again = client
        .get(&url)
        .header("if-modified-since", modified)
        .send()
        .await
        .expect("revalidation");
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.expect("body").is_empty());

    let gz = client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("gzip");
    assert_eq!(
        gz.headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    assert!(gz.bytes().await.expect("body").len() < wasm.len() / 4);

    let br = client
        .get(app.url("/pkg/rhconsole.js"))
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("br");
    assert_eq!(
        br.headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
    assert_eq!(&br.bytes().await.expect("body")[..], b"precompressed");
}

/// `/pkg/islands/<names>.wasm` sends every chunk the named lazy islands need, once each and
/// named (as `chunk_batch.js` reads them), and answers a revalidation with 304; a non-canonical
/// address is a 404.
#[tokio::test]
async fn islands_code_comes_in_one_named_response() {
    let site = tempfile::TempDir::new().expect("site");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg");
    let manifest = r#"{"task_live_loader_11": ["chunk_1", "split_task_live_loader_11"],
                       "live_log_loader_12": ["chunk_1", "chunk_20"]}"#;
    std::fs::write(pkg.join("__wasm_split_manifest.json"), manifest).expect("manifest");
    let files = [
        ("c1", "chunk_1.wasm", vec![1u8; 300]),
        ("c20", "chunk_20.wasm", vec![20u8; 7]),
        (
            "stask_live_loader_11",
            "split_task_live_loader_11.wasm",
            vec![9u8; 40],
        ),
    ];
    for (_, f, bytes) in &files {
        std::fs::write(pkg.join(f), bytes).expect("chunk");
    }
    let app = TestApp::spawn_opts(Options {
        site_root: Some(site.path().to_path_buf()),
        ..Options::default()
    })
    .await;
    let client = reqwest::Client::new();
    // ThemeSwitch is not lazy: it adds nothing.
    let url = app.url("/pkg/islands/LiveLog-TaskLive-ThemeSwitch.wasm");
    let r = client.get(&url).send().await.expect("islands");
    assert_eq!(r.status(), 200);
    let etag = r.headers().get("etag").cloned().expect("etag");
    let body = r.bytes().await.expect("body");
    let mut want = Vec::new();
    for (token, _, bytes) in &files {
        want.push(u8::try_from(token.len()).expect("short"));
        want.extend_from_slice(token.as_bytes());
        want.extend_from_slice(&u32::try_from(bytes.len()).expect("small").to_le_bytes());
        want.extend_from_slice(bytes);
    }
    assert_eq!(
        &body[..],
        &want[..],
        "each chunk once, named, in token order"
    );

    let again = client
        .get(&url)
        .header("if-none-match", etag)
        .send()
        .await
        .expect("revalidation");
    assert_eq!(again.status(), 304);
    for bad in [
        "TaskLive-LiveLog.wasm",
        "LiveLog-LiveLog.wasm",
        "liveLog.wasm",
        "LiveLog",
    ] {
        let r = client
            .get(app.url(&format!("/pkg/islands/{bad}")))
            .send()
            .await
            .expect("bad");
        assert_eq!(r.status(), 404, "{bad}");
    }
}

/// After signing out, Back must not show a signed-in page from the browser's cache.
#[tokio::test]
async fn pages_are_never_stored_by_the_browser() {
    let (app, admin) = app_with_admin().await;
    for path in ["/", "/tasks", "/configs", "/users"] {
        let r = app.get(&admin, path).await;
        let cache = r
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        assert_eq!(cache.as_deref(), Some("no-store"), "{path}");
    }
}

/// The browser gets the page's words (the translation table in the page's language) from
/// `/pkg/words/<lang>.txt`, named by the page, instead of in the wasm: both languages, a 304
/// on revalidation, a 404 for any other name.
#[tokio::test]
async fn a_page_names_its_words_and_they_are_served_in_its_language() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    for (cookie, file, lang) in [
        ("rh_lang=zh", "zh.txt", app::i18n::Lang::Zh),
        ("rh_lang=en", "en.txt", app::i18n::Lang::En),
    ] {
        let page = text_of(client.get(app.url("/login")).header("cookie", cookie)).await;
        let link = format!("id=\"rh-words\" href=\"/pkg/words/{file}\"");
        assert!(page.contains(&link), "{cookie}: the page names {file}");

        let r = client
            .get(app.url(&format!("/pkg/words/{file}")))
            .send()
            .await
            .expect("words");
        assert_eq!(r.status(), 200, "{file}");
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(
            r.headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-cache")
        );
        let etag = r.headers().get("etag").cloned().expect("etag");
        let text = r.text().await.expect("body");
        let records: Vec<&str> = text.split(app::i18n::words::SEPARATOR).collect();
        assert_eq!(records[0], lang.code());
        let msg = app::i18n::Msg::BudgetOverride;
        assert_eq!(records[1 + msg as usize], msg.text(lang), "{file}");
        assert_eq!(
            records.len(),
            1 + app::i18n::Msg::ALL.len() + app::i18n::Text::SHOWN
        );

        let again = client
            .get(app.url(&format!("/pkg/words/{file}")))
            .header("if-none-match", etag)
            .send()
            .await
            .expect("revalidation");
        assert_eq!(again.status(), 304, "{file}");
    }
    for bad in ["fr.txt", "zh", "ZH.txt", "zh.txt.gz"] {
        let r = client
            .get(app.url(&format!("/pkg/words/{bad}")))
            .send()
            .await
            .expect("bad");
        assert_eq!(r.status(), 404, "{bad}");
    }
}
