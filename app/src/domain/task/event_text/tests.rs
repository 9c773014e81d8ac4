//! Every kind of event, as the previous version stored it and as the CLI printed it.

use super::*;
use crate::domain::{AspectRatio, Region, Resolution};
use crate::i18n::KEPT_IN_CHINESE;

/// One of each kind of event (both forms where a field picks the sentence), with its JSON as
/// stored by the version that stored each event twice and the English it showed then.
fn stored_before() -> Vec<(EventText, &'static str, &'static str)> {
    vec![
        (
            EventText::Created {
                by: "admin".into(),
                config: "RunningHub-全能图片PRO".into(),
                version: 3,
                region: Region::Overseas,
                resolution: Resolution::R2k,
                aspect: AspectRatio::Auto,
                images: 2,
            },
            r#"{"t":"created","by":"admin","config":"RunningHub-全能图片PRO","version":3,"region":"overseas","resolution":"2k","aspect":"auto","images":2}"#,
            "Created by admin for RunningHub-全能图片PRO (v3), overseas host, 2K resolution, aspect ratio Auto (follow the input image), 2 image(s)",
        ),
        (
            EventText::Created {
                by: "operator".into(),
                config: "nano".into(),
                version: 1,
                region: Region::Domestic,
                resolution: Resolution::R1k,
                aspect: AspectRatio::R16x9,
                images: 1,
            },
            r#"{"t":"created","by":"operator","config":"nano","version":1,"region":"domestic","resolution":"1k","aspect":"16:9","images":1}"#,
            "Created by operator for nano (v1), domestic host, 1K resolution, aspect ratio 16:9, 1 image(s)",
        ),
        (
            EventText::ImagesCut {
                total: 12,
                sent: 10,
            },
            r#"{"t":"images_cut","total":12,"sent":10}"#,
            "12 images given: only the first 10 are sent, 2 left out",
        ),
        (
            EventText::Uploading { count: 2 },
            r#"{"t":"uploading","count":2}"#,
            "Uploading 2 local image(s)",
        ),
        (
            EventText::Uploaded {
                n: 1,
                of: 2,
                url: "https://www.runninghub.cn/media/a.png".into(),
            },
            r#"{"t":"uploaded","n":1,"of":2,"url":"https://www.runninghub.cn/media/a.png"}"#,
            "Uploaded image 1/2: https://www.runninghub.cn/media/a.png",
        ),
        (
            EventText::UploadRetry {
                n: 2,
                of: 2,
                error: "HTTP 502 Bad Gateway".into(),
                delay_ms: 1_500,
            },
            r#"{"t":"upload_retry","n":2,"of":2,"error":"HTTP 502 Bad Gateway","delay_ms":1500}"#,
            "Upload of image 2/2 failed: HTTP 502 Bad Gateway; retrying in 1.5 s",
        ),
        (
            EventText::Submitting {
                attempt: 1,
                max: 3,
                url: "https://www.runninghub.cn/openapi/v2/rhart-image-n-pro/edit".into(),
            },
            r#"{"t":"submitting","attempt":1,"max":3,"url":"https://www.runninghub.cn/openapi/v2/rhart-image-n-pro/edit"}"#,
            "Submitting (attempt 1/3): POST https://www.runninghub.cn/openapi/v2/rhart-image-n-pro/edit",
        ),
        (
            EventText::SubmitFailed {
                error: "connection refused".into(),
            },
            r#"{"t":"submit_failed","error":"connection refused"}"#,
            "Submit failed: connection refused",
        ),
        (
            EventText::SubmitRetry {
                error: "timed out".into(),
                maybe_sent: true,
                delay_ms: 2_000,
                next: 2,
                max: 3,
            },
            r#"{"t":"submit_retry","error":"timed out","maybe_sent":true,"delay_ms":2000,"next":2,"max":3}"#,
            "Submit failed: timed out (the request may have reached the provider); retrying in 2.0 s (attempt 2/3)",
        ),
        (
            EventText::SubmitRetry {
                error: "HTTP 502 Bad Gateway".into(),
                maybe_sent: false,
                delay_ms: 500,
                next: 2,
                max: 3,
            },
            r#"{"t":"submit_retry","error":"HTTP 502 Bad Gateway","maybe_sent":false,"delay_ms":500,"next":2,"max":3}"#,
            "Submit failed: HTTP 502 Bad Gateway; retrying in 500 ms (attempt 2/3)",
        ),
        (
            EventText::Accepted {
                task_id: "2013508786110730000".into(),
                status: "QUEUED".into(),
            },
            r#"{"t":"accepted","task_id":"2013508786110730000","status":"QUEUED"}"#,
            "Accepted: taskId 2013508786110730000, status QUEUED",
        ),
        (
            EventText::AcceptedDone {
                task_id: "2013508786110730001".into(),
                status: "SUCCESS".into(),
            },
            r#"{"t":"accepted_done","task_id":"2013508786110730001","status":"SUCCESS"}"#,
            "Accepted and already finished (task 2013508786110730001, SUCCESS)",
        ),
        (
            EventText::Answered {
                status: "FAILED".into(),
            },
            r#"{"t":"answered","status":"FAILED"}"#,
            "The provider answered FAILED",
        ),
        (
            EventText::ProviderStatus {
                status: "RUNNING".into(),
            },
            r#"{"t":"provider_status","status":"RUNNING"}"#,
            "Provider status: RUNNING",
        ),
        (
            EventText::StillRunning {
                status: "RUNNING".into(),
                elapsed_ms: 300_000,
                polls: 100,
            },
            r#"{"t":"still_running","status":"RUNNING","elapsed_ms":300000,"polls":100}"#,
            "Still RUNNING after 5 min 00 s (100 polls)",
        ),
        (
            EventText::PollFailed {
                error: "timed out".into(),
                failures: None,
            },
            r#"{"t":"poll_failed","error":"timed out","failures":null}"#,
            "Poll failed: timed out",
        ),
        (
            EventText::PollFailed {
                error: "timed out".into(),
                failures: Some(3),
            },
            r#"{"t":"poll_failed","error":"timed out","failures":3}"#,
            "Poll failed: timed out (3 failed polls in a row)",
        ),
        (
            EventText::PollRetry {
                error: "HTTP 503 Service Unavailable".into(),
                n: 1,
                max: 5,
            },
            r#"{"t":"poll_retry","error":"HTTP 503 Service Unavailable","n":1,"max":5}"#,
            "Poll failed: HTTP 503 Service Unavailable; polling again (1/5)",
        ),
        (
            EventText::NoResultsYet,
            r#"{"t":"no_results_yet"}"#,
            "Provider says SUCCESS but sent no results yet; asking again",
        ),
        (
            EventText::UnknownStatus {
                status: "PAUSED".into(),
                n: 1,
                max: 3,
            },
            r#"{"t":"unknown_status","status":"PAUSED","n":1,"max":3}"#,
            "Unknown status from the provider: \"PAUSED\" (1/3)",
        ),
        (
            EventText::Succeeded {
                elapsed_ms: 21_000,
                results: 1,
                cost: None,
            },
            r#"{"t":"succeeded","elapsed_ms":21000,"results":1,"cost":null}"#,
            "Succeeded after 21.0 s: 1 result(s)",
        ),
        (
            EventText::Succeeded {
                elapsed_ms: 3_720_000,
                results: 2,
                cost: Some("0.14".into()),
            },
            r#"{"t":"succeeded","elapsed_ms":3720000,"results":2,"cost":"0.14"}"#,
            "Succeeded after 1 h 02 min: 2 result(s), cost 0.14",
        ),
        (
            EventText::Failed {
                code: "1501".into(),
                message: "Content verification failed".into(),
            },
            r#"{"t":"failed","code":"1501","message":"Content verification failed"}"#,
            "Failed: [1501] Content verification failed",
        ),
        (
            EventText::TimedOut { after_ms: 60_000 },
            r#"{"t":"timed_out","after_ms":60000}"#,
            "Timed out after 1 min 00 s: the provider gave no final status in time",
        ),
        (
            EventText::ProviderCancelled {
                status: "CANCEL".into(),
            },
            r#"{"t":"provider_cancelled","status":"CANCEL"}"#,
            "The provider cancelled the task (CANCEL)",
        ),
        (
            EventText::Cancelled { by: "admin".into() },
            r#"{"t":"cancelled","by":"admin"}"#,
            "Cancelled by admin: the console stopped following this task. If it had reached the provider, the provider may still finish it.",
        ),
        (
            EventText::Resumed {
                provider_task_id: Some("2013508786110730000".into()),
            },
            r#"{"t":"resumed","provider_task_id":"2013508786110730000"}"#,
            "Picked up again after a restart: following provider task 2013508786110730000",
        ),
        (
            EventText::Resumed {
                provider_task_id: None,
            },
            r#"{"t":"resumed","provider_task_id":null}"#,
            "Picked up again after a restart: it was never sent, so it is sent now",
        ),
        (
            EventText::SubmitUncertain,
            r#"{"t":"submit_uncertain"}"#,
            "The server stopped while a submit request was in the air: the provider may or may not have this task. It is not resubmitted automatically; check with the provider, then run it again if needed.",
        ),
        (
            EventText::WaitingForSlot {
                in_use: 3,
                limit: 3,
            },
            r#"{"t":"waiting_for_slot","in_use":3,"limit":3}"#,
            "Waiting for a slot: 3 of this config's tasks are at the provider (limit 3); it is sent in turn when one ends",
        ),
        (
            EventText::QueueFull {
                code: "421".into(),
                message: "TASK_QUEUE_MAXED".into(),
            },
            r#"{"t":"queue_full","code":"421","message":"TASK_QUEUE_MAXED"}"#,
            "The provider answered that the queue is full (421 TASK_QUEUE_MAXED): back to waiting for a slot; this attempt does not count against the retries",
        ),
        (
            EventText::SandboxRestarted,
            r#"{"t":"sandbox_restarted"}"#,
            "The sandbox was emptied when the console restarted and no longer knows this task: it cannot be followed, so it is marked failed. Run it again if needed.",
        ),
        (
            EventText::SubmitOutcomeUnknown {
                error: "timed out".into(),
                sent_at: crate::domain::Timestamp(1_767_225_600_000),
            },
            r#"{"t":"submit_outcome_unknown","error":"timed out","sent_at":1767225600000}"#,
            "The submit request was sent at 2026-01-01 08:00:00 but no usable answer came back (timed out): the provider may have accepted and billed it. It is not sent again automatically; check the provider's call record before running it again.",
        ),
        (
            EventText::PollWait {
                error: "HTTP 429: Too Many Requests".into(),
                delay_ms: 30_000,
            },
            r#"{"t":"poll_wait","error":"HTTP 429: Too Many Requests","delay_ms":30000}"#,
            "The provider asked to slow down (HTTP 429: Too Many Requests): next poll in 30.0 s, not counted as a failure",
        ),
        (
            EventText::UndocumentedStatus {
                status: "PAUSED".into(),
            },
            r#"{"t":"undocumented_status","status":"PAUSED"}"#,
            "The provider answered a status nobody documented, \"PAUSED\": neither success nor failure; polling goes on until the task's deadline",
        ),
        (
            EventText::ImageParts {
                count: 2,
                field: "image[]".into(),
            },
            r#"{"t":"image_parts","count":2,"field":"image[]"}"#,
            "Sending 2 image part(s) with the submit, under the field name image[]",
        ),
        (
            EventText::CallbacksOff,
            r#"{"t":"callbacks_off"}"#,
            "This config asks for callbacks, but the console has no public address (--public-url): the task is only polled",
        ),
        (
            EventText::CallbacksSilent,
            r#"{"t":"callbacks_silent"}"#,
            "This config's last callback never came: polling at the normal pace",
        ),
        (
            EventText::CallbackMissing,
            r#"{"t":"callback_missing"}"#,
            "The task ended before any callback came: this config's next tasks poll at the normal pace until one arrives",
        ),
        (
            EventText::CallbackReceived {
                status: "SUCCESS".into(),
            },
            r#"{"t":"callback_received","status":"SUCCESS"}"#,
            "The provider called back (status SUCCESS): confirming with one query",
        ),
        (
            EventText::TaskIdAttached {
                by: None,
                task_id: "42".into(),
            },
            r#"{"t":"task_id_attached","by":null,"task_id":"42"}"#,
            "The provider's callback named taskId 42: following it to the end",
        ),
        (
            EventText::TaskIdAttached {
                by: Some("alice".into()),
                task_id: "42".into(),
            },
            r#"{"t":"task_id_attached","by":"alice","task_id":"42"}"#,
            "alice attached taskId 42: following it to the end",
        ),
        (
            EventText::MarkedFailed {
                by: "alice".into(),
                resent_as: None,
            },
            r#"{"t":"marked_failed","by":"alice","resent_as":null}"#,
            "alice closed this task as failed (its submit may have reached the provider)",
        ),
        (
            EventText::MarkedFailed {
                by: "alice".into(),
                resent_as: Some(7),
            },
            r#"{"t":"marked_failed","by":"alice","resent_as":7}"#,
            "alice sent this task again as task #7, knowing both may be billed",
        ),
        (
            EventText::Reruns {
                of: 3,
                by: "bob".into(),
                changed: vec![],
            },
            r#"{"t":"reruns","of":3,"by":"bob","changed":[]}"#,
            "bob runs task #3 again, unchanged",
        ),
        (
            EventText::Reruns {
                of: 3,
                by: "bob".into(),
                changed: vec!["config".into(), "prompt".into()],
            },
            r#"{"t":"reruns","of":3,"by":"bob","changed":["config","prompt"]}"#,
            "bob runs task #3 again, changed: Configuration, Prompt",
        ),
        (
            EventText::ResultNotKept {
                n: 1,
                error: "HTTP 403".into(),
            },
            r#"{"t":"result_not_kept","n":1,"error":"HTTP 403"}"#,
            "Result image 1 could not be kept on the console (HTTP 403): the provider's link is shown instead, and it expires about 24 hours after the result",
        ),
    ]
}

/// Names each kind, so a new variant cannot compile without a sample above: the test checks
/// every index up to `KINDS` has one.
fn kind(e: &EventText) -> usize {
    match e {
        EventText::Created { .. } => 0,
        EventText::ImagesCut { .. } => 1,
        EventText::Uploading { .. } => 2,
        EventText::Uploaded { .. } => 3,
        EventText::UploadRetry { .. } => 4,
        EventText::Submitting { .. } => 5,
        EventText::SubmitFailed { .. } => 6,
        EventText::SubmitRetry { .. } => 7,
        EventText::Accepted { .. } => 8,
        EventText::AcceptedDone { .. } => 9,
        EventText::Answered { .. } => 10,
        EventText::ProviderStatus { .. } => 11,
        EventText::StillRunning { .. } => 12,
        EventText::PollFailed { .. } => 13,
        EventText::PollRetry { .. } => 14,
        EventText::NoResultsYet => 15,
        EventText::UnknownStatus { .. } => 16,
        EventText::Succeeded { .. } => 17,
        EventText::Failed { .. } => 18,
        EventText::TimedOut { .. } => 19,
        EventText::ProviderCancelled { .. } => 20,
        EventText::Cancelled { .. } => 21,
        EventText::Resumed { .. } => 22,
        EventText::SubmitUncertain => 23,
        EventText::SubmitOutcomeUnknown { .. } => 24,
        EventText::PollWait { .. } => 25,
        EventText::UndocumentedStatus { .. } => 26,
        EventText::ImageParts { .. } => 27,
        EventText::ResultNotKept { .. } => 28,
        EventText::CallbacksOff => 29,
        EventText::CallbacksSilent => 30,
        EventText::CallbackMissing => 31,
        EventText::CallbackReceived { .. } => 32,
        EventText::TaskIdAttached { .. } => 33,
        EventText::MarkedFailed { .. } => 34,
        EventText::Reruns { .. } => 35,
        EventText::SandboxRestarted => 36,
        EventText::WaitingForSlot { .. } => 37,
        EventText::QueueFull { .. } => 38,
    }
}
const KINDS: usize = 39;

#[test]
fn every_kind_of_event_has_a_sample() {
    let mut seen = [false; KINDS];
    for (e, _, _) in stored_before() {
        seen[kind(&e)] = true;
    }
    let missing: Vec<usize> = (0..KINDS).filter(|k| !seen[*k]).collect();
    assert!(missing.is_empty(), "kinds without a sample: {missing:?}");
}

#[test]
fn events_stored_by_the_previous_version_read_and_say_the_same_english() {
    for (e, json, english) in stored_before() {
        let read: EventText = serde_json::from_str(json).expect(json);
        assert_eq!(read, e);
        assert_eq!(
            serde_json::to_string(&e).expect("json"),
            json,
            "the stored shape"
        );
        assert_eq!(e.english(), english);
    }
}

/// `zh` without the values of `e`'s free-text parameters (names, URLs, provider words, errors)
/// and the technical words kept in Chinese. Region and aspect ratio are not removed: they are
/// closed sets whose words must be Chinese.
fn chinese_words(e: &EventText, zh: &str) -> String {
    let mut words = zh.to_owned();
    let json = serde_json::to_value(e).expect("json");
    for (key, value) in json.as_object().expect("an object") {
        if let (false, Some(v)) = (
            ["t", "region", "aspect"].contains(&key.as_str()),
            value.as_str(),
        ) {
            words = words.replace(v, "").replace(&v.to_ascii_uppercase(), "");
        }
    }
    for kept in KEPT_IN_CHINESE {
        words = words.replace(kept, "");
    }
    words
}

#[test]
fn the_chinese_of_every_event_has_no_english_outside_its_parameters() {
    for (e, _, english) in stored_before() {
        let zh = e.render(Lang::Zh);
        assert_ne!(zh, english);
        assert!(
            !zh.contains('{') && !zh.contains('}'),
            "a placeholder is left: {zh}"
        );
        let words = chinese_words(&e, &zh);
        assert!(
            !words.chars().any(|c| c.is_ascii_alphabetic()),
            "{e:?} reads {zh:?} in Chinese"
        );
    }
}

#[test]
fn the_chinese_keeps_the_words_tests_and_operators_look_for() {
    let zh = |i: usize| stored_before()[i].0.render(Lang::Zh);
    assert_eq!(
        zh(0),
        "admin 创建，配置 RunningHub-全能图片PRO（版本 3），海外线路，2K 分辨率，宽高比 自动（跟随输入图片），2 张图片"
    );
    assert_eq!(zh(10), "已受理：taskId 2013508786110730000，状态 QUEUED");
    assert_eq!(zh(14), "已过 5 分 00 秒，仍为 RUNNING（轮询 100 次）");
    assert_eq!(zh(21), "成功，用时 1 小时 02 分：2 个结果，费用 0.14");
}
