//! API configurations: the closed set of API types with their presets, the form input and its
//! validation, the masked view that leaves the server, and the field-level history diff.

use super::{
    ConfigId, FieldErrors, TaskStatus, Timestamp, char_len, normalise_endpoint, normalise_host,
};
use crate::domain::names::closed_set;
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

closed_set! {
    /// The provider protocol a configuration speaks.
    pub enum ApiType {
        /// RunningHub standard-model API v2, "全能图片PRO" image edit (async: taskId, then query).
        #[serde(rename = "runninghub-rhart-edit")]
        #[strum(serialize = "runninghub-rhart-edit")]
        RunningHubRhartEdit,
        /// OpenAI-compatible `/v1/images/edits` gateways ("nano-banana"), multipart, usually sync.
        #[serde(rename = "nano-banana-edits")]
        #[strum(serialize = "nano-banana-edits")]
        NanoBananaEdits,
    }
}

impl ApiType {
    pub fn label(self) -> Msg {
        match self {
            ApiType::RunningHubRhartEdit => Msg::ApiTypeRunningHub,
            ApiType::NanoBananaEdits => Msg::ApiTypeNanoBanana,
        }
    }

    /// The values a new configuration of this type starts from. Every one stays editable.
    pub fn preset(self) -> ConfigInput {
        match self {
            ApiType::RunningHubRhartEdit => ConfigInput {
                name: "RunningHub-全能图片PRO".to_owned(),
                api_type: self.as_str().to_owned(),
                host_domestic: "https://www.runninghub.cn".to_owned(),
                host_overseas: "https://www.runninghub.ai".to_owned(),
                api_key: String::new(),
                draw_endpoint: "/openapi/v2/rhart-image-n-pro/edit".to_owned(),
                result_endpoint: "/openapi/v2/query".to_owned(),
                upload_endpoint: "/openapi/v2/media/upload/binary".to_owned(),
                model_name: "rhart-image-n-pro".to_owned(),
                is_sync_api: false,
                enable_retry: true,
                is_active: true,
                timeout_secs: DEFAULT_TIMEOUT_SECS,
                max_concurrency: DEFAULT_MAX_CONCURRENCY,
                allow_local: false,
            },
            ApiType::NanoBananaEdits => ConfigInput {
                name: "nano-banana".to_owned(),
                api_type: self.as_str().to_owned(),
                host_domestic: String::new(),
                host_overseas: String::new(),
                api_key: String::new(),
                draw_endpoint: "/v1/images/edits".to_owned(),
                result_endpoint: String::new(),
                upload_endpoint: String::new(),
                model_name: "nano-banana".to_owned(),
                is_sync_api: true,
                enable_retry: true,
                is_active: true,
                timeout_secs: DEFAULT_TIMEOUT_SECS,
                max_concurrency: DEFAULT_MAX_CONCURRENCY,
                allow_local: false,
            },
        }
    }
}

impl fmt::Display for ApiType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApiType {
    type Err = Msg;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        super::parse_name(s).ok_or(Msg::ErrApiTypeUnknown)
    }
}

pub const NAME_MAX: usize = 64;
pub const MODEL_MAX: usize = 128;
pub const KEY_MIN: usize = 8;
pub const KEY_MAX: usize = 512;
pub const DEFAULT_TIMEOUT_SECS: u32 = 15 * 60;
pub const TIMEOUT_MIN_SECS: u32 = 10;
pub const TIMEOUT_MAX_SECS: u32 = 24 * 3600;
pub const DEFAULT_MAX_CONCURRENCY: u32 = 20;
pub const MAX_CONCURRENCY_LIMIT: u32 = 5000;

/// The configuration form as typed. `api_key` empty means "keep the stored key".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigInput {
    pub name: String,
    pub api_type: String,
    pub host_domestic: String,
    pub host_overseas: String,
    pub api_key: String,
    pub draw_endpoint: String,
    pub result_endpoint: String,
    pub upload_endpoint: String,
    pub model_name: String,
    pub is_sync_api: bool,
    pub enable_retry: bool,
    pub is_active: bool,
    pub timeout_secs: u32,
    pub max_concurrency: u32,
    /// May reach loopback and private addresses: only for the sandbox or a provider on the LAN.
    pub allow_local: bool,
}

impl Default for ConfigInput {
    fn default() -> Self {
        ApiType::RunningHubRhartEdit.preset()
    }
}

/// A configuration that passed validation: names trimmed, hosts normalised.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidConfig {
    pub fields: ConfigSnapshot,
    /// A newly typed key; `None` keeps the stored one.
    pub new_key: Option<String>,
}

impl fmt::Debug for ValidConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidConfig")
            .field("fields", &self.fields)
            .field("new_key", &self.new_key.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl ConfigInput {
    /// Checks every field. `has_stored_key` says whether the config already has a key, so an
    /// active config may leave the key field blank on edit.
    pub fn validate(&self, has_stored_key: bool) -> Result<ValidConfig, FieldErrors> {
        let mut errs = FieldErrors::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            errs.push("name", Msg::ErrRequired);
        } else if char_len(&name) > NAME_MAX {
            errs.push("name", Msg::ErrNameLength);
        } else if name.chars().any(char::is_control) {
            errs.push("name", Msg::ErrNameChars);
        }
        let api_type = self
            .api_type
            .parse::<ApiType>()
            .map_err(|m| errs.push("api_type", m))
            .ok();
        let host_domestic = normalise_host(&self.host_domestic)
            .map_err(|m| errs.push("host_domestic", m))
            .ok();
        let host_overseas = normalise_host(&self.host_overseas)
            .map_err(|m| errs.push("host_overseas", m))
            .ok();
        let draw_endpoint = normalise_endpoint(&self.draw_endpoint, true)
            .map_err(|m| errs.push("draw_endpoint", m))
            .ok();
        let result_endpoint = normalise_endpoint(&self.result_endpoint, !self.is_sync_api)
            .map_err(|m| errs.push("result_endpoint", m))
            .ok();
        let upload_endpoint = normalise_endpoint(&self.upload_endpoint, false)
            .map_err(|m| errs.push("upload_endpoint", m))
            .ok();
        let model_name = self.model_name.trim().to_owned();
        if char_len(&model_name) > MODEL_MAX || model_name.chars().any(char::is_control) {
            errs.push("model_name", Msg::ErrModelInvalid);
        }
        let new_key = match validate_key(&self.api_key) {
            Ok(k) => k,
            Err(m) => {
                errs.push("api_key", m);
                None
            }
        };
        if self.is_active && new_key.is_none() && !has_stored_key && errs.get("api_key").is_none() {
            errs.push("api_key", Msg::ErrKeyRequiredActive);
        }
        if !(TIMEOUT_MIN_SECS..=TIMEOUT_MAX_SECS).contains(&self.timeout_secs) {
            errs.push("timeout_secs", Msg::ErrTimeoutRange);
        }
        if !(1..=MAX_CONCURRENCY_LIMIT).contains(&self.max_concurrency) {
            errs.push("max_concurrency", Msg::ErrConcurrencyRange);
        }
        match (
            api_type,
            host_domestic,
            host_overseas,
            draw_endpoint,
            result_endpoint,
            upload_endpoint,
        ) {
            (
                Some(api_type),
                Some(host_domestic),
                Some(host_overseas),
                Some(draw_endpoint),
                Some(result_endpoint),
                Some(upload_endpoint),
            ) if errs.is_empty() => Ok(ValidConfig {
                fields: ConfigSnapshot {
                    name,
                    api_type,
                    host_domestic,
                    host_overseas,
                    draw_endpoint,
                    result_endpoint,
                    upload_endpoint,
                    model_name,
                    is_sync_api: self.is_sync_api,
                    enable_retry: self.enable_retry,
                    is_active: self.is_active,
                    timeout_secs: self.timeout_secs,
                    max_concurrency: self.max_concurrency,
                    allow_local: self.allow_local,
                },
                new_key,
            }),
            _ => Err(errs),
        }
    }
}

/// `Ok(None)` for a blank field (keep the stored key), `Ok(Some(key))` for a new key.
pub fn validate_key(raw: &str) -> Result<Option<String>, Msg> {
    let k = raw.trim();
    if k.is_empty() {
        return Ok(None);
    }
    // A mask pasted back must never replace the real key.
    if k.contains('…') || k.contains("***") || k.contains("...") {
        return Err(Msg::ErrKeyLooksMasked);
    }
    let n = char_len(k);
    if !(KEY_MIN..=KEY_MAX).contains(&n) {
        return Err(Msg::ErrKeyLength);
    }
    if k.chars()
        .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
    {
        return Err(Msg::ErrKeyChars);
    }
    Ok(Some(k.to_owned()))
}

/// The only form of a key that ever leaves the server: `sk-…9f3a`.
pub fn mask_key(key: &str) -> String {
    let n = key.chars().count();
    let prefix = match key.split_once('-') {
        Some((p, _)) if n >= 16 && !p.is_empty() && p.len() <= 4 => format!("{p}-"),
        _ => String::new(),
    };
    let suffix: String = if n >= 12 {
        key.chars().skip(n - 4).collect()
    } else {
        String::new()
    };
    format!("{prefix}…{suffix}")
}

/// Every field of a configuration except its key: what a version stores and what diffs compare.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigSnapshot {
    pub name: String,
    pub api_type: ApiType,
    pub host_domestic: String,
    pub host_overseas: String,
    pub draw_endpoint: String,
    pub result_endpoint: String,
    pub upload_endpoint: String,
    pub model_name: String,
    pub is_sync_api: bool,
    pub enable_retry: bool,
    pub is_active: bool,
    pub timeout_secs: u32,
    pub max_concurrency: u32,
    pub allow_local: bool,
}

impl ConfigSnapshot {
    /// `(field, value)` pairs in form order, values as shown in history.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("name", self.name.clone()),
            ("api_type", self.api_type.as_str().to_owned()),
            ("host_domestic", self.host_domestic.clone()),
            ("host_overseas", self.host_overseas.clone()),
            ("draw_endpoint", self.draw_endpoint.clone()),
            ("result_endpoint", self.result_endpoint.clone()),
            ("upload_endpoint", self.upload_endpoint.clone()),
            ("model_name", self.model_name.clone()),
            ("is_sync_api", self.is_sync_api.to_string()),
            ("enable_retry", self.enable_retry.to_string()),
            ("is_active", self.is_active.to_string()),
            ("timeout_secs", self.timeout_secs.to_string()),
            ("max_concurrency", self.max_concurrency.to_string()),
            ("allow_local", self.allow_local.to_string()),
        ]
    }

    /// Field-level differences from `before` to `self`.
    pub fn diff_from(&self, before: Option<&ConfigSnapshot>) -> Vec<FieldChange> {
        let old = before.map(ConfigSnapshot::fields);
        self.fields()
            .into_iter()
            .enumerate()
            .filter_map(|(i, (field, after))| {
                let prev = old.as_ref().map(|o| o[i].1.clone());
                (prev.as_deref() != Some(after.as_str())).then(|| FieldChange {
                    field: field.to_owned(),
                    before: prev,
                    after: Some(after),
                })
            })
            .collect()
    }

    /// The form pre-filled from this snapshot, key left blank.
    pub fn to_input(&self) -> ConfigInput {
        ConfigInput {
            name: self.name.clone(),
            api_type: self.api_type.as_str().to_owned(),
            host_domestic: self.host_domestic.clone(),
            host_overseas: self.host_overseas.clone(),
            api_key: String::new(),
            draw_endpoint: self.draw_endpoint.clone(),
            result_endpoint: self.result_endpoint.clone(),
            upload_endpoint: self.upload_endpoint.clone(),
            model_name: self.model_name.clone(),
            is_sync_api: self.is_sync_api,
            enable_retry: self.enable_retry,
            is_active: self.is_active,
            timeout_secs: self.timeout_secs,
            max_concurrency: self.max_concurrency,
            allow_local: self.allow_local,
        }
    }
}

/// One changed field. For the key, both sides are `None`: the history says only "changed".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl FieldChange {
    pub fn key_changed() -> Self {
        FieldChange {
            field: "api_key".to_owned(),
            before: None,
            after: None,
        }
    }
}

/// A configuration as pages and server functions return it: the key only as a mask.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigView {
    pub id: ConfigId,
    pub fields: ConfigSnapshot,
    pub key_mask: Option<String>,
    pub version: i64,
    pub archived_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub created_by: String,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

/// The last test task of a configuration, for the list and overview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastTest {
    pub task_id: super::TaskId,
    pub status: TaskStatus,
    pub at: Timestamp,
    pub duration_ms: Option<i64>,
}

/// A row of the configuration list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigListItem {
    pub config: ConfigView,
    pub last_test: Option<LastTest>,
    /// Succeeded and finished tasks in the last 24 h.
    pub succeeded_24h: i64,
    pub finished_24h: i64,
}

/// Which configurations the list shows and in which order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConfigFilter {
    pub q: String,
    pub api_type: Option<ApiType>,
    pub active: Option<bool>,
    pub archived: bool,
    pub sort: ConfigSort,
    /// Leave out the last test and 24-hour rates (for pickers that only need names).
    pub skip_stats: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigSort {
    #[default]
    Name,
    Updated,
    LastTest,
}

impl ConfigSort {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigSort::Name => "name",
            ConfigSort::Updated => "updated",
            ConfigSort::LastTest => "last_test",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "updated" => ConfigSort::Updated,
            "last_test" => ConfigSort::LastTest,
            _ => ConfigSort::Name,
        }
    }
}

/// Whether a deleted configuration was erased or, having tasks, archived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeleteOutcome {
    Deleted,
    Archived,
}

closed_set! {
    /// What happened to a configuration, for its history.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum HistoryAction {
        Created,
        Updated,
        Activated,
        Deactivated,
        Archived,
        Unarchived,
        Reverted,
        KeyRevealed,
        Imported,
    }
}

impl FromStr for HistoryAction {
    type Err = Msg;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::domain::parse_name(s).ok_or(Msg::ErrBadRequest)
    }
}

impl HistoryAction {
    pub fn parse(s: &str) -> Option<Self> {
        crate::domain::parse_name(s)
    }

    pub fn label(self) -> Msg {
        match self {
            HistoryAction::Created => Msg::HistCreated,
            HistoryAction::Updated => Msg::HistUpdated,
            HistoryAction::Activated => Msg::HistActivated,
            HistoryAction::Deactivated => Msg::HistDeactivated,
            HistoryAction::Archived => Msg::HistArchived,
            HistoryAction::Unarchived => Msg::HistUnarchived,
            HistoryAction::Reverted => Msg::HistReverted,
            HistoryAction::KeyRevealed => Msg::HistKeyRevealed,
            HistoryAction::Imported => Msg::HistImported,
        }
    }
}

/// One line of a configuration's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: i64,
    /// The version this action produced (unchanged for a key reveal).
    pub version: i64,
    pub action: HistoryAction,
    pub actor: String,
    pub at: Timestamp,
    pub changes: Vec<FieldChange>,
    /// Whether this entry's version can be restored (it stored a snapshot).
    pub restorable: bool,
}

/// The label of a config field in history and forms.
pub fn field_label(field: &str) -> Msg {
    match field {
        "name" => Msg::FieldName,
        "api_type" => Msg::FieldApiType,
        "host_domestic" => Msg::FieldHostDomestic,
        "host_overseas" => Msg::FieldHostOverseas,
        "api_key" => Msg::FieldApiKey,
        "draw_endpoint" => Msg::FieldDrawEndpoint,
        "result_endpoint" => Msg::FieldResultEndpoint,
        "upload_endpoint" => Msg::FieldUploadEndpoint,
        "model_name" => Msg::FieldModelName,
        "is_sync_api" => Msg::FieldIsSync,
        "enable_retry" => Msg::FieldEnableRetry,
        "is_active" => Msg::FieldIsActive,
        "timeout_secs" => Msg::FieldTimeout,
        "max_concurrency" => Msg::FieldMaxConcurrency,
        "allow_local" => Msg::FieldAllowLocal,
        _ => Msg::FieldUnknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> ConfigInput {
        ConfigInput {
            api_key: "0123456789abcdef0123456789abcdef".to_owned(),
            ..ApiType::RunningHubRhartEdit.preset()
        }
    }

    #[test]
    fn the_runninghub_preset_is_valid_once_it_has_a_key() {
        let v = valid().validate(false).expect("valid");
        assert_eq!(v.fields.api_type, ApiType::RunningHubRhartEdit);
        assert_eq!(v.fields.draw_endpoint, "/openapi/v2/rhart-image-n-pro/edit");
        assert!(v.new_key.is_some());
        let no_key = ApiType::RunningHubRhartEdit
            .preset()
            .validate(false)
            .expect_err("key needed");
        assert_eq!(no_key.get("api_key"), Some(Msg::ErrKeyRequiredActive));
        assert!(ApiType::RunningHubRhartEdit.preset().validate(true).is_ok());
        let inactive = ConfigInput {
            is_active: false,
            ..ApiType::RunningHubRhartEdit.preset()
        };
        assert!(inactive.validate(false).is_ok());
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let input = ConfigInput {
            name: " ".to_owned(),
            api_type: "dall-e".to_owned(),
            host_domestic: "www.runninghub.cn".to_owned(),
            host_overseas: "https://www.runninghub.ai/x".to_owned(),
            draw_endpoint: "openapi".to_owned(),
            result_endpoint: String::new(),
            api_key: "sk-…9f3a".to_owned(),
            timeout_secs: 1,
            max_concurrency: 0,
            ..valid()
        };
        let errs = input.validate(true).expect_err("invalid");
        assert_eq!(errs.get("name"), Some(Msg::ErrRequired));
        assert_eq!(errs.get("api_type"), Some(Msg::ErrApiTypeUnknown));
        assert_eq!(errs.get("host_domestic"), Some(Msg::ErrHostScheme));
        assert_eq!(errs.get("host_overseas"), Some(Msg::ErrHostPath));
        assert_eq!(errs.get("draw_endpoint"), Some(Msg::ErrEndpointSlash));
        assert_eq!(errs.get("result_endpoint"), Some(Msg::ErrRequired));
        assert_eq!(errs.get("api_key"), Some(Msg::ErrKeyLooksMasked));
        assert_eq!(errs.get("timeout_secs"), Some(Msg::ErrTimeoutRange));
        assert_eq!(errs.get("max_concurrency"), Some(Msg::ErrConcurrencyRange));
    }

    #[test]
    fn names_are_limited_to_64_characters_not_bytes() {
        let name: String = "图".repeat(64);
        assert!(ConfigInput { name, ..valid() }.validate(false).is_ok());
        let name: String = "图".repeat(65);
        let errs = ConfigInput { name, ..valid() }
            .validate(false)
            .expect_err("too long");
        assert_eq!(errs.get("name"), Some(Msg::ErrNameLength));
    }

    #[test]
    fn a_sync_config_needs_no_result_endpoint() {
        let input = ConfigInput {
            is_sync_api: true,
            result_endpoint: String::new(),
            ..valid()
        };
        assert!(input.validate(false).is_ok());
    }

    #[test]
    fn masks_show_at_most_a_short_prefix_and_the_last_four() {
        assert_eq!(mask_key("sk-0123456789abcdef9f3a"), "sk-…9f3a");
        assert_eq!(mask_key("0123456789abcdef0123456789ab9f3a"), "…9f3a");
        assert_eq!(mask_key("short-key"), "…");
        assert_eq!(mask_key("abcdefghijkl"), "…ijkl");
    }

    #[test]
    fn diffs_list_only_changed_fields() {
        let a = valid().validate(false).expect("valid").fields;
        let mut b = a.clone();
        b.model_name = "other".to_owned();
        b.is_active = false;
        let d = b.diff_from(Some(&a));
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].field, "model_name");
        assert_eq!(d[0].before.as_deref(), Some("rhart-image-n-pro"));
        assert_eq!(d[1].after.as_deref(), Some("false"));
        assert_eq!(a.diff_from(None).len(), a.fields().len());
    }
}
