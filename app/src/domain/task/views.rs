//! Tasks as pages and scripts see them: one task, lists, pages, live changes, the overview.

use super::*;
use crate::domain::{BatchId, ConfigId, TaskId, Timestamp};
use serde::{Deserialize, Serialize};

/// One result of a finished task.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultItem {
    /// Where the image is: `/files/<blob>` once the console keeps it (always for base64
    /// results), else the provider's link.
    pub url: Option<String>,
    pub output_type: Option<String>,
    pub text: Option<String>,
    /// The provider's own link, when the console kept a copy of it. RunningHub's result links
    /// expire about a day after the result (../shared/runninghub-api.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_url: Option<String>,
    /// A small JPEG of the image (`/files/<blob>`, at most 320 px), for lists and galleries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_url: Option<String>,
    /// The kept copy was removed by retention (`--keep-days`/`--keep-mb`); only
    /// `provider_url` is left. Set when a task is read, never stored.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
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
    /// The best single figure to show as cost: money first (`thirdPartyConsumeMoney`, then
    /// `consumeMoney`), else RH coins (`consumeCoins`).
    pub fn cost(&self) -> Option<Cost> {
        let given = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        given(&self.third_party_consume_money)
            .or_else(|| given(&self.consume_money))
            .map(Cost::Money)
            .or_else(|| given(&self.consume_coins).map(Cost::Coins))
    }
}

/// What a task cost, with its unit. RunningHub reports money in yuan (its price preview says
/// `"currency": "CNY"`, see ../shared/runninghub-api.md) or RH coins, as decimal strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cost {
    Money(String),
    Coins(String),
}

impl crate::i18n::Localized for Cost {
    fn fmt_in(&self, lang: crate::i18n::Lang, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self, lang) {
            (Cost::Money(m), _) => write!(f, "¥{m}"),
            (Cost::Coins(c), crate::i18n::Lang::Zh) => write!(f, "{c} RH币"),
            (Cost::Coins(c), crate::i18n::Lang::En) => write!(f, "{c} RH coins"),
        }
    }
}

/// A task as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: TaskId,
    pub config_id: ConfigId,
    pub config_name: String,
    pub config_version: i64,
    pub api_type: crate::domain::ApiType,
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
    /// What the console changed before sending (for example images past 10 left out).
    pub warnings: Vec<Said>,
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
    /// How the end became known, once final.
    #[serde(default)]
    pub ended_by: Option<EndedBy>,
    /// Whether the task asked the provider for a callback.
    #[serde(default)]
    pub expects_callback: bool,
    /// The task this one runs again.
    #[serde(default)]
    pub rerun_of: Option<TaskId>,
    /// The images the task was given, in the order they are sent: image URLs first, then
    /// local images (as the console's copy).
    #[serde(default)]
    pub inputs: Vec<InputImage>,
    /// While `waiting`: its place in its config's line for a slot (1 = next).
    #[serde(default)]
    pub slot_position: Option<i64>,
    /// The price preview at launch (shown beside the cost the provider reports).
    #[serde(default)]
    pub estimate: Option<ConfigEstimate>,
}

/// A task's test case: what it asked of which config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskCase {
    pub config_id: ConfigId,
    pub prompt: String,
    pub resolution: Resolution,
    pub aspect_ratio: AspectRatio,
    pub region: Region,
    pub inputs: Vec<InputImage>,
}

impl From<TaskView> for TaskCase {
    fn from(t: TaskView) -> Self {
        TaskCase {
            config_id: t.config_id,
            prompt: t.prompt,
            resolution: t.resolution,
            aspect_ratio: t.aspect_ratio,
            region: t.region,
            inputs: t.inputs,
        }
    }
}

/// One input image of a task, as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputImage {
    /// Where the browser loads it: the URL as given, or `/files/<blob>` for a local image.
    pub url: String,
    /// The file name on the operator's computer (local images only).
    pub name: Option<String>,
    /// Whether it was sent: the provider takes the first [`IMAGES_SENT_MAX`].
    pub sent: bool,
    /// The stored file of a local image (to run the task again with it).
    #[serde(default)]
    pub blob: Option<BlobRef>,
}

impl TaskView {
    pub fn duration_ms(&self) -> Option<i64> {
        Some(self.finished_at?.0 - self.created_at.0)
    }
}

/// How to run a task again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RerunRequest {
    /// The task to run again.
    pub of: TaskId,
    /// Another config to run it on (its current version); `None`: the task's own.
    #[serde(default)]
    pub config: Option<ConfigId>,
    /// With the task's own config: the version it ran with (true) or its current one.
    #[serde(default)]
    pub as_it_was: bool,
    /// The person knows the earlier attempt may have been billed already (needed when
    /// [`TaskStatus::may_be_billed`]).
    #[serde(default)]
    pub confirmed: bool,
    /// An admin runs it past its config's daily budget knowingly (audited).
    #[serde(default)]
    pub over_budget: bool,
}

/// What launching answers: the new tasks, and their batch when there are several.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchResult {
    pub tasks: Vec<TaskId>,
    pub batch: Option<BatchId>,
}

impl LaunchResult {
    /// The page to show next: the task (one), the batch's comparison (several), or the list.
    pub fn page(&self) -> String {
        match (self.tasks.as_slice(), self.batch) {
            ([one], _) => format!("/tasks/{}", one.0),
            (_, Some(b)) => format!("/tasks?batch={}", b.0),
            _ => "/tasks".to_owned(),
        }
    }
}

/// A task with its execution log so far (what the task page renders first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDetail {
    pub task: TaskView,
    pub events: Vec<TaskEvent>,
    /// The provider callbacks this task received (admins only; empty for others).
    #[serde(default)]
    pub callbacks: Vec<CallbackEntry>,
    /// When the task runs another again: what differs from it (`config`: name and version,
    /// then the config fields that differ, by their form names).
    #[serde(default)]
    pub rerun_diff: Vec<crate::domain::FieldChange>,
}

/// One provider callback as the ledger keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackEntry {
    pub id: i64,
    /// The task its token belongs to (none for an unknown token).
    pub task_id: Option<TaskId>,
    pub provider_task_id: Option<String>,
    /// `event` as sent (`TASK_END`).
    pub event: Option<String>,
    /// `eventData.status` as sent.
    pub status: Option<String>,
    pub outcome: CallbackOutcome,
    /// The body as it came (at most 64 KiB).
    pub body: String,
    pub remote_addr: Option<String>,
    pub received_at: Timestamp,
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
    /// The first result at full size (the kept copy, else the provider's link).
    #[serde(default)]
    pub image: Option<String>,
    pub cost: Option<Cost>,
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
    /// Paging back: the tasks just newer than this id (the previous page).
    #[serde(default)]
    pub after: Option<TaskId>,
    pub batch_id: Option<BatchId>,
}

/// One page of tasks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPage {
    pub items: Vec<TaskSummary>,
    /// The `before` value of the next page, if there is one.
    pub next_before: Option<TaskId>,
    /// The `after` value of the previous (newer) page, if there is one.
    #[serde(default)]
    pub prev_after: Option<TaskId>,
    /// Tasks matching the filter, on every page.
    #[serde(default)]
    pub total: i64,
    /// Tasks matching the filter that are newer than this page (its position: page
    /// `newer / page_size + 1`).
    #[serde(default)]
    pub newer: i64,
    #[serde(default)]
    pub page_size: i64,
}

impl TaskPage {
    /// This page's number (from 1) and how many pages there are.
    pub fn position(&self) -> (i64, i64) {
        let size = self.page_size.max(1);
        (
            self.newer / size + 1,
            ((self.total + size - 1) / size).max(1),
        )
    }
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
    /// The latest failed or timed-out tasks (any day), newest first, at most 5.
    #[serde(default)]
    pub recent_failures: Vec<TaskSummary>,
    /// What the kept images use, for admins only.
    #[serde(default)]
    pub storage: Option<StorageUsage>,
    /// Money spent on tests per config per day, the last 30 days.
    #[serde(default)]
    pub spend: SpendChart,
}

/// The console's kept images (uploads, kept results, thumbnails) and their retention.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageUsage {
    pub files: u64,
    /// Bytes on disk.
    pub bytes: u64,
    /// Days an unused image is kept (0: no age limit).
    pub keep_days: u32,
    /// The size cap in bytes, if any.
    pub keep_bytes: Option<u64>,
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
