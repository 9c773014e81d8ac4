//! Test tasks: launching (through the engine), lists, one task and its live stream, today's
//! overview, image uploads. Tasks are shared: every signed-in user may read, launch, cancel
//! and re-run any task.

use super::Core;
use crate::db;
use ::time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use anyhow::Context;
use app::api::tasks::TasksApi;
use app::domain::*;
use app::error::AppError;
use app::i18n::Msg;
use futures::stream::BoxStream;

fn display_offset() -> UtcOffset {
    UtcOffset::from_hms(DISPLAY_OFFSET_HOURS, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// `YYYY-MM-DD` in display time → unix ms of that day's start.
pub fn day_start_ms(day: &str) -> Option<i64> {
    let mut parts = day.trim().splitn(3, '-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let d: u8 = parts.next()?.parse().ok()?;
    let date = Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()?;
    let t = PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_offset(display_offset());
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// The start of today in display time.
pub fn today_start_ms(now_ms: i64) -> i64 {
    let now = OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(display_offset());
    let start = now.replace_time(Time::MIDNIGHT);
    i64::try_from(start.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

#[async_trait::async_trait]
impl TasksApi for Core {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn store_upload(
        &self,
        actor: &Actor,
        original_name: String,
        bytes: Vec<u8>,
    ) -> Result<BlobRef, AppError> {
        self.engine
            .blobs()
            .put(&bytes, &original_name, actor.user_id())
            .await
            .map_err(AppError::from)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn estimate_price(
        &self,
        actor: &Actor,
        configs: Vec<ConfigId>,
        spec: TaskSpec,
    ) -> Result<BatchEstimate, AppError> {
        let mut e = super::estimate::estimate(self, actor, configs, spec).await?;
        e.over_budget = super::budget::over(self, &e).await?;
        Ok(e)
    }

    async fn launch_tasks(
        &self,
        actor: &Actor,
        configs: Vec<ConfigId>,
        spec: TaskSpec,
        over_budget: bool,
    ) -> Result<Vec<TaskId>, AppError> {
        self.launch_priced(actor, configs, spec, over_budget, true)
            .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn rerun_task(&self, actor: &Actor, req: RerunRequest) -> Result<TaskId, AppError> {
        let (config, spec) = self.rerun_case(req.of, req.config).await?;
        let priced = super::budget::guard(self, actor, &[config], &spec, req.over_budget).await?;
        let id = self.engine.rerun(actor, req).await?;
        priced.keep(self, actor, &[id]).await?;
        Ok(id)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn rerun_failed(
        &self,
        actor: &Actor,
        batch: BatchId,
        confirmed: bool,
        over_budget: bool,
    ) -> Result<Vec<TaskId>, AppError> {
        let mut configs = Vec::new();
        let mut spec = None;
        for (id, status) in db::task::in_batch(&self.db.read, batch)
            .await
            .context("reading the batch")?
        {
            if matches!(status, TaskStatus::Failed | TaskStatus::TimedOut) {
                let (config, s) = self.rerun_case(id, None).await?;
                configs.push(config);
                spec.get_or_insert(s);
            }
        }
        let priced = match spec {
            Some(spec) => {
                Some(super::budget::guard(self, actor, &configs, &spec, over_budget).await?)
            }
            None => None,
        };
        let ids = self.engine.rerun_failed(actor, batch, confirmed).await?;
        if let Some(p) = priced {
            p.keep(self, actor, &ids).await?;
        }
        Ok(ids)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn attach_task_id(
        &self,
        actor: &Actor,
        id: TaskId,
        provider_task_id: String,
    ) -> Result<(), AppError> {
        Ok(self
            .engine
            .attach_task_id(actor, id, &provider_task_id)
            .await?)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn close_uncertain(&self, actor: &Actor, id: TaskId) -> Result<(), AppError> {
        Ok(self.engine.close_uncertain(actor, id).await?)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn resend_uncertain(
        &self,
        actor: &Actor,
        id: TaskId,
        confirmed: bool,
    ) -> Result<TaskId, AppError> {
        Ok(self.engine.resend_uncertain(actor, id, confirmed).await?)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn cancel_task(&self, actor: &Actor, id: TaskId) -> Result<(), AppError> {
        Ok(self.engine.cancel(actor, id).await?)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn task_stream(
        &self,
        _actor: &Actor,
        id: TaskId,
        after_seq: i64,
    ) -> Result<BoxStream<'static, StreamMsg>, AppError> {
        Ok(crate::tasks::stream::task_stream(&self.engine, id, after_seq).await?)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn changes_stream(
        &self,
        _actor: &Actor,
    ) -> Result<BoxStream<'static, Option<TaskChange>>, AppError> {
        Ok(crate::tasks::stream::changes_stream(&self.engine).await?)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn list_tasks(&self, _actor: &Actor, filter: TaskFilter) -> Result<TaskPage, AppError> {
        let core = self;
        let from = match filter.from.as_deref().filter(|s| !s.is_empty()) {
            Some(d) => {
                Some(day_start_ms(d).ok_or_else(|| AppError::field("from", Msg::ErrBadRequest))?)
            }
            None => None,
        };
        let to = match filter.to.as_deref().filter(|s| !s.is_empty()) {
            Some(d) => Some(
                day_start_ms(d).ok_or_else(|| AppError::field("to", Msg::ErrBadRequest))?
                    + 24 * 3600 * 1000,
            ),
            None => None,
        };
        db::task::list(&core.db.read, &filter, from, to, TASK_PAGE_SIZE)
            .await
            .context("db::task::list")
            .map_err(AppError::from)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn get_task(&self, _actor: &Actor, id: TaskId) -> Result<TaskView, AppError> {
        let core = self;
        let mut task = db::task::view(&core.db.read, id)
            .await
            .context("db::task::view")?
            .ok_or(AppError::NotFound)?;
        core.mark_removed(&mut task.results).await?;
        Ok(task)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn get_task_detail(&self, actor: &Actor, id: TaskId) -> Result<TaskDetail, AppError> {
        let core = self;
        let task = core.get_task(actor, id).await?;
        let events = db::task_event::after(&core.db.read, id, 0)
            .await
            .context("db::task_event::after")?;
        // The ledger holds what the provider sent verbatim: admins only.
        let callbacks = if actor.require_admin().is_ok() {
            db::callback::list(&core.db.read, Some(id), 50).await?
        } else {
            Vec::new()
        };
        let rerun_diff = match task.rerun_of {
            Some(of) => core.rerun_diff(of, id).await?,
            None => Vec::new(),
        };
        Ok(TaskDetail {
            task,
            events,
            callbacks,
            rerun_diff,
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn overview(&self, actor: &Actor) -> Result<Overview, AppError> {
        let core = self;
        let since = today_start_ms(core.clock.now_ms());
        let mut overview = db::task::overview(&core.db.read, since)
            .await
            .context("db::task::overview")?;
        let mut failures = Vec::new();
        for status in [TaskStatus::Failed, TaskStatus::TimedOut] {
            let filter = TaskFilter {
                status: Some(status),
                ..Default::default()
            };
            let page = db::task::list(&core.db.read, &filter, None, None, RECENT_FAILURES)
                .await
                .context("db::task::list")?;
            failures.extend(page.items);
        }
        failures.sort_by_key(|t| std::cmp::Reverse(t.id));
        failures.truncate(RECENT_FAILURES as usize);
        overview.recent_failures = failures;
        overview.spend = super::budget::chart(core).await?;
        if actor.require_admin().is_ok() {
            let blobs = core.engine.blobs();
            let (files, bytes) = blobs.usage().await?;
            let r = blobs.retention();
            overview.storage = Some(StorageUsage {
                files,
                bytes,
                keep_days: r.days,
                keep_bytes: r.max_bytes(),
            });
        }
        Ok(overview)
    }
}

impl Core {
    /// Launches `spec` on `configs` (see [`TasksApi::launch_tasks`]): priced and held against
    /// the daily budgets first (see `budget::guard`), then handed to the engine (`follow`:
    /// this process follows the tasks, see `Engine::launch_for`).
    pub async fn launch_priced(
        &self,
        actor: &Actor,
        configs: Vec<ConfigId>,
        spec: TaskSpec,
        over_budget: bool,
        follow: bool,
    ) -> Result<Vec<TaskId>, AppError> {
        let mut chosen: Vec<ConfigId> = Vec::new();
        for c in configs {
            if !chosen.contains(&c) {
                chosen.push(c);
            }
        }
        let priced = super::budget::guard(self, actor, &chosen, &spec, over_budget).await?;
        let ids = self.engine.launch_for(actor, chosen, spec, follow).await?;
        priced.keep(self, actor, &ids).await?;
        Ok(ids)
    }

    /// The test case of task `of` and the config a re-run of it goes to (`config`, else its
    /// own): what a re-run is priced by.
    async fn rerun_case(
        &self,
        of: TaskId,
        config: Option<ConfigId>,
    ) -> Result<(ConfigId, TaskSpec), AppError> {
        let t = db::task::engine_task(&self.db.read, of)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((
            config.unwrap_or(t.config_id),
            TaskSpec::from(&t.stored.spec),
        ))
    }
}

/// How many of the latest failures the overview lists.
const RECENT_FAILURES: i64 = 5;

impl Core {
    /// What task `new` runs differently from task `of`: the config (name and version) when it
    /// is another, then each config field that differs.
    async fn rerun_diff(&self, of: TaskId, new: TaskId) -> Result<Vec<FieldChange>, AppError> {
        let read = &self.db.read;
        let (Some(a), Some(b)) = (
            db::task::engine_task(read, of).await?,
            db::task::engine_task(read, new).await?,
        ) else {
            return Ok(Vec::new());
        };
        let (va, vb) = (
            db::task::config_version(read, of)
                .await
                .context("version")?,
            db::task::config_version(read, new)
                .await
                .context("version")?,
        );
        let mut diff = Vec::new();
        if (a.config_id, va) != (b.config_id, vb) {
            diff.push(FieldChange {
                field: "config".into(),
                before: Some(format!("{} v{va}", a.stored.config.name)),
                after: Some(format!("{} v{vb}", b.stored.config.name)),
            });
        }
        diff.extend(
            b.stored
                .config
                .diff_from(Some(&a.stored.config))
                .into_iter()
                .filter(|c| c.field != "name"),
        );
        Ok(diff)
    }

    /// Marks the results whose kept copy retention removed: no image of ours any more, only
    /// the provider's link (most likely expired too).
    async fn mark_removed(&self, results: &mut [ResultItem]) -> Result<(), AppError> {
        let urls: Vec<&str> = results
            .iter()
            .flat_map(|r| [r.url.as_deref(), r.thumb_url.as_deref()])
            .flatten()
            .collect();
        let gone = self.engine.blobs().gone(&urls).await?;
        if gone.is_empty() {
            return Ok(());
        }
        for r in results.iter_mut() {
            if r.url.as_ref().is_some_and(|u| gone.contains(u)) {
                r.url = None;
                r.removed = true;
            }
            if r.thumb_url.as_ref().is_some_and(|u| gone.contains(u)) {
                r.thumb_url = None;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_midnight_china_time() {
        // 2026-01-01 00:00 +08:00 = 2025-12-31T16:00:00Z
        assert_eq!(day_start_ms("2026-01-01"), Some(1_767_196_800_000));
        assert_eq!(day_start_ms("2026-13-01"), None);
        assert_eq!(day_start_ms("yesterday"), None);
        assert_eq!(
            today_start_ms(1_767_196_800_000 + 5 * 3600 * 1000),
            1_767_196_800_000
        );
    }
}
