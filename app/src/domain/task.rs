//! Test tasks: what an operator launches, the statuses a task moves through, its event log and
//! results, and the plain explanations of RunningHub's error codes.

use super::{BatchId, ConfigId, FieldErrors, TaskId, Timestamp, char_len, format_duration_ms};
use crate::i18n::{Lang, Msg};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a task is in its life. The first five are in flight; the rest are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Created, waiting for a free slot of its configuration.
    Pending,
    /// Sending local images to the provider's upload endpoint.
    Uploading,
    /// The submit request is being sent.
    Submitting,
    /// Accepted by the provider, waiting in its queue.
    Queued,
    /// The provider is working on it.
    Running,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
    /// The server stopped while a submit was in the air: the provider may or may not have it.
    /// A person decides; the console never resubmits on its own.
    SubmitUncertain,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 10] = [
        TaskStatus::Pending,
        TaskStatus::Uploading,
        TaskStatus::Submitting,
        TaskStatus::Queued,
        TaskStatus::Running,
        TaskStatus::Succeeded,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
        TaskStatus::TimedOut,
        TaskStatus::SubmitUncertain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Uploading => "uploading",
            TaskStatus::Submitting => "submitting",
            TaskStatus::Queued => "queued",
            TaskStatus::Running => "running",
            TaskStatus::Succeeded => "succeeded",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::TimedOut => "timed_out",
            TaskStatus::SubmitUncertain => "submit_uncertain",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Succeeded
                | TaskStatus::Failed
                | TaskStatus::Cancelled
                | TaskStatus::TimedOut
                | TaskStatus::SubmitUncertain
        )
    }

    pub fn label(self) -> Msg {
        match self {
            TaskStatus::Pending => Msg::StatusPending,
            TaskStatus::Uploading => Msg::StatusUploading,
            TaskStatus::Submitting => Msg::StatusSubmitting,
            TaskStatus::Queued => Msg::StatusQueued,
            TaskStatus::Running => Msg::StatusRunning,
            TaskStatus::Succeeded => Msg::StatusSucceeded,
            TaskStatus::Failed => Msg::StatusFailed,
            TaskStatus::Cancelled => Msg::StatusCancelled,
            TaskStatus::TimedOut => Msg::StatusTimedOut,
            TaskStatus::SubmitUncertain => Msg::StatusSubmitUncertain,
        }
    }

    /// The CSS tone of the badge.
    pub fn tone(self) -> &'static str {
        match self {
            TaskStatus::Pending
            | TaskStatus::Uploading
            | TaskStatus::Submitting
            | TaskStatus::Queued => "queued",
            TaskStatus::Running => "running",
            TaskStatus::Succeeded => "ok",
            TaskStatus::Failed | TaskStatus::TimedOut => "bad",
            TaskStatus::Cancelled => "muted",
            TaskStatus::SubmitUncertain => "warn",
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskStatus {
    type Err = Msg;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaskStatus::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or(Msg::ErrStatusUnknown)
    }
}

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

/// The step of a task an event belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Validate,
    Upload,
    Submit,
    Poll,
    Retry,
    Result,
    Cancel,
    Resume,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Validate => "validate",
            Stage::Upload => "upload",
            Stage::Submit => "submit",
            Stage::Poll => "poll",
            Stage::Retry => "retry",
            Stage::Result => "result",
            Stage::Cancel => "cancel",
            Stage::Resume => "resume",
        }
    }
    pub fn parse(s: &str) -> Stage {
        match s {
            "validate" => Stage::Validate,
            "upload" => Stage::Upload,
            "submit" => Stage::Submit,
            "poll" => Stage::Poll,
            "retry" => Stage::Retry,
            "cancel" => Stage::Cancel,
            "resume" => Stage::Resume,
            _ => Stage::Result,
        }
    }
    pub fn label(self) -> Msg {
        match self {
            Stage::Validate => Msg::StageValidate,
            Stage::Upload => Msg::StageUpload,
            Stage::Submit => Msg::StageSubmit,
            Stage::Poll => Msg::StagePoll,
            Stage::Retry => Msg::StageRetry,
            Stage::Result => Msg::StageResult,
            Stage::Cancel => Msg::StageCancel,
            Stage::Resume => Msg::StageResume,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Level {
        match s {
            "warn" => Level::Warn,
            "error" => Level::Error,
            _ => Level::Info,
        }
    }
}

/// One line of a task's execution log. `seq` starts at 1 and has no gaps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskEvent {
    pub task_id: TaskId,
    pub seq: i64,
    pub at: Timestamp,
    pub level: Level,
    pub stage: Stage,
    /// The English text (for the CLI, logs and scripts).
    pub message: String,
    /// What happened, for the page to say in its language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<EventText>,
    pub http_status: Option<i64>,
    pub latency_ms: Option<i64>,
    /// The status the task had after this event.
    pub status: TaskStatus,
}

impl TaskEvent {
    /// The event in `lang` (the stored English text when it has no structured form).
    pub fn say(&self, lang: Lang) -> String {
        self.text
            .as_ref()
            .map(|t| t.render(lang))
            .unwrap_or_else(|| self.message.clone())
    }
}

/// What an event says, kept structured so each language can render it. Provider messages and
/// technical errors inside stay as the provider or the network said them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum EventText {
    Created {
        by: String,
        config: String,
        version: i64,
        region: Region,
        resolution: Resolution,
        aspect: AspectRatio,
        images: usize,
    },
    ImagesCut {
        total: usize,
        sent: usize,
    },
    Uploading {
        count: usize,
    },
    Uploaded {
        n: usize,
        of: usize,
        url: String,
    },
    UploadRetry {
        n: usize,
        of: usize,
        error: String,
        delay_ms: i64,
    },
    Submitting {
        attempt: u32,
        max: u32,
        url: String,
    },
    SubmitFailed {
        error: String,
    },
    SubmitRetry {
        error: String,
        maybe_sent: bool,
        delay_ms: i64,
        next: u32,
        max: u32,
    },
    Accepted {
        task_id: String,
        status: String,
    },
    AcceptedDone {
        task_id: String,
        status: String,
    },
    Answered {
        status: String,
    },
    ProviderStatus {
        status: String,
    },
    StillRunning {
        status: String,
        elapsed_ms: i64,
        polls: u32,
    },
    PollFailed {
        error: String,
        failures: Option<u32>,
    },
    PollRetry {
        error: String,
        n: u32,
        max: u32,
    },
    NoResultsYet,
    UnknownStatus {
        status: String,
        n: u32,
        max: u32,
    },
    Succeeded {
        elapsed_ms: i64,
        results: usize,
        cost: Option<String>,
    },
    Failed {
        code: String,
        message: String,
    },
    TimedOut {
        after_ms: i64,
    },
    ProviderCancelled {
        status: String,
    },
    Cancelled {
        by: String,
    },
    Resumed {
        provider_task_id: Option<String>,
    },
    SubmitUncertain,
}

impl EventText {
    pub fn render(&self, lang: Lang) -> String {
        let d = |ms: &i64| format_duration_ms(*ms);
        let zh = lang == Lang::Zh;
        match self {
            EventText::Created {
                by,
                config,
                version,
                region,
                resolution,
                aspect,
                images,
            } => {
                let region_text = region.label().text(lang);
                let aspect_text = if *aspect == AspectRatio::Auto {
                    Msg::TaskAspectAuto.text(lang)
                } else {
                    aspect.as_str()
                };
                if zh {
                    format!(
                        "{by} 创建，配置 {config}（v{version}），{region_text}线路，{} 分辨率，宽高比 {aspect_text}，{images} 张图片",
                        resolution.as_str().to_ascii_uppercase()
                    )
                } else {
                    format!(
                        "Created by {by} for {config} (v{version}), {region_text} host, {} resolution, aspect ratio {aspect_text}, {images} image(s)",
                        resolution.as_str().to_ascii_uppercase()
                    )
                }
            }
            EventText::ImagesCut { total, sent } => {
                if zh {
                    format!(
                        "共 {total} 张图片：只发送前 {sent} 张，其余 {} 张不发送",
                        total - sent
                    )
                } else {
                    format!(
                        "{total} images given: only the first {sent} are sent, {} left out",
                        total - sent
                    )
                }
            }
            EventText::Uploading { count } => {
                if zh {
                    format!("正在上传 {count} 张本地图片")
                } else {
                    format!("Uploading {count} local image(s)")
                }
            }
            EventText::Uploaded { n, of, url } => {
                if zh {
                    format!("已上传图片 {n}/{of}：{url}")
                } else {
                    format!("Uploaded image {n}/{of}: {url}")
                }
            }
            EventText::UploadRetry {
                n,
                of,
                error,
                delay_ms,
            } => {
                if zh {
                    format!("图片 {n}/{of} 上传失败：{error}；{} 后重试", d(delay_ms))
                } else {
                    format!(
                        "Upload of image {n}/{of} failed: {error}; retrying in {}",
                        d(delay_ms)
                    )
                }
            }
            EventText::Submitting { attempt, max, url } => {
                if zh {
                    format!("提交（第 {attempt}/{max} 次）：POST {url}")
                } else {
                    format!("Submitting (attempt {attempt}/{max}): POST {url}")
                }
            }
            EventText::SubmitFailed { error } => {
                if zh {
                    format!("提交失败：{error}")
                } else {
                    format!("Submit failed: {error}")
                }
            }
            EventText::SubmitRetry {
                error,
                maybe_sent,
                delay_ms,
                next,
                max,
            } => {
                if zh {
                    let maybe = if *maybe_sent {
                        "（请求可能已到达服务商）"
                    } else {
                        ""
                    };
                    format!(
                        "提交失败：{error}{maybe}；{} 后重试（第 {next}/{max} 次）",
                        d(delay_ms)
                    )
                } else {
                    let maybe = if *maybe_sent {
                        " (the request may have reached the provider)"
                    } else {
                        ""
                    };
                    format!(
                        "Submit failed: {error}{maybe}; retrying in {} (attempt {next}/{max})",
                        d(delay_ms)
                    )
                }
            }
            EventText::Accepted { task_id, status } => {
                if zh {
                    format!("已受理：taskId {task_id}，状态 {status}")
                } else {
                    format!("Accepted: taskId {task_id}, status {status}")
                }
            }
            EventText::AcceptedDone { task_id, status } => {
                if zh {
                    format!("已受理并已完成（任务 {task_id}，{status}）")
                } else {
                    format!("Accepted and already finished (task {task_id}, {status})")
                }
            }
            EventText::Answered { status } => {
                if zh {
                    format!("服务商答复 {status}")
                } else {
                    format!("The provider answered {status}")
                }
            }
            EventText::ProviderStatus { status } => {
                if zh {
                    format!("服务商状态：{status}")
                } else {
                    format!("Provider status: {status}")
                }
            }
            EventText::StillRunning {
                status,
                elapsed_ms,
                polls,
            } => {
                if zh {
                    format!("已 {}，仍为 {status}（轮询 {polls} 次）", d(elapsed_ms))
                } else {
                    format!("Still {status} after {} ({polls} polls)", d(elapsed_ms))
                }
            }
            EventText::PollFailed { error, failures } => match (zh, failures) {
                (true, Some(n)) => format!("轮询失败：{error}（连续 {n} 次）"),
                (true, None) => format!("轮询失败：{error}"),
                (false, Some(n)) => format!("Poll failed: {error} ({n} failed polls in a row)"),
                (false, None) => format!("Poll failed: {error}"),
            },
            EventText::PollRetry { error, n, max } => {
                if zh {
                    format!("轮询失败：{error}；继续轮询（{n}/{max}）")
                } else {
                    format!("Poll failed: {error}; polling again ({n}/{max})")
                }
            }
            EventText::NoResultsYet => {
                if zh {
                    "服务商返回成功但还没有结果，再次查询".to_owned()
                } else {
                    "Provider says SUCCESS but sent no results yet; asking again".to_owned()
                }
            }
            EventText::UnknownStatus { status, n, max } => {
                if zh {
                    format!("服务商返回未知状态：{status:?}（{n}/{max}）")
                } else {
                    format!("Unknown status from the provider: {status:?} ({n}/{max})")
                }
            }
            EventText::Succeeded {
                elapsed_ms,
                results,
                cost,
            } => {
                if zh {
                    let cost = cost
                        .as_ref()
                        .map(|c| format!("，费用 {c}"))
                        .unwrap_or_default();
                    format!("成功，用时 {}：{results} 个结果{cost}", d(elapsed_ms))
                } else {
                    let cost = cost
                        .as_ref()
                        .map(|c| format!(", cost {c}"))
                        .unwrap_or_default();
                    format!(
                        "Succeeded after {}: {results} result(s){cost}",
                        d(elapsed_ms)
                    )
                }
            }
            EventText::Failed { code, message } => {
                if zh {
                    format!("失败：[{code}] {message}")
                } else {
                    format!("Failed: [{code}] {message}")
                }
            }
            EventText::TimedOut { after_ms } => {
                if zh {
                    format!("{} 内没有得到最终状态，已超时", d(after_ms))
                } else {
                    format!(
                        "Timed out after {}: the provider gave no final status in time",
                        d(after_ms)
                    )
                }
            }
            EventText::ProviderCancelled { status } => {
                if zh {
                    format!("服务商取消了任务（{status}）")
                } else {
                    format!("The provider cancelled the task ({status})")
                }
            }
            EventText::Cancelled { by } => {
                if zh {
                    format!(
                        "{by} 取消了任务：控制台已停止跟踪。若任务已提交，服务商可能仍会完成它。"
                    )
                } else {
                    format!(
                        "Cancelled by {by}: the console stopped following this task. If it had reached the provider, the provider may still finish it."
                    )
                }
            }
            EventText::Resumed { provider_task_id } => match (zh, provider_task_id) {
                (true, Some(p)) => format!("重启后继续：跟踪服务商任务 {p}"),
                (true, None) => "重启后继续：任务尚未发送，现在发送".to_owned(),
                (false, Some(p)) => {
                    format!("Picked up again after a restart: following provider task {p}")
                }
                (false, None) => {
                    "Picked up again after a restart: it was never sent, so it is sent now"
                        .to_owned()
                }
            },
            EventText::SubmitUncertain => {
                if zh {
                    "服务器在提交请求发出期间停止：服务商可能已收到此任务，也可能没有。不会自动重新提交；请先向服务商核实，需要时再重新运行。".to_owned()
                } else {
                    "The server stopped while a submit request was in the air: the provider may or may not have this task. It is not resubmitted automatically; check with the provider, then run it again if needed.".to_owned()
                }
            }
        }
    }

    /// The English text, as stored in `message`.
    pub fn english(&self) -> String {
        self.render(Lang::En)
    }
}

/// One result of a finished task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultItem {
    /// The provider's URL, or `/files/<blob>` for images the console stored itself.
    pub url: Option<String>,
    pub output_type: Option<String>,
    pub text: Option<String>,
}

/// What the provider said the task cost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub consume_money: Option<String>,
    pub consume_coins: Option<String>,
    pub third_party_consume_money: Option<String>,
    pub task_cost_time: Option<String>,
}

impl Usage {
    pub fn is_empty(&self) -> bool {
        self == &Usage::default()
    }
    /// The best single number to show as cost.
    pub fn cost(&self) -> Option<String> {
        self.third_party_consume_money
            .clone()
            .or_else(|| self.consume_money.clone())
            .or_else(|| self.consume_coins.as_ref().map(|c| format!("{c} coins")))
    }
}

/// A task as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: TaskId,
    pub config_id: ConfigId,
    pub config_name: String,
    pub config_version: i64,
    pub api_type: super::ApiType,
    pub region: Region,
    pub prompt: String,
    pub resolution: Resolution,
    pub aspect_ratio: AspectRatio,
    pub status: TaskStatus,
    pub provider_task_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub results: Vec<ResultItem>,
    pub usage: Usage,
    pub attempts: i64,
    pub warnings: Vec<EventText>,
    pub batch_id: Option<BatchId>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub last_seq: i64,
    /// The request that was sent, key redacted (JSON text).
    pub request_json: Option<String>,
    /// The same call as a shell command reading the key from an environment variable.
    pub request_curl: Option<String>,
}

impl TaskView {
    pub fn duration_ms(&self) -> Option<i64> {
        Some(self.finished_at?.0 - self.created_at.0)
    }
}

/// What launching answers: the new tasks, and their batch when there are several.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchResult {
    pub tasks: Vec<TaskId>,
    pub batch: Option<BatchId>,
}

/// A task with its execution log so far (what the task page renders first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDetail {
    pub task: TaskView,
    pub events: Vec<TaskEvent>,
}

/// A row of the task list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSummary {
    pub id: TaskId,
    pub config_id: ConfigId,
    pub config_name: String,
    pub status: TaskStatus,
    pub prompt: String,
    pub provider_task_id: Option<String>,
    pub error_code: Option<String>,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub thumbnail: Option<String>,
    pub cost: Option<String>,
    pub batch_id: Option<BatchId>,
}

/// Filters of the task list. Pages are keyset-based: `before` is the last id of the previous page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskFilter {
    pub config_id: Option<ConfigId>,
    pub status: Option<TaskStatus>,
    /// `YYYY-MM-DD`, inclusive, in display time.
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: String,
    pub before: Option<TaskId>,
    pub batch_id: Option<BatchId>,
}

/// One page of tasks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPage {
    pub items: Vec<TaskSummary>,
    /// The `before` value of the next page, if there is one.
    pub next_before: Option<TaskId>,
}

pub const TASK_PAGE_SIZE: i64 = 50;

/// A status change of some task, for lists that update live.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskChange {
    pub summary: TaskSummary,
    pub duration_ms: Option<i64>,
}

/// One line of the task stream: newline-delimited JSON, one object per line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StreamMsg {
    /// The whole task as it is now (sent first and when it ends).
    Task {
        task: Box<TaskView>,
    },
    Event {
        event: TaskEvent,
    },
    /// Keeps idle connections alive and lets the page notice a dead one.
    Heartbeat,
    /// The task is final and every event was sent.
    End,
}

/// What today looks like, for the home page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub by_status: Vec<(TaskStatus, i64)>,
    pub in_flight: i64,
    pub per_config: Vec<ConfigDayStats>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigDayStats {
    pub config_id: ConfigId,
    pub config_name: String,
    pub total: i64,
    pub succeeded: i64,
    pub finished: i64,
    pub median_ms: Option<i64>,
}

/// A plain explanation of an error code the provider is known to send.
pub fn explain_error(code: Option<&str>, message: Option<&str>) -> Option<Msg> {
    let code = code.map(str::trim).unwrap_or_default();
    let message = message.unwrap_or_default().to_ascii_lowercase();
    let by_code = match code {
        "1501" => Some(Msg::Explain1501),
        "1505" => Some(Msg::Explain1505),
        "421" | "TASK_QUEUE_MAXED" => Some(Msg::Explain421),
        "415" | "TASK_INSTANCE_MAXED" => Some(Msg::Explain415),
        "814" => Some(Msg::Explain814),
        "812" => Some(Msg::Explain812),
        "802" | "401" | "APIKEY_UNAUTHORIZED" => Some(Msg::ExplainAuth),
        "301" | "PARAMS_INVALID" => Some(Msg::Explain301),
        "433" | "VALIDATE_PROMPT_FAILED" => Some(Msg::Explain433),
        "1000" => Some(Msg::Explain1000),
        "timeout" => Some(Msg::ExplainTimeout),
        "http_429" => Some(Msg::Explain421),
        _ => None,
    };
    by_code.or_else(|| {
        if message.contains("apikey")
            || message.contains("api key")
            || message.contains("unauthorized")
        {
            Some(Msg::ExplainAuth)
        } else if message.contains("balance") || message.contains("insufficient") {
            Some(Msg::Explain812)
        } else if message.contains("content verification") || message.contains("moderation") {
            Some(Msg::Explain1501)
        } else {
            None
        }
    })
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

    #[test]
    fn known_error_codes_have_explanations() {
        assert_eq!(explain_error(Some("1501"), None), Some(Msg::Explain1501));
        assert_eq!(
            explain_error(Some(""), Some("ApiKey verification failed")),
            Some(Msg::ExplainAuth)
        );
        assert_eq!(explain_error(Some("9999"), Some("??")), None);
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in TaskStatus::ALL {
            assert_eq!(s.as_str().parse::<TaskStatus>(), Ok(s));
        }
        assert!(TaskStatus::SubmitUncertain.is_terminal());
        assert!(!TaskStatus::Running.is_terminal());
    }
}
