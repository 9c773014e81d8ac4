//! The task engine against the in-repo fake provider: every status path, every error shape,
//! retries, timeouts, cancel, uploads, restarts and double submits.

use crate::common::*;
use app::domain::*;
use rhconsole::sandbox::SandboxHandle;
use serde_json::{Value, json};
use std::time::Duration;

/// A fresh app with a sandbox config whose retries are on or off.
async fn setup(retry: bool) -> (TestApp, SandboxHandle, i64) {
    let (app, _admin, sb, cfg) =
        app_with_sandbox_config("Sandbox", json!({ "enable_retry": retry })).await;
    (app, sb, cfg)
}

/// Runs `prompt` as the only task of a fresh `setup(retry)` and returns it once final.
async fn final_task(retry: bool, prompt: &str, secs: u64) -> TaskView {
    let (app, _sb, cfg) = setup(retry).await;
    run_task(&app, cfg, spec(prompt), secs).await.1
}

/// The JSON body of the `i`-th submit the sandbox received.
fn submitted_json(sb: &SandboxHandle, i: usize) -> Value {
    serde_json::from_str(&submits(sb)[i].body).expect("json")
}

/// How many submits the sandbox received with any of `tags` in their body.
fn submits_with(sb: &SandboxHandle, tags: &[&str]) -> usize {
    submits(sb)
        .iter()
        .filter(|r| tags.iter().any(|t| r.body.contains(t)))
        .count()
}

/// The event numbers a stream of the task joined after `after` yields until its end (each
/// message within `secs`).
async fn streamed_seqs(app: &TestApp, id: TaskId, after: i64, secs: u64) -> Vec<i64> {
    use futures::StreamExt;
    let mut s = rhconsole::tasks::stream::task_stream(&app.core.engine, id, after)
        .await
        .expect("stream");
    let mut seen = Vec::new();
    while let Some(m) = tokio::time::timeout(Duration::from_secs(secs), s.next())
        .await
        .expect("no hang")
    {
        match m {
            StreamMsg::Event { event } => seen.push(event.seq),
            StreamMsg::End => break,
            _ => {}
        }
    }
    seen
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
    let (id, v) = run_task(&app, cfg, spec("make it blue"), 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    assert_eq!(v.results.len(), 1);
    // The provider's link, and the console's own copy of the image.
    let r = &v.results[0];
    assert!(
        r.provider_url
            .as_deref()
            .is_some_and(|u| u.ends_with("-0.png")),
        "{r:?}"
    );
    assert!(
        r.url.as_deref().is_some_and(|u| u.starts_with("/files/")),
        "{r:?}"
    );
    assert_eq!(
        v.usage.cost(),
        Some(app::domain::Cost::Money("0.14".into()))
    );
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
        // An undocumented status while running is neither success nor failure.
        ("#unknown", TaskStatus::Succeeded, None),
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
    let (_, v) = run_task(&app, cfg, spec("now #instant"), 10).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    assert_eq!(sb.state.stats().polls, 0);
}

#[tokio::test]
async fn an_error_inside_http_200_fails_without_retry() {
    let (app, sb, cfg) = setup(true).await;
    for (tag, code) in [("#auth", "802"), ("#balance", "812")] {
        let (_, v) = run_task(&app, cfg, spec(&format!("x {tag}")), 10).await;
        assert_eq!(v.status, TaskStatus::Failed, "{tag}");
        assert_eq!(v.error_code.as_deref(), Some(code));
        assert_eq!(v.attempts, 1, "{tag} is never retried");
    }
    assert_eq!(submits_with(&sb, &["#auth", "#balance"]), 2);
}

#[tokio::test]
async fn an_html_502_is_retried_and_then_succeeds() {
    let (app, _sb, cfg) = setup(true).await;
    let (id, v) = run_task(&app, cfg, spec("gateway #http502"), 20).await;
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
    let v = final_task(true, "busy #http429", 20).await;
    assert_eq!((v.status, v.attempts), (TaskStatus::Succeeded, 2));
}

#[tokio::test]
async fn no_retry_when_retry_is_off() {
    let v = final_task(false, "busy #http429", 10).await;
    let outcome = (v.status, v.attempts, v.error_code.as_deref());
    assert_eq!(outcome, (TaskStatus::Failed, 1, Some("http_429")));
}

#[tokio::test]
async fn a_provider_that_keeps_failing_exhausts_the_retries() {
    let v = final_task(true, "down #http502always", 30).await;
    let outcome = (v.status, v.attempts, v.error_code.as_deref());
    assert_eq!(outcome, (TaskStatus::Failed, 4, Some("http_502")));
}

#[tokio::test]
async fn malformed_json_fails_clearly() {
    let (app, _sb, cfg) = setup(true).await;
    // A submit answered with garbage may have been taken: it is not failed (nor sent again)
    // but left for a person to check.
    let (_, v) = run_task(&app, cfg, spec("garbage #malformed"), 10).await;
    assert_eq!(v.status, TaskStatus::SubmitUncertain);
    assert_eq!(v.error_code.as_deref(), Some("submit_uncertain"));
    assert!(
        v.error_message
            .as_deref()
            .is_some_and(|m| m.contains("not JSON")),
        "{:?}",
        v.error_message
    );
    let (_, v) = run_task(&app, cfg, spec("garbage #malformedpoll"), 10).await;
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
    let (_, v) = run_task(&app, cfg, s, 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded);
    assert_eq!(
        v.warnings,
        vec![app::domain::Said::Text(EventText::ImagesCut {
            total: 11,
            sent: 10
        })]
    );
    let body = submitted_json(&sb, 0);
    assert_eq!(body["imageUrls"].as_array().map(Vec::len), Some(10));
    assert_eq!(body["imageUrls"][9], "https://example.com/9.png");
}

#[tokio::test]
async fn auto_leaves_the_aspect_ratio_out_and_resolution_is_sent_lowercase() {
    let (app, sb, cfg) = setup(true).await;
    let mut s = spec("auto");
    s.resolution = "4K".into();
    run_task(&app, cfg, s, 20).await;
    let mut s = spec("three four");
    s.aspect_ratio = "3:4".into();
    run_task(&app, cfg, s, 20).await;
    let first = submitted_json(&sb, 0);
    assert_eq!(first["resolution"], "4k");
    assert!(first.get("aspectRatio").is_none(), "{first}");
    let second = submitted_json(&sb, 1);
    assert_eq!(second["aspectRatio"], "3:4");
}

#[tokio::test]
async fn the_key_travels_as_a_bearer_header_and_nowhere_else() {
    let (app, sb, cfg) = setup(true).await;
    let (_, v) = run_task(&app, cfg, spec("auth check"), 20).await;
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
    let blob = stored_png(&app, "local-image", "cat.png").await;
    let (id, v) = run_task(&app, cfg, local_spec("with a local image", blob), 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    assert_eq!(sb.state.stats().uploads, 1);
    let body = submitted_json(&sb, 0);
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
    assert_eq!(
        submits_with(&sb, &["#id=once"]),
        1,
        "exactly the one submit before the crash"
    );
}

#[tokio::test]
async fn nano_banana_sync_answers_urls_or_base64() {
    let nano = nano_sync_config();
    let (app, admin, sb, cfg) = app_with_sandbox_config("nano", nano).await;
    let blob = stored_png(&app, "input", "in.png").await;
    let (_, v) = run_task(&app, cfg, local_spec("nano url", blob.clone()), 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    assert!(
        v.results[0]
            .provider_url
            .as_deref()
            .is_some_and(|u| u.starts_with("http://")),
        "{:?}",
        v.results[0]
    );
    let req = submits(&sb).pop().expect("a submit");
    assert!(
        req.content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("multipart/form-data"))
    );

    let (_, v) = run_task(&app, cfg, local_spec("nano b64 #b64", blob), 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    let url = v.results[0].url.clone().expect("url");
    assert!(url.starts_with("/files/"), "{url}");
    let r = app.get(&admin, &url).await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.expect("bytes").starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn nano_banana_async_is_polled_on_the_result_endpoint() {
    let nano_async = json!({
        "api_type": "nano-banana-edits",
        "draw_endpoint": "/v1/async/images/edits",
        "result_endpoint": "/v1/async/tasks/{task_id}",
        "upload_endpoint": "",
        "is_sync_api": false
    });
    let (app, _admin, sb, cfg) = app_with_sandbox_config("nano-async", nano_async).await;
    let blob = stored_png(&app, "input", "in.png").await;
    let (_, v) = run_task(&app, cfg, local_spec("nano async", blob), 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    assert!(sb.state.stats().polls >= 2);
}

#[tokio::test]
async fn resuming_a_stream_from_n_yields_exactly_the_events_after_n() {
    let (app, _sb, cfg) = setup(true).await;
    let (id, v) = run_task(&app, cfg, spec("streamed"), 20).await;
    let all = events(&app, id).await;
    assert_eq!(all.len() as i64, v.last_seq);
    for n in [0, 1, 3, v.last_seq - 1, v.last_seq] {
        assert_eq!(
            streamed_seqs(&app, id, n, 5).await,
            ((n + 1)..=v.last_seq).collect::<Vec<_>>(),
            "after {n}"
        );
    }
}

#[tokio::test]
async fn a_live_stream_has_no_gaps_and_no_duplicates() {
    let (app, _sb, cfg) = setup(true).await;
    let id = launch(&app, cfg, spec("live #polls=15")).await;
    wait_status(&app, id, TaskStatus::Queued, 10).await;
    // Join late, from the middle.
    let seen = streamed_seqs(&app, id, 2, 15).await;
    let v = wait_final(&app, id, 5).await;
    assert_eq!(seen, (3..=v.last_seq).collect::<Vec<_>>());
}

/// `serve --sandbox` restarted: the in-memory fake forgot what it was running, so those tasks
/// end at once as failed, saying why, instead of failing later with a bare "task not found";
/// tasks of other configs go on.
#[tokio::test]
async fn tasks_the_restarted_sandbox_forgot_end_as_failed_with_a_reason() {
    let (app, admin, _sb, fake) = app_with_sandbox("Sandbox").await;
    let (_sb2, other) = sandbox_config(&app, &admin, "Elsewhere", json!({})).await;
    let forgotten = launch(&app, fake, spec("long #polls=500")).await;
    let kept = launch(&app, other, spec("long #polls=500")).await;
    wait_status(&app, forgotten, TaskStatus::Running, 15).await;
    let ended = app
        .core
        .engine
        .fail_forgotten_by_sandbox(ConfigId(fake))
        .await
        .expect("ended");
    assert_eq!(ended, 1);
    let v = task_view(&app, forgotten).await;
    assert_eq!(v.status, TaskStatus::Failed);
    assert_eq!(v.error_code.as_deref(), Some("sandbox_restarted"));
    assert!(said(events(&app, forgotten).await).contains(&EventText::SandboxRestarted));
    assert!(
        !task_view(&app, kept).await.status.is_terminal(),
        "other configs go on"
    );
}
