//! Following one task: wait for a slot, upload local images, submit (with retries), then poll
//! until a final status, the deadline, or cancellation. Every step is an event. The phases are
//! split by meaning: `slot`, `upload`, `submit`, `poll`; this file holds what they share (the
//! run, the one call helper, failing, timing out, the key).

mod keep;
mod poll;
mod slot;
mod submit;
mod upload;

use super::Inner;
use super::event::Event;
use crate::db::{
    self,
    task::{EngineTask, SubmitState, TaskUpdate},
};
use crate::providers::{CallError, Provider, ProviderAnswer, Target, UploadAnswer};
use app::domain::*;
use secrecy::SecretString;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Runs a task; a database failure is retried a few times before the task is left for the
/// next start.
pub(super) async fn supervise(inner: &Arc<Inner>, id: TaskId, cancel: CancellationToken) {
    for attempt in 1..=5u32 {
        match drive(inner, id, &cancel).await {
            Ok(()) => return,
            Err(e) => {
                tracing::error!(task = %id, attempt, error = ?e, "following a task failed; trying again");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(u64::from(attempt) * 2)) => {}
                    _ = cancel.cancelled() => return,
                }
            }
        }
    }
    tracing::error!(task = %id, "gave up following this task; it resumes at next start");
}

enum Wake {
    Time,
    Stop,
    /// A callback for this task came in (see `tasks::callback`).
    Hint,
}

struct Run<'a> {
    inner: &'a Inner,
    task: EngineTask,
    cancel: &'a CancellationToken,
    status: TaskStatus,
    provider: Arc<dyn Provider>,
    api: &'static str,
    /// How the end became known, once the poll phase began: by a poll, or by a callback the
    /// next query confirmed.
    ended_by: Option<EndedBy>,
}

/// How a run ended early: the task is final already, or the engine is stopping.
enum Halt {
    Done,
    Db(anyhow::Error),
}

impl From<anyhow::Error> for Halt {
    fn from(e: anyhow::Error) -> Self {
        Halt::Db(e)
    }
}

type Step<T> = Result<T, Halt>;

/// The provider calls, named as in the metrics.
#[derive(Clone, Copy)]
enum CallKind {
    Upload,
    Submit,
    Poll,
}

impl CallKind {
    fn as_str(self) -> &'static str {
        match self {
            CallKind::Upload => "upload",
            CallKind::Submit => "submit",
            CallKind::Poll => "poll",
        }
    }
}

/// An answer that knows how long its call took.
trait Timed {
    fn latency_ms(&self) -> i64;
}

impl Timed for ProviderAnswer {
    fn latency_ms(&self) -> i64 {
        self.latency_ms
    }
}

impl Timed for UploadAnswer {
    fn latency_ms(&self) -> i64 {
        self.latency_ms
    }
}

async fn drive(inner: &Arc<Inner>, id: TaskId, cancel: &CancellationToken) -> anyhow::Result<()> {
    let Some(task) = db::task::engine_task(&inner.db.read, id).await? else {
        return Ok(());
    };
    if task.status.is_terminal() {
        return Ok(());
    }
    let api_type = task.stored.config.api_type;
    let mut run = Run {
        inner,
        status: task.status,
        provider: inner.providers.get(api_type),
        api: api_type.as_str(),
        task,
        cancel,
        ended_by: None,
    };
    match run.go().await {
        Ok(()) | Err(Halt::Done) => Ok(()),
        Err(Halt::Db(e)) => Err(e),
    }
}

/// Forgets the task's callback hint when its poll loop ends, however it ends.
struct ForgetHint<'a>(&'a Inner, TaskId);

impl Drop for ForgetHint<'_> {
    fn drop(&mut self) {
        self.0.drop_hint(self.1);
    }
}

/// Waits for a permit of `gate` (one of the engine's limits on work at once).
async fn turn(gate: &tokio::sync::Semaphore) -> Step<tokio::sync::SemaphorePermit<'_>> {
    gate.acquire().await.map_err(|e| Halt::Db(e.into()))
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Run<'_> {
    fn retry_on(&self) -> bool {
        self.task.stored.config.enable_retry
    }

    /// Attempts in all for a step whose policy allows `configured` (1 when the config turned
    /// retries off).
    fn attempts(&self, configured: u32) -> u32 {
        if self.retry_on() {
            configured.max(1)
        } else {
            1
        }
    }

    /// Makes one provider call: takes a permit of the global bound on calls in the air, calls,
    /// and records the call's outcome and latency in the metrics.
    async fn call<T: Timed>(
        &self,
        kind: CallKind,
        call: impl Future<Output = Result<T, CallError>>,
    ) -> Step<Result<T, CallError>> {
        let result = {
            let _permit = turn(&self.inner.requests).await?;
            call.await
        };
        let (ok, latency) = match &result {
            Ok(a) => (true, a.latency_ms()),
            Err(e) => (false, e.latency_ms),
        };
        self.inner
            .metrics
            .provider_call(self.api, kind.as_str(), ok, latency);
        Ok(result)
    }

    /// Appends an event (and its task update); ends the run when the task is already final.
    async fn record(&mut self, event: Event) -> Step<()> {
        let new_status = event.update.status;
        let applied = self
            .inner
            .record(self.task.id, Some(self.status), event)
            .await?;
        if !applied {
            return Err(Halt::Done);
        }
        if let Some(s) = new_status {
            self.status = s;
        }
        Ok(())
    }

    /// Ends the task as failed with `code` and `message`; always ends the run.
    async fn fail(
        &mut self,
        stage: Stage,
        code: String,
        message: String,
        http: Option<u16>,
        latency: Option<i64>,
    ) -> Step<()> {
        let text = EventText::Failed {
            code: code.clone(),
            message: message.clone(),
        };
        let update = TaskUpdate {
            status: Some(TaskStatus::Failed),
            error_code: Some(code),
            error_message: Some(message),
            finished: true,
            ended_by: self.ended_by,
            ..Default::default()
        };
        self.record(Event::error(stage, text).update(update).call(http, latency))
            .await?;
        Err(Halt::Done)
    }

    async fn fail_call(&mut self, stage: Stage, e: &CallError) -> Step<()> {
        self.fail(
            stage,
            e.display_code(),
            e.message.clone(),
            e.http_status,
            Some(e.latency_ms),
        )
        .await
    }

    async fn wait(&self, d: Duration) -> Wake {
        tokio::select! {
            _ = tokio::time::sleep(d) => Wake::Time,
            _ = self.cancel.cancelled() => Wake::Stop,
        }
    }

    /// Like `wait`, also woken by a callback for this task (or an operator attaching its id).
    async fn wait_or_hint(&self, d: Duration, hint: &super::Hint) -> Wake {
        tokio::select! {
            _ = tokio::time::sleep(d) => Wake::Time,
            _ = self.cancel.cancelled() => Wake::Stop,
            _ = hint.wake.notified() => Wake::Hint,
        }
    }

    fn remaining(&self) -> Duration {
        let left = self.task.deadline_at - self.inner.clock.now_ms();
        Duration::from_millis(u64::try_from(left.max(0)).unwrap_or(0))
    }

    async fn time_out(&mut self) -> Step<()> {
        let secs = self.task.stored.config.timeout_secs;
        let after_ms = i64::from(secs) * 1000;
        let update = TaskUpdate {
            status: Some(TaskStatus::TimedOut),
            error_code: Some("timeout".into()),
            error_message: Some(format!(
                "No final status within {}",
                format_duration_ms(after_ms)
            )),
            finished: true,
            ..Default::default()
        };
        self.record(Event::error(Stage::Poll, EventText::TimedOut { after_ms }).update(update))
            .await?;
        Err(Halt::Done)
    }

    async fn cancelled_by_provider(
        &mut self,
        raw: &str,
        pid: Option<String>,
        http: Option<u16>,
        lat: Option<i64>,
    ) -> Step<()> {
        let update = TaskUpdate {
            status: Some(TaskStatus::Cancelled),
            provider_task_id: pid,
            submit_state: Some(SubmitState::Sent),
            error_code: Some(raw.to_owned()),
            error_message: Some("The provider cancelled the task".into()),
            finished: true,
            ended_by: self.ended_by,
            ..Default::default()
        };
        let text = EventText::ProviderCancelled {
            status: raw.to_owned(),
        };
        self.record(
            Event::warn(Stage::Result, text)
                .update(update)
                .call(http, lat),
        )
        .await?;
        Err(Halt::Done)
    }

    /// The host this task calls: the config's, for the task's region.
    fn base(&self) -> String {
        let f = &self.task.stored.config;
        match self.task.stored.spec.region {
            Region::Domestic => f.host_domestic.clone(),
            Region::Overseas => f.host_overseas.clone(),
        }
    }

    /// The config's key, decrypted (for one call only); `Err` says in words why there is none.
    async fn key(&self) -> Step<Result<SecretString, &'static str>> {
        let row = db::config::by_id(&self.inner.db.read, self.task.config_id)
            .await
            .map_err(anyhow::Error::from)?;
        Ok(
            match row
                .and_then(|r| r.sealed)
                .map(|s| self.inner.secrets.open(self.task.config_id.0, &s))
            {
                Some(Ok(k)) => Ok(k),
                Some(Err(e)) => {
                    tracing::error!(task = %self.task.id, error = ?e, "the config's key cannot be decrypted");
                    Err("The configuration's API key cannot be decrypted")
                }
                None => Err("The configuration has no API key"),
            },
        )
    }

    /// Where to call and with which key; the key is decrypted here, for this call only.
    async fn target(&mut self) -> Step<Target> {
        let key = match self.key().await? {
            Ok(k) => k,
            Err(why) => {
                self.fail(Stage::Validate, "key".into(), why.into(), None, None)
                    .await?;
                return Err(Halt::Done);
            }
        };
        let f = &self.task.stored.config;
        Ok(Target {
            base: self.base(),
            draw_endpoint: f.draw_endpoint.clone(),
            result_endpoint: f.result_endpoint.clone(),
            upload_endpoint: f.upload_endpoint.clone(),
            model_name: f.model_name.clone(),
            is_sync: f.is_sync_api,
            allow_local: f.allow_local,
            key,
            sync_timeout: (f.sync_timeout_secs != SYNC_TIMEOUT_SERVER_DEFAULT)
                .then(|| Duration::from_secs(u64::from(f.sync_timeout_secs))),
            time_left: Some(self.remaining()),
            image_field: f.image_field,
        })
    }

    async fn go(&mut self) -> Step<()> {
        // Hold a slot of the config for as long as the task is at the provider.
        let gate = self.gate().await?;
        let mut slot = self.take_slot(&gate).await?;
        if self.inner.clock.now_ms() >= self.task.deadline_at {
            return self.time_out().await;
        }
        let provider_id = match self.task.provider_task_id.clone() {
            Some(p) => p,
            None => match self.submit_phase(&gate, &mut slot).await? {
                Some(p) => p,
                None => return Ok(()),
            },
        };
        self.poll_phase(&provider_id).await
    }
}
