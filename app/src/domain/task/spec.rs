//! The test case an operator launches: prompt, resolution, aspect ratio, region, images,
//! and its validation.

use crate::domain::names::closed_set;
use crate::domain::{FieldErrors, char_len};
use crate::i18n::{Lang, Localized, Msg};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

closed_set! {
    /// Which of a configuration's hosts a task uses.
    #[derive(Default)]
    #[serde(rename_all = "lowercase")]
    #[strum(serialize_all = "lowercase")]
    pub enum Region {
        #[default]
        Domestic,
        Overseas,
    }
}

impl Region {
    pub fn label(self) -> Msg {
        match self {
            Region::Domestic => Msg::RegionDomestic,
            Region::Overseas => Msg::RegionOverseas,
        }
    }
}

impl Localized for Region {
    fn fmt_in(&self, lang: Lang, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.label().fmt_in(lang, f)
    }
}

impl FromStr for Region {
    type Err = Msg;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // The site names people also use: runninghub.cn and runninghub.ai.
        match s.trim().to_ascii_lowercase().as_str() {
            "cn" => Ok(Region::Domestic),
            "ai" | "intl" => Ok(Region::Overseas),
            other => crate::domain::parse_name(other).ok_or(Msg::ErrRegionUnknown),
        }
    }
}

closed_set! {
    /// Output resolution. The product note writes `1K`; the service wants `1k`: accept both, send
    /// lowercase.
    #[derive(Default)]
    pub enum Resolution {
        #[default]
        #[serde(rename = "1k")]
        #[strum(serialize = "1k")]
        R1k,
        #[serde(rename = "2k")]
        #[strum(serialize = "2k")]
        R2k,
        #[serde(rename = "4k")]
        #[strum(serialize = "4k")]
        R4k,
    }
}

/// `1K`, `2K`, `4K` in every language, as the product note writes it.
impl Localized for Resolution {
    fn fmt_in(&self, _: Lang, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Resolution::R1k => "1K",
            Resolution::R2k => "2K",
            Resolution::R4k => "4K",
        })
    }
}

crate::domain::names::from_name!(Resolution, Msg::ErrResolutionUnknown);

closed_set! {
    /// Aspect ratio; `Auto` follows the input image, which the service expresses by leaving the
    /// field out.
    #[derive(Default)]
    pub enum AspectRatio {
        #[default]
        #[serde(rename = "auto")]
        #[strum(serialize = "auto")]
        Auto,
        #[serde(rename = "1:1")]
        #[strum(serialize = "1:1")]
        R1x1,
        #[serde(rename = "16:9")]
        #[strum(serialize = "16:9")]
        R16x9,
        #[serde(rename = "9:16")]
        #[strum(serialize = "9:16")]
        R9x16,
        #[serde(rename = "4:3")]
        #[strum(serialize = "4:3")]
        R4x3,
        #[serde(rename = "3:4")]
        #[strum(serialize = "3:4")]
        R3x4,
        #[serde(rename = "3:2")]
        #[strum(serialize = "3:2")]
        R3x2,
        #[serde(rename = "2:3")]
        #[strum(serialize = "2:3")]
        R2x3,
        #[serde(rename = "5:4")]
        #[strum(serialize = "5:4")]
        R5x4,
        #[serde(rename = "4:5")]
        #[strum(serialize = "4:5")]
        R4x5,
        #[serde(rename = "21:9")]
        #[strum(serialize = "21:9")]
        R21x9,
    }
}

impl AspectRatio {
    /// The value to send, `None` for auto.
    pub fn to_provider(self) -> Option<&'static str> {
        (self != AspectRatio::Auto).then(|| self.as_str())
    }
}

/// A ratio as written (`16:9`); `Auto` in words.
impl Localized for AspectRatio {
    fn fmt_in(&self, lang: Lang, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AspectRatio::Auto => Msg::TaskAspectAuto.fmt_in(lang, f),
            ratio => f.pad(ratio.as_str()),
        }
    }
}

crate::domain::names::from_name!(AspectRatio, Msg::ErrAspectUnknown);

pub const PROMPT_MAX: usize = 20_000;
/// The provider takes at most this many images; more are cut with a warning.
pub const IMAGES_SENT_MAX: usize = 10;
/// What the console accepts at all before cutting (a guard against absurd input).
pub const IMAGES_ACCEPTED_MAX: usize = 50;
/// The provider's per-image size limit.
pub const IMAGE_BYTES_MAX: usize = 10 * 1024 * 1024;
pub const URL_MAX: usize = 2048;

/// An image already stored on the server (uploaded by the operator), named by its content hash.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlobRef {
    /// `<sha256>.<ext>`
    pub name: String,
    pub mime: String,
    pub size: u64,
    /// The file name on the operator's computer, for display only.
    pub original_name: String,
}

impl BlobRef {
    /// A blob name is exactly 64 lowercase hex digits, a dot and a known extension.
    pub fn is_valid_name(name: &str) -> bool {
        match name.split_once('.') {
            Some((hash, ext)) => {
                hash.len() == 64
                    && hash
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
                    && matches!(ext, "png" | "jpg" | "webp")
            }
            None => false,
        }
    }
}

/// The name of a test-case field by its key, as a run again lists what it changed: `config`,
/// `prompt`, `resolution`, `aspect_ratio`, `image_urls`, `local_images`, `region`.
pub fn spec_field_label(key: &str) -> Option<crate::i18n::Msg> {
    use crate::i18n::Msg;
    Some(match key {
        "config" => Msg::TaskConfig,
        "prompt" => Msg::TaskPrompt,
        "resolution" => Msg::TaskResolution,
        "aspect_ratio" => Msg::TaskAspect,
        "image_urls" => Msg::TaskImageUrls,
        "local_images" => Msg::TaskLocalImages,
        "region" => Msg::TaskRegion,
        _ => return None,
    })
}

/// What an operator asks for: one test case against one configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSpec {
    pub prompt: String,
    pub resolution: String,
    pub aspect_ratio: String,
    pub image_urls: Vec<String>,
    pub local_images: Vec<BlobRef>,
    pub region: String,
}

/// A checked test case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidSpec {
    pub prompt: String,
    pub resolution: Resolution,
    pub aspect_ratio: AspectRatio,
    pub image_urls: Vec<String>,
    pub local_images: Vec<BlobRef>,
    pub region: Region,
}

impl ValidSpec {
    pub fn image_count(&self) -> usize {
        self.image_urls.len() + self.local_images.len()
    }
}

impl From<&ValidSpec> for TaskSpec {
    /// The checked case as a form would send it again (it validates to the same case).
    fn from(v: &ValidSpec) -> TaskSpec {
        TaskSpec {
            prompt: v.prompt.clone(),
            resolution: v.resolution.as_str().to_owned(),
            aspect_ratio: v.aspect_ratio.as_str().to_owned(),
            image_urls: v.image_urls.clone(),
            local_images: v.local_images.clone(),
            region: v.region.as_str().to_owned(),
        }
    }
}

impl TaskSpec {
    pub fn validate(&self) -> Result<ValidSpec, FieldErrors> {
        let mut errs = FieldErrors::new();
        let prompt = self.prompt.trim().to_owned();
        if prompt.is_empty() {
            errs.push("prompt", Msg::ErrRequired);
        } else if char_len(&prompt) > PROMPT_MAX {
            errs.push("prompt", Msg::ErrPromptLong);
        }
        let resolution = self
            .resolution
            .parse::<Resolution>()
            .map_err(|m| errs.push("resolution", m))
            .ok();
        let aspect_ratio = if self.aspect_ratio.trim().is_empty() {
            Some(AspectRatio::Auto)
        } else {
            self.aspect_ratio
                .parse::<AspectRatio>()
                .map_err(|m| errs.push("aspect_ratio", m))
                .ok()
        };
        let region = if self.region.trim().is_empty() {
            Some(Region::Domestic)
        } else {
            self.region
                .parse::<Region>()
                .map_err(|m| errs.push("region", m))
                .ok()
        };
        let mut urls = Vec::new();
        for (i, u) in self.image_urls.iter().enumerate() {
            let u = u.trim();
            if u.is_empty() {
                continue;
            }
            match validate_image_url(u) {
                Ok(()) => urls.push(u.to_owned()),
                Err(m) => errs.push(&format!("image_urls.{i}"), m),
            }
        }
        for b in &self.local_images {
            if !BlobRef::is_valid_name(&b.name) {
                errs.push("local_images", Msg::ErrBlobUnknown);
            }
        }
        let count = urls.len() + self.local_images.len();
        if count == 0 && errs.0.iter().all(|e| !e.field.starts_with("image_urls")) {
            errs.push("images", Msg::ErrImagesRequired);
        } else if count > IMAGES_ACCEPTED_MAX {
            errs.push("images", Msg::ErrImagesTooMany);
        }
        match (resolution, aspect_ratio, region) {
            (Some(resolution), Some(aspect_ratio), Some(region)) if errs.is_empty() => {
                Ok(ValidSpec {
                    prompt,
                    resolution,
                    aspect_ratio,
                    image_urls: urls,
                    local_images: self.local_images.clone(),
                    region,
                })
            }
            _ => Err(errs),
        }
    }
}

/// A public http(s) URL or a small `data:image/…;base64,` URL.
pub fn validate_image_url(u: &str) -> Result<(), Msg> {
    if let Some(rest) = u.strip_prefix("data:") {
        let ok = rest.starts_with("image/") && rest.contains(";base64,");
        // base64 of the provider's limit, roughly
        return if !ok {
            Err(Msg::ErrImageUrlInvalid)
        } else if u.len() > IMAGE_BYTES_MAX / 3 * 4 + 64 {
            Err(Msg::ErrImageTooLarge)
        } else {
            Ok(())
        };
    }
    if u.len() > URL_MAX {
        return Err(Msg::ErrImageUrlInvalid);
    }
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .ok_or(Msg::ErrImageUrlScheme)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || u.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Msg::ErrImageUrlInvalid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TaskSpec {
        TaskSpec {
            prompt: "make it blue".to_owned(),
            resolution: "1K".to_owned(),
            aspect_ratio: "auto".to_owned(),
            image_urls: vec!["https://example.com/a.png".to_owned()],
            local_images: vec![],
            region: String::new(),
        }
    }

    #[test]
    fn resolutions_accept_either_case_and_send_lowercase() {
        for (input, sent) in [("1K", "1k"), ("2k", "2k"), (" 4K ", "4k")] {
            assert_eq!(
                input.parse::<Resolution>().map(Resolution::as_str),
                Ok(sent)
            );
        }
        assert_eq!("8k".parse::<Resolution>(), Err(Msg::ErrResolutionUnknown));
    }

    #[test]
    fn auto_aspect_ratio_is_left_out() {
        assert_eq!(AspectRatio::Auto.to_provider(), None);
        assert_eq!(
            "3:4".parse::<AspectRatio>().map(AspectRatio::to_provider),
            Ok(Some("3:4"))
        );
        assert_eq!("7:3".parse::<AspectRatio>(), Err(Msg::ErrAspectUnknown));
    }

    #[test]
    fn a_valid_spec_defaults_to_the_domestic_region() {
        let v = spec().validate().expect("valid");
        assert_eq!(v.region, Region::Domestic);
        assert_eq!(v.resolution, Resolution::R1k);
    }

    #[test]
    fn a_spec_needs_a_prompt_and_an_image() {
        let errs = TaskSpec {
            prompt: " ".into(),
            image_urls: vec![],
            ..spec()
        }
        .validate()
        .expect_err("invalid");
        assert_eq!(errs.get("prompt"), Some(Msg::ErrRequired));
        assert_eq!(errs.get("images"), Some(Msg::ErrImagesRequired));
        let long = "字".repeat(PROMPT_MAX + 1);
        let errs = TaskSpec {
            prompt: long,
            ..spec()
        }
        .validate()
        .expect_err("too long");
        assert_eq!(errs.get("prompt"), Some(Msg::ErrPromptLong));
    }

    #[test]
    fn image_urls_must_be_http_or_data_images() {
        assert!(validate_image_url("https://x.cn/a.png").is_ok());
        assert!(validate_image_url("data:image/png;base64,AAAA").is_ok());
        assert_eq!(
            validate_image_url("file:///etc/passwd"),
            Err(Msg::ErrImageUrlScheme)
        );
        assert_eq!(
            validate_image_url("data:text/html;base64,AAAA"),
            Err(Msg::ErrImageUrlInvalid)
        );
        let errs = TaskSpec {
            image_urls: vec!["ftp://x/a.png".into()],
            ..spec()
        }
        .validate()
        .expect_err("bad url");
        assert_eq!(errs.get("image_urls.0"), Some(Msg::ErrImageUrlScheme));
    }

    #[test]
    fn eleven_images_are_accepted_here_and_cut_later() {
        let urls = (0..11).map(|i| format!("https://x.cn/{i}.png")).collect();
        let v = TaskSpec {
            image_urls: urls,
            ..spec()
        }
        .validate()
        .expect("valid");
        assert_eq!(v.image_count(), 11);
    }
}
