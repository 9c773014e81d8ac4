//! What an outside probe got through (issue 12), each kind closed: markup in page titles, open
//! redirects after sign-in, and the rest below.

use crate::common::*;
use serde_json::json;

/// The `<head>` of `page` as `c` sees it, rendered by the server.
async fn head_of(app: &TestApp, c: &reqwest::Client, page: &str) -> String {
    let r = app.get(c, page).await;
    assert_eq!(r.status(), 200, "{page}");
    let html = r.text().await.expect("html");
    let end = html.find("</head>").expect("a head");
    html[..end].to_owned()
}

#[tokio::test]
async fn markup_in_a_config_name_stays_text_in_every_page_title() {
    let name = "</title><meta http-equiv=refresh content=0;url=//x.example>";
    let (app, admin, _sb, config) = app_with_sandbox_config("x", json!({ "name": name })).await;
    let (task, _) = run_task(&app, config, spec("a cat"), 20).await;
    for page in [
        format!("/configs/{config}"),
        format!("/configs/{config}/edit"),
        format!("/tasks/{}", task.0),
    ] {
        let head = head_of(&app, &admin, &page).await;
        assert!(!head.contains("<meta http-equiv"), "{page}: {head}");
        assert_eq!(head.matches("<title>").count(), 1, "{page}");
        let title = head
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .expect("a title");
        assert!(!title.contains('<'), "{page}: {title}");
        if page.starts_with("/configs/") && !page.ends_with("/edit") {
            assert!(title.contains("&lt;/title&gt;&lt;meta"), "{page}: {title}");
        }
    }
}

#[tokio::test]
async fn sign_in_goes_only_to_paths_on_the_console() {
    let app = TestApp::spawn().await;
    app.setup_admin().await;
    for (next, expected) in [
        ("/configs/3?x=1", "/configs/3?x=1"),
        ("/\t/elsewhere.example", "/"),
        ("/\n/elsewhere.example", "/"),
        ("/.//elsewhere.example", "/"),
        ("\\/elsewhere.example", "/"),
        ("//elsewhere.example", "/"),
        ("https://elsewhere.example/", "/"),
    ] {
        let c = app.client();
        let fields = [("username", ADMIN), ("password", ADMIN_PW), ("next", next)];
        // A plain form post, as a browser without JavaScript sends it: a real redirect.
        let r = c
            .post(app.url("/api/auth/login"))
            .header("accept", "text/html")
            .form(&fields)
            .send()
            .await
            .expect("post");
        let to = r.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        assert_eq!(to, expected, "{next:?}");
        // A script gets the same answer as data.
        let r = app.form(&c, "auth/login", &fields).await;
        assert_eq!(body_json(r).await, json!(expected), "{next:?}");
    }
}

/// The field errors of an answer, as `(field, message name)`.
fn field_errors(body: &serde_json::Value) -> Vec<(String, String)> {
    body["Invalid"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
                    (s("field"), s("msg"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn sending_a_stored_key_to_another_address_needs_the_password_and_is_audited() {
    let (app, admin, sb, id) = app_with_sandbox("Repoint").await;
    let update = |input: serde_json::Value, password: Option<&str>| {
        let mut body = json!({ "id": id, "input": input });
        if let Some(p) = password {
            body["password"] = json!(p);
        }
        app.json(&admin, "configs/update", body)
    };
    let typed = |changes: serde_json::Value| {
        with_fields(
            with_fields(
                rh_config("Repoint", &sb.base_url()),
                json!({ "api_key": "" }),
            ),
            changes,
        )
    };
    // A change that keeps the key where it goes needs nothing.
    let r = update(typed(json!({ "model_name": "other-model" })), None).await;
    assert_eq!(r.status(), 200);
    let elsewhere = json!({ "host_domestic": "https://elsewhere.example" });
    for (password, wanted) in [
        (None, "ErrKeyRepointPassword"),
        (Some(""), "ErrKeyRepointPassword"),
        (Some("not my password"), "ErrPasswordWrong"),
    ] {
        let r = update(typed(elsewhere.clone()), password).await;
        assert_eq!(r.status(), 422, "{password:?}");
        let errs = field_errors(&body_json(r).await);
        assert_eq!(
            errs,
            [("password".to_owned(), wanted.to_owned())],
            "{password:?}"
        );
    }
    // An endpoint or the local permission counts as much as the host.
    let r = update(typed(json!({ "upload_endpoint": "/x" })), None).await;
    assert_eq!(r.status(), 422);
    let r = update(typed(elsewhere.clone()), Some(ADMIN_PW)).await;
    assert_eq!(r.status(), 200);
    let audit = rhconsole::db::audit::recent(&app.core.db.read, 10)
        .await
        .expect("audit");
    let moved = audit
        .iter()
        .find(|a| a.action == "config_key_repointed")
        .expect("an audit row");
    assert_eq!(moved.target, format!("config:{id}"));
    assert!(
        moved.detail.contains("elsewhere.example"),
        "{}",
        moved.detail
    );
    // Typing the key again needs no password.
    let back = with_fields(
        rh_config("Repoint", &sb.base_url()),
        json!({ "api_key": rhconsole::sandbox::SANDBOX_KEY }),
    );
    let r = update(back, None).await;
    assert_eq!(r.status(), 200);
    // Restoring the version that pointed elsewhere would move the key without asking.
    let versions = app
        .call(&admin, "configs/history", json!({ "id": id }))
        .await;
    let pointed = versions
        .as_array()
        .expect("history")
        .iter()
        .find(|h| {
            h["changes"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c["after"] == "https://elsewhere.example"))
        })
        .expect("the version that pointed elsewhere")["version"]
        .clone();
    let r = app
        .json(
            &admin,
            "configs/revert",
            json!({ "id": id, "version": pointed }),
        )
        .await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn the_local_exception_covers_the_configs_own_host_only() {
    // A nano-banana config on the loopback sandbox, allowed to reach local addresses.
    let (app, admin) = app_with_admin().await;
    let sb = sandbox().await;
    let input = with_fields(
        with_fields(rh_config("lan", &sb.base_url()), nano_sync_config()),
        json!({ "enable_retry": false }),
    );
    let cfg = create_config(&app, &admin, input).await;
    // An image on the config's own host is fetched.
    let mut own = spec("own host");
    own.image_urls = vec![format!("{}/output/seed-0.png", sb.base_url())];
    let (_, v) = run_task(&app, cfg, own, 20).await;
    assert_eq!(
        v.status,
        app::domain::TaskStatus::Succeeded,
        "{:?}",
        v.error_message
    );
    // The console's own metrics, another local port, a metadata address: refused alike,
    // before any connection, with a message that says nothing of what listens there.
    let mut messages = Vec::new();
    for url in [
        format!("{}/metrics", app.base),
        "http://127.0.0.1:9/x.png".to_owned(),
        "http://169.254.169.254/latest/meta-data".to_owned(),
    ] {
        let mut s = spec("inside");
        s.image_urls = vec![url.clone()];
        let (_, v) = run_task(&app, cfg, s, 20).await;
        assert_eq!(v.status, app::domain::TaskStatus::Failed, "{url}");
        assert_eq!(v.error_code.as_deref(), Some("refused"), "{url}");
        let msg = v.error_message.unwrap_or_default();
        messages.push(msg.replace(&url, "URL"));
    }
    assert!(
        messages.windows(2).all(|w| w[0] == w[1]),
        "one message for every inside address: {messages:?}"
    );
}

#[tokio::test]
async fn paths_with_dot_segments_show_nothing_to_anyone_signed_out() {
    let app = TestApp::spawn().await;
    app.setup_admin().await;
    let c = app.client();
    for path in [
        "/pkg/../configs",
        "/pkg/%2e%2e/configs",
        "/pkg/%2E%2e/users",
        "/files/./x",
        "/healthz/../tasks",
        "/api/../configs",
    ] {
        // reqwest would resolve the dots itself: send the path as it is.
        let r = raw_get(&app, path).await;
        assert!(
            r.starts_with("HTTP/1.1 400"),
            "{path}: {}",
            r.lines().next().unwrap_or("")
        );
        assert!(!r.contains("<html"), "{path}: no page frame");
    }
    // Ordinary paths are not affected.
    let r = app.get(&c, "/login").await;
    assert_eq!(r.status(), 200);
}

/// The raw answer to `GET path` on a fresh connection (no client-side path clean-up).
async fn raw_get(app: &TestApp, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(app.addr)
        .await
        .expect("connect");
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        app.addr
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn metrics_need_the_token_or_an_admin_and_keep_their_format_with_any_name() {
    let name = "a \"quoted\" \\ name";
    let (app, admin, _sb, config) = app_with_sandbox_config("x", json!({ "name": name })).await;
    run_task(&app, config, spec("a cat"), 20).await;
    let url = app.url("/metrics");
    let anyone = reqwest::Client::new();
    let r = anyone.get(&url).send().await.expect("get");
    assert_eq!(r.status(), 401, "signed out, no token");
    let r = anyone
        .get(&url)
        .bearer_auth("wrong-token-0123456789")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 401, "a wrong token");
    let op = app.operator(&admin, "olga").await;
    assert_eq!(app.get(&op, "/metrics").await.status(), 401, "an operator");
    assert_eq!(app.get(&admin, "/metrics").await.status(), 200, "an admin");
    let text = metrics(&app).await;
    // Every sample line is `name{labels} value`: a quote in a label value is escaped.
    let line = text
        .lines()
        .find(|l| l.starts_with("rhconsole_tasks{") && l.contains("quoted"))
        .expect("the config's task line");
    assert!(line.contains(r#"config="a \"quoted\" \\ name""#), "{line}");
    for l in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let value = l.rsplit(' ').next().unwrap_or_default();
        assert!(value.parse::<f64>().is_ok(), "a broken sample line: {l}");
    }
}

#[tokio::test]
async fn the_data_directory_and_the_database_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::spawn().await;
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(app.data.path()), 0o700);
    assert_eq!(mode(&app.data.path().join("rhconsole.db")), 0o600);
}
