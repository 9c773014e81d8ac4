//! The key check (检测密钥): RunningHub's account-status, queue-status and price-preview
//! endpoints, asked before any paid call (shapes and sources in `app::domain::config::key_check`
//! and ../shared/runninghub-api.md, "Account, capacity and price").
//!
//! Nothing here is billed: account and queue status are free, and the price preview only
//! estimates. The price preview is the tier probe: a key whose tier may not call
//! standard-model APIs gets 1014 there as on a real submit.

use super::answer::{CallError, Redact};
use super::net::{Exchange, Outbound};
use app::domain::{AccountStatus, KeyCheck, KeySite, QueueStatus, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

/// What to check: the config's hosts and key.
#[derive(Clone)]
pub struct KeyProbe<'a> {
    /// The host tasks go to by default (the domestic one).
    pub host: &'a str,
    /// The other RunningHub site to try when `host` refuses the key (the config's other host).
    pub other_host: Option<&'a str>,
    /// The price preview's path for the config's model (`/openapi/v2/price-preview/…`), for the
    /// tier probe; `None` skips it.
    pub price_preview: Option<String>,
    /// For an OpenAI-style gateway: its model-list path and the configured model. The check
    /// then asks only the model list (gateways have no account endpoints).
    pub gateway: Option<(String, String)>,
    pub allow_local: bool,
    pub key: &'a SecretString,
}

/// The price-preview path for a standard-model submit endpoint:
/// `/openapi/v2/rhart-image-n-pro/edit` → `/openapi/v2/price-preview/rhart-image-n-pro/edit`.
/// `None` for an endpoint outside `/openapi/v2/`.
pub fn price_preview_path(draw_endpoint: &str) -> Option<String> {
    let model = draw_endpoint.strip_prefix("/openapi/v2/")?;
    (!model.is_empty()).then(|| format!("/openapi/v2/price-preview/{model}"))
}

/// The model-list path of a gateway whose edits endpoint is `draw_endpoint`:
/// `/v1/images/edits` → `/v1/models`, `/api/v1/async/images/edits` → `/api/v1/models`.
pub fn models_path(draw_endpoint: &str) -> String {
    let base = draw_endpoint
        .split("/images/")
        .next()
        .unwrap_or_default()
        .trim_end_matches("/async");
    if base.is_empty() || base == draw_endpoint {
        "/v1/models".to_owned()
    } else {
        format!("{base}/models")
    }
}

/// The model ids of an OpenAI-style model list (`{"data": [{"id": …}]}`, or a bare array).
pub fn model_ids(v: &Value) -> Vec<String> {
    let list = v.get("data").unwrap_or(v);
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A provider answer read as JSON, cleaned of the key.
struct Answer(Value);

impl Redact for Answer {
    fn redact(&mut self, key: &str) {
        fn walk(v: &mut Value, key: &str) {
            match v {
                Value::String(s) => *s = app::domain::redact_key(s, key),
                Value::Array(a) => a.iter_mut().for_each(|x| walk(x, key)),
                Value::Object(o) => o.values_mut().for_each(|x| walk(x, key)),
                _ => {}
            }
        }
        walk(&mut self.0, key);
    }
}

/// A field as text: strings trimmed, numbers as written, null and empty as `None`.
fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    match o.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A count that may be a number or a string of digits.
fn count(o: &Map<String, Value>, key: &str) -> Option<i64> {
    text(o, key)?.parse().ok()
}

/// Reads a `{code, msg|message, data}` answer: `data` when the code is 0, else the provider's
/// error. A bare answer (price preview) with `errorCode` is an error too.
fn read_answer(status: u16, body: &[u8], latency_ms: i64) -> Result<Answer, CallError> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Err(if (200..300).contains(&status) {
            CallError::malformed("the answer is not JSON".to_owned(), status, latency_ms)
        } else {
            CallError::http(status, body, latency_ms)
        });
    };
    let Some(o) = v.as_object() else {
        return Err(CallError::malformed(
            "the answer is not a JSON object".to_owned(),
            status,
            latency_ms,
        ));
    };
    let said = |o: &Map<String, Value>| {
        text(o, "errorMessage")
            .or_else(|| text(o, "msg"))
            .or_else(|| text(o, "message"))
            .unwrap_or_default()
    };
    if let Some(code) = text(o, "errorCode") {
        return Err(CallError::api(Some(code), said(o), status).with_latency(latency_ms));
    }
    if o.contains_key("code") {
        let code = text(o, "code").unwrap_or_default();
        if code != "0" && code != "200" {
            return Err(CallError::api(Some(code), said(o), status).with_latency(latency_ms));
        }
        return Ok(Answer(o.get("data").cloned().unwrap_or(Value::Null)));
    }
    if !(200..300).contains(&status) {
        return Err(CallError::http(status, body, latency_ms));
    }
    Ok(Answer(v))
}

/// `data` of an account-status answer.
pub fn parse_account(data: &Value) -> AccountStatus {
    let empty = Map::new();
    let o = data.as_object().unwrap_or(&empty);
    AccountStatus {
        coins: text(o, "remainCoins"),
        money: text(o, "remainMoney"),
        currency: text(o, "currency"),
        running: count(o, "currentTaskCounts"),
        key_type: text(o, "apiType"),
    }
}

/// `data` of a queue-status answer.
pub fn parse_queue(data: &Value) -> QueueStatus {
    let empty = Map::new();
    let o = data.as_object().unwrap_or(&empty);
    QueueStatus {
        limit: count(o, "concurrentLimit"),
        running: count(o, "runningCount"),
        queued: count(o, "queuedCount"),
        key_type: text(o, "apiKeyType"),
    }
}

/// Whether a provider refused the key itself (not the network, not the request): the other
/// site's key, a wrong or revoked key.
pub fn refuses_key(e: &CallError) -> bool {
    let code = e.code.as_deref().unwrap_or_default();
    let msg = e.message.to_ascii_lowercase();
    matches!(
        code,
        "802" | "1002" | "401" | "APIKEY_UNAUTHORIZED" | "APIKEY_USER_NOT_FOUND"
    ) || matches!(e.http_status, Some(401 | 403))
        || msg.contains("apikey")
        || msg.contains("api key")
        || msg.contains("user not exist")
        || msg.contains("unauthorized")
}

async fn call(
    http: &Outbound,
    probe: &KeyProbe<'_>,
    host: &str,
    path: &str,
    body: Option<Value>,
) -> Result<Value, CallError> {
    let url = format!("{}{path}", host.trim_end_matches('/'));
    let allow_local = super::local_ok(probe.allow_local, host, &url);
    let client = http.client_for(&url, allow_local)?;
    let req = match body {
        Some(b) => client
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(b.to_string()),
        None => client.get(&url),
    }
    .timeout(http.timeouts.poll);
    Ok(Exchange::send(req, probe.key).await?.read(read_answer)?.0)
}

async fn account(
    http: &Outbound,
    probe: &KeyProbe<'_>,
    host: &str,
) -> Result<AccountStatus, CallError> {
    let body = json!({ "apikey": probe.key.expose_secret() });
    call(http, probe, host, "/uc/openapi/accountStatus", Some(body))
        .await
        .map(|d| parse_account(&d))
}

/// The queue status of the key behind `probe` at `probe.host` (`GET …/openapi/v2/queue/status`):
/// the engine asks it for a config's concurrency limit (`concurrentLimit`) before sending its
/// first task. Free; errors as the provider or the network said them.
pub async fn queue_status(http: &Outbound, probe: &KeyProbe<'_>) -> Result<QueueStatus, CallError> {
    call(http, probe, probe.host, "/openapi/v2/queue/status", None)
        .await
        .map(|d| parse_queue(&d))
}

/// Checks the key: the site that accepts it (the configured host, else the other one, as a
/// proposal), then there the account, the queue and the tier. Never fails: every failure is a
/// part of the result, in words.
pub async fn check_key(http: &Outbound, probe: KeyProbe<'_>, now: Timestamp) -> KeyCheck {
    let mut check = KeyCheck {
        checked_at: now,
        site: KeySite::Unknown {
            host: probe.host.to_owned(),
            message: String::new(),
        },
        account: None,
        queue: None,
        queue_error: None,
        tier_refused: false,
        models: None,
    };
    if let Some((path, model)) = &probe.gateway {
        match call(http, &probe, probe.host, path, None).await {
            Ok(list) => {
                let ids = model_ids(&list);
                check.site = KeySite::Configured {
                    host: probe.host.to_owned(),
                };
                check.models = Some(app::domain::ModelCheck {
                    model: model.clone(),
                    listed: ids.iter().any(|id| id == model),
                    count: ids.len(),
                });
            }
            Err(e) if refuses_key(&e) => check.site = refused(probe.host, e),
            Err(e) => {
                check.site = KeySite::Unknown {
                    host: probe.host.to_owned(),
                    message: e.to_string(),
                }
            }
        }
        return check;
    }
    let (host, acct) = match account(http, &probe, probe.host).await {
        Ok(a) => (probe.host, a),
        Err(e) if refuses_key(&e) => {
            let other = probe
                .other_host
                .filter(|o| o.trim_end_matches('/') != probe.host.trim_end_matches('/'));
            match other {
                Some(other) => match account(http, &probe, other).await {
                    Ok(a) => {
                        check.site = KeySite::Other {
                            refused_by: probe.host.to_owned(),
                            host: other.to_owned(),
                        };
                        (other, a)
                    }
                    Err(_) => {
                        check.site = refused(probe.host, e);
                        return check;
                    }
                },
                None => {
                    check.site = refused(probe.host, e);
                    return check;
                }
            }
        }
        Err(e) => {
            check.site = KeySite::Unknown {
                host: probe.host.to_owned(),
                message: e.to_string(),
            };
            return check;
        }
    };
    if host == probe.host {
        check.site = KeySite::Configured {
            host: host.to_owned(),
        };
    }
    check.account = Some(acct);
    match queue_status(
        http,
        &KeyProbe {
            host,
            ..probe.clone()
        },
    )
    .await
    {
        Ok(q) => check.queue = Some(q),
        Err(e) => check.queue_error = Some(e.to_string()),
    }
    if let Some(path) = &probe.price_preview {
        // The smallest body a real submit could have; only its price is asked.
        let body = json!({
            "prompt": "key check",
            "resolution": "1k",
            "imageUrls": ["https://www.runninghub.cn/favicon.ico"],
        });
        if let Err(e) = call(http, &probe, host, path, Some(body)).await {
            check.tier_refused = e.code.as_deref() == Some("1014");
        }
    }
    check
}

/// Reads a price-preview answer (bare; see `app::domain::PriceEstimate`).
pub fn parse_price(v: &Value) -> app::domain::PriceEstimate {
    let empty = Map::new();
    let o = v.as_object().unwrap_or(&empty);
    app::domain::PriceEstimate {
        price: text(o, "estimatedPrice"),
        currency: text(o, "currency"),
        text_zh: text(o, "priceText"),
        text_en: text(o, "priceTextEn"),
        free: o
            .get("isFreeThisCall")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }
}

/// Asks `host`'s price preview at `path` for `body` (exactly what the submit would send).
pub async fn price_preview(
    http: &Outbound,
    host: &str,
    path: &str,
    allow_local: bool,
    key: &SecretString,
    body: Value,
) -> Result<app::domain::PriceEstimate, CallError> {
    let probe = KeyProbe {
        host,
        other_host: None,
        price_preview: None,
        gateway: None,
        allow_local,
        key,
    };
    call(http, &probe, host, path, Some(body))
        .await
        .map(|v| parse_price(&v))
}

fn refused(host: &str, e: CallError) -> KeySite {
    KeySite::Refused {
        host: host.to_owned(),
        code: e.code.clone(),
        message: e.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_may_be_strings_numbers_or_null() {
        let a = parse_account(&json!({
            "remainCoins": "177814", "currentTaskCounts": 2, "remainMoney": null,
            "currency": " ", "apiType": "NORMAL"
        }));
        assert_eq!(
            a,
            AccountStatus {
                coins: Some("177814".into()),
                money: None,
                currency: None,
                running: Some(2),
                key_type: Some("NORMAL".into()),
            }
        );
        let q = parse_queue(&json!({
            "concurrentLimit": 50, "runningCount": "3", "queuedCount": "x", "apiKeyType": null
        }));
        assert_eq!(q.limit, Some(50));
        assert_eq!(q.running, Some(3));
        assert_eq!(q.queued, None, "not a number is unknown, not zero");
        assert_eq!(parse_account(&Value::Null), AccountStatus::default());
    }

    #[test]
    fn envelopes_bare_answers_and_refusals_are_read() {
        let ok = read_answer(200, br#"{"code":0,"msg":"success","data":{"a":1}}"#, 1);
        assert_eq!(ok.map(|a| a.0).ok(), Some(json!({"a": 1})));
        let bare = read_answer(200, br#"{"estimatedPrice":0.5}"#, 1);
        assert_eq!(bare.map(|a| a.0).ok(), Some(json!({"estimatedPrice": 0.5})));
        let e = read_answer(
            200,
            br#"{"code":802,"msg":"APIKEY_UNAUTHORIZED","data":null}"#,
            1,
        )
        .err()
        .expect("refused");
        assert_eq!(e.code.as_deref(), Some("802"));
        assert!(refuses_key(&e));
        let tier = read_answer(200, br#"{"errorCode":"1014","errorMessage":"tier"}"#, 1)
            .err()
            .expect("tier");
        assert_eq!(tier.code.as_deref(), Some("1014"));
        assert!(!refuses_key(&tier));
        let html = read_answer(502, b"<html>Bad Gateway</html>", 1)
            .err()
            .expect("gateway");
        assert!(!refuses_key(&html));
    }

    #[test]
    fn the_price_preview_path_follows_the_model() {
        assert_eq!(
            price_preview_path("/openapi/v2/rhart-image-n-pro/edit").as_deref(),
            Some("/openapi/v2/price-preview/rhart-image-n-pro/edit")
        );
        assert_eq!(price_preview_path("/v1/images/edits"), None);
    }

    #[test]
    fn a_gateways_model_list_is_found_beside_its_edits_endpoint() {
        assert_eq!(models_path("/v1/images/edits"), "/v1/models");
        assert_eq!(models_path("/v1/async/images/edits"), "/v1/models");
        assert_eq!(models_path("/api/v1/images/edits"), "/api/v1/models");
        assert_eq!(models_path("/edit"), "/v1/models");
        assert_eq!(
            model_ids(&json!({"data": [{"id": "a"}, {"id": 3}, {"id": "b"}]})),
            vec!["a", "b"]
        );
        assert_eq!(model_ids(&json!([{"id": "c"}])), vec!["c"]);
        assert!(model_ids(&json!({"error": "x"})).is_empty());
    }
}
