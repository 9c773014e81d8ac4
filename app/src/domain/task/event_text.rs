//! What an event says, structured, and the catalogue entry each kind of event reads as.

use super::{AspectRatio, Region, Resolution};
use crate::domain::{DurationMs, Timestamp};
use crate::i18n::{FieldList, Lang, Localized, Text};
use serde::{Deserialize, Serialize};

/// What an event says, kept structured so each language can render it. Provider messages and
/// technical errors inside stay as the provider or the network said them. Stored as JSON (the
/// `t` tag names the variant): variants and fields keep their names, or old rows stop reading.
/// The words are in the catalogue (`i18n::Text`); a new kind of event is one variant here, one
/// arm in `text` and one entry there.
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
    /// The console restarted with `--sandbox`: the in-memory fake forgot its tasks, so this one
    /// cannot be followed any more.
    SandboxRestarted,
    /// The config's slots at the provider are all taken (`in_use` of `limit`): the task waits
    /// for one instead of being sent to collect a queue-full refusal.
    WaitingForSlot {
        in_use: u32,
        limit: u32,
    },
    /// The provider refused the submit as queue-full (`code`, its message): the task waits for
    /// a slot again, and this attempt does not count against its retries.
    QueueFull {
        code: String,
        message: String,
    },
    /// The submit left at `sent_at` and no usable answer came back (a timeout, a broken
    /// connection, an unreadable answer, an acceptance without a task id).
    SubmitOutcomeUnknown {
        error: String,
        sent_at: Timestamp,
    },
    /// A poll the provider refused as too many (429): the next one waits `delay_ms`, and the
    /// refusal does not count as a failed poll.
    PollWait {
        error: String,
        delay_ms: i64,
    },
    /// The provider answered a status nobody documented (as it wrote it); polling goes on.
    UndocumentedStatus {
        status: String,
    },
    /// Result image `n` could not be kept on the console; the provider's link stays (and
    /// expires).
    ResultNotKept {
        n: usize,
        error: String,
    },
    /// Images sent inline as multipart parts (gateways that take no upload step): how many,
    /// under which field name.
    ImageParts {
        count: usize,
        field: String,
    },
    /// The config asks for callbacks but the console does not know its public address
    /// (`--public-url`): this task is only polled.
    CallbacksOff,
    /// The config's last expected callback never came: this task is polled at the normal pace.
    CallbacksSilent,
    /// A poll found the task ended before any callback came.
    CallbackMissing,
    /// The provider called back (with `status`); one query confirms it.
    CallbackReceived {
        status: String,
    },
    /// The provider's task id was attached to a "submit may have reached the provider" task
    /// (by an operator, or `None`: by the provider's callback); the console follows it now.
    TaskIdAttached {
        by: Option<String>,
        task_id: String,
    },
    /// An operator closed a "submit may have reached the provider" task as failed; when they
    /// sent it again, `resent_as` is the new task.
    MarkedFailed {
        by: String,
        resent_as: Option<i64>,
    },
    /// This task runs task `of` again; `changed` names the fields that differ.
    Reruns {
        of: i64,
        by: String,
        changed: Vec<String>,
    },
}

impl EventText {
    /// The catalogue entry this event reads as.
    pub fn text(&self) -> Text<'_> {
        match self {
            EventText::Created {
                by,
                config,
                version,
                region,
                resolution,
                aspect,
                images,
            } => Text::EvCreated {
                by,
                config,
                version: *version,
                region: *region,
                resolution: *resolution,
                aspect: *aspect,
                images: *images,
            },
            EventText::ImagesCut { total, sent } => Text::EvImagesCut {
                total: *total,
                sent: *sent,
                left: total.saturating_sub(*sent),
            },
            EventText::Uploading { count } => Text::EvUploading { count: *count },
            EventText::Uploaded { n, of, url } => Text::EvUploaded {
                n: *n,
                of: *of,
                url,
            },
            EventText::UploadRetry {
                n,
                of,
                error,
                delay_ms,
            } => Text::EvUploadRetry {
                n: *n,
                of: *of,
                error,
                delay: DurationMs(*delay_ms),
            },
            EventText::Submitting { attempt, max, url } => Text::EvSubmitting {
                attempt: *attempt,
                max: *max,
                url,
            },
            EventText::SubmitFailed { error } => Text::EvSubmitFailed { error },
            EventText::SubmitRetry {
                error,
                maybe_sent: false,
                delay_ms,
                next,
                max,
            } => Text::EvSubmitRetry {
                error,
                delay: DurationMs(*delay_ms),
                next: *next,
                max: *max,
            },
            EventText::SubmitRetry {
                error,
                maybe_sent: true,
                delay_ms,
                next,
                max,
            } => Text::EvSubmitRetryMaybeSent {
                error,
                delay: DurationMs(*delay_ms),
                next: *next,
                max: *max,
            },
            EventText::Accepted { task_id, status } => Text::EvAccepted { task_id, status },
            EventText::AcceptedDone { task_id, status } => Text::EvAcceptedDone { task_id, status },
            EventText::Answered { status } => Text::EvAnswered { status },
            EventText::ProviderStatus { status } => Text::EvProviderStatus { status },
            EventText::StillRunning {
                status,
                elapsed_ms,
                polls,
            } => Text::EvStillRunning {
                status,
                elapsed: DurationMs(*elapsed_ms),
                polls: *polls,
            },
            EventText::PollFailed {
                error,
                failures: None,
            } => Text::EvPollFailed { error },
            EventText::PollFailed {
                error,
                failures: Some(failures),
            } => Text::EvPollFailedInARow {
                error,
                failures: *failures,
            },
            EventText::PollRetry { error, n, max } => Text::EvPollRetry {
                error,
                n: *n,
                max: *max,
            },
            EventText::NoResultsYet => Text::EvNoResultsYet {},
            EventText::UnknownStatus { status, n, max } => Text::EvUnknownStatus {
                status,
                n: *n,
                max: *max,
            },
            EventText::Succeeded {
                elapsed_ms,
                results,
                cost: None,
            } => Text::EvSucceeded {
                elapsed: DurationMs(*elapsed_ms),
                results: *results,
            },
            EventText::Succeeded {
                elapsed_ms,
                results,
                cost: Some(cost),
            } => Text::EvSucceededCost {
                elapsed: DurationMs(*elapsed_ms),
                results: *results,
                cost,
            },
            EventText::Failed { code, message } => Text::EvFailed { code, message },
            EventText::TimedOut { after_ms } => Text::EvTimedOut {
                after: DurationMs(*after_ms),
            },
            EventText::ProviderCancelled { status } => Text::EvProviderCancelled { status },
            EventText::Cancelled { by } => Text::EvCancelled { by },
            EventText::Resumed {
                provider_task_id: Some(provider_task_id),
            } => Text::EvResumedFollowing { provider_task_id },
            EventText::Resumed {
                provider_task_id: None,
            } => Text::EvResumedUnsent {},
            EventText::SubmitUncertain => Text::EvSubmitUncertain {},
            EventText::SandboxRestarted => Text::EvSandboxRestarted {},
            EventText::WaitingForSlot { in_use, limit } => Text::EvWaitingForSlot {
                in_use: *in_use,
                limit: *limit,
            },
            EventText::QueueFull { code, message } => Text::EvQueueFull { code, message },
            EventText::UndocumentedStatus { status } => Text::EvUndocumentedStatus { status },
            EventText::ResultNotKept { n, error } => Text::EvResultNotKept { n: *n, error },
            EventText::ImageParts { count, field } => Text::EvImageParts {
                count: *count,
                field,
            },
            EventText::CallbacksOff => Text::EvCallbacksOff {
                flag: "--public-url",
            },
            EventText::CallbacksSilent => Text::EvCallbacksSilent {},
            EventText::CallbackMissing => Text::EvCallbackMissing {},
            EventText::CallbackReceived { status } => Text::EvCallbackReceived { status },
            EventText::TaskIdAttached { by: None, task_id } => {
                Text::EvTaskIdAttachedByCallback { task_id }
            }
            EventText::TaskIdAttached {
                by: Some(by),
                task_id,
            } => Text::EvTaskIdAttached { by, task_id },
            EventText::MarkedFailed {
                by,
                resent_as: None,
            } => Text::EvMarkedFailed { by },
            EventText::MarkedFailed {
                by,
                resent_as: Some(task),
            } => Text::EvResent { by, task: *task },
            EventText::Reruns { of, by, changed } if changed.is_empty() => {
                Text::EvReruns { of: *of, by }
            }
            EventText::Reruns { of, by, changed } => Text::EvRerunsChanged {
                of: *of,
                by,
                changed: FieldList(changed),
            },
            EventText::PollWait { error, delay_ms } => Text::EvPollWait {
                error,
                delay: DurationMs(*delay_ms),
            },
            EventText::SubmitOutcomeUnknown { error, sent_at } => Text::EvSubmitOutcomeUnknown {
                error,
                sent_at: *sent_at,
            },
        }
    }

    /// The event in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        self.text().render(lang)
    }

    /// The event in English, for the CLI and logs.
    pub fn english(&self) -> String {
        self.render(Lang::En)
    }
}

impl Localized for EventText {
    fn fmt_in(&self, lang: Lang, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.text().fmt_in(lang, f)
    }
}

#[cfg(test)]
mod tests;
