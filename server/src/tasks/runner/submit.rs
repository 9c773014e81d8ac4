//! The submit phase: the attempt is on record before anything is sent; only a submit that
//! provably never reached the provider, or that the provider refused, may be sent again (a
//! timeout or a broken connection after sending ends the task as "submit may have reached the
//! provider", never resent); the provider's answer decides what follows (poll a task id, or a
//! final state already).

use super::{CallKind, Halt, Run, Step, Wake, ms};
use crate::db::{
    self,
    task::{RecordedRequest, SubmitState, TaskUpdate},
};
use crate::providers::{CallError, ProviderAnswer, ProviderState, SubmitRequest};
use crate::tasks::event::Event;
use crate::tasks::gate::{Gate, Slot};
use crate::tasks::retry::Retry;
use app::domain::*;
use std::sync::Arc;

impl Run<'_> {
    /// Uploads, then submits; `Some(provider task id)` when there is something to poll. A
    /// queue-full refusal gives `slot` back and waits in line for another (see `slot`).
    pub(super) async fn submit_phase(
        &mut self,
        gate: &Arc<Gate>,
        slot: &mut Slot,
    ) -> Step<Option<String>> {
        let mut target = self.target().await?;
        let Some(images) = self.images(&target).await? else {
            return Ok(None);
        };
        let token = self.callback_token().await?;
        let spec = &self.task.stored.spec;
        let req = SubmitRequest {
            prompt: spec.prompt.clone(),
            resolution: spec.resolution,
            aspect_ratio: spec.aspect_ratio,
            images,
            webhook_url: token.as_deref().and_then(|t| self.inner.callback_url(t)),
        };
        // The token is a capability: what is recorded and shown has a placeholder instead.
        let shown = SubmitRequest {
            webhook_url: token
                .as_ref()
                .and_then(|_| self.inner.callback_url("<token>")),
            ..req.clone()
        };
        let record = self.provider.describe_submit(&target, &shown);
        if let Some((count, field)) = self.provider.image_parts(&target, &req) {
            let text = EventText::ImageParts {
                count,
                field: field.to_owned(),
            };
            self.record(Event::info(Stage::Submit, text)).await?;
        }
        let request = RecordedRequest {
            json: record.json,
            curl: record.curl,
        };
        let url = target.url(&target.draw_endpoint);
        let policy = self.inner.settings.retry;
        let done = u32::try_from(self.task.attempts.max(0)).unwrap_or(u32::MAX);
        let mut retry = Retry::new(policy, self.attempts(policy.submit_attempts), done);
        let mut first = true;
        loop {
            let attempt = retry.begin();
            // The attempt is on record before anything is sent.
            let update = TaskUpdate {
                status: Some(TaskStatus::Submitting),
                submit_state: Some(SubmitState::Sending),
                add_attempt: true,
                started: true,
                request: first.then(|| request.clone()),
                callback_token: first.then(|| token.clone()).flatten(),
                ..Default::default()
            };
            first = false;
            let text = EventText::Submitting {
                attempt,
                max: retry.max(),
                url: url.clone(),
            };
            self.record(Event::info(Stage::Submit, text).update(update))
                .await?;
            target.time_left = Some(self.remaining());
            let sent_at = self.inner.clock.now_ms();
            let result = self
                .call(CallKind::Submit, self.provider.submit(&target, &req))
                .await?;
            let e = match result {
                Ok(answer) => return self.accepted(answer).await,
                Err(e) => e,
            };
            if e.is_queue_full() {
                retry.undo();
                self.queue_full(&e, gate, slot).await?;
                target = self.target().await?;
                continue;
            }
            if !e.safe_to_resend() {
                return self.outcome_unknown(&e, sent_at).await;
            }
            let not_sent = TaskUpdate {
                submit_state: Some(SubmitState::None),
                ..Default::default()
            };
            let Some(delay) = retry.after_failure(e.is_transient(), e.retry_after) else {
                let text = EventText::SubmitFailed {
                    error: e.to_string(),
                };
                self.record(
                    Event::error(Stage::Submit, text)
                        .update(not_sent)
                        .call_failed(&e),
                )
                .await?;
                self.fail_call(Stage::Submit, &e).await?;
                return Ok(None);
            };
            self.inner.metrics.retry(self.api, "submit");
            let text = EventText::SubmitRetry {
                error: e.to_string(),
                maybe_sent: false,
                delay_ms: ms(delay),
                next: attempt + 1,
                max: retry.max(),
            };
            self.record(
                Event::warn(Stage::Retry, text)
                    .update(not_sent)
                    .call_failed(&e),
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

    /// The token of this task's `webhookUrl` when its config asks for callbacks and the provider
    /// can send them (the same token on every attempt and after a restart); says so in the log
    /// when the console does not know its public address.
    async fn callback_token(&mut self) -> Step<Option<String>> {
        let f = &self.task.stored.config;
        if !f.callbacks || f.is_sync_api || !self.provider.calls_back() {
            return Ok(None);
        }
        if self.inner.settings.public_url.is_none() {
            self.record(Event::warn(Stage::Submit, EventText::CallbacksOff))
                .await?;
            return Ok(None);
        }
        let token = self
            .task
            .callback_token
            .get_or_insert_with(crate::tasks::callback::new_token);
        Ok(Some(token.clone()))
    }

    /// Ends the task as "submit may have reached the provider": the request left at `sent_at`
    /// and no usable answer came back, so the provider may have the task (and bill it).
    /// Nothing sends it again; a person checks the provider's call record first. When the
    /// provider's callback already named the task id (it ended before its answer was lost),
    /// the task follows that id instead: `Some(id)`.
    async fn outcome_unknown(&mut self, e: &CallError, sent_at: i64) -> Step<Option<String>> {
        let named = db::callback::task_id_named(&self.inner.db.read, self.task.id)
            .await
            .map_err(anyhow::Error::from)?;
        if let Some(pid) = named {
            let update = TaskUpdate {
                status: Some(TaskStatus::Queued),
                submit_state: Some(SubmitState::Sent),
                provider_task_id: Some(pid.clone()),
                ..Default::default()
            };
            let text = EventText::TaskIdAttached {
                by: None,
                task_id: pid.clone(),
            };
            self.record(Event::warn(Stage::Submit, text).update(update))
                .await?;
            self.inner.hint(self.task.id).callback();
            return Ok(Some(pid));
        }
        let update = TaskUpdate {
            status: Some(TaskStatus::SubmitUncertain),
            submit_state: Some(SubmitState::Sent),
            error_code: Some("submit_uncertain".into()),
            error_message: Some(format!(
                "The submit was sent at {} (UTC+{DISPLAY_OFFSET_HOURS}) but no usable answer came \
                 back ({e}): the provider may have this task. Check its call record before \
                 running it again.",
                Timestamp(sent_at).format()
            )),
            finished: true,
            ..Default::default()
        };
        let text = EventText::SubmitOutcomeUnknown {
            error: e.to_string(),
            sent_at: Timestamp(sent_at),
        };
        self.record(
            Event::error(Stage::Submit, text)
                .update(update)
                .call_failed(e),
        )
        .await?;
        Err(Halt::Done)
    }

    /// Handles the submit answer; `Some(id)` when the task must now be polled.
    async fn accepted(&mut self, a: ProviderAnswer) -> Step<Option<String>> {
        let sync = self.task.stored.config.is_sync_api;
        let http = Some(a.http_status);
        let lat = Some(a.latency_ms);
        let sent = |pid: Option<String>| TaskUpdate {
            submit_state: Some(SubmitState::Sent),
            provider_task_id: pid,
            ..Default::default()
        };
        match &a.state {
            ProviderState::Succeeded if a.has_image() => {
                let text = EventText::AcceptedDone {
                    task_id: a.task_id.clone().unwrap_or_else(|| "—".into()),
                    status: a.raw_status.clone(),
                };
                self.record(
                    Event::info(Stage::Submit, text)
                        .update(sent(a.task_id.clone()))
                        .call(http, lat),
                )
                .await?;
                self.succeed(a).await?;
                Ok(None)
            }
            ProviderState::Failed { code, message } => {
                let text = EventText::Answered {
                    status: a.raw_status.clone(),
                };
                self.record(
                    Event::info(Stage::Submit, text)
                        .update(sent(a.task_id.clone()))
                        .call(http, lat),
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
            // Nothing to poll for: a success without an image is final.
            ProviderState::Succeeded if sync || a.task_id.is_none() => {
                self.no_image(&a).await?;
                Ok(None)
            }
            _ if sync && a.task_id.is_none() => {
                self.fail(
                    Stage::Submit,
                    "malformed".into(),
                    format!(
                        "The synchronous API answered {} without any image: {}",
                        a.raw_status, a.body
                    ),
                    http,
                    lat,
                )
                .await?;
                Ok(None)
            }
            state => {
                let Some(pid) = a.task_id.clone() else {
                    // Accepted, so possibly billed, but nothing to follow it by.
                    let e = CallError::malformed(
                        format!(
                            "the provider accepted the task ({}) but sent no task id",
                            a.raw_status
                        ),
                        a.http_status,
                        a.latency_ms,
                    );
                    let sent_at = self.inner.clock.now_ms() - a.latency_ms;
                    return self.outcome_unknown(&e, sent_at).await;
                };
                let status = match state {
                    ProviderState::Running(_) => TaskStatus::Running,
                    _ => TaskStatus::Queued,
                };
                let update = TaskUpdate {
                    status: Some(status),
                    ..sent(Some(pid.clone()))
                };
                let shown = if a.raw_status.is_empty() {
                    "accepted".to_owned()
                } else {
                    a.raw_status.clone()
                };
                let text = EventText::Accepted {
                    task_id: pid.clone(),
                    status: shown,
                };
                self.record(
                    Event::info(Stage::Submit, text)
                        .update(update)
                        .call(http, lat),
                )
                .await?;
                Ok(Some(pid))
            }
        }
    }
}
