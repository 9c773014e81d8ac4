//! The poll phase: ask for the task's state every poll interval until a final state, the
//! deadline or cancellation; a streak of failed polls (errors worth another try, a success
//! without results yet) backs off and ends the task when it runs out. A status nobody
//! documented is logged as it was written and polling goes on until the deadline. Also the success itself: results stored, usage and cost recorded.

use super::{CallKind, ForgetHint, Halt, Run, Step, Wake};
use crate::db::task::TaskUpdate;
use crate::providers::{CallErrorKind, ProviderAnswer, ProviderState};
use crate::tasks::event::Event;
use crate::tasks::retry::Retry;
use app::domain::*;

impl Run<'_> {
    pub(super) async fn poll_phase(&mut self, pid: &str) -> Step<()> {
        let settings = &self.inner.settings;
        let poll_interval = settings.poll_interval;
        let policy = settings.retry;
        let max_failures = self.attempts(policy.poll_failures);
        let heartbeat = settings.heartbeat_polls.max(1);
        // The current streak of failed polls; a good answer starts a new one.
        let mut streak = Retry::new(policy, max_failures, 0);
        let mut pause = poll_interval;
        let mut polls = 0u32;
        let mut unchanged = 0u32;
        // The last status nobody documented that the provider answered, once logged.
        let mut undocumented: Option<String> = None;
        let mut target = self.target().await?;
        // With a callback expected, polling is the fallback and slows down, unless this
        // config's callbacks stopped arriving.
        let expecting = self.task.callback_token.is_some();
        let config = self.task.config_id;
        let pace = if expecting && !self.inner.callbacks_silent(config) {
            settings.callback_poll_interval
        } else {
            poll_interval
        };
        if expecting && pace == poll_interval && pace != settings.callback_poll_interval {
            self.record(Event::info(Stage::Poll, EventText::CallbacksSilent))
                .await?;
        }
        let hint = self.inner.hint(self.task.id);
        let _forget = ForgetHint(self.inner, self.task.id);
        self.ended_by = Some(EndedBy::Poll);
        pause = pause.max(pace);
        loop {
            let left = self.remaining();
            if left.is_zero() {
                return self.time_out().await;
            }
            match self.wait_or_hint(pause.min(left), &hint).await {
                Wake::Stop => return Err(Halt::Done),
                Wake::Hint => {
                    let by_callback = hint
                        .by_callback
                        .swap(false, std::sync::atomic::Ordering::SeqCst);
                    self.ended_by = Some(if by_callback {
                        EndedBy::Callback
                    } else {
                        EndedBy::Poll
                    });
                }
                Wake::Time => self.ended_by = Some(EndedBy::Poll),
            }
            if self.remaining().is_zero() {
                return self.time_out().await;
            }
            if streak.attempt() > 0 {
                target = self.target().await?;
            }
            pause = pace;
            polls += 1;
            let result = self
                .call(CallKind::Poll, self.provider.poll(&target, pid))
                .await?;
            let answer = match result {
                Ok(a) => a,
                Err(e) if e.is_rate_limited() => {
                    // Told to slow down: not a failed poll, only a later one (never past the
                    // deadline, which the top of the loop keeps).
                    let wait = e
                        .retry_after
                        .map(|w| w.min(crate::tasks::retry::REQUESTED_WAIT_MAX))
                        .unwrap_or(poll_interval * 2);
                    pause = poll_interval.max(wait);
                    self.inner.metrics.retry(self.api, "poll");
                    let text = EventText::PollWait {
                        error: e.to_string(),
                        delay_ms: i64::try_from(pause.as_millis()).unwrap_or(i64::MAX),
                    };
                    self.record(Event::warn(Stage::Retry, text).call_failed(&e))
                        .await?;
                    continue;
                }
                Err(e) => {
                    // Polling is idempotent, so a garbled answer is worth another try; an
                    // error that will repeat (auth, balance …) is not.
                    let worth = e.is_transient() || e.kind == CallErrorKind::Malformed;
                    streak.begin();
                    let Some(delay) = streak.after_failure(worth, None) else {
                        let text = EventText::PollFailed {
                            error: e.to_string(),
                            failures: worth.then_some(streak.attempt()),
                        };
                        self.record(Event::error(Stage::Poll, text).call_failed(&e))
                            .await?;
                        return self.fail_call(Stage::Poll, &e).await;
                    };
                    pause = poll_interval.max(delay);
                    self.inner.metrics.retry(self.api, "poll");
                    let text = EventText::PollRetry {
                        error: e.to_string(),
                        n: streak.attempt(),
                        max: max_failures,
                    };
                    self.record(Event::warn(Stage::Retry, text).call_failed(&e))
                        .await?;
                    continue;
                }
            };
            let http = Some(answer.http_status);
            let lat = Some(answer.latency_ms);
            let ended = matches!(
                answer.state,
                ProviderState::Succeeded
                    | ProviderState::Failed { .. }
                    | ProviderState::Cancelled(_)
            );
            if expecting
                && ended
                && self.ended_by == Some(EndedBy::Poll)
                && !crate::db::callback::any_for(&self.inner.db.read, self.task.id)
                    .await
                    .map_err(anyhow::Error::from)?
            {
                // The end came before any callback: this config's next tasks poll normally
                // (until a callback comes again).
                self.inner.set_callbacks_silent(config, true);
                // A callback that came between the look above and the flag has already cleared
                // it (the ledger row is written before that): look again, so that clearing is
                // not undone.
                if crate::db::callback::any_for(&self.inner.db.read, self.task.id)
                    .await
                    .map_err(anyhow::Error::from)?
                {
                    self.inner.set_callbacks_silent(config, false);
                }
                self.record(Event::warn(Stage::Poll, EventText::CallbackMissing))
                    .await?;
            }
            match answer.state.clone() {
                ProviderState::Queued(raw) | ProviderState::Running(raw) => {
                    streak = Retry::new(policy, max_failures, 0);
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
                        let text = EventText::ProviderStatus { status: raw };
                        self.record(
                            Event::info(Stage::Poll, text)
                                .update(update)
                                .call(http, lat),
                        )
                        .await?;
                    } else {
                        unchanged += 1;
                        if unchanged.is_multiple_of(heartbeat) {
                            let elapsed_ms = self.inner.clock.now_ms() - self.task.created_at;
                            let text = EventText::StillRunning {
                                status: raw,
                                elapsed_ms,
                                polls,
                            };
                            self.record(Event::info(Stage::Poll, text).call(http, lat))
                                .await?;
                        }
                    }
                }
                ProviderState::Succeeded => {
                    if !answer.has_image() {
                        streak.begin();
                        if let Some(delay) = streak.after_failure(true, None) {
                            pause = poll_interval.max(delay);
                            self.record(
                                Event::warn(Stage::Poll, EventText::NoResultsYet).call(http, lat),
                            )
                            .await?;
                            continue;
                        }
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
                    // Neither a success nor a failure: said once, verbatim, each time it
                    // changes; polling goes on until the deadline.
                    streak = Retry::new(policy, max_failures, 0);
                    if undocumented.as_deref() != Some(raw.as_str()) {
                        let text = EventText::UndocumentedStatus {
                            status: raw.clone(),
                        };
                        self.record(Event::warn(Stage::Poll, text).call(http, lat))
                            .await?;
                        undocumented = Some(raw);
                    }
                }
            }
        }
    }

    /// Ends the task as failed: the provider said "success" but the answer holds no usable
    /// image (no results, links missing, only text). The message quotes what it answered.
    pub(super) async fn no_image(&mut self, a: &ProviderAnswer) -> Step<()> {
        self.fail(
            Stage::Result,
            "no_image".into(),
            format!(
                "The provider reported {} without any usable image. It answered: {}",
                a.raw_status, a.body
            ),
            Some(a.http_status),
            Some(a.latency_ms),
        )
        .await
    }

    pub(super) async fn succeed(&mut self, a: ProviderAnswer) -> Step<()> {
        if !a.has_image() {
            return self.no_image(&a).await;
        }
        let mut results = a.results.clone();
        for bytes in &a.inline_images {
            match self.inner.blobs.put(bytes, "result", None).await {
                Ok(b) => results.push(ResultItem {
                    url: Some(format!("/files/{}", b.name)),
                    output_type: b.name.rsplit('.').next().map(str::to_owned),
                    ..ResultItem::default()
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
        let results = self.keep_results(results).await?;
        // Stored as text in the event (it is rendered in either language as it is).
        let cost = a
            .usage
            .as_ref()
            .and_then(Usage::cost)
            .map(|c| app::i18n::Localized::render(&c, app::i18n::Lang::En));
        let count = results.len();
        let update = TaskUpdate {
            status: Some(TaskStatus::Succeeded),
            results: Some(results),
            usage: a.usage.clone(),
            finished: true,
            ended_by: self.ended_by,
            ..Default::default()
        };
        let elapsed_ms = self.inner.clock.now_ms() - self.task.created_at;
        let text = EventText::Succeeded {
            elapsed_ms,
            results: count,
            cost,
        };
        self.record(
            Event::info(Stage::Result, text)
                .update(update)
                .call(Some(a.http_status), Some(a.latency_ms)),
        )
        .await?;
        Err(Halt::Done)
    }
}
