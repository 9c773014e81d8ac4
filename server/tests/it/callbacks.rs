//! Provider callbacks: a task whose config asks for them sends a `webhookUrl` with its own
//! token; the callback is a hint confirmed by one query, duplicates change nothing, and a
//! callback for a task whose submit may have reached the provider attaches its task id.

use crate::common::*;
use app::api::tasks::TasksApi;
use app::domain::*;
use serde_json::json;

/// An app that knows its public address, polls every 50 ms normally and every
/// `callback_poll_ms` while a callback is expected, with a sandbox config asking for callbacks.
async fn app_with_callbacks(
    callback_poll_ms: u64,
) -> (
    TestApp,
    reqwest::Client,
    rhconsole::sandbox::SandboxHandle,
    i64,
) {
    let app = TestApp::spawn_opts(Options {
        public_url: true,
        callback_poll_ms,
        ..Options::default()
    })
    .await;
    let admin = app.admin().await;
    let (sb, cfg) = sandbox_config(&app, &admin, "Callbacks", json!({ "callbacks": true })).await;
    (app, admin, sb, cfg)
}

/// Queries the sandbox answered for provider task `pid`.
fn queries_for(sb: &rhconsole::sandbox::SandboxHandle, pid: &str) -> usize {
    let seen = sb.state.seen.lock().expect("seen");
    seen.iter()
        .filter(|r| r.path == "/openapi/v2/query" && r.body.contains(pid))
        .count()
}

async fn token_of(app: &TestApp, id: TaskId) -> String {
    sqlx::query_scalar::<_, String>("SELECT callback_token FROM task WHERE id = ?1")
        .bind(id.0)
        .fetch_one(&app.core.db.read)
        .await
        .expect("a callback token")
}

#[tokio::test]
async fn a_task_ends_from_its_callback_with_one_confirming_query_and_duplicates_change_nothing() {
    let (app, admin, sb, cfg) = app_with_callbacks(30_000).await;
    let (id, v) = run_task(&app, cfg, spec("cb #runms=300 #callback=twice"), 15).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    assert_eq!(v.ended_by, Some(EndedBy::Callback));
    let pid = v.provider_task_id.clone().expect("task id");
    // Polling slowed to 30 s: the only query is the one confirming the callback.
    assert_eq!(queries_for(&sb, &pid), 1);
    // The token reached the provider, and is never shown.
    let token = token_of(&app, id).await;
    let seen_submit = sb
        .state
        .seen
        .lock()
        .expect("seen")
        .iter()
        .any(|r| r.body.contains(&token));
    assert!(seen_submit, "the webhookUrl carries the token");
    let shown =
        v.request_json.clone().unwrap_or_default() + &v.request_curl.clone().unwrap_or_default();
    assert!(
        shown.contains("/callbacks/<token>") && !shown.contains(&token),
        "{shown}"
    );

    // The second, identical callback was recognised; nothing changed.
    wait_until(10, "both callbacks in the ledger", || async {
        rhconsole::db::callback::list(&app.core.db.read, Some(id), 10)
            .await
            .is_ok_and(|l| l.len() == 2)
    })
    .await;
    let ledger = rhconsole::db::callback::list(&app.core.db.read, Some(id), 10)
        .await
        .expect("ledger");
    let outcomes: Vec<CallbackOutcome> = ledger.iter().rev().map(|c| c.outcome).collect();
    assert_eq!(
        outcomes,
        [CallbackOutcome::Accepted, CallbackOutcome::Duplicate]
    );
    let after = task_view(&app, id).await;
    assert_eq!((after.last_seq, after.status), (v.last_seq, v.status));
    assert_eq!(queries_for(&sb, &pid), 1, "no query for a duplicate");

    // Anyone may post there, so: unreadable bodies and unknown tokens are refused and kept.
    let anyone = reqwest::Client::new();
    let post = |path: String, body: &'static str| {
        let (anyone, url) = (anyone.clone(), app.url(&path));
        async move {
            anyone
                .post(url)
                .body(body)
                .send()
                .await
                .expect("post")
                .status()
        }
    };
    assert_eq!(post(format!("/callbacks/{token}"), "{not json").await, 400);
    assert_eq!(
        post(
            format!("/callbacks/{}", "0".repeat(64)),
            r#"{"event":"TASK_END"}"#
        )
        .await,
        404
    );
    assert_eq!(post("/callbacks/..%2f..%2fetc".into(), "{}").await, 404);
    let all = rhconsole::db::callback::list(&app.core.db.read, None, 10)
        .await
        .expect("ledger");
    assert!(
        all.iter()
            .any(|c| c.outcome == CallbackOutcome::Malformed && c.task_id == Some(id))
    );
    assert!(
        all.iter()
            .any(|c| c.outcome == CallbackOutcome::UnknownToken && c.task_id.is_none())
    );
    assert!(
        metrics(&app)
            .await
            .contains(r#"rhconsole_callbacks_total{outcome="duplicate"} 1"#)
    );

    // Admins see the ledger on the task; operators do not.
    let detail = app
        .core
        .get_task_detail(&Actor::Cli, id)
        .await
        .expect("detail");
    assert!(detail.callbacks.len() >= 3);
    let operator = app.operator(&admin, "olga").await;
    let seen_by_operator = app
        .call(&operator, "tasks/get", json!({ "id": id.0 }))
        .await;
    assert_eq!(
        seen_by_operator["callbacks"],
        json!([]),
        "{seen_by_operator}"
    );
}

#[tokio::test]
async fn a_callback_heals_a_task_whose_submit_may_have_reached_the_provider() {
    let (app, _admin, sb, cfg) = app_with_callbacks(30_000).await;
    // The provider takes the task but its answer is lost: the task is undecided, until the
    // provider's callback names it.
    let id = launch(&app, cfg, spec("lost answer #drop #runms=1500")).await;
    wait_status(&app, id, TaskStatus::Succeeded, 15).await;
    let v = task_view(&app, id).await;
    assert_eq!(v.ended_by, Some(EndedBy::Callback));
    let said: Vec<EventText> = events(&app, id)
        .await
        .into_iter()
        .filter_map(|e| match e.text {
            Said::Text(t) => Some(t),
            _ => None,
        })
        .collect();
    assert!(
        said.iter()
            .any(|t| matches!(t, EventText::SubmitOutcomeUnknown { .. })),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|t| matches!(t, EventText::TaskIdAttached { by: None, .. })),
        "{said:?}"
    );
    assert_eq!(sb.state.stats().submits, 1, "never sent twice");
}

#[tokio::test]
async fn when_callbacks_stop_coming_polling_speeds_up_again() {
    let (app, _admin, _sb, cfg) = app_with_callbacks(600).await;
    let (first, v) = run_task(&app, cfg, spec("no call #callback=none #runms=100"), 15).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    assert_eq!(v.ended_by, Some(EndedBy::Poll));
    let missing = events(&app, first)
        .await
        .into_iter()
        .any(|e| matches!(e.text, Said::Text(EventText::CallbackMissing)));
    assert!(missing, "the log says no callback came");
    let (second, v) = run_task(&app, cfg, spec("again #callback=none #runms=100"), 15).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    let silent = events(&app, second)
        .await
        .into_iter()
        .any(|e| matches!(e.text, Said::Text(EventText::CallbacksSilent)));
    assert!(
        silent,
        "the next task polls at the normal pace and says why"
    );
    // A callback coming again brings the slow pace back (whichever way this task ended).
    let (third, _) = run_task(&app, cfg, spec("back #runms=100"), 15).await;
    wait_until(10, "the third task's callback", || async {
        rhconsole::db::callback::any_for(&app.core.db.read, third)
            .await
            .unwrap_or(false)
    })
    .await;
    let (fourth, v) = run_task(&app, cfg, spec("slow again #runms=100"), 15).await;
    assert_eq!(v.ended_by, Some(EndedBy::Callback));
    let silent = events(&app, fourth)
        .await
        .into_iter()
        .any(|e| matches!(e.text, Said::Text(EventText::CallbacksSilent)));
    assert!(!silent);
}

#[tokio::test]
async fn without_a_public_address_a_config_asking_for_callbacks_is_polled_and_says_why() {
    let (app, _admin, sb, cfg) =
        app_with_sandbox_config("NoPublic", json!({ "callbacks": true })).await;
    let (id, v) = run_task(&app, cfg, spec("plain"), 15).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    assert!(!v.expects_callback);
    let off = events(&app, id)
        .await
        .into_iter()
        .any(|e| matches!(e.text, Said::Text(EventText::CallbacksOff)));
    assert!(off);
    assert!(
        sb.state
            .seen
            .lock()
            .expect("seen")
            .iter()
            .all(|r| !r.body.contains("webhookUrl"))
    );
}

#[tokio::test]
async fn a_late_callback_and_one_read_back_as_a_string_end_their_tasks_too() {
    let (app, _admin, sb, cfg) = app_with_callbacks(30_000).await;
    for tags in ["#callback=late:1500", "#callback=string"] {
        let (id, v) = run_task(&app, cfg, spec(&format!("cb {tags} #runms=200")), 15).await;
        assert_eq!(
            v.status,
            TaskStatus::Succeeded,
            "{tags}: {:?}",
            v.error_message
        );
        assert_eq!(v.ended_by, Some(EndedBy::Callback), "{tags}");
        let pid = v.provider_task_id.clone().expect("task id");
        assert_eq!(queries_for(&sb, &pid), 1, "{tags}: one confirming query");
        let ledger = rhconsole::db::callback::list(&app.core.db.read, Some(id), 10)
            .await
            .expect("ledger");
        assert_eq!(ledger.len(), 1, "{tags}");
        assert_eq!(ledger[0].status.as_deref(), Some("SUCCESS"), "{tags}");
    }
}
