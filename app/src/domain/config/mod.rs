//! API configurations: the closed set of API types with their presets and limits (here), the
//! form input and its validation (`input`), keys and their masks (`key`), the masked views
//! that leave the server (`views`), and versions with their field-level history (`history`).

mod history;
mod input;
mod key;
mod key_check;
mod views;

pub use history::*;
pub use input::*;
pub use key::*;
pub use key_check::*;
pub use views::*;

use super::{
    ConfigId, FieldErrors, TaskStatus, Timestamp, char_len, is_hidden_char, normalise_endpoint,
    normalise_host,
};
use crate::domain::names::closed_set;
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};
use std::fmt;

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
        let common = ConfigInput {
            name: String::new(),
            api_type: self.as_str().to_owned(),
            host_domestic: String::new(),
            host_overseas: String::new(),
            api_key: String::new(),
            draw_endpoint: String::new(),
            result_endpoint: String::new(),
            upload_endpoint: String::new(),
            model_name: String::new(),
            is_sync_api: false,
            enable_retry: true,
            is_active: true,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            allow_local: false,
            sync_timeout_secs: SYNC_TIMEOUT_SERVER_DEFAULT,
            image_field: ImageField::Auto.as_str().to_owned(),
            callbacks: false,
        };
        match self {
            ApiType::RunningHubRhartEdit => ConfigInput {
                name: "RunningHub-全能图片PRO".to_owned(),
                host_domestic: "https://www.runninghub.cn".to_owned(),
                host_overseas: "https://www.runninghub.ai".to_owned(),
                draw_endpoint: "/openapi/v2/rhart-image-n-pro/edit".to_owned(),
                result_endpoint: "/openapi/v2/query".to_owned(),
                upload_endpoint: "/openapi/v2/media/upload/binary".to_owned(),
                model_name: "rhart-image-n-pro".to_owned(),
                ..common
            },
            ApiType::NanoBananaEdits => ConfigInput {
                name: "nano-banana".to_owned(),
                draw_endpoint: "/v1/images/edits".to_owned(),
                model_name: "nano-banana".to_owned(),
                is_sync_api: true,
                ..common
            },
        }
    }
}

impl fmt::Display for ApiType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::domain::names::from_name!(ApiType, Msg::ErrApiTypeUnknown);

closed_set! {
    /// The multipart field name under which a nano-banana gateway expects the input images.
    /// Gateways differ: OpenAI's own `/v1/images/edits` reads several images as `image[]`,
    /// some gateways read only `image` (repeated), others only `image[]` (seen in public bug
    /// reports of OpenAI-compatible gateways; RunningHub configs ignore it).
    #[derive(Default)]
    pub enum ImageField {
        /// `image` for one image, `image[]` for several: OpenAI's spelling, the default.
        #[default]
        #[serde(rename = "auto")]
        #[strum(serialize = "auto")]
        Auto,
        /// `image`, repeated once per image.
        #[serde(rename = "image")]
        #[strum(serialize = "image")]
        Image,
        /// `image[]`, for one image as for several.
        #[serde(rename = "image[]")]
        #[strum(serialize = "image[]")]
        ImageArray,
    }
}

crate::domain::names::from_name!(ImageField, Msg::ErrImageFieldUnknown);

impl ImageField {
    /// The field name the parts of a request with `count` images are sent under.
    pub fn name_for(self, count: usize) -> &'static str {
        match self {
            ImageField::Auto if count > 1 => "image[]",
            ImageField::Auto | ImageField::Image => "image",
            ImageField::ImageArray => "image[]",
        }
    }

    pub fn label(self) -> Msg {
        match self {
            ImageField::Auto => Msg::ImageFieldAuto,
            ImageField::Image => Msg::ImageFieldImage,
            ImageField::ImageArray => Msg::ImageFieldArray,
        }
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
/// A config's `sync_timeout_secs` of 0: the server's default bound of a synchronous call
/// (`--sync-timeout-secs`) applies.
pub const SYNC_TIMEOUT_SERVER_DEFAULT: u32 = 0;
pub const MAX_CONCURRENCY_LIMIT: u32 = 5000;
