//! Hardening: security headers, cross-site requests, body limits, uploads by content, outbound
//! fetches that cannot be pointed inside, and a search for a known key everywhere it must not be.

use crate::common::*;
use app::domain::*;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Posts one file, `bytes` named `name`, to the image upload endpoint as `c`.
async fn upload_image(
    app: &TestApp,
    c: &reqwest::Client,
    bytes: Vec<u8>,
    name: &str,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    c.post(app.url("/api/uploads/image"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .expect("post")
}

#[tokio::test]
async fn every_page_carries_the_security_headers_and_a_fresh_nonce() {
    let (app, admin) = app_with_admin().await;
    let mut nonces = Vec::new();
    for page in [
        "/",
        "/configs",
        "/configs/new",
        "/tasks",
        "/tasks/new",
        "/users",
        "/no-such-page",
    ] {
        let r = app.get(&admin, page).await;
        let h = r.headers().clone();
        let csp = h["content-security-policy"]
            .to_str()
            .expect("csp")
            .to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{page}: {csp}");
        assert!(csp.contains("'wasm-unsafe-eval'"), "{page}: {csp}");
        assert!(
            !csp.contains("'unsafe-inline' ;")
                && !csp
                    .split(';')
                    .any(|d| d.trim().starts_with("script-src") && d.contains("unsafe-inline")),
            "{page}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{page}");
        assert_eq!(h["referrer-policy"], "same-origin", "{page}");
        assert_eq!(h["x-frame-options"], "DENY", "{page}");
        let nonce = csp_nonce(&csp).expect("a nonce").to_owned();
        let html = r.text().await.expect("html");
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "{page}: the hydration script carries the nonce"
        );
        nonces.push(nonce);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 7, "a new nonce for every response");
    for path in ["/login", "/healthz", "/api/auth/me", "/pkg/missing.js"] {
        let r = reqwest::get(app.url(path)).await.expect("get");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
        assert!(
            r.headers()["content-security-policy"]
                .to_str()
                .expect("csp")
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
    }
    // Build output keeps its names across builds: always revalidated, never reused blindly.
    let r = reqwest::get(app.url("/pkg/missing.js")).await.expect("get");
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let r = reqwest::get(app.url("/favicon.svg")).await.expect("get");
    assert_ne!(r.headers()["cache-control"], "no-cache");
}

#[tokio::test]
async fn a_cross_origin_post_to_a_server_function_is_refused() {
    let (app, admin) = app_with_admin().await;
    let body = json!({ "input": rh_config("Cross", "https://x.cn") });
    let r = admin
        .post(app.url("/api/configs/create"))
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    assert_eq!(body_json(r).await["Rejected"]["msg"], "ErrBadOrigin");
    let r = admin
        .post(app.url("/api/auth/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let r = admin
        .post(app.url("/api/configs/create"))
        .header("origin", app.base.clone())
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200, "same origin is fine");
    let list = body_json(
        app.json(&admin, "configs/list", json!({ "filter": {} }))
            .await,
    )
    .await;
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(1),
        "the refused request created nothing"
    );
}

#[tokio::test]
async fn oversize_bodies_and_non_images_are_refused_clearly() {
    let (app, admin) = app_with_admin().await;
    let big = "x".repeat(3 * 1024 * 1024);
    let r = admin
        .post(app.url("/api/tasks/launch"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 413);
    assert_eq!(body_json(r).await["Rejected"]["msg"], "ErrTooLarge");

    let not_an_image = b"<html>not an image</html>".to_vec();
    let r = upload_image(&app, &admin, not_an_image, "cat.png").await;
    assert_eq!(r.status(), 415, "checked by content, not by name");
    assert_eq!(body_json(r).await["Rejected"]["msg"], "ErrImageType");
    let mut gif = b"GIF89a".to_vec();
    gif.extend([0u8; 64]);
    let r = upload_image(&app, &admin, gif, "anim.gif").await;
    assert_eq!(r.status(), 415);
    let mut huge = rhconsole::sandbox::generate_png("big");
    huge.resize(10 * 1024 * 1024 + 1, 0);
    let r = upload_image(&app, &admin, huge, "big.png").await;
    assert_eq!(r.status(), 413);
    let png = rhconsole::sandbox::generate_png("ok");
    let r = upload_image(&app, &admin, png, "ok.png").await;
    assert_eq!(r.status(), 200);
    let blob = body_json(r).await;
    assert_eq!(blob["mime"], "image/png");
    assert_eq!(blob["original_name"], "ok.png");
}

#[tokio::test]
async fn outbound_fetches_cannot_be_pointed_inside() {
    let sb = sandbox().await;
    let (app, admin) = app_with_admin().await;
    // A multipart provider downloads image URLs itself: internal addresses are refused.
    let cfg = with_fields(
        rh_config("public-nano", "https://nano.example.com"),
        json!({
            "api_type": "nano-banana-edits",
            "draw_endpoint": "/v1/images/edits",
            "result_endpoint": "",
            "is_sync_api": true,
            "allow_local": false,
            "enable_retry": false
        }),
    );
    let nano = create_config(&app, &admin, cfg).await;
    for url in [
        "http://127.0.0.1:1/x.png".to_owned(),
        "http://10.0.0.8/x.png".to_owned(),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        format!("{}/output/1-0.png", sb.base_url()),
    ] {
        let mut s = spec("ssrf");
        s.image_urls = vec![url.clone()];
        let (_, v) = run_task(&app, nano, s, 10).await;
        assert_eq!(v.status, TaskStatus::Failed, "{url}");
        assert_eq!(
            v.error_code.as_deref(),
            Some("refused"),
            "{url}: {:?}",
            v.error_message
        );
    }
    assert_eq!(sb.state.stats().submits, 0);
    // `file:` never gets that far.
    let mut s = spec("file");
    s.image_urls = vec!["file:///etc/passwd".into()];
    let r = app
        .json(
            &admin,
            "tasks/launch",
            json!({ "configs": [nano], "spec": s }),
        )
        .await;
    assert_eq!(r.status(), 422);
    // A provider host inside the network needs the config marked local.
    let cfg = with_fields(
        rh_config("inside", &sb.base_url()),
        json!({ "allow_local": false, "enable_retry": false }),
    );
    let inside = create_config(&app, &admin, cfg).await;
    let (_, v) = run_task(&app, inside, spec("to loopback"), 10).await;
    assert_eq!(v.error_code.as_deref(), Some("refused"));
    assert!(
        sb.state.seen.lock().expect("seen").is_empty(),
        "nothing reached the loopback provider"
    );
}

#[tokio::test]
async fn metrics_report_tasks_latency_retries_and_sign_in_failures() {
    let (app, _admin, _sb, cfg) = app_with_sandbox("Metered").await;
    run_task(&app, cfg, spec("count me #http429"), 20).await;
    app.login(&app.client(), "admin", "wrong password").await;
    let text = metrics(&app).await;
    assert!(
        text.contains(r#"rhconsole_tasks{config="Metered",status="succeeded"} 1"#),
        "{text}"
    );
    assert!(text.contains("rhconsole_tasks_in_flight 0"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("rhconsole_provider_call_seconds_bucket")
                && l.contains(r#"call="submit",outcome="error""#)),
        "{text}"
    );
    assert!(
        text.contains(
            r#"rhconsole_retries_total{api_type="runninghub-rhart-edit",stage="submit"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"rhconsole_login_failures_total{reason="bad_credentials"} 1"#),
        "{text}"
    );
}

/// Runs the real binary with debug logs, drives full flows with a known key, then searches every
/// log line, page, answer, event, stored request and the database file for it.
#[tokio::test]
async fn a_known_key_appears_nowhere_it_must_not() {
    let key = rhconsole::sandbox::SANDBOX_KEY;
    let data = tempfile::TempDir::new().expect("tmp");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rhconsole"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--sandbox",
            "--sandbox-addr",
            "127.0.0.1:0",
            "--poll-interval-ms",
            "50",
            "--retry-unit-ms",
            "10",
        ])
        .args([
            "--data-dir",
            data.path().to_str().expect("path"),
            "--log",
            "trace,hyper=debug,h2=debug,sqlx=debug",
            "--log-format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let logs = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = logs.clone();
    let log_thread = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(mut l) = sink.lock() {
                l.push_str(&line);
                l.push('\n');
            }
        }
    });
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let (mut base, mut token, mut printed) = (String::new(), String::new(), String::new());
    for _ in 0..12 {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        printed.push_str(&line);
        if let Some(u) = line.trim().strip_prefix("RH Console listening on ") {
            base = u.to_owned();
        }
        if let Some(t) = line.split("token=").nth(1) {
            token = t.trim().to_owned();
        }
        if line.contains("Sandbox provider on") {
            break;
        }
    }
    assert!(!base.is_empty() && !token.is_empty(), "{printed}");
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let post_form =
        |ep: &str, f: Vec<(&str, String)>| c.post(format!("{base}/api/{ep}")).form(&f).send();
    post_form(
        "setup/complete",
        vec![
            ("token", token),
            ("username", ADMIN.into()),
            ("password", ADMIN_PW.into()),
            ("confirm", ADMIN_PW.into()),
        ],
    )
    .await
    .expect("setup");
    post_form(
        "auth/login",
        vec![
            ("username", ADMIN.into()),
            ("password", ADMIN_PW.into()),
            ("next", "/".into()),
        ],
    )
    .await
    .expect("login");
    let mut seen = Vec::new();
    let post_json = |ep: &str, body: Value| c.post(format!("{base}/api/{ep}")).json(&body);
    let get = |path: &str| c.get(format!("{base}{path}"));
    let list = json_of(post_json("configs/list", json!({ "filter": {} }))).await;
    seen.push(list.to_string());
    let cfg = list[0]["config"]["id"].as_i64().expect("sandbox config");
    let png = rhconsole::sandbox::generate_png("leak");
    let part = reqwest::multipart::Part::bytes(png).file_name("x.png");
    let blob = json_of(
        c.post(format!("{base}/api/uploads/image"))
            .multipart(reqwest::multipart::Form::new().part("file", part)),
    )
    .await;
    let mut ids = Vec::new();
    for prompt in [
        "fine",
        "no #moderation",
        "retry #http502",
        "bad key #auth",
        "echoed on submit #echokey",
        "echoed on a poll #echokeyfail",
        // Every other scenario that ends quickly, so no path of the engine is left unsearched
        // (#hang and #never only end at a timeout).
        "#fail",
        "#realperson",
        "#balance",
        "#queuefull",
        "#http429 #retryafter=0",
        "#poll429 #retryafter=0",
        "#http502always",
        "#malformed",
        "#malformedpoll",
        "#unknown",
        "#cancel",
        "#instant",
        "#succeed",
        "#drop",
        "#noid",
        "#textonly",
        "#emptyresults",
        "#nullurl",
        "#failedreason",
        "#errorobject",
        "#lowercase #numericid #snakeid #envelope",
    ] {
        let spec = json!({ "prompt": prompt, "resolution": "2k", "aspect_ratio": "3:4", "image_urls": ["https://example.com/a.png"], "local_images": [blob.clone()], "region": "overseas" });
        let r = json_of(post_json(
            "tasks/launch",
            json!({ "configs": [cfg], "spec": spec }),
        ))
        .await;
        ids.push(r["tasks"][0].as_i64().expect("id"));
    }
    for id in &ids {
        for _ in 0..200 {
            let d = json_of(post_json("tasks/get", json!({ "id": id }))).await;
            let status = d["task"]["status"].as_str().unwrap_or_default();
            if ["succeeded", "failed", "cancelled", "submit_uncertain"].contains(&status) {
                seen.push(d.to_string());
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let stream = text_of(post_json("tasks/events", json!({ "id": id, "after": 0 }))).await;
        assert!(stream.contains("\"kind\":\"end\""), "{stream}");
        seen.push(stream);
        seen.push(text_of(get(&format!("/tasks/{id}"))).await);
    }
    for page in [
        "/",
        "/configs",
        &format!("/configs/{cfg}"),
        &format!("/configs/{cfg}/edit"),
        "/tasks",
    ] {
        seen.push(text_of(get(page)).await);
    }
    for ep in ["configs/get", "configs/history"] {
        seen.push(text_of(post_json(ep, json!({ "id": cfg }))).await);
    }
    seen.push(text_of(get("/metrics")).await);
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let _ = log_thread.join();
    let logs = logs.lock().expect("logs").clone();
    assert!(
        logs.contains("request_id"),
        "JSON logs carry the request id"
    );
    assert!(logs.lines().count() > 50, "debug logs were captured");
    // The whole key, or a part of it as a provider echoed it.
    let part = &key[key.len() - 12..];
    let start = &key[..12];
    for (i, text) in seen.iter().enumerate() {
        for k in [key, part, start] {
            assert!(
                !text.contains(k),
                "answer {i} contains {k:?}: {}",
                &text[..text.len().min(300)]
            );
        }
    }
    assert!(!logs.contains(key), "a log line contains the key");
    assert!(!logs.contains(start), "a log line contains the key's start");
    assert!(!printed.contains(key));
    assert_not_in_database_files(data.path(), key);
}
