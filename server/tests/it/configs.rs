//! API configurations: create, edit, toggle, archive, restore, history, validation, roles, and
//! keys that never leak.

use crate::common::*;
use reqwest::{Client, Response};
use serde_json::{Value, json};

const KEY: &str = "sk-live-7f3c9a1b2d4e6f8091a2b3c4d5e6f9f3a";

fn input(name: &str) -> Value {
    let mut v = rh_config(name, "https://www.runninghub.cn");
    v["host_overseas"] = json!("https://www.runninghub.ai");
    v["api_key"] = json!(KEY);
    v["allow_local"] = json!(false);
    v
}

/// A fresh app, its admin, and the id of a config made from `input(name)`.
async fn app_with_config(name: &str) -> (TestApp, Client, i64) {
    let (app, admin) = app_with_admin().await;
    let id = create_config(&app, &admin, input(name)).await;
    (app, admin, id)
}

/// The config as `configs/get` answers it.
async fn get(app: &TestApp, c: &Client, id: i64) -> Value {
    app.call(c, "configs/get", json!({ "id": id })).await
}

/// The config's history, newest first.
async fn history(app: &TestApp, c: &Client, id: i64) -> Vec<Value> {
    app.call(c, "configs/history", json!({ "id": id }))
        .await
        .as_array()
        .cloned()
        .expect("history")
}

/// Saves `input` over the config `id`.
async fn update(app: &TestApp, c: &Client, id: i64, input: Value) -> Response {
    app.json(c, "configs/update", json!({ "id": id, "input": input }))
        .await
}

/// Turns the config `id` on or off.
async fn set_active(app: &TestApp, c: &Client, id: i64, active: bool) -> Response {
    app.json(
        c,
        "configs/set_active",
        json!({ "id": id, "active": active }),
    )
    .await
}

/// Asks for the config's key, confirming with `password`.
async fn reveal_key(app: &TestApp, c: &Client, id: i64, password: &str) -> Response {
    app.json(
        c,
        "configs/reveal_key",
        json!({ "id": id, "password": password }),
    )
    .await
}

fn field_errors(body: &Value) -> Vec<(String, String)> {
    body["Invalid"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or_default().to_owned(),
                        f["msg"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn create_edit_toggle_archive_and_restore() {
    let (app, admin, id) = app_with_config("RunningHub-全能图片PRO").await;
    let c = get(&app, &admin, id).await;
    assert_eq!(c["fields"]["name"], "RunningHub-全能图片PRO");
    assert_eq!(c["key_mask"], "sk-…9f3a");
    assert_eq!(c["version"], 1);

    let mut edit = input("RunningHub-全能图片PRO");
    edit["model_name"] = json!("rhart-image-n-pro-v2");
    edit["api_key"] = json!("");
    let r = update(&app, &admin, id, edit).await;
    assert_eq!(r.status(), 200);
    let c = get(&app, &admin, id).await;
    assert_eq!(c["fields"]["model_name"], "rhart-image-n-pro-v2");
    assert_eq!(c["version"], 2);
    assert_eq!(c["key_mask"], "sk-…9f3a", "a blank key keeps the key");

    let r = set_active(&app, &admin, id, false).await;
    let off = body_json(r).await;
    assert_eq!(off["fields"]["is_active"], false);
    // Switching is an event in the history, not a new version.
    assert_eq!(off["version"], 2);
    let entries = history(&app, &admin, id).await;
    let latest = &entries[0];
    assert_eq!(latest["action"], "deactivated", "{latest}");
    assert_eq!(latest["version"], 2);
    assert_eq!(latest["changes"][0]["field"], "is_active");

    // A restore brings back a version's fields but not its on/off, and says where it came from.
    let r = app
        .json(&admin, "configs/revert", json!({ "id": id, "version": 1 }))
        .await;
    let restored = body_json(expect_status(r, 200, "revert").await).await;
    assert_eq!(restored["version"], 3);
    assert_eq!(restored["fields"]["model_name"], "rhart-image-n-pro");
    assert_eq!(restored["fields"]["is_active"], false, "still off");
    let entries = history(&app, &admin, id).await;
    let latest = &entries[0];
    assert!(
        latest["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| c["field"] == "restored_from" && c["after"] == "v1"),
        "{latest}"
    );

    // No tasks yet: deleting erases it.
    let other = create_config(&app, &admin, input("Throwaway")).await;
    let r = app
        .call(&admin, "configs/delete", json!({ "id": other }))
        .await;
    assert_eq!(r, json!("Deleted"));
    assert_eq!(
        app.json(&admin, "configs/get", json!({ "id": other }))
            .await
            .status(),
        404
    );

    // With a task: deleting archives it, and it can come back.
    set_active(&app, &admin, id, true).await;
    let (_sb, sandbox_cfg) = sandbox_config(&app, &admin, "Sandbox", json!({})).await;
    let (task, _) = run_task(&app, sandbox_cfg, spec("keep me"), 20).await;
    let r = app
        .call(&admin, "configs/delete", json!({ "id": sandbox_cfg }))
        .await;
    assert_eq!(r, json!("Archived"));
    let listed = app
        .call(&admin, "configs/list", json!({ "filter": {} }))
        .await;
    assert!(
        listed
            .as_array()
            .expect("list")
            .iter()
            .all(|i| i["config"]["id"] != sandbox_cfg),
        "archived configs are hidden"
    );
    let archived = app
        .call(
            &admin,
            "configs/list",
            json!({ "filter": { "archived": true } }),
        )
        .await;
    assert_eq!(archived.as_array().map(Vec::len), Some(1));
    let task_view = app.call(&admin, "tasks/get", json!({ "id": task.0 })).await;
    assert_eq!(
        task_view["task"]["config_name"], "Sandbox",
        "history keeps its config"
    );
    let r = app
        .json(&admin, "configs/unarchive", json!({ "id": sandbox_cfg }))
        .await;
    assert_eq!(r.status(), 200);
    assert!(body_json(r).await["archived_at"].is_null());

    let h = history(&app, &admin, id).await;
    let actions: Vec<&str> = h.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(
        actions,
        vec!["activated", "reverted", "deactivated", "updated", "created"]
    );
}

#[tokio::test]
async fn duplicate_names_are_refused_whatever_their_case_or_spaces() {
    let (app, admin) = app_with_admin().await;
    create_config(&app, &admin, input("RunningHub-Pro")).await;
    for dup in ["RunningHub-Pro", "runninghub-pro", "  RUNNINGHUB-PRO  "] {
        let r = app
            .json(&admin, "configs/create", json!({ "input": input(dup) }))
            .await;
        assert_eq!(r.status(), 422, "{dup:?}");
        assert_eq!(
            field_errors(&body_json(r).await),
            vec![("name".to_owned(), "ErrNameTaken".to_owned())]
        );
    }
    let second = create_config(&app, &admin, input("Second")).await;
    let r = update(&app, &admin, second, input("runninghub-PRO")).await;
    assert_eq!(r.status(), 422, "renaming onto a taken name is refused too");
}

#[tokio::test]
async fn every_validation_rule_has_its_message_and_changes_nothing() {
    let (app, admin, id) = app_with_config("Valid").await;
    let before = get(&app, &admin, id).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("name", json!(""), "ErrRequired"),
        ("name", json!("x".repeat(65)), "ErrNameLength"),
        ("api_type", json!("dall-e-3"), "ErrApiTypeUnknown"),
        ("host_domestic", json!("www.runninghub.cn"), "ErrHostScheme"),
        (
            "host_domestic",
            json!("https://www.runninghub.cn/openapi"),
            "ErrHostPath",
        ),
        (
            "host_overseas",
            json!("https://www.runninghub.ai?x=1"),
            "ErrHostPath",
        ),
        (
            "draw_endpoint",
            json!("openapi/v2/edit"),
            "ErrEndpointSlash",
        ),
        ("result_endpoint", json!("query"), "ErrEndpointSlash"),
        ("upload_endpoint", json!("upload"), "ErrEndpointSlash"),
        ("api_key", json!("sk-…9f3a"), "ErrKeyLooksMasked"),
        ("api_key", json!("short"), "ErrKeyLength"),
        ("timeout_secs", json!(1), "ErrTimeoutRange"),
        ("max_concurrency", json!(0), "ErrConcurrencyRange"),
    ];
    for (field, value, msg) in cases {
        let mut bad = input("Valid");
        bad[field] = value.clone();
        let r = update(&app, &admin, id, bad).await;
        assert_eq!(r.status(), 422, "{field}={value}");
        let errs = field_errors(&body_json(r).await);
        assert!(
            errs.contains(&(field.to_owned(), msg.to_owned())),
            "{field}={value}: {errs:?}"
        );
    }
    // An active config needs a key.
    let mut no_key = input("Keyless");
    no_key["api_key"] = json!("");
    let r = app
        .json(&admin, "configs/create", json!({ "input": no_key }))
        .await;
    assert_eq!(
        field_errors(&body_json(r).await),
        vec![("api_key".to_owned(), "ErrKeyRequiredActive".to_owned())]
    );
    assert_eq!(
        get(&app, &admin, id).await,
        before,
        "bad input changed nothing"
    );
    assert_eq!(history(&app, &admin, id).await.len(), 1);
}

#[tokio::test]
async fn no_page_or_answer_contains_the_key_and_the_database_file_neither() {
    let (app, admin, id) = app_with_config("Secret").await;
    let mut answers = Vec::new();
    for (endpoint, body) in [
        ("configs/get", json!({ "id": id })),
        ("configs/list", json!({ "filter": {} })),
        ("configs/history", json!({ "id": id })),
    ] {
        answers.push(
            app.json(&admin, endpoint, body)
                .await
                .text()
                .await
                .expect("body"),
        );
    }
    for page in [
        "/configs",
        &format!("/configs/{id}"),
        &format!("/configs/{id}/edit"),
        "/",
    ] {
        let r = app.get(&admin, page).await;
        assert_eq!(r.status(), 200, "{page}");
        answers.push(r.text().await.expect("html"));
    }
    for a in &answers {
        assert!(!a.contains(KEY), "the key leaked");
        assert!(!a.contains(&KEY[8..30]), "part of the key leaked");
    }
    assert!(answers[0].contains("sk-…9f3a"));
    // Checkpoint the WAL so the whole database is in the main file, then search the raw bytes.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&app.core.db.write)
        .await
        .expect("checkpoint");
    assert_not_in_database_files(app.data.path(), KEY);
}

#[tokio::test]
async fn revealing_the_key_needs_the_password_and_is_recorded() {
    let (app, admin, id) = app_with_config("Reveal").await;
    let r = reveal_key(&app, &admin, id, "wrong").await;
    assert_eq!(r.status(), 422);
    let r = reveal_key(&app, &admin, id, ADMIN_PW).await;
    assert_eq!(body_json(r).await, json!(KEY));
    let h = history(&app, &admin, id).await;
    assert_eq!(h[0]["action"], "key_revealed");
    assert_eq!(h[0]["actor"], ADMIN);
    let op = app.operator(&admin, "olga").await;
    let r = reveal_key(&app, &op, id, "operator password 1").await;
    assert_eq!(r.status(), 403);
    // Guessing through the reveal dialog is locked like signing in (one wrong try above).
    for _ in 0..4 {
        let r = reveal_key(&app, &admin, id, "guess").await;
        assert_eq!(r.status(), 422);
    }
    let r = reveal_key(&app, &admin, id, ADMIN_PW).await;
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn twenty_wrong_passwords_at_once_in_the_reveal_dialog_get_at_most_five_checks() {
    let (app, admin, id) = app_with_config("Reveal at once").await;
    let answers =
        futures::future::join_all((0..20).map(|_| reveal_key(&app, &admin, id, "guess"))).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!((1..=5).contains(&checked), "{statuses:?}");
    assert_eq!(checked + refused, 20, "{statuses:?}");
    let r = reveal_key(&app, &admin, id, ADMIN_PW).await;
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn history_shows_a_field_diff_and_any_version_can_be_restored() {
    let (app, admin, id) = app_with_config("Versions").await;
    let mut v2 = input("Versions");
    v2["model_name"] = json!("second-model");
    v2["api_key"] = json!("sk-live-0000000000000000000000000000new1");
    update(&app, &admin, id, v2).await;
    let h = history(&app, &admin, id).await;
    let changes = h[0]["changes"].as_array().expect("changes");
    assert!(changes.iter().any(|c| c["field"] == "model_name"
        && c["before"] == "rhart-image-n-pro"
        && c["after"] == "second-model"));
    let key_change = changes
        .iter()
        .find(|c| c["field"] == "api_key")
        .expect("key change");
    assert!(
        key_change["before"].is_null() && key_change["after"].is_null(),
        "a key change shows only as changed"
    );

    let r = app
        .json(&admin, "configs/revert", json!({ "id": id, "version": 1 }))
        .await;
    assert_eq!(r.status(), 200);
    let c = get(&app, &admin, id).await;
    assert_eq!(c["fields"]["model_name"], "rhart-image-n-pro");
    assert_eq!(c["version"], 3);
    assert_eq!(c["key_mask"], "sk-…new1", "the key is not restored");
    assert_eq!(history(&app, &admin, id).await[0]["action"], "reverted");
    let r = app
        .json(&admin, "configs/revert", json!({ "id": id, "version": 99 }))
        .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn operators_may_read_configs_but_not_change_them() {
    let (app, admin, id) = app_with_config("ReadOnly").await;
    let op = app.operator(&admin, "otto").await;
    assert_eq!(
        app.json(&op, "configs/get", json!({ "id": id }))
            .await
            .status(),
        200
    );
    let writes = [
        ("configs/create", json!({ "input": input("Other") })),
        (
            "configs/update",
            json!({ "id": id, "input": input("ReadOnly") }),
        ),
        ("configs/set_active", json!({ "id": id, "active": false })),
        ("configs/delete", json!({ "id": id })),
        ("configs/unarchive", json!({ "id": id })),
        ("configs/revert", json!({ "id": id, "version": 1 })),
    ];
    for (endpoint, body) in writes {
        assert_eq!(
            app.json(&op, endpoint, body).await.status(),
            403,
            "{endpoint}"
        );
    }
    assert_eq!(get(&app, &admin, id).await["version"], 1);
}
