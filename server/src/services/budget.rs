//! Daily test budgets per config (CNY): reading and setting them (admins, audited), holding a
//! launch against them, and the spend per config per day the overview charts. Spend is the
//! money the provider reported for the day's tasks plus the launch estimates of those still in
//! flight; days are display days (UTC+8). Amounts are summed as integers of thousandths of a
//! yuan (`db::task::milli_of`), never as floats.

use super::Core;
use super::configs::versions::load;
use super::tasks::today_start_ms;
use crate::db;
use anyhow::Context;
use app::domain::*;
use app::error::AppError;
use app::i18n::Msg;

/// Days the overview's spend chart covers, today included.
pub const CHART_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;

/// `config`'s budget and today's spend.
pub async fn status(core: &Core, id: ConfigId) -> Result<BudgetStatus, AppError> {
    load(core, id).await?;
    let daily = db::budget::get(&core.db.read, id)
        .await
        .context("db::budget::get")?;
    let since = today_start_ms(core.clock.now_ms());
    let (spent, pending) = db::budget::spend_since(&core.db.read, id, since)
        .await
        .context("db::budget::spend_since")?;
    Ok(BudgetStatus {
        daily,
        spent: yuan_of_milli(spent),
        pending: yuan_of_milli(pending),
    })
}

/// Sets or removes `id`'s daily budget (admins); the change is audited.
pub async fn set(
    core: &Core,
    actor: &Actor,
    id: ConfigId,
    daily: Option<String>,
) -> Result<BudgetStatus, AppError> {
    actor.require_admin()?;
    load(core, id).await?;
    let daily = match daily.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(valid_budget(d).ok_or_else(|| AppError::field("daily", Msg::ErrBudget))?),
    };
    let now = core.clock.now_ms();
    let mut tx = core.db.begin().await?;
    db::budget::set(&mut *tx, id, daily.as_deref(), actor.user_id(), now)
        .await
        .context("db::budget::set")?;
    super::configs::versions::audit(
        &mut tx,
        actor,
        id,
        "budget_set",
        serde_json::json!({ "daily_cny": daily }),
        now,
    )
    .await?;
    tx.commit().await.context("committing the budget")?;
    tracing::info!(config = %id, by = actor.name(), daily = ?daily, "daily test budget set");
    status(core, id).await
}

/// The configs whose daily budget a launch estimated at `launch` would pass, with the numbers.
/// A config whose budget is already used up is over it whatever the launch costs (an unknown
/// estimate included); an unknown estimate on a config with room is not held back.
pub async fn over(core: &Core, launch: &BatchEstimate) -> Result<Vec<BudgetExcess>, AppError> {
    let since = today_start_ms(core.clock.now_ms());
    let mut out = Vec::new();
    for c in &launch.configs {
        let Some(daily) = db::budget::get(&core.db.read, c.config)
            .await
            .context("db::budget::get")?
        else {
            continue;
        };
        let Some(budget) = db::task::milli_of(&daily) else {
            continue;
        };
        let (spent, pending) = db::budget::spend_since(&core.db.read, c.config, since)
            .await
            .context("db::budget::spend_since")?;
        let this = c
            .estimate
            .as_ref()
            .filter(|p| p.currency.as_deref().is_none_or(|cur| cur == "CNY"))
            .and_then(|p| p.price.as_deref())
            .and_then(db::task::milli_of)
            .unwrap_or(0);
        let used = spent + pending;
        if used >= budget || used + this > budget {
            out.push(BudgetExcess {
                config: c.config,
                name: c.name.clone(),
                daily,
                spent: yuan_of_milli(spent),
                pending: yuan_of_milli(pending),
                launch: yuan_of_milli(this),
            });
        }
    }
    Ok(out)
}

/// Money spent per config per day over the last [`CHART_DAYS`] days, today last.
pub async fn chart(core: &Core) -> anyhow::Result<SpendChart> {
    let today_start = today_start_ms(core.clock.now_ms());
    let first_start = today_start - (CHART_DAYS - 1) * DAY_MS;
    // Day numbers as the SQL counts them: days since the epoch in display time.
    let offset_ms = i64::from(DISPLAY_OFFSET_HOURS) * 3_600_000;
    let first_day = (first_start + offset_ms).div_euclid(DAY_MS);
    let rows = db::budget::spend_by_day(&core.db.read, first_start).await?;
    let mut chart = SpendChart {
        days: (0..CHART_DAYS)
            .map(|i| {
                let t = Timestamp(first_start + i * DAY_MS).format();
                t.split(' ').next().unwrap_or_default().to_owned()
            })
            .collect(),
        series: Vec::new(),
    };
    let len = usize::try_from(CHART_DAYS).unwrap_or(0);
    for (config, name, day, milli) in rows {
        let Ok(i) = usize::try_from(day - first_day) else {
            continue;
        };
        if i >= len {
            continue;
        }
        let pos = match chart.series.iter().position(|s| s.config == config) {
            Some(p) => p,
            None => {
                chart.series.push(SpendSeries {
                    config,
                    name,
                    milli_cny: vec![0; len],
                });
                chart.series.len() - 1
            }
        };
        chart.series[pos].milli_cny[i] += milli;
    }
    chart.series.retain(|s| s.milli_cny.iter().any(|m| *m != 0));
    chart.series.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(chart)
}

/// A launch's price and the budgets it passes (see [`guard`]).
pub struct Priced {
    estimate: BatchEstimate,
    over: Vec<BudgetExcess>,
}

/// Prices launching `spec` on `configs` (within `estimate::LAUNCH_WAIT`) and holds it against
/// their daily budgets: past one, 409 [`AppError::OverBudget`] with the numbers, unless
/// `over_budget` (admins only: 403 for anyone else). Call [`Priced::keep`] once launched.
pub async fn guard(
    core: &Core,
    actor: &Actor,
    configs: &[ConfigId],
    spec: &TaskSpec,
    over_budget: bool,
) -> Result<Priced, AppError> {
    let estimate = super::estimate::within(core, actor, configs, spec).await?;
    let over = over(core, &estimate).await?;
    if !over.is_empty() {
        if !over_budget {
            return Err(AppError::OverBudget(over));
        }
        actor.require_admin()?;
    }
    Ok(Priced { estimate, over })
}

impl Priced {
    /// Keeps each new task's estimate (by its config) and audits a launch past a budget.
    pub async fn keep(&self, core: &Core, actor: &Actor, tasks: &[TaskId]) -> Result<(), AppError> {
        if !self.over.is_empty() {
            audit_override(core, actor, tasks, &self.over).await?;
        }
        for id in tasks {
            let config = db::task::engine_task(&core.db.read, *id)
                .await?
                .map(|t| t.config_id);
            if let Some(e) = self
                .estimate
                .configs
                .iter()
                .find(|e| Some(e.config) == config)
            {
                db::task::set_estimate(&core.db.write, *id, e)
                    .await
                    .context("keeping the estimate")?;
            }
        }
        Ok(())
    }
}

/// An audit row for an admin's launch past the daily budget of `over`, naming the tasks.
async fn audit_override(
    core: &Core,
    actor: &Actor,
    tasks: &[TaskId],
    over: &[BudgetExcess],
) -> Result<(), AppError> {
    for o in over {
        let entry = db::audit::Audit {
            actor_id: actor.user_id(),
            actor_name: actor.name(),
            action: "budget_override",
            target: &format!("config:{}", o.config),
            detail: serde_json::json!({
                "tasks": tasks.iter().map(|t| t.0).collect::<Vec<_>>(),
                "daily_cny": o.daily,
                "spent_cny": o.spent,
                "pending_cny": o.pending,
                "launch_cny": o.launch,
            }),
        };
        db::audit::record(&core.db.write, entry, core.clock.now_ms())
            .await
            .context("db::audit::record")?;
    }
    tracing::warn!(by = actor.name(), tasks = ?tasks, "launched past a daily test budget");
    Ok(())
}
