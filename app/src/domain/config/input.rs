//! The configuration form as typed, its validation, and the masked form of a key.

use super::*;

/// The configuration form as typed, and one record of an export file (`config export` /
/// `config import`, where the optional fields may be left out). `api_key` empty means "keep
/// the stored key" (and is left out of a file); `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigInput {
    pub name: String,
    pub api_type: String,
    pub host_domestic: String,
    pub host_overseas: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_key: String,
    pub draw_endpoint: String,
    #[serde(default)]
    pub result_endpoint: String,
    #[serde(default)]
    pub upload_endpoint: String,
    #[serde(default)]
    pub model_name: String,
    pub is_sync_api: bool,
    pub enable_retry: bool,
    pub is_active: bool,
    /// The task deadline in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u32,
    #[serde(default = "default_concurrency")]
    pub max_concurrency: u32,
    /// May reach loopback and private addresses: only for the sandbox or a provider on the LAN.
    #[serde(default)]
    pub allow_local: bool,
    /// The bound of a synchronous call in seconds; 0 ([`SYNC_TIMEOUT_SERVER_DEFAULT`]) uses
    /// the server's. Absent in files written before it existed.
    #[serde(default)]
    pub sync_timeout_secs: u32,
    /// [`ImageField`]'s name; empty means `auto`.
    #[serde(default)]
    pub image_field: String,
    /// Ask the provider to call back when a task ends (RunningHub's `webhookUrl`); used only
    /// when the console knows its public address (`--public-url`). Polling stays, slower.
    #[serde(default)]
    pub callbacks: bool,
}

fn default_timeout() -> u32 {
    DEFAULT_TIMEOUT_SECS
}

fn default_concurrency() -> u32 {
    DEFAULT_MAX_CONCURRENCY
}

impl fmt::Debug for ConfigInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every field but the key, which must never reach a log.
        let shown = ConfigInput {
            api_key: if self.api_key.is_empty() {
                String::new()
            } else {
                "[redacted]".to_owned()
            },
            ..self.clone()
        };
        let json = serde_json::to_string(&shown).map_err(|_| fmt::Error)?;
        write!(f, "ConfigInput {json}")
    }
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

/// Where a configuration sends its key: its API type, hosts, endpoints and whether it may
/// reach local addresses, as typed.
#[derive(Debug, PartialEq, Eq)]
pub struct KeyDestination<'a> {
    api_type: &'a str,
    hosts: [&'a str; 2],
    endpoints: [&'a str; 3],
    allow_local: bool,
}

impl ConfigInput {
    /// The fields that, changed, send the key to another place.
    pub fn key_destination(&self) -> KeyDestination<'_> {
        KeyDestination {
            api_type: self.api_type.trim(),
            hosts: [self.host_domestic.trim(), self.host_overseas.trim()],
            endpoints: [
                self.draw_endpoint.trim(),
                self.result_endpoint.trim(),
                self.upload_endpoint.trim(),
            ],
            allow_local: self.allow_local,
        }
    }

    /// Checks every field. `has_stored_key` says whether the config already has a key, so an
    /// active config may leave the key field blank on edit.
    pub fn validate(&self, has_stored_key: bool) -> Result<ValidConfig, FieldErrors> {
        let mut errs = FieldErrors::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            errs.push("name", Msg::ErrRequired);
        } else if char_len(&name) > NAME_MAX {
            errs.push("name", Msg::ErrNameLength);
        } else if name.chars().any(|c| c.is_control() || is_hidden_char(c)) {
            errs.push("name", Msg::ErrNameChars);
        }
        let api_type = self
            .api_type
            .parse::<ApiType>()
            .map_err(|m| errs.push("api_type", m))
            .ok();
        let host_domestic = normalise_host(&self.host_domestic)
            .map_err(|m| errs.push("host_domestic", m))
            .unwrap_or_default();
        let host_overseas = normalise_host(&self.host_overseas)
            .map_err(|m| errs.push("host_overseas", m))
            .unwrap_or_default();
        let draw_endpoint = normalise_endpoint(&self.draw_endpoint, true)
            .map_err(|m| errs.push("draw_endpoint", m))
            .unwrap_or_default();
        let result_endpoint = normalise_endpoint(&self.result_endpoint, !self.is_sync_api)
            .map_err(|m| errs.push("result_endpoint", m))
            .unwrap_or_default();
        let upload_endpoint = normalise_endpoint(&self.upload_endpoint, false)
            .map_err(|m| errs.push("upload_endpoint", m))
            .unwrap_or_default();
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
        if self.sync_timeout_secs != SYNC_TIMEOUT_SERVER_DEFAULT
            && !(TIMEOUT_MIN_SECS..=TIMEOUT_MAX_SECS).contains(&self.sync_timeout_secs)
        {
            errs.push("sync_timeout_secs", Msg::ErrSyncTimeoutRange);
        }
        let image_field = if self.image_field.trim().is_empty() {
            ImageField::Auto
        } else {
            self.image_field
                .parse::<ImageField>()
                .map_err(|m| errs.push("image_field", m))
                .unwrap_or_default()
        };
        let Some(api_type) = api_type.filter(|_| errs.is_empty()) else {
            return Err(errs);
        };
        Ok(ValidConfig {
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
                sync_timeout_secs: self.sync_timeout_secs,
                image_field,
                callbacks: self.callbacks,
            },
            new_key,
        })
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The RunningHub preset with a key: a valid input to vary.
    pub(in crate::domain::config) fn valid() -> ConfigInput {
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
    fn the_gateway_options_are_checked_and_default_sensibly() {
        let v = valid().validate(false).expect("valid").fields;
        assert_eq!(
            (v.sync_timeout_secs, v.image_field),
            (SYNC_TIMEOUT_SERVER_DEFAULT, ImageField::Auto)
        );
        let input = ConfigInput {
            sync_timeout_secs: 5,
            image_field: "images".to_owned(),
            ..valid()
        };
        let errs = input.validate(false).expect_err("invalid");
        assert_eq!(
            errs.get("sync_timeout_secs"),
            Some(Msg::ErrSyncTimeoutRange)
        );
        assert_eq!(errs.get("image_field"), Some(Msg::ErrImageFieldUnknown));
        let input = ConfigInput {
            sync_timeout_secs: 600,
            image_field: " IMAGE[] ".to_owned(),
            ..valid()
        };
        let v = input.validate(false).expect("valid").fields;
        assert_eq!(
            (v.sync_timeout_secs, v.image_field),
            (600, ImageField::ImageArray)
        );
        // A file written before these fields existed still reads.
        let mut old = serde_json::to_value(valid()).expect("json");
        old.as_object_mut()
            .expect("object")
            .remove("sync_timeout_secs");
        old.as_object_mut().expect("object").remove("image_field");
        let read: ConfigInput = serde_json::from_value(old).expect("old shape");
        assert_eq!(
            read.validate(false).expect("valid").fields.image_field,
            ImageField::Auto
        );
    }

    #[test]
    fn the_debug_form_never_shows_the_key() {
        let shown = format!("{:?}", valid());
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
        assert!(shown.contains("[redacted]") && shown.contains("rhart-image-n-pro"));
    }

    #[test]
    fn the_image_field_names_one_and_several_images() {
        assert_eq!(ImageField::Auto.name_for(1), "image");
        assert_eq!(ImageField::Auto.name_for(2), "image[]");
        assert_eq!(ImageField::Image.name_for(3), "image");
        assert_eq!(ImageField::ImageArray.name_for(1), "image[]");
    }

    #[test]
    fn names_refuse_invisible_and_direction_changing_characters() {
        for name in [
            "cat\u{202E}gnp.exe",
            "Sand\u{200B}box",
            "a\u{2066}b\u{2069}",
            "\u{FEFF}Sandbox",
            "x\u{00AD}y",
            "tag\u{E0041}",
            "line\u{2028}break",
            "tab\there",
        ] {
            let errs = ConfigInput {
                name: name.to_owned(),
                ..valid()
            }
            .validate(false)
            .expect_err(name);
            assert_eq!(errs.get("name"), Some(Msg::ErrNameChars), "{name:?}");
        }
        for name in [
            "全能图片PRO 测试",
            "</title><b>x</b>",
            "café ❤️ 1",
            "a-b_c.d",
        ] {
            let ok = ConfigInput {
                name: name.to_owned(),
                ..valid()
            };
            assert!(ok.validate(false).is_ok(), "{name:?}");
        }
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
}
