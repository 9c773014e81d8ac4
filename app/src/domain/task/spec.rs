//! The test case an operator launches: prompt, resolution, aspect ratio, region, images,
//! and its validation.

use crate::domain::{FieldErrors, char_len};
use crate::i18n::{Lang, Localized, Msg};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Which of a configuration's hosts a task uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    #[default]
    Domestic,
    Overseas,
}

impl Region {
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Domestic => "domestic",
            Region::Overseas => "overseas",
        }
    }
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
        match s.trim().to_ascii_lowercase().as_str() {
            "domestic" | "cn" => Ok(Region::Domestic),
            "overseas" | "ai" | "intl" => Ok(Region::Overseas),
            _ => Err(Msg::ErrRegionUnknown),
        }
    }
}

/// Output resolution. The product note writes `1K`; the service wants `1k`: accept both, send
/// lowercase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Resolution {
    #[default]
    #[serde(rename = "1k")]
    R1k,
    #[serde(rename = "2k")]
    R2k,
    #[serde(rename = "4k")]
    R4k,
}

impl Resolution {
    pub const ALL: [Resolution; 3] = [Resolution::R1k, Resolution::R2k, Resolution::R4k];
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::R1k => "1k",
            Resolution::R2k => "2k",
            Resolution::R4k => "4k",
        }
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

impl FromStr for Resolution {
    type Err = Msg;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "1k" => Ok(Resolution::R1k),
            "2k" => Ok(Resolution::R2k),
            "4k" => Ok(Resolution::R4k),
            _ => Err(Msg::ErrResolutionUnknown),
        }
    }
}

/// Aspect ratio; `Auto` follows the input image, which the service expresses by leaving the
/// field out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AspectRatio {
    #[default]
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "1:1")]
    R1x1,
    #[serde(rename = "16:9")]
    R16x9,
    #[serde(rename = "9:16")]
    R9x16,
    #[serde(rename = "4:3")]
    R4x3,
    #[serde(rename = "3:4")]
    R3x4,
    #[serde(rename = "3:2")]
    R3x2,
    #[serde(rename = "2:3")]
    R2x3,
    #[serde(rename = "5:4")]
    R5x4,
    #[serde(rename = "4:5")]
    R4x5,
    #[serde(rename = "21:9")]
    R21x9,
}

impl AspectRatio {
    pub const ALL: [AspectRatio; 11] = [
        AspectRatio::Auto,
        AspectRatio::R1x1,
        AspectRatio::R16x9,
        AspectRatio::R9x16,
        AspectRatio::R4x3,
        AspectRatio::R3x4,
        AspectRatio::R3x2,
        AspectRatio::R2x3,
        AspectRatio::R5x4,
        AspectRatio::R4x5,
        AspectRatio::R21x9,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AspectRatio::Auto => "auto",
            AspectRatio::R1x1 => "1:1",
            AspectRatio::R16x9 => "16:9",
            AspectRatio::R9x16 => "9:16",
            AspectRatio::R4x3 => "4:3",
            AspectRatio::R3x4 => "3:4",
            AspectRatio::R3x2 => "3:2",
            AspectRatio::R2x3 => "2:3",
            AspectRatio::R5x4 => "5:4",
            AspectRatio::R4x5 => "4:5",
            AspectRatio::R21x9 => "21:9",
        }
    }

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

impl FromStr for AspectRatio {
    type Err = Msg;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        AspectRatio::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or(Msg::ErrAspectUnknown)
    }
}

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
