//! RunningHub standard-model API v2 ("全能图片PRO" image edit): JSON submit answering a task
//! object, `{"taskId"}` queries until a final status, and multipart uploads answering an
//! envelope. Errors often arrive with HTTP 200: a non-empty `errorCode` or `errorMessage` is a
//! failure whatever the status.

use super::answer::{
    CallError, CallErrorKind, ProviderAnswer, ProviderState, excerpt, readable, task_id_in,
};
use super::net::{Exchange, Outbound};
use super::{
    ImageFile, ImageInput, Provider, RequestRecord, SubmitRequest, Target, UploadAnswer,
    results_from, shell_quote, usage_from,
};
use async_trait::async_trait;
use serde_json::{Map, Value, json};

pub struct RunningHub {
    http: Outbound,
}

impl RunningHub {
    pub fn new(http: Outbound) -> Self {
        RunningHub { http }
    }

    async fn post(
        &self,
        target: &Target,
        url: &str,
        body: reqwest::Body,
        content_type: Option<&str>,
        timeout: std::time::Duration,
    ) -> Result<Exchange, CallError> {
        let client = self.http.client_for(url, target.local_ok(url))?;
        let mut req = client.post(url).body(body).timeout(timeout);
        if let Some(ct) = content_type {
            req = req.header(reqwest::header::CONTENT_TYPE, ct);
        }
        Exchange::send(req, &target.key).await
    }
}

/// The JSON body of a submit. Images must be URLs by now (local files were uploaded first).
pub fn submit_body(req: &SubmitRequest) -> Value {
    let urls: Vec<&str> = req
        .images
        .iter()
        .filter_map(|i| match i {
            ImageInput::Url(u) => Some(u.as_str()),
            ImageInput::File(_) => None,
        })
        .collect();
    let mut body = Map::new();
    body.insert("prompt".into(), json!(req.prompt));
    body.insert("resolution".into(), json!(req.resolution.as_str()));
    if let Some(ar) = req.aspect_ratio.to_provider() {
        body.insert("aspectRatio".into(), json!(ar));
    }
    body.insert("imageUrls".into(), json!(urls));
    if let Some(hook) = &req.webhook_url {
        body.insert("webhookUrl".into(), json!(hook));
    }
    Value::Object(body)
}

/// Long `data:` URLs are shortened in what is recorded and shown (never in what is sent).
fn shorten_data_urls(mut v: Value) -> Value {
    if let Some(urls) = v.get_mut("imageUrls").and_then(Value::as_array_mut) {
        for u in urls {
            if let Some(s) = u.as_str()
                && s.starts_with("data:")
                && s.len() > 120
            {
                let head: String = s.chars().take(40).collect();
                *u = json!(format!("{head}…({} bytes)", s.len()));
            }
        }
    }
    v
}

/// A string field that may arrive as a string, a number or null.
fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    match o.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `{code, msg|message, data}` envelopes (uploads, v1-style answers): a non-zero code is an error.
fn open_envelope(v: Value, http_status: u16) -> Result<Value, CallError> {
    let Some(o) = v.as_object() else { return Ok(v) };
    let is_envelope = o.contains_key("code")
        && (o.contains_key("data") || o.contains_key("msg") || o.contains_key("message"))
        && !o.contains_key("taskId");
    if !is_envelope {
        return Ok(v);
    }
    let code = text(o, "code").unwrap_or_default();
    if code != "0" && code != "200" {
        let msg = said(o, "message")
            .or_else(|| said(o, "msg"))
            .unwrap_or_else(|| "error without a message".to_owned());
        return Err(CallError::api(Some(code), msg, http_status));
    }
    Ok(o.get("data").cloned().unwrap_or(Value::Null))
}

/// Reads a submit or query answer.
pub fn parse_task_answer(
    http_status: u16,
    body: &[u8],
    latency_ms: i64,
) -> Result<ProviderAnswer, CallError> {
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    if !(200..300).contains(&http_status) {
        if let Ok(Value::Object(o)) = &parsed {
            let code = text(o, "errorCode").or_else(|| text(o, "code"));
            let msg = said(o, "errorMessage")
                .or_else(|| said(o, "message"))
                .or_else(|| said(o, "msg"));
            if code.is_some() || msg.is_some() {
                return Err(CallError::api(code, msg.unwrap_or_default(), http_status)
                    .with_latency(latency_ms));
            }
        }
        return Err(CallError::http(http_status, body, latency_ms));
    }
    let malformed = |why: String| CallError::malformed(why, http_status, latency_ms);
    let v = parsed
        .map_err(|e| malformed(format!("the answer is not JSON ({e}): {}", excerpt(body))))?;
    let v = open_envelope(v, http_status).map_err(|e| e.with_latency(latency_ms))?;
    let o = v.as_object().ok_or_else(|| {
        malformed(format!(
            "the answer is not a JSON object: {}",
            excerpt(body)
        ))
    })?;
    let code = text(o, "errorCode");
    let message = said(o, "errorMessage");
    let task_id = task_id_in(body, &["taskId", "task_id"]);
    let raw_status = o
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_owned();
    let results = o
        .get("results")
        .and_then(Value::as_array)
        .map(|a| results_from(a))
        .unwrap_or_default();
    let usage = usage_from(o.get("usage"));

    let state = if code.is_some() || message.is_some() {
        if task_id.is_none() && raw_status.is_empty() {
            // An error about the call itself (auth, balance, parameters, queue full …).
            return Err(
                CallError::api(code, message.unwrap_or_default(), http_status)
                    .with_latency(latency_ms),
            );
        }
        let message = message.or_else(|| failed_reason(o));
        ProviderState::Failed { code, message }
    } else if raw_status.is_empty() {
        return Err(malformed(format!(
            "the answer has neither a status nor an error: {}",
            excerpt(body)
        )));
    } else {
        match ProviderState::from_status(&raw_status) {
            ProviderState::Failed { .. } => ProviderState::Failed {
                code: None,
                message: failed_reason(o),
            },
            s => s,
        }
    };
    Ok(ProviderAnswer {
        task_id,
        state,
        raw_status,
        results,
        usage,
        inline_images: Vec::new(),
        http_status,
        latency_ms,
        body: excerpt(body),
    })
}

/// `failedReason` sometimes says more than an empty `errorMessage`.
fn failed_reason(o: &Map<String, Value>) -> Option<String> {
    readable(o.get("failedReason")?)
}

/// A message field in whatever shape it came (see [`readable`]).
fn said(o: &Map<String, Value>, key: &str) -> Option<String> {
    readable(o.get(key)?)
}
/// Reads an upload answer: `data.download_url` is the URL to send.
pub fn parse_upload_answer(
    http_status: u16,
    body: &[u8],
    latency_ms: i64,
) -> Result<UploadAnswer, CallError> {
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    let v = match parsed {
        Ok(v) => v,
        Err(_) if !(200..300).contains(&http_status) => {
            return Err(CallError::http(http_status, body, latency_ms));
        }
        Err(e) => {
            return Err(CallError::malformed(
                format!("the upload answer is not JSON ({e}): {}", excerpt(body)),
                http_status,
                latency_ms,
            ));
        }
    };
    let data = open_envelope(v, http_status).map_err(|e| e.with_latency(latency_ms))?;
    if !(200..300).contains(&http_status) {
        return Err(CallError::http(http_status, body, latency_ms));
    }
    let url = data
        .as_object()
        .and_then(|d| {
            text(d, "download_url")
                .or_else(|| text(d, "downloadUrl"))
                .or_else(|| text(d, "url"))
        })
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .ok_or_else(|| {
            CallError::new(
                CallErrorKind::Malformed,
                format!("the upload answer has no download_url: {}", excerpt(body)),
            )
            .with_status(http_status)
            .with_latency(latency_ms)
        })?;
    Ok(UploadAnswer {
        url,
        http_status,
        latency_ms,
    })
}

#[async_trait]
impl Provider for RunningHub {
    fn describe_submit(&self, target: &Target, req: &SubmitRequest) -> RequestRecord {
        let json = shorten_data_urls(submit_body(req));
        let curl = format!(
            "curl -sS -X POST {} \\\n  -H \"Authorization: Bearer $RUNNINGHUB_API_KEY\" \\\n  -H 'Content-Type: application/json' \\\n  -d {}",
            shell_quote(&target.url(&target.draw_endpoint)),
            shell_quote(&json.to_string())
        );
        RequestRecord { json, curl }
    }

    fn needs_upload(&self) -> bool {
        true
    }

    fn calls_back(&self) -> bool {
        true
    }

    #[tracing::instrument(
        skip_all,
        err(level = "warn"),
        fields(api = "runninghub", call = "upload")
    )]
    async fn upload(&self, target: &Target, file: &ImageFile) -> Result<UploadAnswer, CallError> {
        if target.upload_endpoint.is_empty() {
            return Err(CallError::new(
                CallErrorKind::Refused,
                "this configuration has no upload endpoint",
            ));
        }
        let url = target.url(&target.upload_endpoint);
        let part = reqwest::multipart::Part::bytes(file.bytes.to_vec())
            .file_name(file.file_name.clone())
            .mime_str(&file.mime)
            .map_err(|e| CallError::new(CallErrorKind::Refused, format!("bad mime type: {e}")))?;
        let form = reqwest::multipart::Form::new().part("file", part);
        let content_type = format!("multipart/form-data; boundary={}", form.boundary());
        let body = reqwest::Body::wrap_stream(form.into_stream());
        self.post(
            target,
            &url,
            body,
            Some(&content_type),
            self.http.timeouts.upload,
        )
        .await?
        .read(parse_upload_answer)
    }

    #[tracing::instrument(
        skip_all,
        err(level = "warn"),
        fields(api = "runninghub", call = "submit")
    )]
    async fn submit(
        &self,
        target: &Target,
        req: &SubmitRequest,
    ) -> Result<ProviderAnswer, CallError> {
        let url = target.url(&target.draw_endpoint);
        let body = submit_body(req).to_string();
        let timeout = self.http.submit_timeout(target);
        self.post(target, &url, body.into(), Some("application/json"), timeout)
            .await?
            .read(parse_task_answer)
    }

    #[tracing::instrument(skip_all, err(level = "warn"), fields(api = "runninghub", call = "poll", task = %provider_task_id))]
    async fn poll(
        &self,
        target: &Target,
        provider_task_id: &str,
    ) -> Result<ProviderAnswer, CallError> {
        let url = target.url(&target.result_endpoint);
        let body = json!({ "taskId": provider_task_id }).to_string();
        let timeout = self.http.timeouts.poll;
        self.post(target, &url, body.into(), Some("application/json"), timeout)
            .await?
            .read(parse_task_answer)
    }
}

#[cfg(test)]
mod tests;
