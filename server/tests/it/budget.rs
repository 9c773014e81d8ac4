//! Price kept on the task, daily test budgets (refusal with the numbers, an audited admin
//! override) and the overview's spend per config per day.

use crate::common::*;
use app::domain::*;
use rhconsole::clock::Clock;
use serde_json::{Value, json};

fn case(prompt: &str) -> Value {
    json!({
        "prompt": prompt, "resolution": "1k", "aspect_ratio": "auto",
        "image_urls": ["https://example.com/cat.png"], "local_images": [], "region": ""
    })
}

async fn launch_http(
    app: &TestApp,
    c: &reqwest::Client,
    configs: &[i64],
    body: Value,
) -> reqwest::Response {
    let mut req = json!({ "configs": configs, "spec": body });
    if let Some(o) = req.as_object_mut() {
        o.insert("over_budget".into(), json!(false));
    }
    app.json(c, "tasks/launch", req).await
}

async fn set_budget(
    app: &TestApp,
    c: &reqwest::Client,
    cfg: i64,
    daily: &str,
) -> reqwest::Response {
    app.json(
        c,
        "configs/set_budget",
        json!({ "id": cfg, "daily": daily }),
    )
    .await
}

async fn launched(r: reqwest::Response) -> TaskId {
    let v = body_json(expect_status(r, 200, "launched").await).await;
    TaskId(v["tasks"][0].as_i64().expect("a task id"))
}

#[tokio::test]
async fn a_task_keeps_its_launch_estimate_beside_the_cost_the_provider_reports() {
    let (app, admin, _sb, cfg) = app_with_sandbox("Priced").await;
    let id = launched(launch_http(&app, &admin, &[cfg], case("a cat")).await).await;
    let v = wait_final(&app, id, 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    let e = v.estimate.expect("the estimate is kept");
    assert_eq!(
        e.estimate.and_then(|p| p.price).as_deref(),
        Some("0.14"),
        "the price preview's answer"
    );
    assert_eq!(v.usage.cost(), Some(Cost::Money("0.14".into())));
    let b = app
        .call(&admin, "configs/budget", json!({ "id": cfg }))
        .await;
    assert_eq!(b["spent"], "0.14", "{b}");
    assert_eq!(b["pending"], "0.00", "{b}");
    assert_eq!(b["daily"], Value::Null, "no budget set");
}

#[tokio::test]
async fn a_launch_past_the_daily_budget_is_refused_with_the_numbers_and_an_admin_may_override_it() {
    let (app, admin, _sb, cfg) = app_with_sandbox("Budgeted").await;
    let operator = app.operator(&admin, "olga").await;
    // Operators may not set budgets; a malformed one names the field.
    let r = set_budget(&app, &operator, cfg, "1").await;
    expect_status(r, 403, "operators may not").await;
    let r = set_budget(&app, &admin, cfg, "0.2.0").await;
    let body = body_json(expect_status(r, 422, "malformed").await).await;
    assert!(body.to_string().contains("daily"), "{body}");
    let b = app
        .call(
            &admin,
            "configs/set_budget",
            json!({ "id": cfg, "daily": "0.20" }),
        )
        .await;
    assert_eq!(b["daily"], "0.20", "{b}");

    // 0 + 0.14 fits in 0.20.
    let first = launched(launch_http(&app, &operator, &[cfg], case("first")).await).await;
    assert_eq!(
        wait_final(&app, first, 20).await.status,
        TaskStatus::Succeeded
    );
    // The price before launch already says so.
    let e = app
        .call(
            &operator,
            "tasks/estimate",
            json!({ "configs": [cfg], "spec": case("second") }),
        )
        .await;
    assert_eq!(e["over_budget"][0]["launch"], "0.14", "{e}");
    assert_eq!(e["over_budget"][0]["spent"], "0.14", "{e}");
    // 0.14 spent + 0.14 more does not: refused, with the numbers, and nothing launched.
    let before = rhconsole::db::task::count_in_flight(&app.core.db.read)
        .await
        .expect("count");
    let r = launch_http(&app, &operator, &[cfg], case("second")).await;
    let body = body_json(expect_status(r, 409, "over the budget").await).await;
    let over = &body["OverBudget"][0];
    assert_eq!(over["daily"], "0.20", "{body}");
    assert_eq!(over["spent"], "0.14", "{body}");
    assert_eq!(over["launch"], "0.14", "{body}");
    let e: app::error::AppError = serde_json::from_value(body.clone()).expect("an AppError");
    let zh = e.message(app::i18n::Lang::Zh);
    assert!(
        zh.contains("超出每日测试预算") && zh.contains("¥0.14"),
        "{zh}"
    );
    assert!(
        e.message(app::i18n::Lang::En)
            .contains("Over the daily test budget")
    );
    assert_eq!(
        rhconsole::db::task::count_in_flight(&app.core.db.read)
            .await
            .expect("count"),
        before
    );
    // An operator cannot override it; an admin can, and it is audited.
    let mut req = json!({ "configs": [cfg], "spec": case("second"), "over_budget": true });
    let r = app.json(&operator, "tasks/launch", req.clone()).await;
    expect_status(r, 403, "operators may not override").await;
    req["spec"]["prompt"] = json!("second, by the admin");
    let second = launched(app.json(&admin, "tasks/launch", req).await).await;
    assert_eq!(
        wait_final(&app, second, 20).await.status,
        TaskStatus::Succeeded
    );
    let audit = rhconsole::db::audit::recent(&app.core.db.read, 50)
        .await
        .expect("audit");
    let row = audit
        .iter()
        .find(|a| a.action == "budget_override")
        .expect("the override is audited");
    assert!(row.detail.contains(&second.0.to_string()), "{row:?}");
    assert!(audit.iter().any(|a| a.action == "budget_set"));
    // Removing the budget lets launches through again.
    let b = app
        .call(
            &admin,
            "configs/set_budget",
            json!({ "id": cfg, "daily": null }),
        )
        .await;
    assert_eq!(b["daily"], Value::Null);
    assert_eq!(b["spent"], "0.28");
    launched(launch_http(&app, &operator, &[cfg], case("third")).await).await;
}

#[tokio::test]
async fn the_overview_shows_spend_per_config_per_day() {
    let (app, admin, sb, a) = app_with_sandbox("Spender A").await;
    let b = create_config(&app, &admin, rh_config("Spender B", &sb.base_url())).await;
    for (cfg, n) in [(a, 2), (b, 1)] {
        for i in 0..n {
            let id = launched(launch_http(&app, &admin, &[cfg], case(&format!("spend {i}"))).await)
                .await;
            wait_final(&app, id, 20).await;
        }
    }
    let o = app.call(&admin, "tasks/overview", json!({})).await;
    let chart: SpendChart = serde_json::from_value(o["spend"].clone()).expect("a chart");
    assert_eq!(chart.days.len(), 30);
    let today = Timestamp(app.clock.now_ms()).format();
    assert!(
        today.starts_with(chart.days.last().expect("days")),
        "{today} {chart:?}"
    );
    let of = |name: &str| {
        chart
            .series
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.milli_cny.clone())
            .unwrap_or_default()
    };
    assert_eq!(of("Spender A").last(), Some(&280), "{chart:?}");
    assert_eq!(of("Spender B").last(), Some(&140), "{chart:?}");
    assert_eq!(
        of("Spender A").iter().sum::<i64>(),
        280,
        "nothing on other days"
    );
}

#[tokio::test]
async fn a_rerun_and_a_batchs_failed_tasks_again_are_held_to_the_budget_too() {
    let (app, admin, sb, cfg) = app_with_sandbox("Rerun budget").await;
    let other = create_config(&app, &admin, rh_config("Rerun budget B", &sb.base_url())).await;
    let id = launched(launch_http(&app, &admin, &[cfg], case("once")).await).await;
    wait_final(&app, id, 20).await;
    // A batch whose task on `other` fails (before the budget is set).
    let r = app
        .json(
            &admin,
            "tasks/launch",
            json!({ "configs": [cfg, other], "spec": case("a batch #fail") }),
        )
        .await;
    let batch = body_json(expect_status(r, 200, "batch").await).await;
    for t in batch["tasks"].as_array().expect("tasks") {
        wait_final(&app, TaskId(t.as_i64().expect("id")), 20).await;
    }
    app.call(
        &admin,
        "configs/set_budget",
        json!({ "id": cfg, "daily": "0.15" }),
    )
    .await;
    let r = app
        .json(&admin, "tasks/rerun", json!({ "req": { "of": id.0 } }))
        .await;
    let body = body_json(expect_status(r, 409, "the rerun is past the budget").await).await;
    assert_eq!(body["OverBudget"][0]["spent"], "0.14", "{body}");
    let r = app
        .json(
            &admin,
            "tasks/rerun",
            json!({ "req": { "of": id.0, "over_budget": true } }),
        )
        .await;
    let again = body_json(expect_status(r, 200, "run anyway").await).await;
    let again = TaskId(again.as_i64().expect("the new task"));
    assert!(task_view(&app, again).await.estimate.is_some(), "priced");
    // The batch failed on both configs: running its failed tasks again is held to `cfg`'s budget.
    let b = batch["batch"].as_i64().expect("a batch");
    let r = app
        .json(
            &admin,
            "tasks/rerun_failed",
            json!({ "batch": b, "confirmed": false }),
        )
        .await;
    let body = body_json(expect_status(r, 409, "one of them is past its budget").await).await;
    assert_eq!(
        body["OverBudget"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
    assert_eq!(body["OverBudget"][0]["name"], "Rerun budget", "{body}");
    app.call(
        &admin,
        "configs/set_budget",
        json!({ "id": cfg, "daily": null }),
    )
    .await;
    let r = app
        .json(
            &admin,
            "tasks/rerun_failed",
            json!({ "batch": b, "confirmed": false }),
        )
        .await;
    expect_status(r, 200, "no budget left to pass").await;
}
