//! OpenAI-compatible image edits ("nano-banana" gateways): `multipart/form-data` with the
//! images as `image` (several as `image[]`, or as the config's `image_field` says), `prompt` and
//! `model`. A sync gateway answers in the
//! OpenAI Images format (`data[].url` or `data[].b64_json`); an async one answers a task id that
//! is polled on the result endpoint (`{task_id}` in the endpoint is replaced, else the id is
//! POSTed as JSON).

use super::answer::{
    CallError, CallErrorKind, ProviderAnswer, ProviderState, decode_image_base64, excerpt,
    readable, task_id_in,
};
use super::net::{Exchange, Outbound};
use super::{
    ImageFile, ImageInput, Provider, RequestRecord, SubmitRequest, Target, UploadAnswer,
    results_from, shell_quote,
};
use app::domain::{IMAGE_BYTES_MAX, ResultItem};
use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Map, Value, json};

pub struct NanoBanana {
    http: Outbound,
}

impl NanoBanana {
    pub fn new(http: Outbound) -> Self {
        NanoBanana { http }
    }

    async fn send(
        &self,
        target: &Target,
        req: reqwest::RequestBuilder,
    ) -> Result<Exchange, CallError> {
        Exchange::send(req, &target.key).await
    }

    /// Every input image as bytes: local files as they are, URLs downloaded (safely).
    async fn files(
        &self,
        target: &Target,
        req: &SubmitRequest,
    ) -> Result<Vec<ImageFile>, CallError> {
        let mut out = Vec::with_capacity(req.images.len());
        for (i, img) in req.images.iter().enumerate() {
            match img {
                ImageInput::File(f) => out.push(f.clone()),
                ImageInput::Url(u) => {
                    let bytes = if let Some(data) = u.strip_prefix("data:") {
                        let b64 = data
                            .split_once(";base64,")
                            .map(|(_, b)| b)
                            .unwrap_or_default();
                        base64::engine::general_purpose::STANDARD
                            .decode(b64)
                            .map(bytes::Bytes::from)
                            .map_err(|e| {
                                CallError::new(
                                    CallErrorKind::Refused,
                                    format!("image {} is not valid base64: {e}", i + 1),
                                )
                            })?
                    } else {
                        self.http
                            .download(u, |hop| target.local_ok(hop), IMAGE_BYTES_MAX)
                            .await?
                    };
                    let kind = infer::get(&bytes)
                        .map(|k| k.mime_type())
                        .unwrap_or("application/octet-stream");
                    if !matches!(kind, "image/png" | "image/jpeg" | "image/webp") {
                        return Err(CallError::new(
                            CallErrorKind::Refused,
                            format!("image {} is not a PNG, JPEG or WEBP image", i + 1),
                        ));
                    }
                    let ext = match kind {
                        "image/png" => "png",
                        "image/jpeg" => "jpg",
                        _ => "webp",
                    };
                    out.push(ImageFile {
                        file_name: format!("image-{}.{ext}", i + 1),
                        mime: kind.to_owned(),
                        bytes,
                    });
                }
            }
        }
        Ok(out)
    }
}

fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    match o.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads an images answer (sync), a task answer (async submit) or a task status (async poll).
pub fn parse_images_answer(
    http_status: u16,
    body: &[u8],
    latency_ms: i64,
) -> Result<ProviderAnswer, CallError> {
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    let err_of = |o: &Map<String, Value>| -> Option<CallError> {
        match o.get("error") {
            Some(Value::Object(e)) => Some(CallError::api(
                text(e, "code").or_else(|| text(e, "type")),
                e.get("message")
                    .and_then(readable)
                    .unwrap_or_else(|| "error without a message".into()),
                http_status,
            )),
            Some(Value::String(s)) if !s.is_empty() => {
                Some(CallError::api(None, s.clone(), http_status))
            }
            _ => None,
        }
    };
    if !(200..300).contains(&http_status) {
        if let Ok(Value::Object(o)) = &parsed
            && let Some(e) = err_of(o)
        {
            return Err(e.with_latency(latency_ms));
        }
        return Err(CallError::http(http_status, body, latency_ms));
    }
    let malformed = |why: String| CallError::malformed(why, http_status, latency_ms);
    let v = parsed
        .map_err(|e| malformed(format!("the answer is not JSON ({e}): {}", excerpt(body))))?;
    let o = v.as_object().ok_or_else(|| {
        malformed(format!(
            "the answer is not a JSON object: {}",
            excerpt(body)
        ))
    })?;
    if let Some(e) = err_of(o) {
        return Err(e.with_latency(latency_ms));
    }
    let task_id = task_id_in(body, &["task_id", "taskId", "id"]);
    // An async gateway's envelope: `{"code": 0, "data": {"task_id": …, "status": …}}`.
    let o = match o.get("data") {
        Some(Value::Object(inner)) => inner,
        _ => o,
    };
    let raw_status = o
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut results: Vec<ResultItem> = Vec::new();
    let mut inline_images = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    if let Some(items) = o.get("data").and_then(Value::as_array) {
        for item in items {
            if let Some(b64) = item.get("b64_json").and_then(Value::as_str) {
                // An item that is no image is no result; what was wrong is quoted with the answer.
                match decode_image_base64(b64) {
                    Ok((bytes, _)) => inline_images.push(bytes),
                    Err(e) => unreadable.push(format!("b64_json: {e}")),
                }
            }
        }
        results = results_from(items);
    }
    let has_output = !inline_images.is_empty() || results.iter().any(|r| r.url.is_some());
    let state = if !raw_status.is_empty() {
        match ProviderState::from_status(&raw_status) {
            ProviderState::Failed { .. } => ProviderState::Failed {
                code: text(o, "error_code").or_else(|| text(o, "errorCode")),
                message: [
                    "error_message",
                    "errorMessage",
                    "message",
                    "error",
                    "failedReason",
                ]
                .iter()
                .find_map(|k| o.get(*k).and_then(readable)),
            },
            s => s,
        }
    } else if has_output || o.get("data").is_some_and(Value::is_array) {
        // The OpenAI images format is a success; whether it holds an image the engine checks.
        ProviderState::Succeeded
    } else if task_id.is_some() {
        ProviderState::Queued("SUBMITTED".into())
    } else {
        return Err(malformed(format!(
            "the answer has no images, no task id and no status: {}",
            excerpt(body)
        )));
    };
    Ok(ProviderAnswer {
        task_id,
        raw_status: if raw_status.is_empty() && o.get("data").is_some_and(Value::is_array) {
            "SUCCESS".into()
        } else {
            raw_status
        },
        state,
        results,
        usage: None,
        inline_images,
        http_status,
        latency_ms,
        body: std::iter::once(excerpt(body))
            .chain(unreadable)
            .collect::<Vec<_>>()
            .join("; "),
    })
}

#[async_trait]
impl Provider for NanoBanana {
    fn describe_submit(&self, target: &Target, req: &SubmitRequest) -> RequestRecord {
        let field = target.image_field.name_for(req.images.len());
        let images: Vec<String> = req
            .images
            .iter()
            .map(|i| match i {
                ImageInput::Url(u) if u.starts_with("data:") => "(inline data URL)".to_owned(),
                ImageInput::Url(u) => u.clone(),
                ImageInput::File(f) => format!("@{}", f.file_name),
            })
            .collect();
        let mut json = json!({ "model": target.model_name, "prompt": req.prompt, field: images });
        if let Some(ar) = req.aspect_ratio.to_provider() {
            json["aspect_ratio"] = json!(ar);
        }
        let mut curl = format!(
            "curl -sS -X POST {} \\\n  -H \"Authorization: Bearer $RUNNINGHUB_API_KEY\" \\\n  -F {} \\\n  -F {}",
            shell_quote(&target.url(&target.draw_endpoint)),
            shell_quote(&format!("model={}", target.model_name)),
            shell_quote(&format!("prompt={}", req.prompt))
        );
        if let Some(ar) = req.aspect_ratio.to_provider() {
            curl.push_str(&format!(
                " \\\n  -F {}",
                shell_quote(&format!("aspect_ratio={ar}"))
            ));
        }
        for (i, _) in images.iter().enumerate() {
            curl.push_str(&format!(
                " \\\n  -F {}",
                shell_quote(&format!("{field}=@image-{}.png", i + 1))
            ));
        }
        RequestRecord { json, curl }
    }

    fn needs_upload(&self) -> bool {
        false
    }

    fn image_parts(&self, target: &Target, req: &SubmitRequest) -> Option<(usize, &'static str)> {
        let n = req.images.len();
        (n > 0).then(|| (n, target.image_field.name_for(n)))
    }

    #[tracing::instrument(
        skip_all,
        err(level = "warn"),
        fields(api = "nano_banana", call = "upload")
    )]
    async fn upload(&self, _target: &Target, _file: &ImageFile) -> Result<UploadAnswer, CallError> {
        Err(CallError::new(
            CallErrorKind::Refused,
            "this API type sends images inline; it has no upload step",
        ))
    }

    #[tracing::instrument(
        skip_all,
        err(level = "warn"),
        fields(api = "nano_banana", call = "submit")
    )]
    async fn submit(
        &self,
        target: &Target,
        req: &SubmitRequest,
    ) -> Result<ProviderAnswer, CallError> {
        let url = target.url(&target.draw_endpoint);
        let client = self.http.client_for(&url, target.local_ok(&url))?;
        let files = self.files(target, req).await?;
        let field = target.image_field.name_for(files.len());
        let mut form = reqwest::multipart::Form::new()
            .text("model", target.model_name.clone())
            .text("prompt", req.prompt.clone());
        if let Some(ar) = req.aspect_ratio.to_provider() {
            form = form.text("aspect_ratio", ar.to_owned());
        }
        for f in files {
            let part = reqwest::multipart::Part::bytes(f.bytes.to_vec())
                .file_name(f.file_name)
                .mime_str(&f.mime)
                .map_err(|e| {
                    CallError::new(CallErrorKind::Refused, format!("bad mime type: {e}"))
                })?;
            form = form.part(field, part);
        }
        let timeout = self.http.submit_timeout(target);
        self.send(target, client.post(&url).multipart(form).timeout(timeout))
            .await?
            .read(parse_images_answer)
    }

    #[tracing::instrument(skip_all, err(level = "warn"), fields(api = "nano_banana", call = "poll", task = %provider_task_id))]
    async fn poll(
        &self,
        target: &Target,
        provider_task_id: &str,
    ) -> Result<ProviderAnswer, CallError> {
        let endpoint = &target.result_endpoint;
        let answer = if endpoint.contains("{task_id}") {
            let url = target.url(&endpoint.replace("{task_id}", &urlencode(provider_task_id)));
            let client = self.http.client_for(&url, target.local_ok(&url))?;
            self.send(target, client.get(&url).timeout(self.http.timeouts.poll))
                .await?
        } else {
            let url = target.url(endpoint);
            let client = self.http.client_for(&url, target.local_ok(&url))?;
            self.send(
                target,
                client
                    .post(&url)
                    .timeout(self.http.timeouts.poll)
                    .json(&json!({ "taskId": provider_task_id, "task_id": provider_task_id })),
            )
            .await?
        };
        answer.read(parse_images_answer)
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sync_answer_with_urls_succeeds() {
        let a = parse_images_answer(
            200,
            br#"{"created":1,"data":[{"url":"https://cdn/a.png"}]}"#,
            3,
        )
        .expect("answer");
        assert_eq!(a.state, ProviderState::Succeeded);
        assert_eq!(a.results[0].url.as_deref(), Some("https://cdn/a.png"));
    }

    #[test]
    fn a_sync_answer_with_base64_carries_the_bytes() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nrest");
        let body = format!(r#"{{"created":1,"data":[{{"b64_json":"{b64}"}}]}}"#);
        let a = parse_images_answer(200, body.as_bytes(), 3).expect("answer");
        assert_eq!(a.state, ProviderState::Succeeded);
        assert_eq!(a.inline_images.len(), 1);
        assert!(a.inline_images[0].starts_with(b"\x89PNG"));
    }

    #[test]
    fn openai_style_errors_are_api_errors() {
        let e = parse_images_answer(401, br#"{"error":{"message":"Invalid API key","type":"invalid_request_error","code":"invalid_api_key"}}"#, 1)
            .expect_err("error");
        assert_eq!(e.kind, CallErrorKind::Api);
        assert!(!e.is_transient());
        let e = parse_images_answer(
            200,
            br#"{"error":{"message":"rate limit exceeded","code":"rate_limit_exceeded"}}"#,
            1,
        )
        .expect_err("error");
        assert!(e.is_transient());
    }

    #[test]
    fn an_async_answer_is_a_task_id_then_a_status() {
        let a =
            parse_images_answer(200, br#"{"task_id":"t-1","status":"queued"}"#, 1).expect("answer");
        assert_eq!(a.task_id.as_deref(), Some("t-1"));
        assert!(matches!(a.state, ProviderState::Queued(_)));
        let a = parse_images_answer(
            200,
            br#"{"task_id":"t-1","status":"succeeded","data":[{"url":"https://cdn/b.png"}]}"#,
            1,
        )
        .expect("answer");
        assert_eq!(a.state, ProviderState::Succeeded);
        let a = parse_images_answer(
            200,
            br#"{"task_id":"t-1","status":"failed","error_message":"nsfw"}"#,
            1,
        )
        .expect("answer");
        assert!(
            matches!(a.state, ProviderState::Failed { message: Some(ref m), .. } if m == "nsfw")
        );
    }
}
