//! SQL for the `engine` table (the processes that follow tasks) and for who follows a task
//! (`task.engine_id`). Runtime queries: the statements are small and new.

use app::domain::TaskId;
use sqlx::SqliteExecutor;

/// A process that runs the engine.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EngineRow {
    pub id: String,
    /// `serve` or `cli`.
    pub kind: String,
    pub pid: i64,
    pub started_at: i64,
    /// Unix ms of the last sign of life.
    pub heartbeat_at: i64,
}

pub async fn register(db: impl SqliteExecutor<'_>, row: &EngineRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO engine (id, kind, pid, started_at, heartbeat_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(&row.id)
    .bind(&row.kind)
    .bind(row.pid)
    .bind(row.started_at)
    .bind(row.heartbeat_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn heartbeat(db: impl SqliteExecutor<'_>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE engine SET heartbeat_at = ?2 WHERE id = ?1")
        .bind(id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes an engine that stops (its tasks are adopted by the next console).
pub async fn remove(db: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM engine WHERE id = ?1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn list(db: impl SqliteExecutor<'_>) -> sqlx::Result<Vec<EngineRow>> {
    sqlx::query_as("SELECT id, kind, pid, started_at, heartbeat_at FROM engine ORDER BY started_at")
        .fetch_all(db)
        .await
}

/// Records that `engine` follows `task` (a task it just launched).
pub async fn set_follower(
    db: impl SqliteExecutor<'_>,
    task: TaskId,
    engine: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE task SET engine_id = ?2 WHERE id = ?1")
        .bind(task.0)
        .bind(engine)
        .execute(db)
        .await?;
    Ok(())
}

/// Tasks in flight with the engine that follows them (`None`: nobody yet).
pub async fn in_flight_owners(
    db: impl SqliteExecutor<'_>,
) -> sqlx::Result<Vec<(TaskId, Option<String>)>> {
    let rows: Vec<(i64, Option<String>)> = sqlx::query_as(&format!(
        "SELECT id, engine_id FROM task WHERE status IN {} ORDER BY id",
        super::task::IN_FLIGHT_SQL
    ))
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id, e)| (TaskId(id), e)).collect())
}

/// Makes `me` the follower of `task` if it is still followed by `seen` (compare and swap, so
/// two consoles never both take a task). `true` when it did.
pub async fn claim(
    db: impl SqliteExecutor<'_>,
    task: TaskId,
    me: &str,
    seen: Option<&str>,
) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE task SET engine_id = ?2 WHERE id = ?1 AND engine_id IS ?3")
        .bind(task.0)
        .bind(me)
        .bind(seen)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A task another process changed: its last event and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub task: TaskId,
    pub last_seq: i64,
    /// Unix ms.
    pub updated_at: i64,
}

/// Tasks changed at or after `since` (unix ms) that `me` does not follow.
pub async fn changed_since(
    db: impl SqliteExecutor<'_>,
    since: i64,
    me: &str,
) -> sqlx::Result<Vec<Changed>> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT id, last_seq, updated_at FROM task INDEXED BY task_updated
         WHERE updated_at >= ?1 AND engine_id IS NOT ?2",
    )
    .bind(since)
    .bind(me)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, last_seq, updated_at)| Changed {
            task: TaskId(id),
            last_seq,
            updated_at,
        })
        .collect())
}
