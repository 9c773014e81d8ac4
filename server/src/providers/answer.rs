//! Normalised provider answers and errors, with the one mapping of status spellings and the one
//! classification of errors into "retry" and "never retry".

pub use super::body::{decode_image_base64, excerpt, readable, task_id_in};
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

    /// Whether the provider refused for lack of capacity: the key's concurrency or queue limit
    /// (415 TASK_INSTANCE_MAXED, 421 TASK_QUEUE_MAXED, 814; ../shared/runninghub-api.md, error
    /// codes). Such a submit never started a task, and waits for a slot rather than a retry.
    pub fn is_queue_full(&self) -> bool {
        const NAMES: [&str; 2] = ["TASK_QUEUE_MAXED", "TASK_INSTANCE_MAXED"];
        matches!(
            self.code.as_deref(),
            Some("415" | "421" | "814" | "TASK_QUEUE_MAXED" | "TASK_INSTANCE_MAXED")
        ) || NAMES.iter().any(|n| self.message.contains(n))
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
    // The outermost words say what was attempted, the innermost cause what went wrong; the
    // layers between repeat them ("client error (Connect)"). The whole chain goes to the log.
    let mut chain = vec![e.to_string()];
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        chain.push(s.to_string());
        src = s.source();
    }
    tracing::debug!(error = %chain.join(": "), "provider call failed");
    let msg = match chain.as_slice() {
        [only] => only.clone(),
        [first, .., last] => format!("{first}: {last}"),
        [] => String::new(),
    };
    CallError::new(kind, msg).with_latency(latency_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(CallError::api(Some("421".into()), "TASK_QUEUE_MAXED", 200).is_queue_full());
        assert!(CallError::api(Some("814".into()), "personal queue limit", 200).is_queue_full());
        assert!(!CallError::api(Some("1003".into()), "rate limited", 200).is_queue_full());
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
