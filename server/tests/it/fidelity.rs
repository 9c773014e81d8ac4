//! Provider fidelity: the faults real integrations of these APIs ran into, produced by the
//! sandbox's scenario tags, end in the right state (and cost no second paid submit).

use crate::common::*;
use app::domain::*;
use app::i18n::{Lang, Localized};
use serde_json::json;
use std::time::Duration;

/// How many submits carrying `marker` in their body reached the sandbox.
fn submits_of(sb: &rhconsole::sandbox::SandboxHandle, marker: &str) -> usize {
    submits(sb)
        .iter()
        .filter(|r| r.body.contains(marker))
        .count()
}

/// Asserts that task `id` ended as "submit may have reached the provider", with the line
/// that tells a person to check the provider's call record, in both languages.
async fn assert_outcome_unknown(app: &TestApp, id: TaskId, what: &str) {
    let v = task_view(app, id).await;
    assert_eq!(
        v.status,
        TaskStatus::SubmitUncertain,
        "{what}: {:?}",
        v.error_message
    );
    assert_eq!(v.error_code.as_deref(), Some("submit_uncertain"), "{what}");
    assert!(
        v.error_message
            .as_deref()
            .is_some_and(|m| m.contains("call record")),
        "{what}: {:?}",
        v.error_message
    );
    let evs = events(app, id).await;
    let last = evs.last().expect("events");
    assert!(
        matches!(
            last.text,
            Said::Text(EventText::SubmitOutcomeUnknown { .. })
        ),
        "{what}: {:?}",
        last.text
    );
    assert!(last.text.render(Lang::Zh).contains("调用记录"), "{what}");
    assert!(last.text.render(Lang::En).contains("sent at"), "{what}");
}

#[tokio::test]
async fn a_submit_whose_answer_never_came_is_never_sent_again() {
    let app = TestApp::spawn_opts(Options {
        request_timeout_secs: 1,
        ..Default::default()
    })
    .await;
    let admin = app.admin().await;
    let (sb, cfg) = sandbox_config(&app, &admin, "late", json!({})).await;
    for (prompt, marker) in [
        // The answer comes after the read timeout: the request was sent.
        ("late answer #hang #id=late", "#id=late"),
        // The provider takes the task, then the connection breaks before the answer.
        ("dropped answer #drop #id=dropped", "#id=dropped"),
    ] {
        let (id, _) = run_task(&app, cfg, spec(prompt), 20).await;
        // Final: the engine follows it no further, so no later submit can come.
        assert_outcome_unknown(&app, id, prompt).await;
        assert_eq!(
            submits_of(&sb, marker),
            1,
            "{prompt}: sent once, never again"
        );
    }
}

#[tokio::test]
async fn an_accepted_submit_without_a_task_id_may_have_been_billed() {
    let (app, _admin, sb, cfg) = app_with_sandbox("no id").await;
    let (id, _) = run_task(&app, cfg, spec("accepted #noid #id=noid"), 20).await;
    assert_outcome_unknown(&app, id, "#noid").await;
    assert_eq!(submits_of(&sb, "#id=noid"), 1);
}

#[tokio::test]
async fn a_submit_the_provider_refused_is_sent_again_and_goes_through() {
    let (app, _admin, sb, cfg) = app_with_sandbox("refused").await;
    for tag in ["#http502", "#http429", "#queuefull"] {
        let marker = format!("#id=refused{}", tag.trim_start_matches('#'));
        let (_, v) = run_task(&app, cfg, spec(&format!("refused {tag} {marker}")), 20).await;
        assert_eq!(
            v.status,
            TaskStatus::Succeeded,
            "{tag}: {:?}",
            v.error_message
        );
        assert_eq!(
            submits_of(&sb, &marker),
            2,
            "{tag}: refused once, then accepted"
        );
    }
}

/// The `delay_ms` of every event of task `id` that waited before trying again.
async fn waits(app: &TestApp, id: TaskId) -> Vec<(&'static str, i64)> {
    events(app, id)
        .await
        .into_iter()
        .filter_map(|e| match e.text {
            Said::Text(EventText::SubmitRetry { delay_ms, .. }) => Some(("submit", delay_ms)),
            Said::Text(EventText::PollWait { delay_ms, .. }) => Some(("poll wait", delay_ms)),
            Said::Text(EventText::PollRetry { .. }) => Some(("poll retry", -1)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_wait_the_provider_asks_for_is_honoured_and_shown() {
    let (app, _admin, sb, cfg) = app_with_sandbox("rate limited").await;
    // Retry-After in seconds replaces the backoff (30 ms here), with nothing added on top.
    let (id, v) = run_task(&app, cfg, spec("busy #http429 #retryafter=1 #id=ra1"), 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    assert_eq!(waits(&app, id).await, vec![("submit", 1000)]);
    assert_eq!(submits_of(&sb, "#id=ra1"), 2);
    // Zero means now.
    let (id, _) = run_task(&app, cfg, spec("busy #http429 #retryafter=0 #id=ra0"), 20).await;
    assert_eq!(waits(&app, id).await, vec![("submit", 0)]);
    // A value that is neither seconds nor a date falls back to the backoff.
    let (id, _) = run_task(&app, cfg, spec("busy #http429 #retryafter=soon"), 20).await;
    let w = waits(&app, id).await;
    assert!(
        matches!(w.as_slice(), [("submit", ms)] if (1..=100).contains(ms)),
        "{w:?}"
    );
}

#[tokio::test]
async fn a_rate_limited_poll_only_delays_polling() {
    let (app, _admin, sb, cfg) = app_with_sandbox("poll 429").await;
    let (id, v) = run_task(
        &app,
        cfg,
        spec("slow down #poll429 #retryafter=1 #id=p429"),
        20,
    )
    .await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    // Not a failed poll (no retry counted), and the submit was not repeated.
    assert_eq!(waits(&app, id).await, vec![("poll wait", 1000)]);
    assert_eq!(submits_of(&sb, "#id=p429"), 1);
    let wait = events(&app, id)
        .await
        .into_iter()
        .find(|e| matches!(e.text, Said::Text(EventText::PollWait { .. })))
        .expect("the wait is in the live log");
    assert!(
        wait.text.render(Lang::Zh).contains("1.0 秒"),
        "{:?}",
        wait.text
    );
}

/// The bodies of the queries (polls) the sandbox received.
fn queries(sb: &rhconsole::sandbox::SandboxHandle) -> Vec<String> {
    sb.state
        .seen
        .lock()
        .map(|v| {
            v.iter()
                .filter(|r| r.path.ends_with("/query"))
                .map(|r| r.body.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn status_and_id_spellings_are_followed_to_the_end() {
    let (app, _admin, sb, cfg) = app_with_sandbox("spellings").await;
    for tags in [
        "#lowercase",
        "#numericid",
        "#snakeid",
        "#envelope",
        "#lowercase #numericid #snakeid #envelope",
    ] {
        let (_, v) = run_task(&app, cfg, spec(&format!("spelled {tags}")), 20).await;
        assert_eq!(
            v.status,
            TaskStatus::Succeeded,
            "{tags}: {:?}",
            v.error_message
        );
        let pid = v.provider_task_id.expect("a provider task id");
        if tags.contains("#numericid") {
            // 22 digits, every one kept (a float would end in zeros or an exponent).
            assert!(
                pid.len() == 22 && pid.starts_with("9007199254740993"),
                "{tags}: {pid}"
            );
        }
        assert!(
            queries(&sb)
                .iter()
                .any(|q| q.contains(&format!("\"{pid}\""))),
            "{tags}: polled with the id as sent: {pid}"
        );
    }
}

/// The statuses nobody documented that the log of task `id` reports.
async fn undocumented(app: &TestApp, id: TaskId) -> Vec<String> {
    events(app, id)
        .await
        .into_iter()
        .filter_map(|e| match e.text {
            Said::Text(EventText::UndocumentedStatus { status }) => Some(status),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_status_nobody_documented_is_logged_once_and_polling_goes_on() {
    let (app, _admin, _sb, cfg) = app_with_sandbox("undocumented").await;
    // Six polls answer PAUSED, then SUCCESS: once a failure streak, now just a status.
    let (id, v) = run_task(&app, cfg, spec("paused #unknown #polls=6"), 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    assert_eq!(undocumented(&app, id).await, vec!["PAUSED".to_owned()]);

    // Forever PAUSED: neither success nor failure, polled until the deadline, then timed out.
    let id = launch(&app, cfg, spec("paused forever #unknown #never")).await;
    wait_until(10, "the undocumented status is logged", || async {
        !undocumented(&app, id).await.is_empty()
    })
    .await;
    assert!(!task_view(&app, id).await.status.is_terminal());
    app.clock.advance(Duration::from_secs(61));
    let v = wait_final(&app, id, 10).await;
    assert_eq!(v.status, TaskStatus::TimedOut, "{:?}", v.error_message);
    assert_eq!(undocumented(&app, id).await, vec!["PAUSED".to_owned()]);
}

#[tokio::test]
async fn a_success_without_an_image_is_a_failure_that_quotes_the_answer() {
    let (app, _admin, _sb, cfg) = app_with_sandbox("no image").await;
    for (tag, quoted) in [
        ("#textonly", "a caption instead of an image"),
        ("#emptyresults", "\"results\":[]"),
        ("#nullurl", "\"url\":null"),
    ] {
        let (_, v) = run_task(&app, cfg, spec(&format!("nothing {tag}")), 20).await;
        assert_eq!(v.status, TaskStatus::Failed, "{tag}");
        assert_eq!(v.error_code.as_deref(), Some("no_image"), "{tag}");
        let msg = v.error_message.unwrap_or_default();
        assert!(msg.contains(quoted), "{tag}: {msg}");
    }
}

/// Whether `text` holds a run of 100 or more base64 characters (an image that leaked).
fn has_base64_run(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "+/=-_".contains(c) {
            run += 1;
            if run >= 100 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

#[tokio::test]
async fn base64_images_are_read_tolerantly_and_taken_only_when_they_are_images() {
    let nano = nano_sync_config();
    let (app, _admin, _sb, cfg) = app_with_sandbox_config("nano b64", nano).await;
    let blob = stored_png(&app, "input", "in.png").await;
    // A data: URL in the URL-safe alphabet, without padding, broken into lines.
    let (ok, v) = run_task(&app, cfg, local_spec("tolerant #b64url", blob.clone()), 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    let url = v.results[0].url.clone().expect("kept");
    assert!(url.starts_with("/files/") && url.ends_with(".png"), "{url}");
    // Base64 of something that is not an image.
    let (bad, v) = run_task(&app, cfg, local_spec("not an image #b64text", blob), 20).await;
    assert_eq!(v.status, TaskStatus::Failed);
    assert_eq!(v.error_code.as_deref(), Some("no_image"));
    let msg = v.error_message.unwrap_or_default();
    assert!(msg.contains("not a PNG, JPEG or WEBP image"), "{msg}");
    for id in [ok, bad] {
        for e in events(&app, id).await {
            let text = e.text.render(Lang::En);
            assert!(!has_base64_run(&text), "base64 in an event: {text}");
        }
        let row = format!("{:?}", task_view(&app, id).await);
        assert!(!has_base64_run(&row), "base64 in the task row");
    }
}

#[tokio::test]
async fn failure_reasons_in_other_shapes_read_as_text() {
    let (app, _admin, _sb, cfg) = app_with_sandbox("reasons").await;
    for (tag, said) in [
        (
            "#failedreason",
            "KSampler (node 3): RuntimeError: CUDA out of memory",
        ),
        ("#errorobject", "model overloaded"),
    ] {
        let (id, v) = run_task(&app, cfg, spec(&format!("reason {tag}")), 20).await;
        assert_eq!(v.status, TaskStatus::Failed, "{tag}");
        let msg = v.error_message.unwrap_or_default();
        assert!(msg.contains(said), "{tag}: {msg}");
        let log: String = events(&app, id)
            .await
            .iter()
            .map(|e| e.text.render(Lang::En))
            .collect();
        assert!(
            log.contains(said) && !log.contains("[object"),
            "{tag}: {log}"
        );
    }
}

#[tokio::test]
async fn an_endpoint_that_does_not_exist_reads_as_such() {
    let changes = json!({ "draw_endpoint": "/openapi/v2/no-such-model/edit" });
    let (app, _admin, _sb, cfg) = app_with_sandbox_config("404", changes).await;
    let (_, v) = run_task(&app, cfg, spec("wrong endpoint"), 20).await;
    assert_eq!(v.status, TaskStatus::Failed);
    assert_eq!(v.error_code.as_deref(), Some("http_404"));
    let msg = v.error_message.unwrap_or_default();
    assert!(
        msg.contains("endpoint not found: check the host and endpoint"),
        "{msg}"
    );
    let why = explain_error(v.error_code.as_deref(), Some(&msg)).expect("explained");
    assert!(why.text(Lang::Zh).contains("接口路径"));
}

#[tokio::test]
async fn a_refused_upload_stops_the_task_before_any_submit() {
    for (endpoint, said) in [
        ("/upload-too-large", "refused as too large (HTTP 413)"),
        ("/upload-refused", "file too large"),
    ] {
        let changes = json!({ "upload_endpoint": endpoint });
        let (app, _admin, sb, cfg) = app_with_sandbox_config("upload", changes).await;
        let blob = stored_png(&app, "upload", "猫 \"1\".png").await;
        let (id, v) = run_task(&app, cfg, local_spec("refused upload #id=up", blob), 20).await;
        assert_eq!(v.status, TaskStatus::Failed, "{endpoint}");
        let msg = v.error_message.unwrap_or_default();
        assert!(
            msg.contains(said) && !msg.contains("<html"),
            "{endpoint}: {msg}"
        );
        assert_eq!(submits(&sb).len(), 0, "{endpoint}: nothing was submitted");
        let stages: Vec<Stage> = events(&app, id).await.iter().map(|e| e.stage).collect();
        assert!(!stages.contains(&Stage::Submit), "{endpoint}: {stages:?}");
    }
}

/// A nano-banana sync config on `sb` named `name`, with `changes` over [`nano_sync_config`].
async fn nano_config(
    app: &TestApp,
    admin: &reqwest::Client,
    sb: &rhconsole::sandbox::SandboxHandle,
    name: &str,
    changes: serde_json::Value,
) -> i64 {
    let input = with_fields(
        with_fields(rh_config(name, &sb.base_url()), nano_sync_config()),
        changes,
    );
    create_config(app, admin, input).await
}

#[tokio::test]
async fn a_sync_gateway_waits_as_long_as_its_config_allows_and_never_past_the_deadline() {
    // The server's own bound of a sync call is 1 s here.
    let app = TestApp::spawn_opts(Options {
        request_timeout_secs: 1,
        ..Options::default()
    })
    .await;
    let admin = app.admin().await;
    let sb = sandbox().await;
    let blob = stored_png(&app, "input", "in.png").await;
    let server_default = nano_config(&app, &admin, &sb, "server bound", json!({})).await;
    let own = json!({ "sync_timeout_secs": 30 });
    let patient = nano_config(&app, &admin, &sb, "own bound", own).await;
    let spec = local_spec("slow first byte #wait=3", blob.clone());
    let (id, _) = run_task(&app, server_default, spec.clone(), 20).await;
    assert_outcome_unknown(&app, id, "the server's 1 s bound").await;
    let (_, v) = run_task(&app, patient, spec, 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);

    // A generous server bound (60 s) and a config bound of 600 s still stop at the config's
    // 10 s task deadline, although the gateway would have answered at 25 s.
    let app = TestApp::spawn_opts(Options {
        request_timeout_secs: 60,
        ..Options::default()
    })
    .await;
    let admin = app.admin().await;
    let changes = json!({ "sync_timeout_secs": 600, "timeout_secs": 10 });
    let short = nano_config(&app, &admin, &sb, "short deadline", changes).await;
    let blob = stored_png(&app, "input", "in.png").await;
    let (id, _) = run_task(&app, short, local_spec("late #wait=25", blob), 20).await;
    assert_outcome_unknown(&app, id, "the task's deadline").await;
}

#[tokio::test]
async fn several_images_go_under_the_field_name_the_gateway_reads() {
    let (app, admin) = app_with_admin().await;
    let sb = sandbox().await;
    let a = stored_png(&app, "one", "a.png").await;
    let b = stored_png(&app, "two", "b.png").await;
    let two = |prompt: &str| TaskSpec {
        local_images: vec![a.clone(), b.clone()],
        ..local_spec(prompt, a.clone())
    };
    let auto = nano_config(&app, &admin, &sb, "auto", json!({})).await;
    let image = json!({ "image_field": "image" });
    let repeated = nano_config(&app, &admin, &sb, "image", image).await;
    let parts = |evs: &[TaskEvent]| -> Vec<(usize, String)> {
        evs.iter()
            .filter_map(|e| match &e.text {
                Said::Text(EventText::ImageParts { count, field }) => Some((*count, field.clone())),
                _ => None,
            })
            .collect()
    };
    // OpenAI's spelling for several images, to a gateway that reads it.
    let (id, v) = run_task(&app, auto, two("two #imagefield=image[]"), 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    assert_eq!(parts(&events(&app, id).await), [(2, "image[]".to_owned())]);
    // The same to a gateway that reads only `image`: it sees no image at all.
    let (_, v) = run_task(&app, auto, two("two #imagefield=image"), 20).await;
    assert_eq!(v.status, TaskStatus::Failed);
    let msg = v.error_message.unwrap_or_default();
    assert!(msg.contains("at least one image is required"), "{msg}");
    // A config that says `image` reaches it, and the log says how.
    let (id, v) = run_task(&app, repeated, two("two #imagefield=image"), 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    let evs = events(&app, id).await;
    assert_eq!(parts(&evs), [(2, "image".to_owned())]);
    let line = evs
        .iter()
        .find(|e| matches!(e.text, Said::Text(EventText::ImageParts { .. })))
        .expect("the parts line");
    assert!(line.text.render(Lang::Zh).contains("表单字段名 image"));
}
