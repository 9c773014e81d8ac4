//! A key check (检测密钥): what the provider says about a configuration's key before any paid
//! call — the account's balance and running tasks, the key's concurrency limit and queue, which
//! site the key belongs to, and whether its tier may call standard-model APIs.
//!
//! Provider facts (../shared/runninghub-api.md, "Account, capacity and price"):
//! - account status, `POST {host}/uc/openapi/accountStatus` with `{"apikey": key}`:
//!   `remainCoins`, `remainMoney`, `currency`, `currentTaskCounts`, `apiType`;
//! - queue status, `GET {host}/openapi/v2/queue/status`: `apiKeyType`, `concurrentLimit`,
//!   `runningCount`, `queuedCount`, `totalCurrentTasks` (marked "in development": no answer
//!   means unknown, not "no capacity");
//! - numbers often arrive as strings and any field may be null, so every figure here is
//!   optional and kept as the provider wrote it (money is never rounded through a float);
//! - a key of the other site (.cn keys on .ai and the reverse) is refused (802,
//!   `APIKEY_UNAUTHORIZED`, "ApiKey verification failed", "user not exist");
//! - error 1014 on a standard-model call: the key's tier is not Enterprise-Shared.

use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};

/// The account behind a key (account status). Each figure as the provider gave it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountStatus {
    /// RH coins left (`remainCoins`).
    pub coins: Option<String>,
    /// Money left (`remainMoney`), in `currency`.
    pub money: Option<String>,
    /// `currency`, e.g. `CNY`.
    pub currency: Option<String>,
    /// Tasks of the account running now (`currentTaskCounts`).
    pub running: Option<i64>,
    /// The key's type as the provider names it (`apiType`, e.g. `NORMAL`). Not proof of the
    /// tier: only a 1014 on a real call is.
    pub key_type: Option<String>,
}

/// The key's capacity (queue status).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStatus {
    /// Tasks the key may have running at once (`concurrentLimit`).
    pub limit: Option<i64>,
    /// `runningCount`.
    pub running: Option<i64>,
    /// `queuedCount`.
    pub queued: Option<i64>,
    /// `apiKeyType`.
    pub key_type: Option<String>,
}

/// A gateway's model list (OpenAI's `GET /v1/models`, `{"data": [{"id": …}]}`): whether the
/// configured model is in it. Gateways have no balance to ask.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelCheck {
    /// The configured model name.
    pub model: String,
    pub listed: bool,
    /// Models the gateway lists.
    pub count: usize,
}

/// Which site the key belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "site", rename_all = "snake_case")]
pub enum KeySite {
    /// The configured host accepts the key.
    Configured { host: String },
    /// The configured host refuses the key and this other site accepts it: a proposal, never
    /// applied by the check.
    Other { refused_by: String, host: String },
    /// Neither site accepts the key.
    Refused {
        host: String,
        code: Option<String>,
        message: String,
    },
    /// No answer about the key (network, a gateway page, a malformed answer).
    Unknown { host: String, message: String },
}

/// One key check's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCheck {
    pub checked_at: Timestamp,
    pub site: KeySite,
    /// From the site that accepted the key; `None` when none did or it did not answer.
    pub account: Option<AccountStatus>,
    pub queue: Option<QueueStatus>,
    /// Why the queue status is missing, when it is (the endpoint is still in development).
    pub queue_error: Option<String>,
    /// The key was refused with 1014: its tier may not call standard-model APIs.
    pub tier_refused: bool,
    /// For an OpenAI-style gateway: its model list, when it has one.
    #[serde(default)]
    pub models: Option<ModelCheck>,
}

impl KeyCheck {
    /// Whether the key works on the configured host.
    pub fn ok(&self) -> bool {
        matches!(self.site, KeySite::Configured { .. })
            && !self.tier_refused
            && self.models.as_ref().is_none_or(|m| m.listed)
    }
}
