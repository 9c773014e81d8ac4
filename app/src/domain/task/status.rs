//! Where a task is in its life: the statuses, and which are in flight or final.

use crate::i18n::Msg;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in TaskStatus::ALL {
            assert_eq!(s.as_str().parse::<TaskStatus>(), Ok(s));
        }
        assert!(TaskStatus::SubmitUncertain.is_terminal());
        assert!(!TaskStatus::Running.is_terminal());
    }
}
