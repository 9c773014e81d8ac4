//! A task's execution log: stages, levels, and the structured event texts rendered in the
//! reader's language.

use super::{AspectRatio, Region, Resolution, TaskStatus};
use crate::domain::{TaskId, Timestamp, format_duration_ms};
use crate::i18n::{Lang, Msg};
use serde::{Deserialize, Serialize};

/// The step of a task an event belongs to. Stored as its snake_case name (`strum` and
/// serde spell it the same way).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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
        self.into()
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

/// How much an event matters. Stored as its lowercase name (`strum` and serde agree).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        self.into()
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

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn stages_and_levels_are_spelled_the_same_by_strum_and_serde() {
        for s in Stage::VARIANTS {
            let json = serde_json::to_string(s).expect("json");
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(s.as_str().parse::<Stage>(), Ok(*s));
        }
        for l in Level::VARIANTS {
            let json = serde_json::to_string(l).expect("json");
            assert_eq!(json, format!("\"{}\"", l.as_str()));
            assert_eq!(l.as_str().parse::<Level>(), Ok(*l));
        }
        assert!(
            "shout".parse::<Level>().is_err(),
            "unknown names are errors"
        );
    }
}
