//! The fake nano-banana gateway: OpenAI-style `/v1/images/edits`, sync and async.

use super::images::generate_png;
use super::runninghub::remember;
use super::{FakeTask, SandboxState, Scenario};
use crate::blobs::sniff_image;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(json!({ "error": { "message": message, "type": "invalid_request_error", "code": code } }))).into_response()
}

struct Edit {
    prompt: String,
    images: usize,
}

async fn read(
    s: &SandboxState,
    headers: &HeaderMap,
    path: &str,
    mut multipart: Multipart,
) -> Result<Edit, Response> {
    remember(s, "POST", path, headers, b"(multipart)");
    if let Some(refusal) = unknown_key(s, headers) {
        return Err(refusal);
    }
    let mut prompt = String::new();
    // The field name of each image part, in order.
    let mut parts: Vec<String> = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "prompt" => prompt = field.text().await.unwrap_or_default(),
            "image" | "image[]" => {
                let bytes = field.bytes().await.unwrap_or_default();
                if sniff_image(&bytes).is_none() {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        "invalid_image",
                        "image is not a PNG, JPEG or WEBP file",
                    ));
                }
                parts.push(name);
            }
            _ => {
                let _ = field.bytes().await;
            }
        }
    }
    if prompt.trim().is_empty() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_prompt",
            "prompt is required",
        ));
    }
    // A gateway that reads one field name only ignores parts under the other, as real ones do.
    let only = Scenario::from_prompt(&prompt).image_field;
    let images = parts
        .iter()
        .filter(|n| only.as_deref().is_none_or(|o| o == n.as_str()))
        .count();
    if images == 0 {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_image",
            "at least one image is required",
        ));
    }
    Ok(Edit { prompt, images })
}

fn data(s: &SandboxState, id: &str, sc: &Scenario) -> Value {
    let items: Vec<Value> = (0..sc.results)
        .map(|i| {
            if sc.b64_text {
                json!({ "b64_json": base64::engine::general_purpose::STANDARD.encode("not an image at all") })
            } else if sc.b64_url {
                // As some gateways send it: a data: URL, the URL-safe alphabet, no padding,
                // broken into lines.
                let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(generate_png(&format!("{id}-{i}")));
                let lines: Vec<String> = b64
                    .as_bytes()
                    .chunks(76)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect();
                json!({ "b64_json": format!("data:image/png;base64,{}", lines.join("\n")) })
            } else if sc.b64 {
                json!({ "b64_json": base64::engine::general_purpose::STANDARD.encode(generate_png(&format!("{id}-{i}"))) })
            } else if sc.text_only {
                json!({ "text": "a caption instead of an image", "url": null })
            } else {
                json!({ "url": super::images::result_url(&s.base(), id, i, sc) })
            }
        })
        .collect();
    Value::Array(items)
}

pub async fn edits_sync(
    State(s): State<Arc<SandboxState>>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let edit = match read(&s, &headers, "/v1/images/edits", multipart).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let sc = Scenario::from_prompt(&edit.prompt);
    if let Some(secs) = sc.wait_secs {
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    }
    if let Some((code, msg)) = sc.fail {
        return error(StatusCode::BAD_REQUEST, code, msg);
    }
    if let Ok(mut st) = s.stats.lock() {
        st.submits += 1;
        if let Some(m) = &sc.marker {
            *st.submits_by_marker.entry(m.clone()).or_insert(0) += 1;
        }
    }
    let id = s.new_id();
    let _ = edit.images;
    axum::Json(json!({ "created": 1_767_225_600, "data": data(&s, &id, &sc) })).into_response()
}

pub async fn edits_async(
    State(s): State<Arc<SandboxState>>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let edit = match read(&s, &headers, "/v1/async/images/edits", multipart).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let sc = Scenario::from_prompt(&edit.prompt);
    if let Ok(mut st) = s.stats.lock() {
        st.submits += 1;
    }
    let task = FakeTask {
        id: s.new_id(),
        results: sc.results,
        scenario: sc,
        polls: 0,
        created: Instant::now(),
        ends_at: None,
        touched: Instant::now(),
    };
    let id = task.id.clone();
    if let Ok(mut t) = s.tasks.lock() {
        t.insert(id.clone(), task);
    }
    axum::Json(json!({ "task_id": id, "status": "queued" })).into_response()
}

pub async fn task(
    State(s): State<Arc<SandboxState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    remember(&s, "GET", "/v1/async/tasks", &headers, b"");
    if let Some(refusal) = unknown_key(&s, &headers) {
        return refusal;
    }
    let task = {
        let mut tasks = s.tasks.lock().unwrap_or_else(|p| p.into_inner());
        tasks.get_mut(&id).map(|t| {
            t.polls += 1;
            t.touched = Instant::now();
            t.clone()
        })
    };
    let Some(t) = task else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such task");
    };
    if let Ok(mut st) = s.stats.lock() {
        st.polls += 1;
    }
    let status = match t.scenario.status_after(t.polls) {
        "QUEUED" => "queued",
        "RUNNING" => "running",
        "FAILED" => "failed",
        "CANCEL" | "CANCELLED" => "cancelled",
        "PAUSED" => "paused",
        _ => "succeeded",
    };
    let mut body = json!({ "task_id": t.id, "status": status });
    match status {
        "succeeded" => body["data"] = data(&s, &t.id, &t.scenario),
        "failed" => body["error_message"] = json!(t.scenario.fail.map(|f| f.1).unwrap_or("failed")),
        _ => {}
    }
    axum::Json(body).into_response()
}

/// The models the fake gateway serves (OpenAI's `GET /v1/models`).
pub const MODELS: [&str; 2] = ["nano-banana", "nano-banana-hd"];

/// `GET /v1/models`: the OpenAI-style model list.
pub async fn models(State(s): State<Arc<SandboxState>>, headers: HeaderMap) -> Response {
    remember(&s, "GET", "/v1/models", &headers, b"");
    if let Some(refusal) = unknown_key(&s, &headers) {
        return refusal;
    }
    let data: Vec<serde_json::Value> = MODELS
        .iter()
        .map(|m| serde_json::json!({ "id": m, "object": "model", "owned_by": "sandbox" }))
        .collect();
    axum::Json(serde_json::json!({ "object": "list", "data": data })).into_response()
}

/// The gateway's 401 when the request's key is not one the fake knows.
fn unknown_key(s: &SandboxState, headers: &HeaderMap) -> Option<Response> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    (!s.key_ok(auth)).then(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "Invalid API key",
        )
    })
}
