//! Where a task is in its life: the statuses, and which are in flight or final.

use crate::domain::names::closed_set;
use crate::i18n::Msg;
use std::fmt;

closed_set! {
    /// Where a task is in its life. The first six are in flight; the rest are final.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum TaskStatus {
        /// Created, not yet taken up by the engine.
        Pending,
        /// Waiting for a free slot: its config (or the provider's account) is at its
        /// concurrency limit, so it is not sent to collect a queue-full refusal. Its place in
        /// line is `TaskView::slot_position`.
        Waiting,
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
}

impl TaskStatus {
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

    /// Whether a task that ended so may have been billed without a result the console saw: it
    /// timed out, or its submit may have reached the provider. Running it again may cost twice.
    pub fn may_be_billed(self) -> bool {
        matches!(self, TaskStatus::TimedOut | TaskStatus::SubmitUncertain)
    }

    pub fn label(self) -> Msg {
        match self {
            TaskStatus::Pending => Msg::StatusPending,
            TaskStatus::Waiting => Msg::StatusWaiting,
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
            | TaskStatus::Waiting
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

crate::domain::names::from_name!(TaskStatus, Msg::ErrStatusUnknown);

closed_set! {
    /// How the console learned that a task ended.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum EndedBy {
        /// A poll found the final state.
        Poll,
        /// The provider's callback said so and one query confirmed it.
        Callback,
        /// A person decided (attached a task id, marked it failed).
        Operator,
    }
}

closed_set! {
    /// What the console did with one provider callback.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum CallbackOutcome {
        /// Its task was told (a confirming query follows, or its task id was attached).
        Accepted,
        /// The same callback came before: nothing changed.
        Duplicate,
        /// No task has this token.
        UnknownToken,
        /// Not a callback the console can read.
        Malformed,
        /// Its task was final already, or the callback named another task.
        Ignored,
    }
}

crate::domain::names::from_name!(CallbackOutcome, Msg::ErrBadRequest);
crate::domain::names::from_name!(EndedBy, Msg::ErrBadRequest);

impl CallbackOutcome {
    pub fn label(self) -> Msg {
        match self {
            CallbackOutcome::Accepted => Msg::CallbackAccepted,
            CallbackOutcome::Duplicate => Msg::CallbackDuplicate,
            CallbackOutcome::UnknownToken => Msg::CallbackUnknownToken,
            CallbackOutcome::Malformed => Msg::CallbackMalformed,
            CallbackOutcome::Ignored => Msg::CallbackIgnored,
        }
    }
}

impl EndedBy {
    pub fn label(self) -> Msg {
        match self {
            EndedBy::Poll => Msg::EndedByPoll,
            EndedBy::Callback => Msg::EndedByCallback,
            EndedBy::Operator => Msg::EndedByOperator,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for &s in TaskStatus::VARIANTS {
            assert_eq!(s.as_str().parse::<TaskStatus>(), Ok(s));
        }
        assert!(TaskStatus::SubmitUncertain.is_terminal());
        assert!(!TaskStatus::Running.is_terminal());
    }
}
