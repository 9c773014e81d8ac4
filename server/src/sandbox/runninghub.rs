//! The fake RunningHub v2 endpoints: submit, query, upload.

use super::{FakeTask, SandboxState, Scenario, SeenRequest};
use crate::blobs::sniff_image;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ASPECTS: &[&str] = &[
    "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "21:9",
];

fn auth(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub(super) fn remember(
    s: &SandboxState,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]).into_owned();
    s.remember(SeenRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        authorization: auth(headers),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: text,
    });
}

/// An error the way RunningHub sends most errors: HTTP 200, a task object with an errorCode.
fn task_error(code: &str, message: &str) -> Response {
    axum::Json(json!({
        "taskId": "", "status": "", "errorCode": code, "errorMessage": message,
        "results": null, "clientId": "", "promptTips": ""
    }))
    .into_response()
}

pub(super) fn bad_gateway() -> Response {
    (
        StatusCode::BAD_GATEWAY,
        [(header::CONTENT_TYPE, "text/html")],
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>",
    )
        .into_response()
}

fn results(s: &SandboxState, t: &FakeTask) -> Value {
    let base = s.base();
    let items: Vec<Value> = (0..t.results)
        .map(|i| json!({ "url": super::images::result_url(&base, &t.id, i, &t.scenario), "outputType": "png", "text": null }))
        .collect();
    Value::Array(items)
}

pub(super) fn task_object(s: &SandboxState, t: &FakeTask, status: &str) -> Value {
    let mut o = json!({
        "taskId": t.id, "status": status, "errorCode": "", "errorMessage": "", "failedReason": {},
        "results": null, "clientId": "", "promptTips": ""
    });
    match status {
        "SUCCESS" | "SUCCEED" => {
            let sc = &t.scenario;
            o["results"] = if sc.text_only {
                json!([{ "url": null, "outputType": "txt", "text": "a caption instead of an image" }])
            } else if sc.empty_results {
                json!([])
            } else if sc.null_url {
                json!([{ "url": null, "outputType": "png", "text": null }])
            } else {
                results(s, t)
            };
            o["usage"] = json!({
                "consumeMoney": null, "consumeCoins": null,
                "taskCostTime": t.created.elapsed().as_secs().to_string(),
                "thirdPartyConsumeMoney": "0.14"
            });
        }
        "FAILED" => {
            let (code, msg) = t.scenario.fail.unwrap_or(("1000", "unknown error"));
            o["errorCode"] = json!(code);
            o["errorMessage"] = json!(msg);
            if t.scenario.failed_reason {
                o["failedReason"] = json!({
                    "node_name": "KSampler", "node_id": "3", "exception_type": "RuntimeError",
                    "exception_message": "CUDA out of memory", "traceback": ["..."]
                });
            }
            if t.scenario.error_object {
                o["errorMessage"] =
                    json!({ "message": "model overloaded", "type": "server_error" });
            }
        }
        _ => {}
    }
    o
}

async fn pace(sc: &Scenario) {
    if sc.slow {
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
}

pub async fn submit(
    State(s): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    remember(
        &s,
        "POST",
        "/openapi/v2/rhart-image-n-pro/edit",
        &headers,
        &body,
    );
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return task_error("301", "PARAMS_INVALID: the body is not JSON");
    };
    let prompt = v
        .get("prompt")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let sc = Scenario::from_prompt(&prompt);
    pace(&sc).await;
    if sc.hang {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    if s.random_fault() {
        return bad_gateway();
    }
    if sc.echo_key {
        return task_error("802", &echo(&headers, "ApiKey verification failed"));
    }
    if !s.key_ok(auth(&headers).as_deref()) || sc.auth {
        return task_error("802", "APIKEY_UNAUTHORIZED: ApiKey verification failed");
    }
    if auth(&headers)
        .is_some_and(|a| a.starts_with(&format!("Bearer {}", super::PERSONAL_KEY_PREFIX)))
    {
        return task_error(
            "1014",
            "standard model API requires an Enterprise-Shared key",
        );
    }
    let before = s.seen_before(&prompt);
    if sc.http502_always || (sc.http502 && before == 0) {
        return bad_gateway();
    }
    if sc.http429 && before == 0 {
        return too_many(&sc);
    }
    if sc.queue_full && before == 0 {
        return task_error("421", "TASK_QUEUE_MAXED");
    }
    if sc.balance {
        return task_error("812", "insufficient funds");
    }
    if sc.malformed {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"taskId\": \"1\", \"status\": ",
        )
            .into_response();
    }
    if prompt.trim().is_empty() || prompt.chars().count() > 20_000 {
        return task_error("301", "PARAMS_INVALID: prompt");
    }
    let urls = v
        .get("imageUrls")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if urls.is_empty()
        || urls.len() > 10
        || urls.iter().any(|u| {
            u.as_str()
                .is_none_or(|u| !(u.starts_with("http") || u.starts_with("data:image/")))
        })
    {
        return task_error("301", "PARAMS_INVALID: imageUrls must hold 1 to 10 URLs");
    }
    if !matches!(
        v.get("resolution").and_then(Value::as_str),
        Some("1k" | "2k" | "4k")
    ) {
        return task_error("301", "PARAMS_INVALID: resolution must be 1k, 2k or 4k");
    }
    if let Some(ar) = v.get("aspectRatio")
        && !ar.as_str().is_some_and(|a| ASPECTS.contains(&a))
    {
        return task_error("301", "PARAMS_INVALID: aspectRatio");
    }
    let id = if sc.numeric_id {
        // 22 digits: more than a u64 or a float holds exactly.
        format!(
            "9007199254740993{:06}",
            s.new_id().parse::<u64>().unwrap_or(0) % 1_000_000
        )
    } else {
        s.new_id()
    };
    let webhook = v
        .get("webhookUrl")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let task = FakeTask {
        id,
        results: sc.results,
        scenario: sc.clone(),
        polls: 0,
        created: Instant::now(),
        ends_at: webhook
            .as_ref()
            .map(|_| Instant::now() + Duration::from_millis(sc.run_ms)),
        touched: Instant::now(),
    };
    let answer = if sc.instant {
        task_object(
            &s,
            &task,
            if sc.alt_spelling {
                "SUCCEED"
            } else {
                "SUCCESS"
            },
        )
    } else {
        task_object(&s, &task, "QUEUED")
    };
    // The key's concurrency limit, as RunningHub enforces it: over it, a queue-full refusal
    // (no task is made, nothing is billed).
    if !s.admit(task.clone()) {
        return task_error("421", "TASK_QUEUE_MAXED");
    }
    if let Some(url) = webhook {
        super::callbacks::send_when_done(s.clone(), task, url);
    }
    if let Ok(mut st) = s.stats.lock() {
        st.submits += 1;
        if let Some(m) = &sc.marker {
            *st.submits_by_marker.entry(m.clone()).or_insert(0) += 1;
        }
    }
    if sc.drop_answer {
        return broken_answer();
    }
    let mut answer = answer;
    if sc.no_id {
        answer["taskId"] = json!("");
    }
    shaped(&sc, answer)
}

/// A task object, spelled the way `sc` asks: lower-case status, the id as a 22-digit JSON
/// number or under `task_id`, the whole inside a `{code, msg, data}` envelope.
fn shaped(sc: &Scenario, mut o: Value) -> Response {
    if sc.lowercase
        && let Some(st) = o.get("status").and_then(Value::as_str)
    {
        o["status"] = json!(st.to_ascii_lowercase());
    }
    let id = o["taskId"].as_str().unwrap_or_default().to_owned();
    if sc.snake_id
        && let Some(m) = o.as_object_mut()
        && let Some(v) = m.remove("taskId")
    {
        m.insert("task_id".into(), v);
    }
    if sc.envelope {
        o = json!({ "code": 0, "msg": "success", "data": o });
    }
    let mut text = o.to_string();
    if sc.numeric_id && !id.is_empty() {
        // A JSON number no float can hold (serde_json's Value cannot write one, so by text).
        let key = if sc.snake_id { "task_id" } else { "taskId" };
        text = text.replacen(
            &format!("\"{key}\":\"{id}\""),
            &format!("\"{key}\":{id}"),
            1,
        );
    }
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// `what`, repeating the caller's key whole and its first 12 characters, as some providers do.
fn echo(headers: &HeaderMap, what: &str) -> String {
    let key = auth(headers)
        .and_then(|a| a.strip_prefix("Bearer ").map(str::to_owned))
        .unwrap_or_default();
    let start: String = key.chars().take(12).collect();
    format!("{what}: {key} (a key starting {start}…)")
}

/// HTTP 429, with the scenario's `Retry-After` when it names one.
fn too_many(sc: &Scenario) -> Response {
    let mut resp = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
    let value = match sc.retry_after.as_deref() {
        Some("date") => Some(httpdate::fmt_http_date(
            std::time::SystemTime::now() + Duration::from_secs(2),
        )),
        Some(v) => Some(v.to_owned()),
        None => None,
    };
    if let Some(v) = value.and_then(|v| header::HeaderValue::from_str(&v).ok()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// Headers, then a body that breaks off: the task exists, the caller never reads the answer.
fn broken_answer() -> Response {
    let broken = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped"))
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        axum::body::Body::from_stream(broken),
    )
        .into_response()
}

pub async fn query(
    State(s): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    remember(&s, "POST", "/openapi/v2/query", &headers, &body);
    if s.random_fault() {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
    }
    if !s.key_ok(auth(&headers).as_deref()) {
        return task_error("802", "APIKEY_UNAUTHORIZED: ApiKey verification failed");
    }
    let id = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        v.get("taskId").and_then(|t| {
            t.as_str()
                .map(str::to_owned)
                .or_else(|| t.as_u64().map(|n| n.to_string()))
        })
    });
    let Some(id) = id else {
        return task_error("301", "PARAMS_INVALID: taskId");
    };
    let task = {
        let mut tasks = s.tasks.lock().unwrap_or_else(|p| p.into_inner());
        let frozen = s.frozen.load(std::sync::atomic::Ordering::SeqCst);
        tasks.get_mut(&id).map(|t| {
            if !frozen {
                t.polls += 1;
            }
            t.touched = Instant::now();
            t.clone()
        })
    };
    let Some(task) = task else {
        return task_error("404", "task not found");
    };
    if let Ok(mut st) = s.stats.lock() {
        st.polls += 1;
    }
    pace(&task.scenario).await;
    if task.scenario.flaky && rand::random::<bool>() {
        return (StatusCode::INTERNAL_SERVER_ERROR, "flaky").into_response();
    }
    if task.scenario.echo_key_fail {
        let mut o = task_object(&s, &task, "FAILED");
        o["errorCode"] = json!("1002");
        o["errorMessage"] = json!(echo(&headers, "invalid API key"));
        return shaped(&task.scenario, o);
    }
    if task.scenario.poll429 && task.polls == 1 {
        return too_many(&task.scenario);
    }
    if task.scenario.malformed_poll {
        return (StatusCode::OK, "<html>this is not JSON</html>").into_response();
    }
    shaped(&task.scenario, task_object(&s, &task, status_now(&task)))
}

/// Where a task is now: by polls, or by time when it calls back.
pub(super) fn status_now(task: &FakeTask) -> &'static str {
    if task.scenario.instant {
        return task.scenario.status_after(u32::MAX);
    }
    match task.ends_at {
        Some(end) if Instant::now() < end => "RUNNING",
        Some(_) => task.scenario.status_after(u32::MAX),
        None => task.scenario.status_after(task.polls),
    }
}

fn envelope_error(code: i64, message: &str) -> Response {
    axum::Json(json!({ "code": code, "message": message, "data": null })).into_response()
}

/// What a reverse proxy in front of a provider answers an upload it finds too large.
pub async fn upload_too_large() -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(header::CONTENT_TYPE, "text/html")],
        "<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>",
    )
        .into_response()
}

/// An upload refused by the provider itself, inside HTTP 200.
pub async fn upload_refused() -> Response {
    envelope_error(1008, "file too large")
}

pub async fn upload(
    State(s): State<Arc<SandboxState>>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    remember(
        &s,
        "POST",
        "/openapi/v2/media/upload/binary",
        &headers,
        b"(multipart)",
    );
    if !s.key_ok(auth(&headers).as_deref()) {
        return envelope_error(401, "ApiKey verification failed");
    }
    let mut file: Option<Vec<u8>> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            match field.bytes().await {
                Ok(b) => file = Some(b.to_vec()),
                Err(e) => return envelope_error(400, &format!("cannot read the file part: {e}")),
            }
        }
    }
    let Some(bytes) = file else {
        return envelope_error(400, "no part named file");
    };
    if bytes.len() > 10 * 1024 * 1024 {
        return envelope_error(413, "file larger than 10 MB");
    }
    let Some((_, ext)) = sniff_image(&bytes) else {
        return envelope_error(400, "only JPG/PNG/WEBP images");
    };
    let sha = hex::encode(Sha256::digest(&bytes));
    let name = format!("{sha}.{ext}");
    let size = bytes.len();
    if let Ok(mut u) = s.uploads.lock() {
        u.insert(name.clone(), (ext.to_owned(), bytes));
    }
    if let Ok(mut st) = s.stats.lock() {
        st.uploads += 1;
    }
    axum::Json(json!({
        "code": 0, "message": "success",
        "data": { "type": "image", "download_url": format!("{}/uploads/{name}", s.base()), "fileName": format!("openapi/{name}"), "size": size.to_string() }
    }))
    .into_response()
}
