//! Deciding tasks whose submit may have reached the provider (attach the task id, close as
//! failed, send again), and running tasks again with lineage (another config, a batch's failed
//! tasks), each refused when it could cost twice unknowingly.

use crate::common::*;
use app::api::tasks::TasksApi;
use app::domain::*;
use serde_json::{Value, json};

async fn audit_actions(app: &TestApp) -> Vec<String> {
    rhconsole::db::audit::recent(&app.core.db.read, 50)
        .await
        .expect("audit")
        .into_iter()
        .map(|a| a.action)
        .collect()
}

#[tokio::test]
async fn an_operator_attaches_the_task_id_closes_or_resends_an_undecided_task() {
    let (app, admin, sb, cfg) = app_with_sandbox("Undecided").await;
    let operator = app.operator(&admin, "otto").await;
    let (a, v) = run_task(&app, cfg, spec("lost #drop #id=lost-a"), 15).await;
    assert_eq!(v.status, TaskStatus::SubmitUncertain);

    // A typed id that is not one is refused, naming the field; nothing changes.
    let r = app
        .json(
            &operator,
            "tasks/attach",
            json!({ "id": a.0, "provider_task_id": "12 34" }),
        )
        .await;
    let body: Value = body_json(expect_status(r, 422, "bad id").await).await;
    assert!(body.to_string().contains("provider_task_id"), "{body}");
    assert_eq!(task_view(&app, a).await.status, TaskStatus::SubmitUncertain);

    // The id from the provider's call record: the console follows it to the end.
    let pid = sb
        .state
        .task_id_with_marker("lost-a")
        .expect("the fake has the task");
    let r = app
        .json(
            &operator,
            "tasks/attach",
            json!({ "id": a.0, "provider_task_id": pid }),
        )
        .await;
    expect_status(r, 200, "attach").await;
    wait_status(&app, a, TaskStatus::Succeeded, 15).await;
    let v = task_view(&app, a).await;
    assert_eq!(v.provider_task_id.as_deref(), Some(pid.as_str()));
    assert!(said(events(&app, a).await).iter().any(|t| matches!(
        t,
        EventText::TaskIdAttached { by: Some(by), .. } if by == "otto"
    )));
    let again = app
        .json(
            &operator,
            "tasks/attach",
            json!({ "id": a.0, "provider_task_id": pid }),
        )
        .await;
    expect_status(again, 409, "only an undecided task").await;

    // Closed as failed, by a person.
    let (b, _) = run_task(&app, cfg, spec("lost #drop #id=lost-b"), 15).await;
    expect_status(
        app.json(&operator, "tasks/close_uncertain", json!({ "id": b.0 }))
            .await,
        200,
        "close",
    )
    .await;
    let v = task_view(&app, b).await;
    assert_eq!(
        (v.status, v.ended_by),
        (TaskStatus::Failed, Some(EndedBy::Operator))
    );

    // Sent again: only when the double cost is confirmed; the new task names the old one.
    let (c, _) = run_task(&app, cfg, spec("lost #drop #id=lost-c"), 15).await;
    let r = app
        .json(
            &operator,
            "tasks/resend",
            json!({ "id": c.0, "confirmed": false }),
        )
        .await;
    expect_status(r, 409, "not confirmed").await;
    assert_eq!(task_view(&app, c).await.status, TaskStatus::SubmitUncertain);
    let r = app
        .json(
            &operator,
            "tasks/resend",
            json!({ "id": c.0, "confirmed": true }),
        )
        .await;
    let new = TaskId(
        body_json(expect_status(r, 200, "resend").await)
            .await
            .as_i64()
            .expect("id"),
    );
    let v = task_view(&app, new).await;
    assert_eq!(v.rerun_of, Some(c));
    let old = task_view(&app, c).await;
    assert_eq!(old.status, TaskStatus::Failed);
    assert!(said(events(&app, c).await).iter().any(|t| matches!(
        t,
        EventText::MarkedFailed { resent_as: Some(n), .. } if *n == new.0
    )));
    // The new task is sent by the engine after the answer: wait for its submit, then check
    // that it was the only one more (never more than two in all).
    wait_until(15, "the resent task's submit", || async {
        sb.state.stats().submits_by_marker.get("lost-c") >= Some(&2)
    })
    .await;
    assert_eq!(sb.state.stats().submits_by_marker.get("lost-c"), Some(&2));

    let actions = audit_actions(&app).await;
    for a in ["task_id_attached", "task_closed_failed", "task_resent"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
}

#[tokio::test]
async fn a_task_runs_again_on_another_config_showing_what_differs() {
    let (app, admin, sb, a_cfg) = app_with_sandbox("Alpha").await;
    let b_cfg = create_config(
        &app,
        &admin,
        with_fields(
            rh_config("Beta", &sb.base_url()),
            json!({ "timeout_secs": 120 }),
        ),
    )
    .await;
    let (first, _) = run_task(&app, a_cfg, spec("compare me"), 15).await;
    let r = app
        .json(
            &admin,
            "tasks/rerun",
            json!({ "req": { "of": first.0, "config": b_cfg } }),
        )
        .await;
    let new = TaskId(
        body_json(expect_status(r, 200, "rerun").await)
            .await
            .as_i64()
            .expect("id"),
    );
    let v = wait_final(&app, new, 15).await;
    assert_eq!((v.config_id, v.rerun_of), (ConfigId(b_cfg), Some(first)));
    assert_eq!(v.prompt, "compare me");
    assert!(said(events(&app, new).await).iter().any(|t| matches!(
        t,
        EventText::Reruns { of, changed, .. } if *of == first.0 && changed == &["config".to_owned()]
    )));
    let detail = app
        .core
        .get_task_detail(&Actor::Cli, new)
        .await
        .expect("detail");
    let fields: Vec<&str> = detail.rerun_diff.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        fields,
        ["config", "timeout_secs"],
        "{:?}",
        detail.rerun_diff
    );
    assert_eq!(detail.rerun_diff[0].before.as_deref(), Some("Alpha v1"));

    // As it was, on its own config: nothing differs.
    let same = app
        .core
        .rerun_task(
            &Actor::Cli,
            RerunRequest {
                of: first,
                config: None,
                as_it_was: true,
                confirmed: false,
                over_budget: false,
            },
        )
        .await
        .expect("rerun as it was");
    let detail = app
        .core
        .get_task_detail(&Actor::Cli, same)
        .await
        .expect("detail");
    assert!(detail.rerun_diff.is_empty(), "{:?}", detail.rerun_diff);
}

#[tokio::test]
async fn running_again_what_may_have_been_billed_needs_a_confirmation() {
    let (app, admin, _sb, cfg) =
        app_with_sandbox_config("Slow", json!({ "timeout_secs": 10 })).await;
    let id = launch(&app, cfg, spec("never ends #never")).await;
    app.clock.advance(std::time::Duration::from_secs(11));
    let v = wait_final(&app, id, 15).await;
    assert_eq!(v.status, TaskStatus::TimedOut);
    let r = app
        .json(&admin, "tasks/rerun", json!({ "req": { "of": id.0 } }))
        .await;
    let body = body_json(expect_status(r, 409, "may be billed").await).await;
    assert!(
        body.to_string().contains("ErrRerunMayBeBilled") || body.to_string().contains("billed"),
        "{body}"
    );
    let r = app
        .json(
            &admin,
            "tasks/rerun",
            json!({ "req": { "of": id.0, "confirmed": true } }),
        )
        .await;
    expect_status(r, 200, "confirmed").await;
}

#[tokio::test]
async fn a_batch_runs_only_its_failed_tasks_again() {
    let (app, admin, sb, good) = app_with_sandbox("Good").await;
    let bad = create_config(
        &app,
        &admin,
        with_fields(
            rh_config("Bad key", &sb.base_url()),
            json!({ "api_key": "rh-wrong-key-000000000000000000" }),
        ),
    )
    .await;
    let r = app
        .json(
            &admin,
            "tasks/launch",
            json!({ "configs": [good, bad], "spec": spec("batch me") }),
        )
        .await;
    let launched = body_json(expect_status(r, 200, "launch").await).await;
    let batch = launched["batch"].as_i64().expect("a batch");
    for t in launched["tasks"].as_array().expect("tasks") {
        wait_final(&app, TaskId(t.as_i64().expect("id")), 15).await;
    }
    let r = app
        .json(
            &admin,
            "tasks/rerun_failed",
            json!({ "batch": batch, "confirmed": false }),
        )
        .await;
    let again = body_json(expect_status(r, 200, "rerun failed").await).await;
    let again: Vec<i64> = again["tasks"]
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    assert_eq!(again.len(), 1, "only the failed one");
    let v = task_view(&app, TaskId(again[0])).await;
    assert_eq!(v.config_id, ConfigId(bad));
    assert!(v.rerun_of.is_some());
}
