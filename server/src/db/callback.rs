//! SQL for `callback`: the ledger of every provider callback received, as it came.

use app::domain::{CallbackEntry, CallbackOutcome, TaskId, Timestamp};
use sqlx::SqliteExecutor;

/// One callback as received, before it is written.
pub struct NewCallback<'a> {
    pub task_id: Option<TaskId>,
    pub provider_task_id: Option<&'a str>,
    pub event: Option<&'a str>,
    pub status: Option<&'a str>,
    pub body_sha256: &'a str,
    /// The body as text, cut to the ledger's limit.
    pub body: &'a str,
    pub outcome: CallbackOutcome,
    pub remote_addr: Option<String>,
    pub received_at: i64,
}

pub async fn insert(db: impl SqliteExecutor<'_>, c: &NewCallback<'_>) -> sqlx::Result<i64> {
    let task_id = c.task_id.map(|t| t.0);
    let outcome = c.outcome.as_str();
    sqlx::query_scalar!(
        r#"INSERT INTO callback (task_id, provider_task_id, event, status, body_sha256, body, outcome,
                                 remote_addr, received_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id AS "id!: i64""#,
        task_id,
        c.provider_task_id,
        c.event,
        c.status,
        c.body_sha256,
        c.body,
        outcome,
        c.remote_addr,
        c.received_at
    )
    .fetch_one(db)
    .await
}

/// Whether `task` already received a callback with this body (the provider sent it twice).
pub async fn seen(db: impl SqliteExecutor<'_>, task: TaskId, sha: &str) -> sqlx::Result<bool> {
    let n = sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM callback WHERE task_id = ?1 AND body_sha256 = ?2"#,
        task.0,
        sha
    )
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// The callbacks of `task` (all when `None`), newest first, at most `limit`.
pub async fn list(
    db: impl SqliteExecutor<'_>,
    task: Option<TaskId>,
    limit: i64,
) -> anyhow::Result<Vec<CallbackEntry>> {
    let task = task.map(|t| t.0);
    let rows = sqlx::query!(
        r#"SELECT id AS "id!: i64", task_id, provider_task_id, event, status, outcome, body, remote_addr, received_at
           FROM callback WHERE ?1 IS NULL OR task_id = ?1 ORDER BY id DESC LIMIT ?2"#,
        task,
        limit
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(CallbackEntry {
                id: r.id,
                task_id: r.task_id.map(TaskId),
                provider_task_id: r.provider_task_id,
                event: r.event,
                status: r.status,
                outcome: super::decode("callback", r.id, "outcome", &r.outcome)?,
                body: r.body,
                remote_addr: r.remote_addr,
                received_at: Timestamp(r.received_at),
            })
        })
        .collect()
}

/// The provider task id the first accepted callback of `task` named, if any: a callback that
/// came while the submit's answer was still on its way (or lost).
pub async fn task_id_named(
    db: impl SqliteExecutor<'_>,
    task: TaskId,
) -> sqlx::Result<Option<String>> {
    let r = sqlx::query_scalar!(
        r#"SELECT provider_task_id AS "pid!" FROM callback
           WHERE task_id = ?1 AND outcome = 'accepted' AND provider_task_id IS NOT NULL
           ORDER BY id LIMIT 1"#,
        task.0
    )
    .fetch_optional(db)
    .await?;
    Ok(r)
}

/// Whether any callback came for `task` (readable or not).
pub async fn any_for(db: impl SqliteExecutor<'_>, task: TaskId) -> sqlx::Result<bool> {
    let n = sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM callback WHERE task_id = ?1"#,
        task.0
    )
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}
