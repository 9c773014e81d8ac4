//! Normalised provider answers and errors, with the one mapping of status spellings and the one
//! classification of errors into "retry" and "never retry".

use app::domain::{ResultItem, Usage};
use std::fmt;

impl Redact for ProviderAnswer {
    fn redact(&mut self, key: &str) {
        let clean = |s: &mut String| *s = app::domain::redact_key(s, key);
        clean(&mut self.raw_status);
        match &mut self.state {
            ProviderState::Queued(s)
            | ProviderState::Running(s)
            | ProviderState::Cancelled(s)
            | ProviderState::Unknown(s) => clean(s),
            ProviderState::Failed { code, message } => {
                code.iter_mut().chain(message.iter_mut()).for_each(clean);
            }
            ProviderState::Succeeded => {}
        }
        // The task id is left as written: it is what the task is followed by.
        clean(&mut self.body);
        for r in &mut self.results {
            r.url.iter_mut().chain(r.text.iter_mut()).for_each(clean);
        }
    }
}

/// Where the provider says a task is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderState {
    /// CREATE / QUEUED and friends: accepted, not started.
    Queued(String),
    /// RUNNING and friends.
    Running(String),
    Succeeded,
    Failed {
        code: Option<String>,
        message: Option<String>,
    },
    Cancelled(String),
    /// A status nobody documented: reported as an error event, never a silent hang.
    Unknown(String),
}

/// An answer whose provider-written texts can be cleaned of echoes of the key.
pub trait Redact {
    /// Masks every echo of `key` in the texts the provider wrote.
    fn redact(&mut self, key: &str);
}

impl ProviderState {
    /// Maps every status spelling seen in the real services (and the product note) onto ours.
    pub fn from_status(raw: &str) -> ProviderState {
        let s = raw.trim().to_ascii_uppercase();
        match s.as_str() {
            "CREATE" | "CREATED" | "QUEUED" | "QUEUE" | "PENDING" | "SUBMITTED" | "WAITING" => {
                ProviderState::Queued(s)
            }
            "RUNNING" | "PROCESSING" | "IN_PROGRESS" | "STARTED" => ProviderState::Running(s),
            "SUCCESS" | "SUCCEED" | "SUCCEEDED" | "COMPLETED" | "DONE" => ProviderState::Succeeded,
            "FAILED" | "FAIL" | "FAILURE" | "ERROR" => ProviderState::Failed {
                code: None,
                message: None,
            },
            "CANCEL" | "CANCELLED" | "CANCELED" => ProviderState::Cancelled(s),
            _ => ProviderState::Unknown(raw.trim().to_owned()),
        }
    }

    pub fn is_final(&self) -> bool {
        matches!(
            self,
            ProviderState::Succeeded | ProviderState::Failed { .. } | ProviderState::Cancelled(_)
        )
    }
}

/// A provider's answer to a submit or a poll, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderAnswer {
    pub task_id: Option<String>,
    pub state: ProviderState,
    /// The status as the provider spelled it.
    pub raw_status: String,
    pub results: Vec<ResultItem>,
    pub usage: Option<Usage>,
    /// Result images delivered inline (base64), for the console to store and serve.
    pub inline_images: Vec<bytes::Bytes>,
    pub http_status: u16,
    pub latency_ms: i64,
    /// The answer as it may be shown (see [`excerpt`]): what a person reads when the answer
    /// said "success" but held nothing usable.
    pub body: String,
}

impl ProviderAnswer {
    /// Whether the answer holds at least one image (a result link or an inline image); text
    /// items alone are not a result of an image edit.
    pub fn has_image(&self) -> bool {
        !self.inline_images.is_empty() || self.results.iter().any(|r| r.url.is_some())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallErrorKind {
    /// The connection could not be made: the request never left.
    Connect,
    /// No answer in time (the request may have arrived).
    Timeout,
    /// The connection broke after sending.
    Network,
    /// An HTTP error status without a readable provider error.
    Http,
    /// The provider answered with an error code or message (often with HTTP 200).
    Api,
    /// The answer could not be read (not JSON, or JSON of the wrong shape).
    Malformed,
    /// The console refused to make the call (e.g. a private address).
    Refused,
}

/// A failed provider call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub kind: CallErrorKind,
    pub code: Option<String>,
    pub message: String,
    pub http_status: Option<u16>,
    pub latency_ms: i64,
    /// The wait the provider asked for before trying again (`Retry-After`), if it named one.
    pub retry_after: Option<std::time::Duration>,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = self.http_status {
            write!(f, "HTTP {s}: ")?;
        }
        match &self.code {
            Some(c) => write!(f, "[{c}] {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl CallError {
    pub fn new(kind: CallErrorKind, message: impl Into<String>) -> Self {
        CallError {
            kind,
            code: None,
            message: message.into(),
            http_status: None,
            latency_ms: 0,
            retry_after: None,
        }
    }

    pub fn api(code: Option<String>, message: impl Into<String>, http_status: u16) -> Self {
        CallError {
            kind: CallErrorKind::Api,
            code,
            message: message.into(),
            http_status: Some(http_status),
            latency_ms: 0,
            retry_after: None,
        }
    }

    /// A non-2xx answer without a readable error of its own: `HTTP 502: <start of the body>`;
    /// a 404 says which setting to look at.
    pub fn http(http_status: u16, body: &[u8], latency_ms: i64) -> Self {
        let message = match http_status {
            404 => format!(
                "endpoint not found: check the host and endpoint (HTTP 404: {})",
                excerpt(body)
            ),
            // Usually a proxy's HTML page: its words add nothing.
            413 => "the request was refused as too large (HTTP 413), by the provider or a \
                    proxy in front of it"
                .to_owned(),
            _ => format!("HTTP {http_status}: {}", excerpt(body)),
        };
        CallError::new(CallErrorKind::Http, message)
            .with_status(http_status)
            .with_latency(latency_ms)
    }

    /// An answer that does not read as the documented shape; `why` says what was wrong.
    pub fn malformed(why: String, http_status: u16, latency_ms: i64) -> Self {
        CallError::new(CallErrorKind::Malformed, why)
            .with_status(http_status)
            .with_latency(latency_ms)
    }

    pub fn with_latency(mut self, ms: i64) -> Self {
        self.latency_ms = ms;
        self
    }

    /// This error with every echo of `key` in its texts masked (see `app::domain::redact_key`).
    pub fn redacted(mut self, key: &str) -> Self {
        self.message = app::domain::redact_key(&self.message, key);
        self.code = self.code.map(|c| app::domain::redact_key(&c, key));
        self
    }

    pub fn with_retry_after(mut self, wait: std::time::Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// Whether the provider said "too many requests" (HTTP 429, or 503 with a wait named, or a
    /// rate-limit code): a refusal of this one call, so trying again later is safe.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.http_status, Some(429))
            || (self.http_status == Some(503) && self.retry_after.is_some())
            || self
                .code
                .as_deref()
                .and_then(app::domain::code_info)
                .is_some_and(|c| c.codes.contains(&"1003"))
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// Whether trying again later can help: network trouble, timeouts, HTTP 429 and 5xx, and
    /// queue-full / concurrency-limit codes. Auth, balance, moderation and invalid-parameter
    /// errors never are.
    pub fn is_transient(&self) -> bool {
        let code = self.code.as_deref().unwrap_or_default();
        // A known code decides by itself (the one table: app::domain::CODES).
        if let Some(info) = app::domain::code_info(code) {
            return info.retry == app::domain::Retry::Later;
        }
        let msg = self.message.to_ascii_lowercase();
        if looks_like_auth(&msg) || msg.contains("insufficient") || msg.contains("balance") {
            return false;
        }
        match self.kind {
            CallErrorKind::Connect | CallErrorKind::Timeout | CallErrorKind::Network => true,
            CallErrorKind::Refused | CallErrorKind::Malformed => false,
            CallErrorKind::Http | CallErrorKind::Api => {
                let status_transient = matches!(self.http_status, Some(429) | Some(500..=599));
                let queue_full = msg.contains("queue")
                    || msg.contains("concurren")
                    || msg.contains("too many requests")
                    || msg.contains("rate limit");
                status_transient || queue_full
            }
        }
    }

    /// Whether the request certainly did not reach the provider.
    pub fn surely_not_sent(&self) -> bool {
        matches!(self.kind, CallErrorKind::Connect | CallErrorKind::Refused)
    }

    /// Whether sending the same submit again cannot make a second paid task: the request
    /// provably never left (connection refused, DNS or TLS failure before sending, or the
    /// console refused to send it), or the provider answered and refused it (an HTTP error or
    /// an error code without a task: 429, 5xx, queue full …). A timeout or a broken connection
    /// after the request was sent, or an answer that cannot be read, leaves the outcome unknown:
    /// the provider may have the task and bill it (../shared/runninghub-api.md, "Timeouts,
    /// uploads and gateways").
    pub fn safe_to_resend(&self) -> bool {
        match self.kind {
            CallErrorKind::Connect | CallErrorKind::Refused => true,
            CallErrorKind::Http | CallErrorKind::Api => true,
            CallErrorKind::Timeout | CallErrorKind::Network | CallErrorKind::Malformed => false,
        }
    }

    /// The code to show and store: the provider's, else a label of the kind.
    pub fn display_code(&self) -> String {
        if let Some(c) = &self.code {
            return c.clone();
        }
        match (&self.kind, self.http_status) {
            (CallErrorKind::Timeout, _) => "timeout".to_owned(),
            (CallErrorKind::Connect, _) => "connect".to_owned(),
            (CallErrorKind::Network, _) => "network".to_owned(),
            (CallErrorKind::Malformed, _) => "malformed".to_owned(),
            (CallErrorKind::Refused, _) => "refused".to_owned(),
            (_, Some(s)) => format!("http_{s}"),
            _ => "error".to_owned(),
        }
    }
}

fn looks_like_auth(msg: &str) -> bool {
    msg.contains("apikey")
        || msg.contains("api key")
        || msg.contains("unauthorized")
        || msg.contains("verification failed") && msg.contains("key")
}

/// Classifies a reqwest failure.
pub fn from_reqwest(e: &reqwest::Error, latency_ms: i64) -> CallError {
    let kind = if e.is_timeout() {
        CallErrorKind::Timeout
    } else if e.is_connect() {
        CallErrorKind::Connect
    } else {
        CallErrorKind::Network
    };
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    CallError::new(kind, msg).with_latency(latency_ms)
}

/// The task id in an answer's body, exactly as the provider wrote it: under the first of `keys`
/// present at the top level, else inside a `data` object (the envelope async gateways answer
/// with). A string is taken trimmed; a number keeps every digit as written (read from the raw
/// text, never through a float: 22-digit ids survive). Empty strings, `null` and other shapes
/// are no id.
pub fn task_id_in(body: &[u8], keys: &[&str]) -> Option<String> {
    use serde_json::value::RawValue;
    use std::collections::HashMap;
    let fields: HashMap<&str, &RawValue> = serde_json::from_slice(body).ok()?;
    let literal = |raw: &RawValue| -> Option<String> {
        let text = raw.get().trim();
        if text.starts_with('"') {
            let s: String = serde_json::from_str(text).ok()?;
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_owned())
        } else {
            let digits = text.strip_prefix('-').unwrap_or(text);
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| text.to_owned())
        }
    };
    keys.iter()
        .find_map(|k| fields.get(k).and_then(|raw| literal(raw)))
        .or_else(|| {
            let data = fields.get("data")?;
            data.get()
                .trim_start()
                .starts_with('{')
                .then(|| task_id_in(data.get().as_bytes(), keys))
                .flatten()
        })
}

/// A provider's reason as a person reads it, whatever shape it came in: a string as it is; an
/// object by its known fields (a ComfyUI `failedReason`: node, exception type and message;
/// else `message`, `msg`, `error`, `reason` or `detail`, themselves of any shape); a list as
/// its items; anything else as compact JSON. Never `[object Object]`, never nothing when
/// something was said.
pub fn readable(v: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let out = match v {
        Value::Null => return None,
        Value::String(s) => s.trim().to_owned(),
        Value::Bool(_) | Value::Number(_) => v.to_string(),
        Value::Array(items) => items
            .iter()
            .filter_map(readable)
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(m) => {
            let field = |k: &str| m.get(k).and_then(readable).filter(|s| !s.is_empty());
            let node = field("node_name").map(|n| match field("node_id") {
                Some(id) => format!("{n} (node {id})"),
                None => n,
            });
            let exception = [field("exception_type"), field("exception_message")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>();
            if node.is_some() || !exception.is_empty() {
                node.into_iter()
                    .chain(exception)
                    .collect::<Vec<_>>()
                    .join(": ")
            } else if let Some(said) = ["message", "msg", "error", "reason", "detail"]
                .iter()
                .find_map(|k| field(k))
            {
                said
            } else if m.is_empty() {
                return None;
            } else {
                excerpt(v.to_string().as_bytes())
            }
        }
    };
    (!out.is_empty()).then_some(out)
}

/// How much of an answer a message quotes, in characters.
const EXCERPT_CHARS: usize = 300;
/// A JSON string longer than this is described, not quoted (base64 images above all).
const QUOTED_STRING_MAX: usize = 200;

/// A short, single-line excerpt of a body for messages and the log. In a JSON body every long
/// string is replaced by a description (`<b64_json, 1.8 MB, image/png>`, `<2,400 characters>`),
/// so base64 never reaches an event, a task row, the stream or the log.
pub fn excerpt(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) => {
            describe_long_strings(&mut v, None);
            v.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(EXCERPT_CHARS).collect();
    if one_line.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

fn describe_long_strings(v: &mut serde_json::Value, key: Option<&str>) {
    use serde_json::Value;
    match v {
        Value::String(s) if s.chars().count() > QUOTED_STRING_MAX => {
            *s = match decode_image_base64(s) {
                Ok((bytes, mime)) => format!(
                    "<{}, {}, {mime}>",
                    key.unwrap_or("base64"),
                    app::domain::format_bytes(bytes.len() as u64)
                ),
                Err(_) => format!("<{} characters>", s.chars().count()),
            };
        }
        Value::Array(items) => items.iter_mut().for_each(|i| describe_long_strings(i, key)),
        Value::Object(m) => m
            .iter_mut()
            .for_each(|(k, i)| describe_long_strings(i, Some(k.as_str()))),
        _ => {}
    }
}

/// Decodes a base64 image as gateways send it: with or without a `data:<mime>;base64,`
/// prefix, line breaks, padding, in the standard or the URL-safe alphabet. Accepted only when
/// the bytes are a PNG, JPEG or WEBP image (by their magic bytes, whatever a prefix claims);
/// answers the bytes and their MIME type, or what is wrong.
pub fn decode_image_base64(text: &str) -> Result<(bytes::Bytes, &'static str), String> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const TOLERANT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let data = match text.trim().strip_prefix("data:") {
        Some(rest) => rest.split_once(',').map_or(rest, |(_, d)| d),
        None => text,
    };
    let clean: String = data
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let bytes = TOLERANT
        .decode(clean.as_bytes())
        .map_err(|e| format!("not valid base64 ({e})"))?;
    let (mime, _) = crate::blobs::sniff_image(&bytes).ok_or_else(|| {
        format!(
            "base64 of {} that are not a PNG, JPEG or WEBP image",
            app::domain::format_bytes(bytes.len() as u64)
        )
    })?;
    Ok((bytes::Bytes::from(bytes), mime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_images_are_decoded_tolerantly_and_checked_by_their_bytes() {
        use base64::Engine as _;
        let png = crate::sandbox::generate_png("b64");
        let safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&png);
        let wrapped = format!("data:image/jpeg;base64,{}\n{}", &safe[..40], &safe[40..]);
        let (bytes, mime) = decode_image_base64(&wrapped).expect("decoded");
        assert_eq!(
            (bytes.len(), mime),
            (png.len(), "image/png"),
            "the bytes decide the type"
        );
        let text = base64::engine::general_purpose::STANDARD.encode("just words");
        let e = decode_image_base64(&text).expect_err("not an image");
        assert!(e.contains("not a PNG, JPEG or WEBP image"), "{e}");
        assert!(
            decode_image_base64("***")
                .expect_err("garbage")
                .contains("not valid base64")
        );
        // An excerpt describes the image instead of quoting it.
        let body = format!(r#"{{"data":[{{"b64_json":"{safe}"}}]}}"#);
        let shown = excerpt(body.as_bytes());
        assert!(
            shown.contains("<b64_json, ") && shown.contains("image/png>"),
            "{shown}"
        );
        assert!(!shown.contains(&safe[..60]), "{shown}");
    }

    #[test]
    fn task_ids_are_found_where_providers_put_them_and_keep_every_digit() {
        let id = |body: &str| task_id_in(body.as_bytes(), &["taskId", "task_id"]);
        assert_eq!(
            id(r#"{"taskId":" 2013508786110730241 "}"#).as_deref(),
            Some("2013508786110730241")
        );
        assert_eq!(
            id(r#"{"taskId":9007199254740993000123}"#).as_deref(),
            Some("9007199254740993000123")
        );
        assert_eq!(id(r#"{"task_id":"abc-1"}"#).as_deref(), Some("abc-1"));
        assert_eq!(
            id(r#"{"code":0,"data":{"task_id":42}}"#).as_deref(),
            Some("42")
        );
        assert_eq!(
            id(r#"{"taskId":"","data":{"taskId":"7"}}"#).as_deref(),
            Some("7")
        );
        for none in [
            r#"{"taskId":""}"#,
            r#"{"taskId":null}"#,
            r#"{"taskId":1.5}"#,
            r#"{"data":[1]}"#,
            "[]",
            "nope",
        ] {
            assert_eq!(id(none), None, "{none}");
        }
    }

    #[test]
    fn both_spellings_of_success_and_cancel_are_understood() {
        assert_eq!(
            ProviderState::from_status("SUCCESS"),
            ProviderState::Succeeded
        );
        assert_eq!(
            ProviderState::from_status("SUCCEED"),
            ProviderState::Succeeded
        );
        assert!(matches!(
            ProviderState::from_status("CANCEL"),
            ProviderState::Cancelled(_)
        ));
        assert!(matches!(
            ProviderState::from_status("CANCELLED"),
            ProviderState::Cancelled(_)
        ));
        for s in ["CREATE", "QUEUED"] {
            assert!(matches!(
                ProviderState::from_status(s),
                ProviderState::Queued(_)
            ));
        }
        assert!(matches!(
            ProviderState::from_status("RUNNING"),
            ProviderState::Running(_)
        ));
        assert!(matches!(
            ProviderState::from_status("FAILED"),
            ProviderState::Failed { .. }
        ));
        assert_eq!(
            ProviderState::from_status("WEIRD"),
            ProviderState::Unknown("WEIRD".to_owned())
        );
    }

    #[test]
    fn transient_failures_are_retried_and_permanent_ones_never() {
        let http = |s: u16| CallError::new(CallErrorKind::Http, "x").with_status(s);
        assert!(http(429).is_transient());
        assert!(http(502).is_transient());
        assert!(!http(400).is_transient());
        assert!(CallError::new(CallErrorKind::Timeout, "t").is_transient());
        assert!(CallError::new(CallErrorKind::Connect, "c").is_transient());
        assert!(CallError::api(Some("421".into()), "TASK_QUEUE_MAXED", 200).is_transient());
        assert!(!CallError::api(Some("802".into()), "APIKEY_UNAUTHORIZED", 200).is_transient());
        assert!(!CallError::api(None, "ApiKey verification failed", 200).is_transient());
        assert!(
            !CallError::api(Some("1501".into()), "Content verification failed", 200).is_transient()
        );
        assert!(!CallError::api(Some("812".into()), "insufficient funds", 200).is_transient());
        assert!(!CallError::api(Some("301".into()), "PARAMS_INVALID", 500).is_transient());
        assert!(!CallError::new(CallErrorKind::Malformed, "m").is_transient());
    }
}
