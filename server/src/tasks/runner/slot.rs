//! The slot phase: a task goes to the provider only with a slot of its config's gate (see
//! `tasks::gate`); without one it waits in line (`waiting`), within its deadline. A queue-full
//! refusal sends it back into the line without using its retry budget.

use super::{Halt, Run, Step};
use crate::db::{
    self,
    task::{SubmitState, TaskUpdate},
};
use crate::providers::CallError;
use crate::providers::account::{KeyProbe, queue_status};
use crate::tasks::event::Event;
use crate::tasks::gate::{Gate, Slot};
use app::domain::*;
use std::sync::Arc;
use std::time::Duration;

/// How long the engine waits for the provider's queue status before it makes a gate without it.
const LIMIT_ASK_TIMEOUT: Duration = Duration::from_secs(5);

enum InLine {
    Slot(Slot),
    Stop,
    Deadline,
}

impl Run<'_> {
    /// The config's gate, made by its first task: min(the config's cap, the key's concurrency
    /// limit as the provider reports it).
    pub(super) async fn gate(&mut self) -> Step<Arc<Gate>> {
        let cell = self.inner.gate_cell(self.task.config_id);
        let gate = cell
            .get_or_try_init(|| async {
                let cap = self.task.stored.config.max_concurrency.max(1);
                let limit = match self.provider_limit().await? {
                    Some(l) => cap.min(l),
                    None => cap,
                };
                tracing::debug!(config = %self.task.config_id, cap, limit, "a gate for the config");
                Ok::<_, Halt>(Gate::new(limit))
            })
            .await?;
        Ok(gate.clone())
    }

    /// The key's concurrency limit (`concurrentLimit`): asked of the provider's queue status,
    /// else the config's latest key check; `None` when neither knows (or the API has none).
    async fn provider_limit(&self) -> Step<Option<u32>> {
        if self.task.stored.config.api_type != ApiType::RunningHubRhartEdit {
            return Ok(None);
        }
        let positive = |l: Option<i64>| {
            l.filter(|l| *l > 0)
                .map(|l| u32::try_from(l).unwrap_or(u32::MAX))
        };
        if let Ok(key) = self.key().await? {
            let host = self.base();
            let probe = KeyProbe {
                host: &host,
                other_host: None,
                price_preview: None,
                gateway: None,
                allow_local: self.task.stored.config.allow_local,
                key: &key,
            };
            let asked = tokio::time::timeout(
                LIMIT_ASK_TIMEOUT,
                queue_status(&self.inner.providers.http, &probe),
            )
            .await;
            match asked {
                Ok(Ok(q)) if positive(q.limit).is_some() => return Ok(positive(q.limit)),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::info!(config = %self.task.config_id, error = %e, "no queue status; the config's own limit holds")
                }
                Err(_) => {
                    tracing::info!(config = %self.task.config_id, "the queue status did not answer in time")
                }
            }
        }
        let last = db::key_check::recent(&self.inner.db.read, self.task.config_id, 1)
            .await
            .map_err(anyhow::Error::from)?;
        Ok(positive(
            last.first()
                .and_then(|c| c.queue.as_ref())
                .and_then(|q| q.limit),
        ))
    }

    /// A slot of `gate`: at once when one is free; otherwise the task waits in line. A task
    /// already at the provider (resumed with its task id) never waits: without a free slot it
    /// goes on without one.
    pub(super) async fn take_slot(&mut self, gate: &Arc<Gate>) -> Step<Slot> {
        if let Some(slot) = gate.try_take() {
            return Ok(slot);
        }
        if self.task.provider_task_id.is_some() {
            return Ok(Slot::none());
        }
        let (in_use, limit) = gate.usage();
        let update = TaskUpdate {
            status: Some(TaskStatus::Waiting),
            waiting: true,
            ..Default::default()
        };
        let text = EventText::WaitingForSlot { in_use, limit };
        self.record(Event::info(Stage::Submit, text).update(update))
            .await?;
        self.wait_in_line(gate).await
    }

    /// Waits for the next slot of `gate`, until the task's deadline (looked at every poll
    /// interval: the deadline is on the engine's clock). The place in line is kept throughout.
    async fn wait_in_line(&mut self, gate: &Arc<Gate>) -> Step<Slot> {
        let take = gate.take();
        tokio::pin!(take);
        let outcome = loop {
            let left = self.remaining();
            if left.is_zero() {
                break InLine::Deadline;
            }
            let nap = left.min(self.inner.settings.poll_interval);
            tokio::select! {
                slot = &mut take => break InLine::Slot(slot),
                _ = self.cancel.cancelled() => break InLine::Stop,
                _ = tokio::time::sleep(nap) => {}
            }
        };
        match outcome {
            InLine::Slot(slot) => Ok(slot),
            InLine::Stop => Err(Halt::Done),
            InLine::Deadline => {
                self.time_out().await?;
                Err(Halt::Done)
            }
        }
    }

    /// The provider refused the submit as queue-full: the gate shrinks to what fits (see
    /// `tasks::gate`), the task gives its slot back, takes back the attempt, and waits in line
    /// for the next slot.
    pub(super) async fn queue_full(
        &mut self,
        e: &CallError,
        gate: &Arc<Gate>,
        slot: &mut Slot,
    ) -> Step<()> {
        if gate.provider_full() {
            self.inner.regrow(gate.clone());
        }
        slot.release();
        let update = TaskUpdate {
            status: Some(TaskStatus::Waiting),
            submit_state: Some(SubmitState::None),
            refund_attempt: true,
            waiting: true,
            ..Default::default()
        };
        let text = EventText::QueueFull {
            code: e.display_code(),
            message: e.message.clone(),
        };
        self.record(
            Event::warn(Stage::Submit, text)
                .update(update)
                .call_failed(e),
        )
        .await?;
        *slot = self.wait_in_line(gate).await?;
        Ok(())
    }
}
