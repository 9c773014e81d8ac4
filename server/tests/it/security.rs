//! Hardening: security headers, cross-site requests, body limits, uploads by content, outbound
//! fetches that cannot be pointed inside, and a search for a known key everywhere it must not be.

use crate::common::*;
use app::domain::*;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn every_page_carries_the_security_headers_and_a_fresh_nonce() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
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
        let r = admin.get(app.url(page)).send().await.expect("page");
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
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|s| s.split('\'').next())
            .expect("a nonce")
            .to_owned();
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
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
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
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
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

    let upload = |bytes: Vec<u8>, name: &str| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        reqwest::multipart::Form::new().part("file", part)
    };
    let r = admin
        .post(app.url("/api/uploads/image"))
        .multipart(upload(b"<html>not an image</html>".to_vec(), "cat.png"))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 415, "checked by content, not by name");
    assert_eq!(body_json(r).await["Rejected"]["msg"], "ErrImageType");
    let mut gif = b"GIF89a".to_vec();
    gif.extend([0u8; 64]);
    let r = admin
        .post(app.url("/api/uploads/image"))
        .multipart(upload(gif, "anim.gif"))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 415);
    let mut huge = rhconsole::sandbox::generate_png("big");
    huge.resize(10 * 1024 * 1024 + 1, 0);
    let r = admin
        .post(app.url("/api/uploads/image"))
        .multipart(upload(huge, "big.png"))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 413);
    let png = rhconsole::sandbox::generate_png("ok");
    let r = admin
        .post(app.url("/api/uploads/image"))
        .multipart(upload(png, "ok.png"))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
    let blob = body_json(r).await;
    assert_eq!(blob["mime"], "image/png");
    assert_eq!(blob["original_name"], "ok.png");
}

#[tokio::test]
async fn outbound_fetches_cannot_be_pointed_inside() {
    let sb = sandbox().await;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // A multipart provider downloads image URLs itself: internal addresses are refused.
    let mut cfg = rh_config("public-nano", "https://nano.example.com");
    cfg["api_type"] = json!("nano-banana-edits");
    cfg["draw_endpoint"] = json!("/v1/images/edits");
    cfg["result_endpoint"] = json!("");
    cfg["is_sync_api"] = json!(true);
    cfg["allow_local"] = json!(false);
    cfg["enable_retry"] = json!(false);
    let nano = create_config(&app, &admin, cfg).await;
    for url in [
        "http://127.0.0.1:1/x.png".to_owned(),
        "http://10.0.0.8/x.png".to_owned(),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        format!("{}/output/1-0.png", sb.base_url()),
    ] {
        let mut s = spec("ssrf");
        s.image_urls = vec![url.clone()];
        let id = launch(&app, nano, s).await;
        let v = wait_final(&app, id, 10).await;
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
    let mut cfg = rh_config("inside", &sb.base_url());
    cfg["allow_local"] = json!(false);
    cfg["enable_retry"] = json!(false);
    let inside = create_config(&app, &admin, cfg).await;
    let id = launch(&app, inside, spec("to loopback")).await;
    let v = wait_final(&app, id, 10).await;
    assert_eq!(v.error_code.as_deref(), Some("refused"));
    assert!(
        sb.state.seen.lock().expect("seen").is_empty(),
        "nothing reached the loopback provider"
    );
}

#[tokio::test]
async fn metrics_report_tasks_latency_retries_and_sign_in_failures() {
    let sb = sandbox().await;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let cfg = create_config(&app, &admin, rh_config("Metered", &sb.base_url())).await;
    let id = launch(&app, cfg, spec("count me #http429")).await;
    wait_final(&app, id, 20).await;
    app.form(
        &app.client(),
        "auth/login",
        &[
            ("username", "admin"),
            ("password", "wrong password"),
            ("next", "/"),
        ],
    )
    .await;
    let text = reqwest::get(app.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("body");
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
    let list: Value = c
        .post(format!("{base}/api/configs/list"))
        .json(&json!({ "filter": {} }))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    seen.push(list.to_string());
    let cfg = list[0]["config"]["id"].as_i64().expect("sandbox config");
    let png = rhconsole::sandbox::generate_png("leak");
    let part = reqwest::multipart::Part::bytes(png).file_name("x.png");
    let blob: Value = c
        .post(format!("{base}/api/uploads/image"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .expect("up")
        .json()
        .await
        .expect("json");
    let mut ids = Vec::new();
    for prompt in ["fine", "no #moderation", "retry #http502", "bad key #auth"] {
        let spec = json!({ "prompt": prompt, "resolution": "2k", "aspect_ratio": "3:4", "image_urls": ["https://example.com/a.png"], "local_images": [blob.clone()], "region": "overseas" });
        let r: Value = c
            .post(format!("{base}/api/tasks/launch"))
            .json(&json!({ "configs": [cfg], "spec": spec }))
            .send()
            .await
            .expect("launch")
            .json()
            .await
            .expect("json");
        ids.push(r["tasks"][0].as_i64().expect("id"));
    }
    for id in &ids {
        for _ in 0..200 {
            let d: Value = c
                .post(format!("{base}/api/tasks/get"))
                .json(&json!({ "id": id }))
                .send()
                .await
                .expect("get")
                .json()
                .await
                .expect("json");
            if ["succeeded", "failed"].contains(&d["task"]["status"].as_str().unwrap_or_default()) {
                seen.push(d.to_string());
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let stream = c
            .post(format!("{base}/api/tasks/events"))
            .json(&json!({ "id": id, "after": 0 }))
            .send()
            .await
            .expect("events")
            .text()
            .await
            .expect("text");
        assert!(stream.contains("\"kind\":\"end\""), "{stream}");
        seen.push(stream);
        seen.push(
            c.get(format!("{base}/tasks/{id}"))
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html"),
        );
    }
    for page in [
        "/",
        "/configs",
        &format!("/configs/{cfg}"),
        &format!("/configs/{cfg}/edit"),
        "/tasks",
    ] {
        seen.push(
            c.get(format!("{base}{page}"))
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html"),
        );
    }
    for ep in ["configs/get", "configs/history"] {
        seen.push(
            c.post(format!("{base}/api/{ep}"))
                .json(&json!({ "id": cfg }))
                .send()
                .await
                .expect("fn")
                .text()
                .await
                .expect("text"),
        );
    }
    seen.push(
        c.get(format!("{base}/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text"),
    );
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
    for (i, text) in seen.iter().enumerate() {
        assert!(
            !text.contains(key),
            "answer {i} contains the key: {}",
            &text[..text.len().min(300)]
        );
    }
    assert!(!logs.contains(key), "a log line contains the key");
    assert!(!printed.contains(key));
    for name in ["rhconsole.db", "rhconsole.db-wal"] {
        if let Ok(bytes) = std::fs::read(data.path().join(name)) {
            assert!(
                !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
                "{name} holds the key in clear"
            );
        }
    }
}
