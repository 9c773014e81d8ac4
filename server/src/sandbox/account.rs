//! The fake's account endpoints (../shared/runninghub-api.md, "Account, capacity and price"):
//! account status, queue status and price preview, on two "sites".
//!
//! - The main site (`/…`) knows [`SANDBOX_KEY`](super::SANDBOX_KEY) and the personal-tier key
//!   ([`PERSONAL_KEY_PREFIX`]…), which it accepts here but refuses with 1014 on
//!   standard-model calls (submit, price preview), as RunningHub does.
//! - The other site (its own port, like runninghub.ai beside runninghub.cn) knows only keys
//!   starting with [`OTHER_SITE_KEY_PREFIX`], which the main site refuses (802): a key of the
//!   other site.
//!
//! Numbers come as strings, and `remainMoney`/`currency` as null, like the real answers.

use super::SandboxState;
use super::runninghub::remember;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

/// Keys of the personal tier: accepted, but refused with 1014 on standard-model APIs.
pub const PERSONAL_KEY_PREFIX: &str = "sandbox-personal-";
/// Keys of the other site (`/ai`): refused by the main site.
pub const OTHER_SITE_KEY_PREFIX: &str = "sandbox-ai-";

/// The fake's account: RH coins left.
const COINS: &str = "177814";
/// What a 全能图片PRO edit costs here, in CNY.
const PRICE: f64 = 0.14;

/// Which site a request came to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Site {
    Main,
    Other,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Whether `site` knows the key of this request.
fn knows(s: &SandboxState, site: Site, headers: &HeaderMap) -> bool {
    let Some(key) = bearer(headers) else {
        return false;
    };
    match site {
        Site::Other => key.starts_with(OTHER_SITE_KEY_PREFIX),
        Site::Main => s.key_ok(Some(&format!("Bearer {key}"))),
    }
}

fn refused() -> Response {
    axum::Json(json!({"code": 802, "msg": "APIKEY_UNAUTHORIZED: ApiKey verification failed", "data": null}))
        .into_response()
}

fn is_personal(headers: &HeaderMap) -> bool {
    bearer(headers).is_some_and(|k| k.starts_with(PERSONAL_KEY_PREFIX))
}

pub(super) async fn account_status(
    State(s): State<Arc<SandboxState>>,
    site: axum::Extension<Site>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    remember(&s, "POST", "/uc/openapi/accountStatus", &headers, &body);
    if !knows(&s, site.0, &headers) {
        return refused();
    }
    let api_type = if is_personal(&headers) {
        "NORMAL"
    } else {
        "ENTERPRISE_SHARED"
    };
    axum::Json(json!({"code": 0, "msg": "success", "data": {
        "remainCoins": COINS,
        "currentTaskCounts": s.running().to_string(),
        "remainMoney": null,
        "currency": null,
        "apiType": api_type,
    }}))
    .into_response()
}

pub(super) async fn queue_status(
    State(s): State<Arc<SandboxState>>,
    site: axum::Extension<Site>,
    headers: HeaderMap,
) -> Response {
    remember(&s, "GET", "/openapi/v2/queue/status", &headers, b"");
    if !knows(&s, site.0, &headers) {
        return refused();
    }
    let running = s.running();
    axum::Json(json!({"code": 0, "msg": "success", "data": {
        "apiKeyType": if is_personal(&headers) { "PERSONAL" } else { "ENTERPRISE_SHARED" },
        "concurrentLimit": s.concurrent_limit(),
        "runningCount": running.to_string(),
        "queuedCount": "0",
        "totalCurrentTasks": running.to_string(),
    }}))
    .into_response()
}

/// RunningHub answers a POST to the queue status with 1009 (wrong method).
pub(super) async fn queue_status_post() -> Response {
    axum::Json(json!({"code": 1009, "msg": "Request method 'POST' not supported", "data": null}))
        .into_response()
}

pub(super) async fn price_preview(
    State(s): State<Arc<SandboxState>>,
    site: axum::Extension<Site>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    remember(
        &s,
        "POST",
        "/openapi/v2/price-preview/rhart-image-n-pro/edit",
        &headers,
        &body,
    );
    if !knows(&s, site.0, &headers) {
        return axum::Json(json!({"errorCode": "802", "errorMessage": "APIKEY_UNAUTHORIZED"}))
            .into_response();
    }
    if is_personal(&headers) {
        return axum::Json(json!({"errorCode": "1014", "errorMessage": "standard model API requires an Enterprise-Shared key"}))
            .into_response();
    }
    axum::Json(json!({
        "estimatedPrice": PRICE,
        "currency": "CNY",
        "priceText": format!("¥{PRICE:.2}/次"),
        "priceTextEn": format!("¥{PRICE:.2}/call"),
        "isFreeThisCall": false,
        "freeLimit": null,
        "freeLimitCount": "0",
        "remainingFreeLimitCount": "0",
    }))
    .into_response()
}
