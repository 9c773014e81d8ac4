//! Capacity-aware submit: a config's tasks wait in line for a slot instead of being sent to
//! collect a queue-full refusal, and a queue-full refusal sends a task back into the line
//! without using its retries.

use crate::common::*;
use app::domain::*;
use rhconsole::sandbox::SandboxHandle;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A config on a fresh sandbox whose account takes `limit` tasks at once; retries off, so a
/// queue-full refusal that used a retry would fail its task.
async fn limited(limit: u64) -> (TestApp, SandboxHandle, i64) {
    let (app, _admin, sb, cfg) = app_with_sandbox_config(
        "Capacity",
        json!({ "enable_retry": false, "max_concurrency": 10 }),
    )
    .await;
    sb.state.set_concurrent_limit(limit);
    (app, sb, cfg)
}

async fn launch_all(app: &TestApp, cfg: i64, prompts: &[String]) -> Vec<TaskId> {
    let mut ids = Vec::new();
    for p in prompts {
        ids.push(launch(app, cfg, spec(p)).await);
    }
    ids
}

async fn views(app: &TestApp, ids: &[TaskId]) -> Vec<TaskView> {
    let mut out = Vec::new();
    for id in ids {
        out.push(task_view(app, *id).await);
    }
    out
}

fn stats(sb: &SandboxHandle) -> rhconsole::sandbox::Stats {
    sb.state.stats()
}

#[tokio::test]
async fn ten_tasks_against_a_limit_of_three_wait_in_line_and_all_succeed() {
    let (app, sb, cfg) = limited(3).await;
    // Hold every task where it is, so the line can be looked at.
    sb.state.frozen.store(true, Ordering::SeqCst);
    let prompts: Vec<String> = (0..10).map(|i| format!("line {i} #id=line{i}")).collect();
    let ids = launch_all(&app, cfg, &prompts).await;
    wait_until(
        20,
        "three tasks at the provider and seven in line",
        || async {
            let vs = views(&app, &ids).await;
            let at_provider = vs
                .iter()
                .filter(|v| matches!(v.status, TaskStatus::Queued | TaskStatus::Running))
                .count();
            let waiting = vs
                .iter()
                .filter(|v| v.status == TaskStatus::Waiting)
                .count();
            at_provider == 3 && waiting == 7
        },
    )
    .await;
    // The seven in line have the places 1 to 7, in the order they came.
    let vs = views(&app, &ids).await;
    let waiting: Vec<&TaskView> = vs
        .iter()
        .filter(|v| v.status == TaskStatus::Waiting)
        .collect();
    let mut places: Vec<i64> = waiting.iter().filter_map(|v| v.slot_position).collect();
    places.sort_unstable();
    assert_eq!(places, (1..=7).collect::<Vec<i64>>(), "{waiting:?}");
    let first = waiting.iter().min_by_key(|v| v.id.0).expect("one waits");
    assert_eq!(first.slot_position, Some(1), "the earliest is next");
    let said = said(events(&app, first.id).await);
    assert!(
        said.contains(&EventText::WaitingForSlot {
            in_use: 3,
            limit: 3
        }),
        "{said:?}"
    );
    // The metric says how many wait.
    let m = metrics(&app).await;
    assert!(
        m.contains("rhconsole_tasks_waiting_for_slot{config=\"Capacity\"} 7"),
        "{m}"
    );

    sb.state.frozen.store(false, Ordering::SeqCst);
    for id in &ids {
        let v = wait_final(&app, *id, 60).await;
        assert_eq!(v.status, TaskStatus::Succeeded, "task {id}: {v:?}");
        assert_eq!(v.attempts, 1, "task {id}");
        assert_eq!(v.slot_position, None);
    }
    let st = stats(&sb);
    assert!(st.peak_running <= 3, "at most 3 at once: {st:?}");
    // The engine learned the limit from the queue status: nothing was sent to be refused.
    assert_eq!(st.queue_full, 0, "{st:?}");
    assert_eq!(st.submits, 10, "{st:?}");
    let m = metrics(&app).await;
    assert!(
        m.contains("rhconsole_tasks_waiting_for_slot{config=\"Capacity\"} 0"),
        "{m}"
    );
}

#[tokio::test]
async fn a_queue_full_refusal_sends_the_task_back_in_line_without_using_a_retry() {
    let (app, sb, cfg) = limited(3).await;
    // Someone else runs two tasks on the same key for a while: the console does not know.
    sb.state.occupy(2, Duration::from_millis(1500));
    let prompts: Vec<String> = (0..4)
        .map(|i| format!("shared {i} #id=shared{i}"))
        .collect();
    let ids = launch_all(&app, cfg, &prompts).await;
    for id in &ids {
        let v = wait_final(&app, *id, 60).await;
        assert_eq!(v.status, TaskStatus::Succeeded, "task {id}: {v:?}");
        // Retries are off: only a refusal that did not count lets the task through.
        assert_eq!(v.attempts, 1, "task {id}");
    }
    let st = stats(&sb);
    assert!(st.queue_full >= 1, "the account was full: {st:?}");
    assert!(st.peak_running <= 3, "{st:?}");
    // From the fake's own log: every task was accepted once, however often it was refused.
    for i in 0..4 {
        assert_eq!(
            st.submits_by_marker.get(&format!("shared{i}")).copied(),
            Some(1),
            "{st:?}"
        );
    }
    let mut refused = 0;
    for id in &ids {
        let said = said(events(&app, *id).await);
        refused += said
            .iter()
            .filter(|t| matches!(t, EventText::QueueFull { code, .. } if code == "421"))
            .count();
    }
    assert!(refused >= 1, "a task's log tells of the refusal");
}

#[tokio::test]
async fn a_task_waiting_for_a_slot_times_out_at_its_deadline_and_can_be_cancelled() {
    let (app, _admin, sb, cfg) = app_with_sandbox_config(
        "Short",
        json!({ "enable_retry": false, "max_concurrency": 1, "timeout_secs": 10 }),
    )
    .await;
    sb.state.frozen.store(true, Ordering::SeqCst);
    let holder = launch(&app, cfg, spec("holds the slot")).await;
    wait_status(&app, holder, TaskStatus::Queued, 20).await;
    let waiting = launch(&app, cfg, spec("waits")).await;
    let cancelled = launch(&app, cfg, spec("cancelled while waiting")).await;
    wait_status(&app, cancelled, TaskStatus::Waiting, 20).await;
    app.core
        .engine
        .cancel(&Actor::Cli, cancelled)
        .await
        .expect("cancel");
    assert_eq!(
        wait_final(&app, cancelled, 20).await.status,
        TaskStatus::Cancelled
    );
    // The deadline counts while in line (the test clock is moved past it).
    app.clock.advance(Duration::from_secs(11));
    let v = wait_final(&app, waiting, 20).await;
    assert_eq!(v.status, TaskStatus::TimedOut, "{v:?}");
    assert_eq!(stats(&sb).submits, 1, "only the holder was sent");
}

#[tokio::test]
async fn queue_full_waits_for_a_slot_without_counting_an_attempt() {
    let (app, _admin, _sb, cfg) =
        app_with_sandbox_config("Sandbox", json!({ "enable_retry": false })).await;
    let (id, v) = run_task(&app, cfg, spec("many #queuefull"), 20).await;
    // Retries are off: the refusal sent it back in line instead of using one.
    assert_eq!((v.status, v.attempts), (TaskStatus::Succeeded, 1));
    let said = said(events(&app, id).await);
    assert!(
        said.iter()
            .any(|t| matches!(t, EventText::QueueFull { code, .. } if code == "421")),
        "{said:?}"
    );
}

#[tokio::test]
async fn a_slow_provider_does_not_hold_up_another() {
    let (app, admin) = app_with_admin().await;
    let (_slow_sb, slow) =
        sandbox_config(&app, &admin, "Slow", json!({ "max_concurrency": 3 })).await;
    let (_fast_sb, fast) = sandbox_config(&app, &admin, "Fast", json!({})).await;
    let mut stuck = Vec::new();
    for i in 0..6 {
        stuck.push(launch(&app, slow, spec(&format!("stuck {i} #hang"))).await);
    }
    let (_, v) = run_task(&app, fast, spec("quick"), 5).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    let mut waiting = 0;
    for id in stuck {
        let t = task_view(&app, id).await;
        assert!(!t.status.is_terminal(), "the slow ones are still going");
        if t.status == TaskStatus::Waiting {
            waiting += 1;
        }
    }
    assert_eq!(
        waiting, 3,
        "the slow config's limit (3) holds the others back, not the fast config"
    );
}
