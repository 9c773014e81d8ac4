//! Deciding a task whose submit may have reached the provider (`submit_uncertain`): the console
//! never resends on its own, so a person attaches the provider's task id (found in the
//! provider's call record), closes it as failed, or sends it again knowing it may cost twice.
//! Each decision is an event on the task and an audit row.

use super::*;
use app::domain::RerunRequest;

/// A provider task id as an operator may type one: letters, digits, `-` and `_`, 1 to 64.
pub fn valid_provider_task_id(pid: &str) -> bool {
    (1..=64).contains(&pid.len())
        && pid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Engine {
    /// An operator attaches the provider's task id: the console follows it to the end.
    pub async fn attach_task_id(
        &self,
        actor: &Actor,
        id: TaskId,
        pid: &str,
    ) -> Result<(), EngineError> {
        let pid = pid.trim();
        if !valid_provider_task_id(pid) {
            return Err(EngineError::field(
                "provider_task_id",
                Msg::ErrProviderTaskId,
            ));
        }
        self.known(id).await?;
        if !self.attach(id, pid, Some(actor.name())).await? {
            return Err(EngineError::Refused(Msg::ErrTaskNotUncertain));
        }
        self.audit(
            actor,
            id,
            "task_id_attached",
            serde_json::json!({ "task_id": pid }),
        )
        .await?;
        Ok(())
    }

    /// An operator closes the task as failed.
    pub async fn close_uncertain(&self, actor: &Actor, id: TaskId) -> Result<(), EngineError> {
        self.known(id).await?;
        if !self.mark_failed(actor, id, None).await? {
            return Err(EngineError::Refused(Msg::ErrTaskNotUncertain));
        }
        self.audit(actor, id, "task_closed_failed", serde_json::json!({}))
            .await?;
        Ok(())
    }

    /// An operator sends the task again (it may cost twice: `confirmed` says they know): a new
    /// task runs it again, and this one is closed as failed, naming it.
    pub async fn resend_uncertain(
        &self,
        actor: &Actor,
        id: TaskId,
        confirmed: bool,
    ) -> Result<TaskId, EngineError> {
        if !confirmed {
            return Err(EngineError::Refused(Msg::ErrResendNotConfirmed));
        }
        let status = db::task::status_of(&self.0.db.read, id)
            .await
            .context("reading the task status")?
            .ok_or(EngineError::NotFound)?;
        if status.0 != TaskStatus::SubmitUncertain {
            return Err(EngineError::Refused(Msg::ErrTaskNotUncertain));
        }
        let new = self
            .rerun(
                actor,
                RerunRequest {
                    of: id,
                    config: None,
                    as_it_was: false,
                    confirmed: true,
                    // Budgets are held by the services, before the engine (see
                    // `services::budget`); sending an uncertain task again is a decision of its own.
                    over_budget: false,
                },
            )
            .await?;
        self.mark_failed(actor, id, Some(new)).await?;
        self.audit(actor, id, "task_resent", serde_json::json!({ "as": new.0 }))
            .await?;
        Ok(new)
    }

    async fn known(&self, id: TaskId) -> Result<(), EngineError> {
        db::task::status_of(&self.0.db.read, id)
            .await
            .context("reading the task status")?
            .map(|_| ())
            .ok_or(EngineError::NotFound)
    }

    /// Closes a `submit_uncertain` task as failed (by an operator), with its event. False when
    /// it is not in that state.
    async fn mark_failed(
        &self,
        actor: &Actor,
        id: TaskId,
        resent_as: Option<TaskId>,
    ) -> anyhow::Result<bool> {
        let inner = &self.0;
        let now = inner.clock.now_ms();
        let who = actor.name();
        let message = match resent_as {
            Some(t) => format!("Closed by {who}: sent again as task #{}", t.0),
            None => format!("Closed by {who}: the submit may have reached the provider"),
        };
        let mut tx = inner.db.begin().await?;
        let Some(seq) = db::task::close_uncertain(&mut *tx, id, &message, now).await? else {
            return Ok(false);
        };
        let ev = TaskEvent {
            task_id: id,
            seq,
            at: Timestamp(now),
            level: Level::Warn,
            stage: Stage::Cancel,
            text: Said::Text(EventText::MarkedFailed {
                by: who.to_owned(),
                resent_as: resent_as.map(|t| t.0),
            }),
            http_status: None,
            latency_ms: None,
            status: TaskStatus::Failed,
        };
        db::task_event::insert(&mut *tx, &ev).await?;
        tx.commit().await?;
        inner.hub.publish(ev, true);
        Ok(true)
    }

    async fn audit(
        &self,
        actor: &Actor,
        id: TaskId,
        action: &str,
        detail: serde_json::Value,
    ) -> anyhow::Result<()> {
        let entry = db::audit::Audit {
            actor_id: actor.user_id(),
            actor_name: actor.name(),
            action,
            target: &format!("task:{}", id.0),
            detail,
        };
        db::audit::record(&self.0.db.write, entry, self.0.clock.now_ms()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn provider_task_ids_are_plain_words() {
        for ok in ["2013508786110730241", "abc-DEF_9"] {
            assert!(super::valid_provider_task_id(ok), "{ok}");
        }
        for bad in ["", "a b", "x/../y", "<script>", &"9".repeat(65)] {
            assert!(!super::valid_provider_task_id(bad), "{bad}");
        }
    }
}
