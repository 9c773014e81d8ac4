//! Following one task: wait for a slot, upload local images, submit (with retries), then poll
//! until a final status, the deadline, or cancellation. Every step is an event.

use super::Inner;
use crate::db::{
    self,
    task::{EngineTask, TaskUpdate},
};
use crate::providers::{
    CallError, ImageFile, ImageInput, Provider, ProviderAnswer, ProviderState, SubmitRequest,
    Target,
};
use app::domain::*;
use secrecy::SecretString;
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
}

struct Run<'a> {
    inner: &'a Inner,
    task: EngineTask,
    cancel: &'a CancellationToken,
    status: TaskStatus,
    provider: Arc<dyn Provider>,
    api: &'static str,
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
    };
    match run.go().await {
        Ok(()) | Err(Halt::Done) => Ok(()),
        Err(Halt::Db(e)) => Err(e),
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Run<'_> {
    fn retry_on(&self) -> bool {
        self.task.stored.config.enable_retry
    }

    async fn event(
        &mut self,
        update: TaskUpdate,
        level: Level,
        stage: Stage,
        msg: EventText,
        http: Option<u16>,
        latency: Option<i64>,
    ) -> Step<()> {
        let new_status = update.status;
        let applied = self
            .inner
            .record(
                self.task.id,
                Some(self.status),
                update,
                level,
                stage,
                msg,
                http,
                latency,
            )
            .await?;
        if !applied {
            return Err(Halt::Done);
        }
        if let Some(s) = new_status {
            self.status = s;
        }
        Ok(())
    }

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
            ..Default::default()
        };
        self.event(update, Level::Error, stage, text, http, latency)
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

    fn remaining(&self) -> Duration {
        let left = self.task.deadline_at - self.inner.clock.now_ms();
        Duration::from_millis(u64::try_from(left.max(0)).unwrap_or(0))
    }

    async fn time_out(&mut self) -> Step<()> {
        let secs = self.task.stored.config.timeout_secs;
        let after = format_duration_ms(i64::from(secs) * 1000);
        let update = TaskUpdate {
            status: Some(TaskStatus::TimedOut),
            error_code: Some("timeout".into()),
            error_message: Some(format!("No final status within {after}")),
            finished: true,
            ..Default::default()
        };
        self.event(
            update,
            Level::Error,
            Stage::Poll,
            EventText::TimedOut {
                after_ms: i64::from(secs) * 1000,
            },
            None,
            None,
        )
        .await?;
        Err(Halt::Done)
    }

    /// The key is decrypted here, for this call only.
    async fn target(&mut self) -> Step<Target> {
        let f = &self.task.stored.config;
        let row = db::config::by_id(&self.inner.db.read, self.task.config_id)
            .await
            .map_err(anyhow::Error::from)?;
        let sealed = row.and_then(|r| r.sealed);
        let key: SecretString = match sealed
            .map(|s| self.inner.secrets.open(self.task.config_id.0, &s))
        {
            Some(Ok(k)) => k,
            Some(Err(e)) => {
                tracing::error!(task = %self.task.id, error = ?e, "the config's key cannot be decrypted");
                self.fail(
                    Stage::Validate,
                    "key".into(),
                    "The configuration's API key cannot be decrypted".into(),
                    None,
                    None,
                )
                .await?;
                return Err(Halt::Done);
            }
            None => {
                self.fail(
                    Stage::Validate,
                    "key".into(),
                    "The configuration has no API key".into(),
                    None,
                    None,
                )
                .await?;
                return Err(Halt::Done);
            }
        };
        let base = match self.task.stored.spec.region {
            Region::Domestic => f.host_domestic.clone(),
            Region::Overseas => f.host_overseas.clone(),
        };
        Ok(Target {
            base,
            draw_endpoint: f.draw_endpoint.clone(),
            result_endpoint: f.result_endpoint.clone(),
            upload_endpoint: f.upload_endpoint.clone(),
            model_name: f.model_name.clone(),
            is_sync: f.is_sync_api,
            allow_local: f.allow_local,
            key,
        })
    }

    async fn go(&mut self) -> Step<()> {
        // Hold a slot of the config for as long as the task is at the provider.
        let slot = self
            .inner
            .slot(self.task.config_id, self.task.stored.config.max_concurrency);
        let _permit = tokio::select! {
            p = slot.acquire_owned() => p.map_err(|e| Halt::Db(e.into()))?,
            _ = self.cancel.cancelled() => return Err(Halt::Done),
        };
        if self.inner.clock.now_ms() >= self.task.deadline_at {
            return self.time_out().await;
        }
        let provider_id = match self.task.provider_task_id.clone() {
            Some(p) => p,
            None => match self.submit_phase().await? {
                Some(p) => p,
                None => return Ok(()),
            },
        };
        self.poll_phase(&provider_id).await
    }

    /// Uploads, then submits; `Some(provider task id)` when there is something to poll.
    async fn submit_phase(&mut self) -> Step<Option<String>> {
        let spec = self.task.stored.spec.clone();
        let mut target = self.target().await?;
        let mut images: Vec<ImageInput> = spec
            .image_urls
            .iter()
            .cloned()
            .map(ImageInput::Url)
            .collect();
        let room = IMAGES_SENT_MAX.saturating_sub(images.len());
        let locals: Vec<&BlobRef> = spec.local_images.iter().take(room).collect();
        images.truncate(IMAGES_SENT_MAX);
        if !locals.is_empty() && self.provider.needs_upload() {
            let update = TaskUpdate {
                status: Some(TaskStatus::Uploading),
                started: true,
                ..Default::default()
            };
            self.event(
                update,
                Level::Info,
                Stage::Upload,
                EventText::Uploading {
                    count: locals.len(),
                },
                None,
                None,
            )
            .await?;
        }
        for (i, blob) in locals.iter().enumerate() {
            let Some((_, bytes)) = self.inner.blobs.read(&blob.name).await? else {
                return self
                    .fail(
                        Stage::Upload,
                        "blob_missing".into(),
                        format!(
                            "The uploaded image {} is no longer on the server",
                            blob.original_name
                        ),
                        None,
                        None,
                    )
                    .await
                    .map(|_| None);
            };
            let file = ImageFile {
                file_name: blob.name.clone(),
                mime: blob.mime.clone(),
                bytes,
            };
            if self.provider.needs_upload() {
                let url = self.upload(&target, &file, i + 1, locals.len()).await?;
                images.push(ImageInput::Url(url));
            } else {
                images.push(ImageInput::File(file));
            }
        }
        let req = SubmitRequest {
            prompt: spec.prompt.clone(),
            resolution: spec.resolution,
            aspect_ratio: spec.aspect_ratio,
            images,
        };
        let record = self.provider.describe_submit(&target, &req);
        let request_json =
            serde_json::json!({ "json": record.json, "curl": record.curl }).to_string();
        let url = target.url(&target.draw_endpoint);
        let max = if self.retry_on() {
            self.inner.settings.retry.submit_attempts.max(1)
        } else {
            1
        };
        let mut attempt = self.task.attempts.max(0) as u32;
        let mut first = true;
        loop {
            attempt += 1;
            // The attempt is on record before anything is sent.
            let update = TaskUpdate {
                status: Some(TaskStatus::Submitting),
                submit_state: Some("sending"),
                add_attempt: true,
                started: true,
                request_json: first.then(|| request_json.clone()),
                ..Default::default()
            };
            first = false;
            self.event(
                update,
                Level::Info,
                Stage::Submit,
                EventText::Submitting {
                    attempt,
                    max,
                    url: url.clone(),
                },
                None,
                None,
            )
            .await?;
            let result = {
                let _r = self
                    .inner
                    .requests
                    .acquire()
                    .await
                    .map_err(|e| Halt::Db(e.into()))?;
                self.provider.submit(&target, &req).await
            };
            match result {
                Ok(answer) => {
                    self.inner
                        .metrics
                        .provider_call(self.api, "submit", true, answer.latency_ms);
                    return self.accepted(answer).await;
                }
                Err(e) => {
                    self.inner
                        .metrics
                        .provider_call(self.api, "submit", false, e.latency_ms);
                    let retry = self.retry_on() && e.is_transient() && attempt < max;
                    if !retry {
                        let update = TaskUpdate {
                            submit_state: Some("none"),
                            ..Default::default()
                        };
                        self.event(
                            update,
                            Level::Error,
                            Stage::Submit,
                            EventText::SubmitFailed {
                                error: e.to_string(),
                            },
                            e.http_status,
                            Some(e.latency_ms),
                        )
                        .await?;
                        self.fail_call(Stage::Submit, &e).await?;
                        return Ok(None);
                    }
                    let delay = self.inner.settings.retry.delay(attempt);
                    let maybe_sent = !e.surely_not_sent();
                    let update = TaskUpdate {
                        submit_state: Some("none"),
                        ..Default::default()
                    };
                    self.inner.metrics.retry(self.api, "submit");
                    self.event(
                        update,
                        Level::Warn,
                        Stage::Retry,
                        EventText::SubmitRetry {
                            error: e.to_string(),
                            maybe_sent,
                            delay_ms: ms(delay),
                            next: attempt + 1,
                            max,
                        },
                        e.http_status,
                        Some(e.latency_ms),
                    )
                    .await?;
                    if delay >= self.remaining() {
                        return self.time_out().await.map(|_| None);
                    }
                    if let Wake::Stop = self.wait(delay).await {
                        return Err(Halt::Done);
                    }
                    target = self.target().await?;
                }
            }
        }
    }

    async fn upload(
        &mut self,
        target: &Target,
        file: &ImageFile,
        n: usize,
        of: usize,
    ) -> Step<String> {
        let max = if self.retry_on() {
            self.inner.settings.retry.upload_attempts.max(1)
        } else {
            1
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = {
                let _r = self
                    .inner
                    .requests
                    .acquire()
                    .await
                    .map_err(|e| Halt::Db(e.into()))?;
                self.provider.upload(target, file).await
            };
            match result {
                Ok(up) => {
                    self.inner
                        .metrics
                        .provider_call(self.api, "upload", true, up.latency_ms);
                    let update = TaskUpdate::default();
                    self.event(
                        update,
                        Level::Info,
                        Stage::Upload,
                        EventText::Uploaded {
                            n,
                            of,
                            url: up.url.clone(),
                        },
                        Some(up.http_status),
                        Some(up.latency_ms),
                    )
                    .await?;
                    return Ok(up.url);
                }
                Err(e) => {
                    self.inner
                        .metrics
                        .provider_call(self.api, "upload", false, e.latency_ms);
                    if !(self.retry_on() && e.is_transient() && attempt < max) {
                        self.fail_call(Stage::Upload, &e).await?;
                        return Err(Halt::Done);
                    }
                    let delay = self.inner.settings.retry.delay(attempt);
                    self.inner.metrics.retry(self.api, "upload");
                    self.event(
                        TaskUpdate::default(),
                        Level::Warn,
                        Stage::Retry,
                        EventText::UploadRetry {
                            n,
                            of,
                            error: e.to_string(),
                            delay_ms: ms(delay),
                        },
                        e.http_status,
                        Some(e.latency_ms),
                    )
                    .await?;
                    if let Wake::Stop = self.wait(delay).await {
                        return Err(Halt::Done);
                    }
                }
            }
        }
    }

    /// Handles the submit answer; `Some(id)` when the task must now be polled.
    async fn accepted(&mut self, a: ProviderAnswer) -> Step<Option<String>> {
        let sync = self.task.stored.config.is_sync_api;
        let http = Some(a.http_status);
        let lat = Some(a.latency_ms);
        match &a.state {
            ProviderState::Succeeded if !a.results.is_empty() || !a.inline_images.is_empty() => {
                let update = TaskUpdate {
                    submit_state: Some("sent"),
                    provider_task_id: a.task_id.clone(),
                    ..Default::default()
                };
                let id = a.task_id.clone().unwrap_or_else(|| "—".into());
                self.event(
                    update,
                    Level::Info,
                    Stage::Submit,
                    EventText::AcceptedDone {
                        task_id: id,
                        status: a.raw_status.clone(),
                    },
                    http,
                    lat,
                )
                .await?;
                self.succeed(a).await?;
                Ok(None)
            }
            ProviderState::Failed { code, message } => {
                let update = TaskUpdate {
                    submit_state: Some("sent"),
                    provider_task_id: a.task_id.clone(),
                    ..Default::default()
                };
                self.event(
                    update,
                    Level::Info,
                    Stage::Submit,
                    EventText::Answered {
                        status: a.raw_status.clone(),
                    },
                    http,
                    lat,
                )
                .await?;
                let code = code.clone().unwrap_or_else(|| "failed".into());
                let message = message
                    .clone()
                    .unwrap_or_else(|| format!("the provider reported {}", a.raw_status));
                self.fail(Stage::Submit, code, message, http, lat).await?;
                Ok(None)
            }
            ProviderState::Cancelled(raw) => {
                let raw = raw.clone();
                self.cancelled_by_provider(&raw, a.task_id.clone(), http, lat)
                    .await?;
                Ok(None)
            }
            _ if sync && a.task_id.is_none() => {
                self.fail(
                    Stage::Submit,
                    "malformed".into(),
                    "The synchronous API answered without any image".into(),
                    http,
                    lat,
                )
                .await?;
                Ok(None)
            }
            state => {
                let Some(pid) = a.task_id.clone() else {
                    self.fail(
                        Stage::Submit,
                        "malformed".into(),
                        "The provider accepted the task but sent no taskId".into(),
                        http,
                        lat,
                    )
                    .await?;
                    return Ok(None);
                };
                let status = match state {
                    ProviderState::Running(_) => TaskStatus::Running,
                    _ => TaskStatus::Queued,
                };
                let update = TaskUpdate {
                    status: Some(status),
                    submit_state: Some("sent"),
                    provider_task_id: Some(pid.clone()),
                    ..Default::default()
                };
                let shown = if a.raw_status.is_empty() {
                    "accepted".to_owned()
                } else {
                    a.raw_status.clone()
                };
                self.event(
                    update,
                    Level::Info,
                    Stage::Submit,
                    EventText::Accepted {
                        task_id: pid.clone(),
                        status: shown,
                    },
                    http,
                    lat,
                )
                .await?;
                Ok(Some(pid))
            }
        }
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
            submit_state: Some("sent"),
            error_code: Some(raw.to_owned()),
            error_message: Some("The provider cancelled the task".into()),
            finished: true,
            ..Default::default()
        };
        self.event(
            update,
            Level::Warn,
            Stage::Result,
            EventText::ProviderCancelled {
                status: raw.to_owned(),
            },
            http,
            lat,
        )
        .await?;
        Err(Halt::Done)
    }

    async fn succeed(&mut self, a: ProviderAnswer) -> Step<()> {
        let mut results = a.results.clone();
        for bytes in &a.inline_images {
            match self.inner.blobs.put(bytes, "result", None).await {
                Ok(b) => results.push(ResultItem {
                    url: Some(format!("/files/{}", b.name)),
                    output_type: b.name.rsplit('.').next().map(str::to_owned),
                    text: None,
                }),
                Err(e) => {
                    return self
                        .fail(
                            Stage::Result,
                            "result_unreadable".into(),
                            format!("An inline result image could not be stored: {e}"),
                            None,
                            None,
                        )
                        .await;
                }
            }
        }
        if results.is_empty() {
            return self
                .fail(
                    Stage::Result,
                    "no_results".into(),
                    format!("The provider reported {} without any result", a.raw_status),
                    Some(a.http_status),
                    Some(a.latency_ms),
                )
                .await;
        }
        let cost = a.usage.as_ref().and_then(Usage::cost);
        let update = TaskUpdate {
            status: Some(TaskStatus::Succeeded),
            results_json: Some(serde_json::to_string(&results).map_err(anyhow::Error::from)?),
            usage_json: a
                .usage
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(anyhow::Error::from)?,
            finished: true,
            ..Default::default()
        };
        let elapsed_ms = self.inner.clock.now_ms() - self.task.created_at;
        self.event(
            update,
            Level::Info,
            Stage::Result,
            EventText::Succeeded {
                elapsed_ms,
                results: results.len(),
                cost,
            },
            Some(a.http_status),
            Some(a.latency_ms),
        )
        .await?;
        Err(Halt::Done)
    }

    async fn poll_phase(&mut self, pid: &str) -> Step<()> {
        let settings = &self.inner.settings;
        let poll_interval = settings.poll_interval;
        let max_failures = if self.retry_on() {
            settings.retry.poll_failures.max(1)
        } else {
            1
        };
        let heartbeat = settings.heartbeat_polls.max(1);
        let mut failures = 0u32;
        let mut polls = 0u32;
        let mut unchanged = 0u32;
        let mut target = self.target().await?;
        loop {
            let mut pause = poll_interval;
            if failures > 0 {
                pause = pause.max(self.inner.settings.retry.delay(failures));
            }
            let left = self.remaining();
            if left.is_zero() {
                return self.time_out().await;
            }
            if let Wake::Stop = self.wait(pause.min(left)).await {
                return Err(Halt::Done);
            }
            if self.remaining().is_zero() {
                return self.time_out().await;
            }
            if failures > 0 {
                target = self.target().await?;
            }
            polls += 1;
            let result = {
                let _r = self
                    .inner
                    .requests
                    .acquire()
                    .await
                    .map_err(|e| Halt::Db(e.into()))?;
                self.provider.poll(&target, pid).await
            };
            let answer = match result {
                Ok(a) => {
                    self.inner
                        .metrics
                        .provider_call(self.api, "poll", true, a.latency_ms);
                    a
                }
                Err(e) => {
                    self.inner
                        .metrics
                        .provider_call(self.api, "poll", false, e.latency_ms);
                    failures += 1;
                    // Polling is idempotent, so a garbled answer is worth another try; an
                    // error that will repeat (auth, balance …) is not.
                    let worth =
                        e.is_transient() || e.kind == crate::providers::CallErrorKind::Malformed;
                    if !worth || failures >= max_failures {
                        let why = worth.then_some(failures);
                        self.event(
                            TaskUpdate::default(),
                            Level::Error,
                            Stage::Poll,
                            EventText::PollFailed {
                                error: e.to_string(),
                                failures: why,
                            },
                            e.http_status,
                            Some(e.latency_ms),
                        )
                        .await?;
                        return self.fail_call(Stage::Poll, &e).await;
                    }
                    self.inner.metrics.retry(self.api, "poll");
                    self.event(
                        TaskUpdate::default(),
                        Level::Warn,
                        Stage::Retry,
                        EventText::PollRetry {
                            error: e.to_string(),
                            n: failures,
                            max: max_failures,
                        },
                        e.http_status,
                        Some(e.latency_ms),
                    )
                    .await?;
                    continue;
                }
            };
            let http = Some(answer.http_status);
            let lat = Some(answer.latency_ms);
            match answer.state.clone() {
                ProviderState::Queued(raw) | ProviderState::Running(raw) => {
                    failures = 0;
                    let status = if matches!(answer.state, ProviderState::Running(_)) {
                        TaskStatus::Running
                    } else {
                        TaskStatus::Queued
                    };
                    if status != self.status {
                        unchanged = 0;
                        let update = TaskUpdate {
                            status: Some(status),
                            ..Default::default()
                        };
                        self.event(
                            update,
                            Level::Info,
                            Stage::Poll,
                            EventText::ProviderStatus {
                                status: raw.clone(),
                            },
                            http,
                            lat,
                        )
                        .await?;
                    } else {
                        unchanged += 1;
                        if unchanged.is_multiple_of(heartbeat) {
                            let elapsed_ms = self.inner.clock.now_ms() - self.task.created_at;
                            self.event(
                                TaskUpdate::default(),
                                Level::Info,
                                Stage::Poll,
                                EventText::StillRunning {
                                    status: raw.clone(),
                                    elapsed_ms,
                                    polls,
                                },
                                http,
                                lat,
                            )
                            .await?;
                        }
                    }
                }
                ProviderState::Succeeded => {
                    if answer.results.is_empty()
                        && answer.inline_images.is_empty()
                        && failures + 1 < max_failures
                    {
                        failures += 1;
                        self.event(
                            TaskUpdate::default(),
                            Level::Warn,
                            Stage::Poll,
                            EventText::NoResultsYet,
                            http,
                            lat,
                        )
                        .await?;
                        continue;
                    }
                    return self.succeed(answer).await;
                }
                ProviderState::Failed { code, message } => {
                    let code = code.unwrap_or_else(|| "failed".into());
                    let message = message
                        .unwrap_or_else(|| format!("the provider reported {}", answer.raw_status));
                    return self.fail(Stage::Poll, code, message, http, lat).await;
                }
                ProviderState::Cancelled(raw) => {
                    return self.cancelled_by_provider(&raw, None, http, lat).await;
                }
                ProviderState::Unknown(raw) => {
                    failures += 1;
                    if failures >= max_failures {
                        return self
                            .fail(
                                Stage::Poll,
                                "unknown_status".into(),
                                format!("The provider keeps answering an unknown status: {raw}"),
                                http,
                                lat,
                            )
                            .await;
                    }
                    self.event(
                        TaskUpdate::default(),
                        Level::Error,
                        Stage::Poll,
                        EventText::UnknownStatus {
                            status: raw.clone(),
                            n: failures,
                            max: max_failures,
                        },
                        http,
                        lat,
                    )
                    .await?;
                }
            }
        }
    }
}
