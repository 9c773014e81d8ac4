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
    ("tasks/rerun", r#"{"id":1}"#),
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

#[tokio::test]
async fn signed_out_pages_redirect_to_login_and_back() {
    let app = TestApp::spawn().await;
    let c = app.client();
    for page in PAGES {
        let r = c.get(app.url(page)).send().await.expect("get");
        assert_eq!(r.status(), 303, "{page}");
        let loc = r.headers()["location"].to_str().expect("location");
        let expected = format!("/login?next={}", url_encode(page));
        assert_eq!(loc, expected, "{page}");
    }
    for page in ["/login", "/setup"] {
        let r = c.get(app.url(page)).send().await.expect("get");
        assert_eq!(r.status(), 200, "{page}");
    }
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
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
    let r = c
        .get(app.url("/files/0000000000000000000000000000000000000000000000000000000000000000.png"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn an_undecodable_request_is_a_400_not_a_500() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
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
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let me = body_json(app.form(&admin, "auth/me", &[]).await).await;
    assert_eq!(me["username"], ADMIN);
    assert_eq!(me["role"], "admin");
    let r = admin.get(app.url("/configs")).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let r = app.form(&admin, "auth/logout", &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.form(&admin, "auth/me", &[]).await.status(), 401);
    let r = admin.get(app.url("/configs")).send().await.expect("get");
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn the_session_cookie_is_renewed_at_login_and_locked_down() {
    let app = TestApp::spawn().await;
    app.setup_admin().await;
    let c = app.client();
    let r = app
        .form(
            &c,
            "auth/login",
            &[("username", ADMIN), ("password", ADMIN_PW), ("next", "/")],
        )
        .await;
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("rh_session="))
        .expect("a session cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );
    let first_id = cookie.split(';').next().expect("id").to_owned();
    // Signing in again from the same browser gets a new id.
    let r = app
        .form(
            &c,
            "auth/login",
            &[("username", ADMIN), ("password", ADMIN_PW), ("next", "/")],
        )
        .await;
    let second = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("rh_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .expect("id")
        .to_owned();
    assert_ne!(first_id, second);
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.setup_admin().await;
    let c = app.client();
    let mut wrong = Vec::new();
    let mut unknown = Vec::new();
    let mut bodies = Vec::new();
    for i in 0..3 {
        let t = Instant::now();
        let r = app
            .form(
                &c,
                "auth/login",
                &[
                    ("username", ADMIN),
                    ("password", "wrong password"),
                    ("next", "/"),
                ],
            )
            .await;
        wrong.push(t.elapsed());
        assert_eq!(r.status(), 401);
        bodies.push(r.text().await.expect("body"));
        let t = Instant::now();
        let r = app
            .form(
                &c,
                "auth/login",
                &[
                    ("username", &format!("ghost{i}")),
                    ("password", "wrong password"),
                    ("next", "/"),
                ],
            )
            .await;
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
    let app = TestApp::spawn().await;
    app.setup_admin().await;
    let c = app.client();
    for _ in 0..5 {
        let r = app
            .form(
                &c,
                "auth/login",
                &[
                    ("username", ADMIN),
                    ("password", "nope nope nope"),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(r.status(), 401);
    }
    // Even the right password waits now.
    let r = app
        .form(
            &c,
            "auth/login",
            &[("username", ADMIN), ("password", ADMIN_PW), ("next", "/")],
        )
        .await;
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
    let r = app
        .form(
            &c,
            "auth/login",
            &[("username", ADMIN), ("password", ADMIN_PW), ("next", "/")],
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn twenty_failures_from_one_address_lock_that_address() {
    let app = TestApp::spawn().await;
    app.setup_admin().await;
    let c = app.client();
    for i in 0..20 {
        let r = app
            .form(
                &c,
                "auth/login",
                &[
                    ("username", &format!("user{i}")),
                    ("password", "nope nope nope"),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = app
        .form(
            &c,
            "auth/login",
            &[("username", ADMIN), ("password", ADMIN_PW), ("next", "/")],
        )
        .await;
    assert_eq!(r.status(), 429);
    app.clock.advance(Duration::from_secs(16 * 60));
    let r = app
        .form(
            &c,
            "auth/login",
            &[("username", ADMIN), ("password", ADMIN_PW), ("next", "/")],
        )
        .await;
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
    let login = |username: String, password: &'static str, forged: String| {
        // The client forges the leftmost entry; the proxy appends the address it saw.
        c.post(app.url("/api/auth/login"))
            .header("accept", "application/json")
            .header("x-forwarded-for", format!("{forged}, 203.0.113.7"))
            .form(&[
                ("username", username.as_str()),
                ("password", password),
                ("next", "/"),
            ])
            .send()
    };
    for i in 0..20 {
        let r = login(
            format!("user{i}"),
            "nope nope nope",
            format!("198.51.100.{i}"),
        )
        .await
        .expect("send");
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = login(ADMIN.to_owned(), ADMIN_PW, "198.51.100.99".to_owned())
        .await
        .expect("send");
    assert_eq!(r.status(), 429, "the proxy-seen address is locked");
    let r = c
        .post(app.url("/api/auth/login"))
        .header("accept", "application/json")
        .header("x-forwarded-for", "203.0.113.8")
        .form(&[("username", ADMIN), ("password", ADMIN_PW), ("next", "/")])
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "another client behind the proxy is not");
}

#[tokio::test]
async fn a_session_survives_a_restart_on_the_same_database() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
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
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let op = app.operator(&admin, "olivia").await;
    assert_eq!(app.form(&op, "users/list", &[]).await.status(), 403);
    assert_eq!(
        app.form(
            &op,
            "users/add",
            &[
                ("username", "x-user"),
                ("password", "long password 1"),
                ("role", "admin")
            ]
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.form(
            &op,
            "users/set_disabled",
            &[("id", "1"), ("disabled", "true")]
        )
        .await
        .status(),
        403
    );
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
    let r = op.get(app.url("/users")).send().await.expect("get");
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
    let r = body_json(app.form(&c, "setup/check", &[("token", "wrong")]).await).await;
    assert_eq!(r, json!(false));
    let r = body_json(app.form(&c, "setup/check", &[("token", &token)]).await).await;
    assert_eq!(r, json!(true));
    let fields = [
        ("token", token.as_str()),
        ("username", "first"),
        ("password", "first password 1"),
        ("confirm", "first password 1"),
    ];
    assert_eq!(app.form(&c, "setup/complete", &fields).await.status(), 200);
    let again = [
        ("token", token.as_str()),
        ("username", "second"),
        ("password", "second password"),
        ("confirm", "second password"),
    ];
    assert_eq!(app.form(&c, "setup/complete", &again).await.status(), 403);
    let r = body_json(app.form(&c, "setup/check", &[("token", &token)]).await).await;
    assert_eq!(r, json!(false));
}

#[tokio::test]
async fn a_bad_setup_form_names_each_field_and_keeps_the_token() {
    let app = TestApp::spawn().await;
    let token = app.setup_token.clone().expect("token");
    let c = app.client();
    let r = app
        .form(
            &c,
            "setup/complete",
            &[
                ("token", &token),
                ("username", "x"),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = body_json(r).await;
    let fields: Vec<&str> = body["Invalid"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["username", "password"]);
    let r = body_json(app.form(&c, "setup/check", &[("token", &token)]).await).await;
    assert_eq!(r, json!(true));
}

#[tokio::test]
async fn disabling_a_user_ends_their_session() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let op = app.operator(&admin, "oscar").await;
    let users = body_json(app.form(&admin, "users/list", &[]).await).await;
    let id = users
        .as_array()
        .expect("list")
        .iter()
        .find(|u| u["username"] == "oscar")
        .expect("oscar")["id"]
        .to_string();
    assert_eq!(
        app.form(
            &admin,
            "users/set_disabled",
            &[("id", &id), ("disabled", "true")]
        )
        .await
        .status(),
        200
    );
    // Their next page view shows the sign-in page (never a server error) and ends the session:
    // the cookie is cleared, and other pages send them to sign in.
    let r = op
        .get(app.url("/login?next=%2Fconfigs"))
        .send()
        .await
        .expect("login page");
    assert_eq!(r.status(), 200);
    let cleared = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap_or_default().starts_with("rh_session=;"));
    assert!(cleared, "the session cookie is removed: {:?}", r.headers());
    assert!(r.text().await.expect("html").contains("id=\"username\""));
    let r = op.get(app.url("/configs")).send().await.expect("page");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fconfigs");
    assert_eq!(app.form(&op, "auth/me", &[]).await.status(), 401);
    let r = app
        .form(
            &op,
            "auth/login",
            &[
                ("username", "oscar"),
                ("password", "operator password 1"),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disabled() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let r = app
        .form(
            &admin,
            "users/add",
            &[
                ("username", "second-admin"),
                ("password", "second admin pw"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let second = app.signed_in("second-admin", "second admin pw").await;
    // The first admin disables the second; the second then cannot be used to remove the first.
    let users = body_json(app.form(&admin, "users/list", &[]).await).await;
    let first_id = users
        .as_array()
        .expect("list")
        .iter()
        .find(|u| u["username"] == ADMIN)
        .expect("admin")["id"]
        .to_string();
    let r = app
        .form(
            &second,
            "users/set_role",
            &[("id", &first_id), ("role", "operator")],
        )
        .await;
    assert_eq!(r.status(), 200, "two admins: demoting one is fine");
    let r = app
        .form(
            &second,
            "users/set_role",
            &[("id", &first_id), ("role", "admin")],
        )
        .await;
    assert_eq!(r.status(), 200);
    // Alone again: the second admin cannot disable themselves.
    let second_id = users
        .as_array()
        .expect("list")
        .iter()
        .find(|u| u["username"] == "second-admin")
        .expect("second")["id"]
        .to_string();
    let r = app
        .form(
            &second,
            "users/set_disabled",
            &[("id", &second_id), ("disabled", "true")],
        )
        .await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = TestApp::spawn().await;
    let r = reqwest::get(app.url("/healthz")).await.expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.expect("body"), "ok");
}
