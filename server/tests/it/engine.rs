//! The task engine against the in-repo fake provider: every status path, every error shape,
//! retries, timeouts, cancel, uploads, restarts and double submits.

use crate::common::*;
use app::domain::*;
use serde_json::{Value, json};
use std::time::Duration;

async fn setup(retry: bool) -> (TestApp, rhconsole::sandbox::SandboxHandle, i64) {
    let sb = sandbox().await;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut cfg = rh_config("Sandbox", &sb.base_url());
    cfg["enable_retry"] = json!(retry);
    let id = create_config(&app, &admin, cfg).await;
    (app, sb, id)
}

fn statuses(evs: &[TaskEvent]) -> Vec<TaskStatus> {
    let mut out: Vec<TaskStatus> = Vec::new();
    for e in evs {
        if out.last() != Some(&e.status) {
            out.push(e.status);
        }
    }
    out
}

#[tokio::test]
async fn a_task_goes_queued_running_succeeded_with_results_and_cost() {
    let (app, _sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("make it blue")).await;
    let v = wait_final(&app, id, 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    assert_eq!(v.results.len(), 1);
    assert!(
        v.results[0]
            .url
            .as_deref()
            .is_some_and(|u| u.ends_with("-0.png"))
    );
    assert_eq!(v.usage.cost().as_deref(), Some("0.14"));
    assert!(v.provider_task_id.is_some());
    let evs = events(&app, id).await;
    let seqs: Vec<i64> = evs.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=evs.len() as i64).collect::<Vec<_>>(),
        "events are numbered without gaps"
    );
    assert_eq!(
        statuses(&evs),
        vec![
            TaskStatus::Pending,
            TaskStatus::Submitting,
            TaskStatus::Queued,
            TaskStatus::Running,
            TaskStatus::Succeeded
        ]
    );
}

#[tokio::test]
async fn every_final_status_of_the_provider_is_mapped() {
    let (app, _sb, cfg) = setup(true).await;
    let cases = [
        ("#fail", TaskStatus::Failed, Some("1000")),
        ("#moderation", TaskStatus::Failed, Some("1501")),
        ("#realperson", TaskStatus::Failed, Some("1505")),
        ("#cancel", TaskStatus::Cancelled, None),
        ("#cancelled", TaskStatus::Cancelled, None),
        ("#succeed", TaskStatus::Succeeded, None),
        ("#instant", TaskStatus::Succeeded, None),
        ("#unknown", TaskStatus::Failed, Some("unknown_status")),
    ];
    let mut ids = Vec::new();
    for (tag, _, _) in &cases {
        ids.push(launch(&app, cfg, spec(&format!("case {tag}"))).await);
    }
    for ((tag, status, code), id) in cases.iter().zip(ids) {
        let v = wait_final(&app, id, 30).await;
        assert_eq!(v.status, *status, "{tag}: {:?}", v.error_message);
        if let Some(code) = code {
            assert_eq!(v.error_code.as_deref(), Some(*code), "{tag}");
        }
    }
}

#[tokio::test]
async fn an_instant_success_is_not_polled() {
    let (app, sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("now #instant")).await;
    let v = wait_final(&app, id, 10).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    assert_eq!(sb.state.stats().polls, 0);
}

#[tokio::test]
async fn an_error_inside_http_200_fails_without_retry() {
    let (app, sb, cfg) = setup(true).await;
    for (tag, code) in [("#auth", "802"), ("#balance", "812")] {
        let id = launch(&app, cfg, spec(&format!("x {tag}"))).await;
        let v = wait_final(&app, id, 10).await;
        assert_eq!(v.status, TaskStatus::Failed, "{tag}");
        assert_eq!(v.error_code.as_deref(), Some(code));
        assert_eq!(v.attempts, 1, "{tag} is never retried");
    }
    let sent = submits(&sb)
        .iter()
        .filter(|r| r.body.contains("#auth") || r.body.contains("#balance"))
        .count();
    assert_eq!(sent, 2);
}

#[tokio::test]
async fn an_html_502_is_retried_and_then_succeeds() {
    let (app, _sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("gateway #http502")).await;
    let v = wait_final(&app, id, 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    assert_eq!(v.attempts, 2);
    let evs = events(&app, id).await;
    let retry = evs
        .iter()
        .find(|e| e.stage == Stage::Retry)
        .expect("a retry event");
    assert_eq!(retry.http_status, Some(502));
    assert!(
        retry.english().contains("502 Bad Gateway"),
        "{}",
        retry.english()
    );
}

#[tokio::test]
async fn a_429_then_success_with_retry_on() {
    let (app, _sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("busy #http429")).await;
    let v = wait_final(&app, id, 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    assert_eq!(v.attempts, 2);
}

#[tokio::test]
async fn no_retry_when_retry_is_off() {
    let (app, _sb, cfg) = setup(false).await;
    let id = launch(&app, cfg, spec("busy #http429")).await;
    let v = wait_final(&app, id, 10).await;
    assert_eq!(v.status, TaskStatus::Failed);
    assert_eq!(v.attempts, 1);
    assert_eq!(v.error_code.as_deref(), Some("http_429"));
}

#[tokio::test]
async fn queue_full_is_retried() {
    let (app, _sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("many #queuefull")).await;
    let v = wait_final(&app, id, 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    assert_eq!(v.attempts, 2);
}

#[tokio::test]
async fn a_provider_that_keeps_failing_exhausts_the_retries() {
    let (app, _sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("down #http502always")).await;
    let v = wait_final(&app, id, 30).await;
    assert_eq!(v.status, TaskStatus::Failed);
    assert_eq!(v.attempts, 4);
    assert_eq!(v.error_code.as_deref(), Some("http_502"));
}

#[tokio::test]
async fn malformed_json_fails_clearly() {
    let (app, _sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("garbage #malformed")).await;
    let v = wait_final(&app, id, 10).await;
    assert_eq!(v.status, TaskStatus::Failed);
    assert_eq!(v.error_code.as_deref(), Some("malformed"));
    assert!(
        v.error_message
            .as_deref()
            .is_some_and(|m| m.contains("not JSON")),
        "{:?}",
        v.error_message
    );
    let id = launch(&app, cfg, spec("garbage #malformedpoll")).await;
    let v = wait_final(&app, id, 10).await;
    assert_eq!(
        v.status,
        TaskStatus::Failed,
        "5 garbled polls in a row end the task"
    );
}

#[tokio::test]
async fn a_task_times_out_after_its_limit() {
    let (app, _sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("forever #never")).await;
    wait_status(&app, id, TaskStatus::Running, 10).await;
    app.clock.advance(Duration::from_secs(61));
    let v = wait_final(&app, id, 10).await;
    assert_eq!(v.status, TaskStatus::TimedOut);
    let last = events(&app, id).await.pop().expect("event");
    assert!(
        last.english().contains("Timed out after 1 min 00 s"),
        "{}",
        last.english()
    );
}

#[tokio::test]
async fn cancel_stops_following_at_once() {
    let (app, sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("forever #never")).await;
    wait_status(&app, id, TaskStatus::Running, 10).await;
    app.core
        .engine
        .cancel(&app::domain::Actor::Cli, id)
        .await
        .expect("cancel");
    let v = wait_final(&app, id, 2).await;
    assert_eq!(v.status, TaskStatus::Cancelled);
    let polls = sb.state.stats().polls;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sb.state.stats().polls, polls, "no polls after cancel");
    let again = app
        .core
        .engine
        .cancel(&app::domain::Actor::Cli, id)
        .await
        .expect_err("already final");
    assert!(
        matches!(
            again,
            rhconsole::tasks::EngineError::Refused(app::i18n::Msg::ErrTaskFinished)
        ),
        "{again:?}"
    );
    assert_eq!(app::error::AppError::from(again).status(), 409);
}

#[tokio::test]
async fn eleven_images_send_ten_and_warn() {
    let (app, sb, cfg) = setup(true).await;
    let mut s = spec("many images");
    s.image_urls = (0..11)
        .map(|i| format!("https://example.com/{i}.png"))
        .collect();
    let id = launch(&app, cfg, s).await;
    let v = wait_final(&app, id, 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    assert_eq!(
        v.warnings,
        vec![EventText::ImagesCut {
            total: 11,
            sent: 10
        }]
    );
    let body: Value = serde_json::from_str(&submits(&sb)[0].body).expect("json");
    assert_eq!(body["imageUrls"].as_array().map(Vec::len), Some(10));
    assert_eq!(body["imageUrls"][9], "https://example.com/9.png");
}

#[tokio::test]
async fn auto_leaves_the_aspect_ratio_out_and_resolution_is_sent_lowercase() {
    let (app, sb, cfg) = setup(true).await;
    let mut s = spec("auto");
    s.resolution = "4K".into();
    let id = launch(&app, cfg, s).await;
    wait_final(&app, id, 20).await;
    let mut s = spec("three four");
    s.aspect_ratio = "3:4".into();
    let id2 = launch(&app, cfg, s).await;
    wait_final(&app, id2, 20).await;
    let sent = submits(&sb);
    let first: Value = serde_json::from_str(&sent[0].body).expect("json");
    assert_eq!(first["resolution"], "4k");
    assert!(first.get("aspectRatio").is_none(), "{first}");
    let second: Value = serde_json::from_str(&sent[1].body).expect("json");
    assert_eq!(second["aspectRatio"], "3:4");
}

#[tokio::test]
async fn the_key_travels_as_a_bearer_header_and_nowhere_else() {
    let (app, sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("auth check")).await;
    let v = wait_final(&app, id, 20).await;
    let key = rhconsole::sandbox::SANDBOX_KEY;
    let seen = sb.state.seen.lock().expect("seen").clone();
    assert!(!seen.is_empty());
    for r in &seen {
        assert_eq!(
            r.authorization.as_deref(),
            Some(format!("Bearer {key}").as_str()),
            "{}",
            r.path
        );
        assert!(!r.body.contains(key), "key in the body of {}", r.path);
    }
    let stored = v.request_json.expect("request recorded");
    assert!(!stored.contains(key));
    assert!(
        v.request_curl
            .expect("curl")
            .contains("$RUNNINGHUB_API_KEY")
    );
}

#[tokio::test]
async fn local_images_are_uploaded_and_their_urls_sent() {
    let (app, sb, cfg) = setup(true).await;
    let png = rhconsole::sandbox::generate_png("local-image");
    let blob = app
        .core
        .engine
        .blobs()
        .put(&png, "cat.png", None)
        .await
        .expect("stored");
    let mut s = spec("with a local image");
    s.image_urls = vec![];
    s.local_images = vec![blob];
    let id = launch(&app, cfg, s).await;
    let v = wait_final(&app, id, 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    assert_eq!(sb.state.stats().uploads, 1);
    let body: Value = serde_json::from_str(&submits(&sb)[0].body).expect("json");
    let url = body["imageUrls"][0].as_str().expect("url");
    assert!(
        url.starts_with(&format!("{}/uploads/", sb.base_url())),
        "{url}"
    );
    assert!(
        events(&app, id)
            .await
            .iter()
            .any(|e| e.stage == Stage::Upload && e.english().contains("Uploaded image 1/1"))
    );
}

#[tokio::test]
async fn a_restart_mid_task_resumes_following_it() {
    let (app, sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("long one #polls=40")).await;
    wait_status(&app, id, TaskStatus::Running, 10).await;
    let app = app.restart().await;
    let v = wait_final(&app, id, 30).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    assert_eq!(sb.state.stats().submits, 1, "resumed, not resubmitted");
    assert!(
        events(&app, id)
            .await
            .iter()
            .any(|e| e.stage == Stage::Resume)
    );
}

#[tokio::test]
async fn a_crash_during_a_submit_is_never_resubmitted() {
    let (app, sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("slow answer #hang #id=once")).await;
    // The submit is in the air (the fake holds it for a minute).
    wait_status(&app, id, TaskStatus::Submitting, 10).await;
    let (data, clock) = app.crash().await;
    let app = TestApp::spawn_with(data, clock, Options::default()).await;
    let v = wait_final(&app, id, 10).await;
    assert_eq!(v.status, TaskStatus::SubmitUncertain);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = submits(&sb)
        .iter()
        .filter(|r| r.body.contains("#id=once"))
        .count();
    assert_eq!(sent, 1, "exactly the one submit before the crash");
}

#[tokio::test]
async fn nano_banana_sync_answers_urls_or_base64() {
    let sb = sandbox().await;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut cfg = rh_config("nano", &sb.base_url());
    cfg["api_type"] = json!("nano-banana-edits");
    cfg["draw_endpoint"] = json!("/v1/images/edits");
    cfg["result_endpoint"] = json!("");
    cfg["upload_endpoint"] = json!("");
    cfg["model_name"] = json!("nano-banana");
    cfg["is_sync_api"] = json!(true);
    let cfg = create_config(&app, &admin, cfg).await;
    let png = rhconsole::sandbox::generate_png("input");
    let blob = app
        .core
        .engine
        .blobs()
        .put(&png, "in.png", None)
        .await
        .expect("stored");
    let mut s = spec("nano url");
    s.image_urls = vec![];
    s.local_images = vec![blob.clone()];
    let id = launch(&app, cfg, s).await;
    let v = wait_final(&app, id, 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    assert!(
        v.results[0]
            .url
            .as_deref()
            .is_some_and(|u| u.starts_with("http://"))
    );
    let req = submits(&sb).pop().expect("a submit");
    assert!(
        req.content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("multipart/form-data"))
    );

    let mut s = spec("nano b64 #b64");
    s.image_urls = vec![];
    s.local_images = vec![blob];
    let id = launch(&app, cfg, s).await;
    let v = wait_final(&app, id, 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    let url = v.results[0].url.clone().expect("url");
    assert!(url.starts_with("/files/"), "{url}");
    let r = admin.get(app.url(&url)).send().await.expect("get");
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.expect("bytes").starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn nano_banana_async_is_polled_on_the_result_endpoint() {
    let sb = sandbox().await;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut cfg = rh_config("nano-async", &sb.base_url());
    cfg["api_type"] = json!("nano-banana-edits");
    cfg["draw_endpoint"] = json!("/v1/async/images/edits");
    cfg["result_endpoint"] = json!("/v1/async/tasks/{task_id}");
    cfg["upload_endpoint"] = json!("");
    cfg["is_sync_api"] = json!(false);
    let cfg = create_config(&app, &admin, cfg).await;
    let png = rhconsole::sandbox::generate_png("input");
    let blob = app
        .core
        .engine
        .blobs()
        .put(&png, "in.png", None)
        .await
        .expect("stored");
    let mut s = spec("nano async");
    s.image_urls = vec![];
    s.local_images = vec![blob];
    let id = launch(&app, cfg, s).await;
    let v = wait_final(&app, id, 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    assert!(sb.state.stats().polls >= 2);
}

#[tokio::test]
async fn resuming_a_stream_from_n_yields_exactly_the_events_after_n() {
    use futures::StreamExt;
    let (app, _sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("streamed")).await;
    let v = wait_final(&app, id, 20).await;
    let all = events(&app, id).await;
    assert_eq!(all.len() as i64, v.last_seq);
    for n in [0, 1, 3, v.last_seq - 1, v.last_seq] {
        let mut s = rhconsole::tasks::stream::task_stream(&app.core.engine, id, n)
            .await
            .expect("stream");
        let mut seen = Vec::new();
        while let Some(m) = tokio::time::timeout(Duration::from_secs(5), s.next())
            .await
            .expect("no hang")
        {
            match m {
                StreamMsg::Event { event } => seen.push(event.seq),
                StreamMsg::End => break,
                _ => {}
            }
        }
        assert_eq!(
            seen,
            ((n + 1)..=v.last_seq).collect::<Vec<_>>(),
            "after {n}"
        );
    }
}

#[tokio::test]
async fn a_live_stream_has_no_gaps_and_no_duplicates() {
    use futures::StreamExt;
    let (app, _sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("live #polls=15")).await;
    wait_status(&app, id, TaskStatus::Queued, 10).await;
    // Join late, from the middle.
    let mut s = rhconsole::tasks::stream::task_stream(&app.core.engine, id, 2)
        .await
        .expect("stream");
    let mut seen = Vec::new();
    while let Some(m) = tokio::time::timeout(Duration::from_secs(15), s.next())
        .await
        .expect("no hang")
    {
        match m {
            StreamMsg::Event { event } => seen.push(event.seq),
            StreamMsg::End => break,
            _ => {}
        }
    }
    let v = wait_final(&app, id, 5).await;
    assert_eq!(seen, (3..=v.last_seq).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_slow_provider_does_not_hold_up_another() {
    let slow_sb = sandbox().await;
    let fast_sb = sandbox().await;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut slow_cfg = rh_config("Slow", &slow_sb.base_url());
    slow_cfg["max_concurrency"] = json!(3);
    let slow = create_config(&app, &admin, slow_cfg).await;
    let fast = create_config(&app, &admin, rh_config("Fast", &fast_sb.base_url())).await;
    let mut stuck = Vec::new();
    for i in 0..6 {
        stuck.push(launch(&app, slow, spec(&format!("stuck {i} #hang"))).await);
    }
    let quick = launch(&app, fast, spec("quick")).await;
    let v = wait_final(&app, quick, 5).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    let mut waiting = 0;
    for id in stuck {
        let t = rhconsole::db::task::view(&app.core.db.read, id)
            .await
            .expect("view")
            .expect("task");
        assert!(!t.status.is_terminal(), "the slow ones are still going");
        if t.status == TaskStatus::Pending {
            waiting += 1;
        }
    }
    assert_eq!(
        waiting, 3,
        "the slow config's limit (3) holds the others back, not the fast config"
    );
}
