//! SQL for the `task` table (and `batch`, which only tasks use): what the engine writes and
//! reads here; what pages and lists read in `views`.

mod views;

pub use views::*;

use super::{decode, json};
use app::domain::*;
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteExecutor};
use std::collections::HashMap;

/// Statuses of tasks still in flight, as SQL text.
pub const IN_FLIGHT_SQL: &str = "('pending','waiting','uploading','submitting','queued','running')";

/// What the engine stores with a task so it runs (and resumes) with the config as it was at launch.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredSpec {
    pub spec: ValidSpec,
    pub config: ConfigSnapshot,
    /// How many images were sent (at most 10); the rest were cut with a warning.
    pub images_sent: usize,
}

/// The request as it was sent (with the key masked), kept with the task for the request view:
/// the JSON body and an equivalent `curl` command. Column `task.request_json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RecordedRequest {
    pub json: serde_json::Value,
    pub curl: String,
}

pub struct NewTask<'a> {
    pub config_id: ConfigId,
    pub config_version: i64,
    pub batch_id: Option<BatchId>,
    pub region: Region,
    pub prompt: &'a str,
    pub spec: &'a StoredSpec,
    pub warnings: &'a [EventText],
    pub deadline_at: i64,
    pub created_by: Option<UserId>,
    /// The task this one runs again.
    pub rerun_of: Option<TaskId>,
}

pub async fn insert_batch(
    db: impl SqliteExecutor<'_>,
    spec: &ValidSpec,
    created_by: Option<UserId>,
    now: i64,
) -> sqlx::Result<BatchId> {
    let by = created_by.map(|u| u.0);
    let spec = Json(spec);
    let id = sqlx::query_scalar!(
        r#"INSERT INTO batch (spec, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) RETURNING id AS "id!: i64""#,
        spec,
        by,
        now
    )
    .fetch_one(db)
    .await?;
    Ok(BatchId(id))
}

pub async fn insert(db: impl SqliteExecutor<'_>, t: NewTask<'_>, now: i64) -> sqlx::Result<TaskId> {
    let batch = t.batch_id.map(|b| b.0);
    let region = t.region.as_str();
    let by = t.created_by.map(|u| u.0);
    let rerun_of = t.rerun_of.map(|r| r.0);
    let (spec, warnings) = (Json(t.spec), Json(t.warnings));
    let id = sqlx::query_scalar!(
        r#"INSERT INTO task (config_id, config_version, batch_id, region, prompt, spec, status, warnings,
                             deadline_at, created_by, created_at, updated_at, rerun_of)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8, ?9, ?10, ?10, ?11) RETURNING id AS "id!: i64""#,
        t.config_id.0,
        t.config_version,
        batch,
        region,
        t.prompt,
        spec,
        warnings,
        t.deadline_at,
        by,
        now,
        rerun_of
    )
    .fetch_one(db)
    .await?;
    Ok(TaskId(id))
}

/// A change to a task that goes with one event. `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct TaskUpdate {
    pub status: Option<TaskStatus>,
    pub submit_state: Option<SubmitState>,
    pub provider_task_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub results: Option<Vec<ResultItem>>,
    pub usage: Option<Usage>,
    pub request: Option<RecordedRequest>,
    pub add_attempt: bool,
    /// Takes back the attempt this submit counted: the provider refused it as queue-full, which
    /// sends the task back to wait for a slot without using its retry budget.
    pub refund_attempt: bool,
    /// The task (re)enters the line for a slot now (`waiting_since`).
    pub waiting: bool,
    pub started: bool,
    pub finished: bool,
    /// The token of the task's `webhookUrl`, written with the first submit attempt.
    pub callback_token: Option<String>,
    pub ended_by: Option<EndedBy>,
}

/// Whether a task's submit is in the air. `Sending` is written before a submit leaves, so a
/// task found `Sending` at start may have reached the provider (and is never resubmitted).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum SubmitState {
    /// Not sent (yet, or the last attempt provably failed).
    None,
    Sending,
    /// The provider answered.
    Sent,
}

impl SubmitState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Applies `u` to a task still in flight and takes the next event number. `None` when the task
/// is already final (nothing changes then).
pub async fn apply(
    db: impl SqliteExecutor<'_>,
    id: TaskId,
    u: &TaskUpdate,
    now: i64,
) -> sqlx::Result<Option<(i64, TaskStatus)>> {
    let status = u.status.map(TaskStatus::as_str);
    let submit_state = u.submit_state.map(SubmitState::as_str);
    let attempts = i64::from(u.add_attempt) - i64::from(u.refund_attempt);
    let waiting_since = u.waiting.then_some(now);
    let spent = u.usage.as_ref().and_then(money_milli);
    let started = u.started.then_some(now);
    let finished = u.finished.then_some(now);
    let results = u.results.as_ref().map(Json);
    let usage = u.usage.as_ref().map(Json);
    let request = u.request.as_ref().map(Json);
    let ended_by = u.ended_by.map(EndedBy::as_str);
    let row = sqlx::query!(
        r#"UPDATE task SET
               status = COALESCE(?2, status),
               submit_state = COALESCE(?3, submit_state),
               provider_task_id = COALESCE(?4, provider_task_id),
               error_code = COALESCE(?5, error_code),
               error_message = COALESCE(?6, error_message),
               results = COALESCE(?7, results),
               usage = COALESCE(?8, usage),
               request_json = COALESCE(?9, request_json),
               attempts = attempts + ?10,
               started_at = COALESCE(started_at, ?11),
               finished_at = COALESCE(?12, finished_at),
               last_seq = last_seq + 1,
               updated_at = ?13,
               callback_token = COALESCE(?14, callback_token),
               ended_by = COALESCE(?15, ended_by),
               waiting_since = COALESCE(?16, waiting_since),
               spent_milli = COALESCE(?17, spent_milli)
           WHERE id = ?1 AND status IN ('pending','waiting','uploading','submitting','queued','running')
           RETURNING last_seq AS "seq!: i64", status AS "status!: String""#,
        id.0,
        status,
        submit_state,
        u.provider_task_id,
        u.error_code,
        u.error_message,
        results,
        usage,
        request,
        attempts,
        started,
        finished,
        now,
        u.callback_token,
        ended_by,
        waiting_since,
        spent
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| Ok((r.seq, decode("task", id.0, "status", &r.status)?)))
        .transpose()
}

/// `yuan` (a decimal as text) in thousandths of a yuan, rounded; `None` when it is not a
/// number.
pub fn milli_of(yuan: &str) -> Option<i64> {
    use rust_decimal::prelude::ToPrimitive;
    let d = rust_decimal::Decimal::from_str_exact(yuan.trim()).ok()?;
    (d * rust_decimal::Decimal::ONE_THOUSAND).round().to_i64()
}

/// The money a task's usage reports (`thirdPartyConsumeMoney`, else `consumeMoney`; RH coins
/// are not money), in thousandths of a yuan.
pub fn money_milli(u: &Usage) -> Option<i64> {
    match u.cost()? {
        Cost::Money(m) => milli_of(&m),
        Cost::Coins(_) => None,
    }
}

/// Keeps the price preview of task `id`'s launch (`estimate_milli` when known in CNY).
pub async fn set_estimate(
    db: impl SqliteExecutor<'_>,
    id: TaskId,
    e: &ConfigEstimate,
) -> sqlx::Result<()> {
    let milli = e
        .estimate
        .as_ref()
        .filter(|p| p.currency.as_deref().is_none_or(|c| c == "CNY"))
        .and_then(|p| p.price.as_deref())
        .and_then(milli_of);
    let json = Json(e);
    sqlx::query!(
        "UPDATE task SET estimate = ?2, estimate_milli = ?3 WHERE id = ?1",
        id.0,
        json,
        milli
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The fields the engine needs to run or resume a task.
#[derive(Debug, Clone)]
pub struct EngineTask {
    pub id: TaskId,
    pub config_id: ConfigId,
    pub stored: StoredSpec,
    pub status: TaskStatus,
    pub submit_state: SubmitState,
    pub provider_task_id: Option<String>,
    pub attempts: i64,
    pub deadline_at: i64,
    pub created_at: i64,
    /// The token of its `webhookUrl`, once a submit asked for a callback.
    pub callback_token: Option<String>,
}

pub async fn engine_task(
    db: impl SqliteExecutor<'_>,
    id: TaskId,
) -> anyhow::Result<Option<EngineTask>> {
    let r = sqlx::query!(
        r#"SELECT id AS "id!: i64", config_id, spec, status, submit_state, provider_task_id, attempts, deadline_at,
                  created_at, callback_token
           FROM task WHERE id = ?1"#,
        id.0
    )
    .fetch_optional(db)
    .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(EngineTask {
        id: TaskId(r.id),
        config_id: ConfigId(r.config_id),
        stored: json("task", r.id, "spec", &r.spec)?,
        status: decode("task", r.id, "status", &r.status)?,
        submit_state: decode("task", r.id, "submit_state", &r.submit_state)?,
        provider_task_id: r.provider_task_id,
        attempts: r.attempts,
        deadline_at: r.deadline_at,
        created_at: r.created_at,
        callback_token: r.callback_token,
    }))
}

/// Closes a "submit may have reached the provider" task as failed by an operator: its next
/// event's sequence number, or `None` when it is not in that state.
pub async fn close_uncertain(
    db: impl SqliteExecutor<'_>,
    id: TaskId,
    message: &str,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"UPDATE task SET status = 'failed', error_code = 'closed_by_operator', error_message = ?2,
                ended_by = 'operator', last_seq = last_seq + 1, updated_at = ?3
           WHERE id = ?1 AND status = 'submit_uncertain'
           RETURNING last_seq AS "seq!: i64""#,
        id.0,
        message,
        now
    )
    .fetch_optional(db)
    .await
}

/// The tasks of `batch` with their statuses, by id.
pub async fn in_batch(
    db: impl SqliteExecutor<'_>,
    batch: BatchId,
) -> anyhow::Result<Vec<(TaskId, TaskStatus)>> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!: i64", status FROM task WHERE batch_id = ?1 ORDER BY id"#,
        batch.0
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| Ok((TaskId(r.id), decode("task", r.id, "status", &r.status)?)))
        .collect()
}

/// The config version task `id` was created with.
pub async fn config_version(db: impl SqliteExecutor<'_>, id: TaskId) -> sqlx::Result<i64> {
    sqlx::query_scalar!("SELECT config_version FROM task WHERE id = ?1", id.0)
        .fetch_one(db)
        .await
}

/// The task whose `webhookUrl` carries `token`: its id, status and provider task id.
pub async fn by_callback_token(
    db: impl SqliteExecutor<'_>,
    token: &str,
) -> anyhow::Result<Option<(TaskId, TaskStatus, Option<String>)>> {
    let r = sqlx::query!(
        r#"SELECT id AS "id!: i64", status, provider_task_id FROM task WHERE callback_token = ?1"#,
        token
    )
    .fetch_optional(db)
    .await?;
    r.map(|r| {
        Ok((
            TaskId(r.id),
            decode("task", r.id, "status", &r.status)?,
            r.provider_task_id,
        ))
    })
    .transpose()
}

/// Takes a "submit may have reached the provider" task back in flight, following
/// `provider_task_id` until `deadline_at`: the error is cleared and it is queued again. False
/// when the task is not in that state (someone decided first).
pub async fn reopen(
    db: impl SqliteExecutor<'_>,
    id: TaskId,
    provider_task_id: &str,
    deadline_at: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE task SET status = 'queued', submit_state = 'sent', provider_task_id = ?2,
                error_code = NULL, error_message = NULL, finished_at = NULL, deadline_at = ?3,
                updated_at = ?4
         WHERE id = ?1 AND status = 'submit_uncertain'",
        id.0,
        provider_task_id,
        deadline_at,
        now
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Ids of every task not yet final, oldest first.
pub async fn in_flight(db: impl SqliteExecutor<'_>) -> sqlx::Result<Vec<TaskId>> {
    let ids = sqlx::query_scalar!(
        r#"SELECT id AS "id!: i64" FROM task WHERE status IN ('pending','waiting','uploading','submitting','queued','running') ORDER BY id"#
    )
    .fetch_all(db)
    .await?;
    Ok(ids.into_iter().map(TaskId).collect())
}

pub async fn count_in_flight(db: impl SqliteExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM task WHERE status IN ('pending','waiting','uploading','submitting','queued','running')"#
    )
    .fetch_one(db)
    .await
}

pub async fn status_of(
    db: impl SqliteExecutor<'_>,
    id: TaskId,
) -> sqlx::Result<Option<(TaskStatus, i64)>> {
    let r = sqlx::query!(r#"SELECT status, last_seq FROM task WHERE id = ?1"#, id.0)
        .fetch_optional(db)
        .await?;
    r.map(|r| Ok((decode("task", id.0, "status", &r.status)?, r.last_seq)))
        .transpose()
}
