//! Provider adapters behind one trait. Each answers a normalised result; the mapping of the
//! providers' status spellings and error codes onto ours lives in this module and nowhere else.

pub mod account;
pub mod address;
pub mod answer;
pub mod body;
pub mod nano_banana;
pub mod net;
pub mod runninghub;

use app::domain::{ApiType, AspectRatio, Resolution, ResultItem, Usage};
use async_trait::async_trait;
use secrecy::SecretString;
use std::sync::Arc;

pub use answer::{CallError, CallErrorKind, ProviderAnswer, ProviderState};

/// Where and how to call a provider for one task: the config's fields as of the task's version
/// and the key, decrypted just for this call.
pub struct Target {
    pub base: String,
    pub draw_endpoint: String,
    pub result_endpoint: String,
    pub upload_endpoint: String,
    pub model_name: String,
    pub is_sync: bool,
    pub allow_local: bool,
    pub key: SecretString,
    /// The config's bound of a synchronous call; `None` uses the server's
    /// ([`net::CallTimeouts::sync_submit`]).
    pub sync_timeout: Option<std::time::Duration>,
    /// The time left before the task's deadline: a submit never waits longer, so the
    /// config's deadline holds exactly. `None`: no deadline (tools, tests).
    pub time_left: Option<std::time::Duration>,
    /// The multipart field name of the images (nano-banana gateways).
    pub image_field: app::domain::ImageField,
}

impl Target {
    pub fn url(&self, endpoint: &str) -> String {
        format!("{}{}", self.base.trim_end_matches('/'), endpoint)
    }

    /// Whether a call to `url` may reach a loopback or private address: only when the config
    /// allows it and `url` is on the config's own host (same scheme, host and port), as the
    /// sandbox or a gateway on the LAN is. Anything else (an operator's image URL above all)
    /// is held to public addresses, so the exception cannot reach the console's own
    /// `/metrics`, a cloud metadata service or scan the network.
    pub fn local_ok(&self, url: &str) -> bool {
        local_ok(self.allow_local, &self.base, url)
    }
}

/// Whether `url` may reach a local address for a config on `base` that is (`allow_local`) or is
/// not allowed local addresses: only on that very origin (see [`Target::local_ok`]).
pub fn local_ok(allow_local: bool, base: &str, url: &str) -> bool {
    let origin = |u: &str| url::Url::parse(u).ok().map(|u| u.origin());
    allow_local && origin(url).is_some_and(|o| Some(o) == origin(base))
}

/// An image that travels as bytes (an upload, or a multipart provider's input).
#[derive(Clone)]
pub struct ImageFile {
    pub file_name: String,
    pub mime: String,
    pub bytes: bytes::Bytes,
}

/// One input image of a submit: a URL the provider fetches, or bytes the console holds.
#[derive(Clone)]
pub enum ImageInput {
    Url(String),
    File(ImageFile),
}

/// A submit, ready to send.
#[derive(Clone)]
pub struct SubmitRequest {
    pub prompt: String,
    pub resolution: Resolution,
    pub aspect_ratio: AspectRatio,
    pub images: Vec<ImageInput>,
    /// Where the provider should call back when the task ends (RunningHub's `webhookUrl`),
    /// for providers that can ([`Provider::calls_back`]).
    pub webhook_url: Option<String>,
}

/// What gets recorded before sending: the body with the key redacted, and the same call as curl.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    pub json: serde_json::Value,
    pub curl: String,
}

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The request as it will be sent, without the key.
    fn describe_submit(&self, target: &Target, req: &SubmitRequest) -> RequestRecord;

    /// Whether local images must first go through the upload endpoint (else they are sent inline).
    fn needs_upload(&self) -> bool;

    /// Whether a submit can carry a `webhookUrl` the provider calls when the task ends.
    fn calls_back(&self) -> bool {
        false
    }

    /// How many images a submit of `req` carries inline as multipart parts, and under which
    /// field name (the log says so: gateways differ on `image` and `image[]`). `None` when the
    /// images travel as URLs.
    fn image_parts(&self, _target: &Target, _req: &SubmitRequest) -> Option<(usize, &'static str)> {
        None
    }

    /// Sends a local image to the upload endpoint; answers the URL to use.
    async fn upload(&self, target: &Target, file: &ImageFile) -> Result<UploadAnswer, CallError>;

    async fn submit(
        &self,
        target: &Target,
        req: &SubmitRequest,
    ) -> Result<ProviderAnswer, CallError>;

    async fn poll(
        &self,
        target: &Target,
        provider_task_id: &str,
    ) -> Result<ProviderAnswer, CallError>;
}

#[derive(Debug, Clone, PartialEq)]
pub struct UploadAnswer {
    pub url: String,
    pub http_status: u16,
    pub latency_ms: i64,
}

impl answer::Redact for UploadAnswer {
    fn redact(&mut self, key: &str) {
        self.url = app::domain::redact_key(&self.url, key);
    }
}

/// The adapters by API type.
#[derive(Clone)]
pub struct Providers {
    pub runninghub: Arc<dyn Provider>,
    pub nano_banana: Arc<dyn Provider>,
    /// The same outbound clients, for fetching results to keep.
    pub http: net::Outbound,
}

impl Providers {
    pub fn new(http: net::Outbound) -> Providers {
        Providers {
            runninghub: Arc::new(runninghub::RunningHub::new(http.clone())),
            nano_banana: Arc::new(nano_banana::NanoBanana::new(http.clone())),
            http,
        }
    }

    pub fn get(&self, api_type: ApiType) -> Arc<dyn Provider> {
        match api_type {
            ApiType::RunningHubRhartEdit => self.runninghub.clone(),
            ApiType::NanoBananaEdits => self.nano_banana.clone(),
        }
    }
}

/// The result items of an answer, whatever the spelling of the URL field.
pub fn results_from(items: &[serde_json::Value]) -> Vec<ResultItem> {
    items
        .iter()
        .filter_map(|v| {
            if let Some(s) = v.as_str() {
                return Some(ResultItem {
                    url: Some(s.to_owned()),
                    ..ResultItem::default()
                });
            }
            let o = v.as_object()?;
            let text_of = |k: &str| {
                o.get(k)
                    .and_then(|x| x.as_str())
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            let url = [
                "url",
                "outputUrl",
                "output_url",
                "fileUrl",
                "content",
                "output",
            ]
            .iter()
            .find_map(|k| {
                text_of(k).filter(|s| {
                    s.starts_with("http://") || s.starts_with("https://") || s.starts_with('/')
                })
            });
            let item = ResultItem {
                url,
                output_type: text_of("outputType")
                    .or_else(|| text_of("output_type"))
                    .or_else(|| text_of("fileType")),
                text: text_of("text"),
                ..ResultItem::default()
            };
            (item.url.is_some() || item.text.is_some()).then_some(item)
        })
        .collect()
}

/// Usage numbers arrive as strings, numbers or null.
pub fn usage_from(v: Option<&serde_json::Value>) -> Option<Usage> {
    let o = v?.as_object()?;
    let field = |k: &str| match o.get(k) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let u = Usage {
        consume_money: field("consumeMoney"),
        consume_coins: field("consumeCoins"),
        third_party_consume_money: field("thirdPartyConsumeMoney"),
        task_cost_time: field("taskCostTime"),
    };
    (!u.is_empty()).then_some(u)
}

/// Single-quotes a value for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn result_urls_are_read_from_every_known_spelling() {
        let items = vec![
            json!({"url": "https://cdn/x.png", "outputType": "png", "text": null}),
            json!({"outputUrl": "https://cdn/y.png"}),
            json!({"content": "https://cdn/z.png"}),
            json!({"output": "https://cdn/w.png"}),
            json!({"text": "a caption"}),
            json!({"nothing": 1}),
            json!("https://cdn/plain.png"),
        ];
        let r = results_from(&items);
        assert_eq!(r.len(), 6);
        assert_eq!(r[0].url.as_deref(), Some("https://cdn/x.png"));
        assert_eq!(r[0].output_type.as_deref(), Some("png"));
        assert_eq!(r[1].url.as_deref(), Some("https://cdn/y.png"));
        assert_eq!(r[4].text.as_deref(), Some("a caption"));
    }

    #[test]
    fn usage_accepts_strings_numbers_and_nulls() {
        let u = usage_from(Some(&json!({"consumeMoney": null, "consumeCoins": 12, "thirdPartyConsumeMoney": "0.14", "taskCostTime": "0"})))
            .expect("usage");
        assert_eq!(u.consume_coins.as_deref(), Some("12"));
        assert_eq!(u.cost(), Some(app::domain::Cost::Money("0.14".into())));
        assert_eq!(usage_from(Some(&json!({}))), None);
        assert_eq!(usage_from(None), None);
    }

    #[test]
    fn shell_quoting_survives_single_quotes() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
