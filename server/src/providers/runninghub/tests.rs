//! Reading RunningHub's answers and describing its requests.

use super::*;
use app::domain::{AspectRatio, Resolution};

fn req(n: usize, ar: AspectRatio) -> SubmitRequest {
    SubmitRequest {
        prompt: "p".into(),
        resolution: Resolution::R2k,
        aspect_ratio: ar,
        images: (0..n)
            .map(|i| ImageInput::Url(format!("https://x/{i}.png")))
            .collect(),
        webhook_url: None,
    }
}

#[test]
fn auto_leaves_the_aspect_ratio_out_and_resolution_is_lowercase() {
    let b = submit_body(&req(1, AspectRatio::Auto));
    assert!(b.get("aspectRatio").is_none());
    assert_eq!(b["resolution"], "2k");
    let b = submit_body(&req(2, AspectRatio::R3x4));
    assert_eq!(b["aspectRatio"], "3:4");
    assert_eq!(b["imageUrls"].as_array().map(Vec::len), Some(2));
}

#[test]
fn a_queued_submit_answer_is_read() {
    let body = br#"{"taskId":"2013508786110730241","status":"QUEUED","errorCode":"","errorMessage":"","results":null,"clientId":"","promptTips":""}"#;
    let a = parse_task_answer(200, body, 5).expect("answer");
    assert_eq!(a.task_id.as_deref(), Some("2013508786110730241"));
    assert!(matches!(a.state, ProviderState::Queued(_)));
}

#[test]
fn a_success_answer_carries_results_and_usage() {
    let body = br#"{"taskId":"1","status":"SUCCESS","errorCode":"","errorMessage":"","failedReason":{},
        "usage":{"consumeMoney":null,"consumeCoins":null,"taskCostTime":"0","thirdPartyConsumeMoney":"0.14"},
        "results":[{"url":"https://cdn/x.png","outputType":"png","text":null}],"clientId":"","promptTips":""}"#;
    let a = parse_task_answer(200, body, 5).expect("answer");
    assert_eq!(a.state, ProviderState::Succeeded);
    assert_eq!(a.results.len(), 1);
    assert_eq!(
        a.usage.and_then(|u| u.cost()),
        Some(app::domain::Cost::Money("0.14".into()))
    );
}

#[test]
fn an_error_inside_http_200_is_a_failure() {
    let body =
        br#"{"taskId":"","status":"","errorCode":"802","errorMessage":"APIKEY_UNAUTHORIZED"}"#;
    let e = parse_task_answer(200, body, 5).expect_err("error");
    assert_eq!(e.kind, CallErrorKind::Api);
    assert_eq!(e.code.as_deref(), Some("802"));
    assert!(!e.is_transient());
    let body = br#"{"errorMessage":"ApiKey verification failed"}"#;
    assert_eq!(
        parse_task_answer(200, body, 5).expect_err("error").kind,
        CallErrorKind::Api
    );
}

#[test]
fn a_failed_task_names_code_and_message() {
    let body = br#"{"taskId":"1","status":"FAILED","errorCode":"1501","errorMessage":"Content verification failed","results":null}"#;
    let a = parse_task_answer(200, body, 5).expect("answer");
    assert_eq!(
        a.state,
        ProviderState::Failed {
            code: Some("1501".into()),
            message: Some("Content verification failed".into())
        }
    );
}

#[test]
fn an_html_gateway_page_is_an_http_error() {
    let body = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let e = parse_task_answer(502, body, 5).expect_err("error");
    assert_eq!(e.kind, CallErrorKind::Http);
    assert_eq!(e.http_status, Some(502));
    assert!(e.message.contains("502 Bad Gateway"));
    assert!(e.is_transient());
}

#[test]
fn malformed_json_is_reported_not_guessed() {
    let e = parse_task_answer(200, b"{\"taskId\": \"1\", \"status\": ", 5).expect_err("error");
    assert_eq!(e.kind, CallErrorKind::Malformed);
    let e = parse_task_answer(200, b"[1,2]", 5).expect_err("error");
    assert_eq!(e.kind, CallErrorKind::Malformed);
    let e = parse_task_answer(200, b"{}", 5).expect_err("error");
    assert_eq!(e.kind, CallErrorKind::Malformed);
}

#[test]
fn an_unknown_status_is_kept_as_unknown() {
    let a = parse_task_answer(200, br#"{"taskId":"1","status":"PAUSED"}"#, 5).expect("answer");
    assert_eq!(a.state, ProviderState::Unknown("PAUSED".into()));
}

#[test]
fn upload_answers_are_envelopes() {
    let ok = br#"{"code":0,"message":"success","data":{"type":"image","download_url":"https://cdn/u.png","fileName":"openapi/x.png","size":"3490"}}"#;
    assert_eq!(
        parse_upload_answer(200, ok, 1).expect("ok").url,
        "https://cdn/u.png"
    );
    let ok_msg = br#"{"code":0,"msg":"success","data":{"download_url":"https://cdn/v.png"}}"#;
    assert_eq!(
        parse_upload_answer(200, ok_msg, 1).expect("ok").url,
        "https://cdn/v.png"
    );
    let err = br#"{"code":401,"message":"ApiKey verification failed","data":null}"#;
    let e = parse_upload_answer(200, err, 1).expect_err("error");
    assert_eq!(e.code.as_deref(), Some("401"));
    assert!(!e.is_transient());
    assert_eq!(
        parse_upload_answer(200, br#"{"code":0,"data":{}}"#, 1)
            .expect_err("no url")
            .kind,
        CallErrorKind::Malformed
    );
}

#[test]
fn the_recorded_request_has_no_key_and_a_curl_reading_it_from_the_environment() {
    let target = Target {
        base: "https://www.runninghub.cn".into(),
        draw_endpoint: "/openapi/v2/rhart-image-n-pro/edit".into(),
        result_endpoint: "/openapi/v2/query".into(),
        upload_endpoint: String::new(),
        model_name: String::new(),
        is_sync: false,
        allow_local: false,
        key: secrecy::SecretString::from("sk-secret-key-123456".to_owned()),
        sync_timeout: None,
        time_left: None,
        image_field: app::domain::ImageField::Auto,
    };
    let rec = RunningHub::new(
        Outbound::new(crate::providers::net::CallTimeouts::all(
            std::time::Duration::from_secs(1),
        ))
        .expect("client"),
    )
    .describe_submit(&target, &req(1, AspectRatio::Auto));
    assert!(!rec.curl.contains("sk-secret"));
    assert!(!rec.json.to_string().contains("sk-secret"));
    assert!(rec.curl.contains("$RUNNINGHUB_API_KEY"));
    assert!(
        rec.curl
            .contains("https://www.runninghub.cn/openapi/v2/rhart-image-n-pro/edit")
    );
}
