//! SQL for `task_event`: a task's execution log, numbered without gaps from 1. What an event
//! says is stored once: structured in `detail` (its `EventText` as JSON), or, in rows from before
//! that, as the English text in `message`.

use super::{decode, json};
use app::domain::{Said, TaskEvent, TaskId, Timestamp};
use sqlx::SqliteExecutor;
use sqlx::types::Json;

pub async fn insert(db: impl SqliteExecutor<'_>, e: &TaskEvent) -> sqlx::Result<()> {
    let (message, detail) = match &e.text {
        Said::Text(t) => (None, Some(Json(t))),
        Said::English(m) => (Some(m.as_str()), None),
    };
    let level = e.level.as_str();
    let stage = e.stage.as_str();
    let status = e.status.as_str();
    sqlx::query!(
        "INSERT INTO task_event (task_id, seq, level, stage, message, http_status, latency_ms, status, detail, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        e.task_id.0,
        e.seq,
        level,
        stage,
        message,
        e.http_status,
        e.latency_ms,
        status,
        detail,
        e.at.0
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Events of `task` with `seq > after`, in order.
pub async fn after(
    db: impl SqliteExecutor<'_>,
    task: TaskId,
    after: i64,
) -> sqlx::Result<Vec<TaskEvent>> {
    let rows = sqlx::query!(
        r#"SELECT task_id, seq, level, stage, message, http_status, latency_ms, status, detail, created_at
           FROM task_event WHERE task_id = ?1 AND seq > ?2 ORDER BY seq"#,
        task.0,
        after
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(TaskEvent {
                task_id: TaskId(r.task_id),
                seq: r.seq,
                at: Timestamp(r.created_at),
                level: decode("task_event", r.task_id, "level", &r.level)?,
                stage: decode("task_event", r.task_id, "stage", &r.stage)?,
                text: said(r.task_id, r.detail, r.message)?,
                http_status: r.http_status,
                latency_ms: r.latency_ms,
                status: decode("task_event", r.task_id, "status", &r.status)?,
            })
        })
        .collect()
}

/// What a row says: its structured text, or the English of a row from before those were kept.
/// Unreadable details are an error, not a line that silently loses its text.
fn said(task: i64, detail: Option<String>, message: Option<String>) -> sqlx::Result<Said> {
    match (detail, message) {
        (Some(d), _) => Ok(Said::Text(json("task_event", task, "detail", &d)?)),
        (None, Some(m)) => Ok(Said::English(m)),
        (None, None) => Err(sqlx::Error::Decode(
            format!("task_event of task {task} has neither detail nor message").into(),
        )),
    }
}
