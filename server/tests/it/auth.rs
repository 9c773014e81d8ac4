//! Sign-in, sessions, roles and the setup link, against the real application.

use crate::common::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// Every server function and how to call it (endpoint, JSON body or form).
const JSON_FNS: &[(&str, &str)] = &[
    (
        "configs/list",
        r#"{"filter":{"q":"","api_type":null,"active":null,"archived":false,"sort":"name"}}"#,
    ),
    ("configs/get", r#"{"id":1}"#),
    ("configs/history", r#"{"id":1}"#),
    ("configs/create", CONFIG_INPUT),
    ("configs/update", CONFIG_UPDATE),
    ("configs/set_active", r#"{"id":1,"active":true}"#),
    ("configs/delete", r#"{"id":1}"#),
    ("configs/unarchive", r#"{"id":1}"#),
    ("configs/revert", r#"{"id":1,"version":1}"#),
    ("configs/reveal_key", r#"{"id":1,"password":"x"}"#),
    (
        "tasks/launch",
        r#"{"configs":[1],"spec":{"prompt":"p","resolution":"1k","aspect_ratio":"auto","image_urls":["https://x.cn/a.png"],"local_images":[],"region":""}}"#,
    ),
    ("tasks/get", r#"{"id":1}"#),
    ("tasks/list", r#"{"filter":{}}"#),
    ("tasks/cancel", r#"{"id":1}"#),
    ("tasks/rerun", r#"{"req":{"of":1}}"#),
    ("tasks/rerun_failed", r#"{"batch":1,"confirmed":false}"#),
    ("tasks/attach", r#"{"id":1,"provider_task_id":"1"}"#),
    ("tasks/close_uncertain", r#"{"id":1}"#),
    ("tasks/resend", r#"{"id":1,"confirmed":true}"#),
    ("tasks/case", r#"{"id":1}"#),
    ("tasks/events", r#"{"id":1,"after":0}"#),
    ("tasks/changes", r#"{}"#),
    ("tasks/overview", r#"{}"#),
];

const CONFIG_INPUT: &str = r#"{"input":{"name":"x","api_type":"runninghub-rhart-edit","host_domestic":"https://a.cn","host_overseas":"https://a.ai","api_key":"","draw_endpoint":"/d","result_endpoint":"/r","upload_endpoint":"","model_name":"","is_sync_api":false,"enable_retry":true,"is_active":false,"timeout_secs":900,"max_concurrency":5,"allow_local":false}}"#;
const CONFIG_UPDATE: &str = r#"{"id":1,"input":{"name":"x","api_type":"runninghub-rhart-edit","host_domestic":"https://a.cn","host_overseas":"https://a.ai","api_key":"","draw_endpoint":"/d","result_endpoint":"/r","upload_endpoint":"","model_name":"","is_sync_api":false,"enable_retry":true,"is_active":false,"timeout_secs":900,"max_concurrency":5,"allow_local":false}}"#;

const FORM_FNS: &[&str] = &[
    "auth/me",
    "auth/logout",
    "users/list",
    "users/add",
    "users/set_role",
    "users/set_disabled",
    "users/reset_password",
];

const PAGES: &[&str] = &[
    "/",
    "/configs",
    "/configs/new",
    "/configs/1",
    "/configs/1/edit",
    "/tasks",
    "/tasks/new",
    "/tasks/1",
    "/users",
    "/no-such-page",
];

/// `s` percent-encoded as a query value.
fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A fresh app whose first admin exists, and a client that has not signed in.
async fn app_after_setup() -> (TestApp, reqwest::Client) {
    let app = TestApp::spawn().await;
    app.setup_admin().await;
    let c = app.client();
    (app, c)
}

/// The `rh_session` cookie an answer sets, with its attributes.
fn session_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("rh_session="))
        .expect("a session cookie")
        .to_owned()
}

/// The id (as the form sends it) of `name` in the `users/list` answer.
fn user_id(users: &serde_json::Value, name: &str) -> String {
    users
        .as_array()
        .expect("list")
        .iter()
        .find(|u| u["username"] == name)
        .unwrap_or_else(|| panic!("{name} is listed"))["id"]
        .to_string()
}

/// Calls `users/set_role` as `c`: the user `id` gets `role`.
async fn set_role(app: &TestApp, c: &reqwest::Client, id: &str, role: &str) -> reqwest::Response {
    app.form(c, "users/set_role", &[("id", id), ("role", role)])
        .await
}

/// Calls `users/set_disabled` as `c`: the user `id` is disabled.
async fn disable_user(app: &TestApp, c: &reqwest::Client, id: &str) -> reqwest::Response {
    app.form(c, "users/set_disabled", &[("id", id), ("disabled", "true")])
        .await
}

/// Whether the server takes `token` as the setup link's token.
async fn setup_check(app: &TestApp, c: &reqwest::Client, token: &str) -> serde_json::Value {
    body_json(app.form(c, "setup/check", &[("token", token)]).await).await
}

#[tokio::test]
async fn signed_out_pages_redirect_to_login_and_back() {
    let app = TestApp::spawn().await;
    let c = app.client();
    for page in PAGES {
        let r = app.get(&c, page).await;
        assert_eq!(r.status(), 303, "{page}");
        let loc = r.headers()["location"].to_str().expect("location");
        let expected = format!("/login?next={}", url_encode(page));
        assert_eq!(loc, expected, "{page}");
    }
    for page in ["/login", "/setup"] {
        let r = app.get(&c, page).await;
        assert_eq!(r.status(), 200, "{page}");
    }
}

#[tokio::test]
async fn signed_out_calls_to_every_server_function_are_refused() {
    let app = TestApp::spawn().await;
    let c = app.client();
    for (endpoint, body) in JSON_FNS {
        let r = c
            .post(app.url(&format!("/api/{endpoint}")))
            .header("content-type", "application/json")
            .body(*body)
            .send()
            .await
            .expect("post");
        let status = r.status().as_u16();
        let detail = r
            .headers()
            .get("x-error-detail")
            .map(|v| v.to_str().unwrap_or_default().to_owned());
        assert_eq!(status, 401, "{endpoint}: {detail:?}");
    }
    for endpoint in FORM_FNS {
        let r = app
            .form(
                &c,
                endpoint,
                &[
                    ("id", "1"),
                    ("role", "admin"),
                    ("disabled", "true"),
                    ("password", "x"),
                    ("username", "u"),
                ],
            )
            .await;
        assert_eq!(r.status(), 401, "{endpoint}");
    }
    let r = app
        .get(
            &c,
            "/files/0000000000000000000000000000000000000000000000000000000000000000.png",
        )
        .await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn an_undecodable_request_is_a_400_not_a_500() {
    let (app, admin) = app_with_admin().await;
    let r = app
        .json(&admin, "configs/create", json!({ "input": { "name": 5 } }))
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().contains_key("x-error-detail"));
    let body = body_json(r).await;
    assert_eq!(body["Rejected"]["msg"], "ErrBadRequest");
}

#[tokio::test]
async fn login_and_logout() {
    let (app, admin) = app_with_admin().await;
    let me = body_json(app.form(&admin, "auth/me", &[]).await).await;
    assert_eq!(me["username"], ADMIN);
    assert_eq!(me["role"], "admin");
    let r = app.get(&admin, "/configs").await;
    assert_eq!(r.status(), 200);
    let r = app.form(&admin, "auth/logout", &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.form(&admin, "auth/me", &[]).await.status(), 401);
    let r = app.get(&admin, "/configs").await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn the_session_cookie_is_renewed_at_login_and_locked_down() {
    let (app, c) = app_after_setup().await;
    let cookie = session_cookie(&app.login(&c, ADMIN, ADMIN_PW).await);
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );
    let first_id = cookie.split(';').next().expect("id");
    // Signing in again from the same browser gets a new id.
    let second = session_cookie(&app.login(&c, ADMIN, ADMIN_PW).await);
    assert_ne!(first_id, second.split(';').next().expect("id"));
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_answer() {
    let (app, c) = app_after_setup().await;
    let mut wrong = Vec::new();
    let mut unknown = Vec::new();
    let mut bodies = Vec::new();
    for i in 0..3 {
        let t = Instant::now();
        let r = app.login(&c, ADMIN, "wrong password").await;
        wrong.push(t.elapsed());
        assert_eq!(r.status(), 401);
        bodies.push(r.text().await.expect("body"));
        let t = Instant::now();
        let r = app.login(&c, &format!("ghost{i}"), "wrong password").await;
        unknown.push(t.elapsed());
        assert_eq!(r.status(), 401);
        bodies.push(r.text().await.expect("body"));
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    assert!(bodies[0].contains("ErrLoginFailed"), "{}", bodies[0]);
    // Both check a password hash: an unknown user is not answered much faster.
    wrong.sort();
    unknown.sort();
    assert!(
        unknown[1] * 3 >= wrong[1],
        "unknown {unknown:?} vs wrong {wrong:?}"
    );
}

#[tokio::test]
async fn five_failures_lock_a_username_until_the_window_passes() {
    let (app, c) = app_after_setup().await;
    for _ in 0..5 {
        let r = app.login(&c, ADMIN, "nope nope nope").await;
        assert_eq!(r.status(), 401);
    }
    // Even the right password waits now.
    let r = app.login(&c, ADMIN, ADMIN_PW).await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((14 * 60..=15 * 60).contains(&wait), "{wait}");
    let body = body_json(r).await;
    assert!(
        body["TooManyRequests"]["retry_after_secs"]
            .as_u64()
            .is_some(),
        "{body}"
    );

    app.clock.advance(Duration::from_secs(15 * 60 + 1));
    let r = app.login(&c, ADMIN, ADMIN_PW).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn twenty_failures_from_one_address_lock_that_address() {
    let (app, c) = app_after_setup().await;
    for i in 0..20 {
        let r = app.login(&c, &format!("user{i}"), "nope nope nope").await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = app.login(&c, ADMIN, ADMIN_PW).await;
    assert_eq!(r.status(), 429);
    app.clock.advance(Duration::from_secs(16 * 60));
    let r = app.login(&c, ADMIN, ADMIN_PW).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn behind_a_trusted_proxy_a_client_set_forwarded_for_cannot_dodge_the_address_lockout() {
    let app = TestApp::spawn_opts(Options {
        trust_proxy: true,
        ..Options::default()
    })
    .await;
    app.setup_admin().await;
    let c = app.client();
    let login = |username: String, password: &'static str, forwarded_for: String| {
        c.post(app.url("/api/auth/login"))
            .header("accept", "application/json")
            .header("x-forwarded-for", forwarded_for)
            .form(&[
                ("username", username.as_str()),
                ("password", password),
                ("next", "/"),
            ])
            .send()
    };
    // The client forges the leftmost entry; the proxy appends the address it saw.
    let proxied = |forged: &str| format!("{forged}, 203.0.113.7");
    for i in 0..20 {
        let forged = proxied(&format!("198.51.100.{i}"));
        let r = login(format!("user{i}"), "nope nope nope", forged)
            .await
            .expect("send");
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = login(ADMIN.to_owned(), ADMIN_PW, proxied("198.51.100.99"))
        .await
        .expect("send");
    assert_eq!(r.status(), 429, "the proxy-seen address is locked");
    let r = login(ADMIN.to_owned(), ADMIN_PW, "203.0.113.8".to_owned())
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "another client behind the proxy is not");
}

#[tokio::test]
async fn a_session_survives_a_restart_on_the_same_database() {
    let (app, admin) = app_with_admin().await;
    let app = app.restart().await;
    // The cookie jar still holds the old port's cookie: cookies ignore ports.
    let me = body_json(app.form(&admin, "auth/me", &[]).await).await;
    assert_eq!(me["username"], ADMIN);
    assert!(
        app.setup_token.is_none(),
        "no setup link once a user exists"
    );
}

#[tokio::test]
async fn operators_are_refused_on_admin_functions() {
    let (app, admin) = app_with_admin().await;
    let op = app.operator(&admin, "olivia").await;
    assert_eq!(app.form(&op, "users/list", &[]).await.status(), 403);
    let r = app
        .add_user(&op, "x-user", "long password 1", "admin")
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(disable_user(&app, &op, "1").await.status(), 403);
    let r = app
        .json(
            &op,
            "configs/create",
            json!({ "input": rh_config("Nope", "https://www.runninghub.cn") }),
        )
        .await;
    assert_eq!(r.status(), 403);
    // …but may read.
    let r = app.json(&op, "configs/list", json!({ "filter": { "q": "", "api_type": null, "active": null, "archived": false, "sort": "name" } })).await;
    assert_eq!(r.status(), 200);
    let r = app.get(&op, "/users").await;
    assert_eq!(r.status(), 403, "the page renders the refusal");
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("你没有权限执行此操作")
    );
}

#[tokio::test]
async fn the_setup_token_works_exactly_once() {
    let app = TestApp::spawn().await;
    let token = app.setup_token.clone().expect("token");
    let c = app.client();
    assert_eq!(setup_check(&app, &c, "wrong").await, json!(false));
    assert_eq!(setup_check(&app, &c, &token).await, json!(true));
    let r = app
        .complete_setup(&c, &token, "first", "first password 1")
        .await;
    assert_eq!(r.status(), 200);
    // The new admin is signed in by it.
    let me = body_json(app.form(&c, "auth/me", &[]).await).await;
    assert_eq!(me["username"], "first", "{me}");
    let r = app
        .complete_setup(&c, &token, "second", "second password")
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(setup_check(&app, &c, &token).await, json!(false));
}

#[tokio::test]
async fn a_bad_setup_form_names_each_field_and_keeps_the_token() {
    let app = TestApp::spawn().await;
    let token = app.setup_token.clone().expect("token");
    let c = app.client();
    let r = app.complete_setup(&c, &token, "x", "short").await;
    assert_eq!(r.status(), 422);
    let body = body_json(r).await;
    let fields: Vec<&str> = body["Invalid"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["username", "password"]);
    assert_eq!(setup_check(&app, &c, &token).await, json!(true));
}

#[tokio::test]
async fn disabling_a_user_ends_their_session() {
    let (app, admin) = app_with_admin().await;
    let op = app.operator(&admin, "oscar").await;
    let users = body_json(app.form(&admin, "users/list", &[]).await).await;
    let id = user_id(&users, "oscar");
    assert_eq!(disable_user(&app, &admin, &id).await.status(), 200);
    // Their next page view shows the sign-in page (never a server error) and ends the session:
    // the cookie is cleared, and other pages send them to sign in.
    let r = app.get(&op, "/login?next=%2Fconfigs").await;
    assert_eq!(r.status(), 200);
    let cleared = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap_or_default().starts_with("rh_session=;"));
    assert!(cleared, "the session cookie is removed: {:?}", r.headers());
    assert!(r.text().await.expect("html").contains("id=\"username\""));
    let r = app.get(&op, "/configs").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fconfigs");
    assert_eq!(app.form(&op, "auth/me", &[]).await.status(), 401);
    let r = app.login(&op, "oscar", "operator password 1").await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disabled() {
    let (app, admin) = app_with_admin().await;
    let r = app
        .add_user(&admin, "second-admin", "second admin pw", "admin")
        .await;
    assert_eq!(r.status(), 200);
    let second = app.signed_in("second-admin", "second admin pw").await;
    // The first admin disables the second; the second then cannot be used to remove the first.
    let users = body_json(app.form(&admin, "users/list", &[]).await).await;
    let first_id = user_id(&users, ADMIN);
    let r = set_role(&app, &second, &first_id, "operator").await;
    assert_eq!(r.status(), 200, "two admins: demoting one is fine");
    let r = set_role(&app, &second, &first_id, "admin").await;
    assert_eq!(r.status(), 200);
    // Alone again: the second admin cannot disable themselves.
    let second_id = user_id(&users, "second-admin");
    let r = disable_user(&app, &second, &second_id).await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = TestApp::spawn().await;
    let r = reqwest::get(app.url("/healthz")).await.expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.expect("body"), "ok");
}

#[tokio::test]
async fn forty_wrong_passwords_at_once_get_at_most_five_checks_and_the_right_one_waits() {
    let (app, c) = app_after_setup().await;
    let answers =
        futures::future::join_all((0..40).map(|_| app.login(&c, ADMIN, "nope nope nope"))).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!((1..=5).contains(&checked), "{statuses:?}");
    assert_eq!(checked + refused, 40, "{statuses:?}");
    let r = app.login(&c, ADMIN, ADMIN_PW).await;
    assert_eq!(
        r.status(),
        429,
        "the right password waits for the lockout to end"
    );
    app.clock.advance(Duration::from_secs(15 * 60 + 1));
    let r = app.login(&c, ADMIN, ADMIN_PW).await;
    assert_eq!(r.status(), 200);
}
