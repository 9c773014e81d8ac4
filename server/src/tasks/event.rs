//! One entry of a task's execution log and the task change it records, built step by step
//! instead of with positional arguments:
//!
//! ```ignore
//! Event::warn(Stage::Retry, EventText::PollRetry { .. }).call(e.http_status, Some(e.latency_ms))
//! Event::info(Stage::Submit, EventText::Accepted { .. }).update(TaskUpdate { .. })
//! ```

use crate::db::task::TaskUpdate;
use crate::providers::CallError;
use app::domain::{EventText, Level, Stage};

/// An event to append (with the task update applied in the same transaction).
#[derive(Debug)]
pub struct Event {
    pub update: TaskUpdate,
    pub level: Level,
    pub stage: Stage,
    pub text: EventText,
    /// The HTTP status of the provider call this event reports, if any.
    pub http_status: Option<u16>,
    /// How long that call took, in milliseconds.
    pub latency_ms: Option<i64>,
}

impl Event {
    pub fn new(level: Level, stage: Stage, text: EventText) -> Event {
        Event {
            update: TaskUpdate::default(),
            level,
            stage,
            text,
            http_status: None,
            latency_ms: None,
        }
    }

    pub fn info(stage: Stage, text: EventText) -> Event {
        Event::new(Level::Info, stage, text)
    }

    pub fn warn(stage: Stage, text: EventText) -> Event {
        Event::new(Level::Warn, stage, text)
    }

    pub fn error(stage: Stage, text: EventText) -> Event {
        Event::new(Level::Error, stage, text)
    }

    /// The change to the task this event records.
    pub fn update(mut self, update: TaskUpdate) -> Event {
        self.update = update;
        self
    }

    /// The provider call this event reports: its HTTP status and latency (ms).
    pub fn call(mut self, http_status: Option<u16>, latency_ms: Option<i64>) -> Event {
        self.http_status = http_status;
        self.latency_ms = latency_ms;
        self
    }

    /// The failed provider call this event reports (its HTTP status, if any, and latency).
    pub fn call_failed(self, e: &CallError) -> Event {
        self.call(e.http_status, Some(e.latency_ms))
    }
}
