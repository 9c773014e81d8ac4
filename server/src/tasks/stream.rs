//! Live views of tasks. A task stream first subscribes, then sends the task and its events
//! after the viewer's last sequence number from the database, then live events, dropping any
//! at or below the last one sent: no gap, no duplicate, whether the viewer is late, reloaded
//! or reconnecting after a restart.

use super::Engine;
use super::EngineError;
use crate::db;
use anyhow::Context;
use app::domain::{StreamMsg, TaskChange, TaskEvent, TaskId, TaskStatus};
use futures::StreamExt;
use futures::stream::BoxStream;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// How often a waiting task's place in line is looked at again (it moves without events).
pub const POSITION_EVERY: Duration = Duration::from_secs(2);

/// Opens the stream of `id` after `after_seq`.
pub async fn task_stream(
    engine: &Engine,
    id: TaskId,
    after_seq: i64,
) -> Result<BoxStream<'static, StreamMsg>, EngineError> {
    let inner = engine.0.clone();
    // Subscribe before reading the backlog: nothing can fall between the two.
    let mut rx = inner.hub.subscribe(id);
    let view = db::task::view(&inner.db.read, id)
        .await
        .context("reading the task")?
        .ok_or(EngineError::NotFound)?;
    let (tx, out) = mpsc::channel::<StreamMsg>(256);
    let shutdown = engine.shutdown_token();
    tokio::spawn(async move {
        let mut last = after_seq.max(0);
        let mut status = view.status;
        let mut position = view.slot_position;
        let send = |m: StreamMsg| {
            let tx = tx.clone();
            async move { tx.send(m).await.is_ok() }
        };
        if !send(StreamMsg::Task {
            task: Box::new(view),
        })
        .await
        {
            return;
        }
        'outer: loop {
            // Catch up from the database (first time, after a gap, lag or heartbeat).
            let backlog = match db::task_event::after(&inner.db.read, id, last).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(task = %id, error = %e, "reading task events failed");
                    Vec::new()
                }
            };
            for ev in backlog {
                if !deliver(&inner, id, ev, &mut last, &mut status, &send).await {
                    break 'outer;
                }
            }
            if status.is_terminal()
                && let Ok(Some((s, seq))) = db::task::status_of(&inner.db.read, id).await
                && s.is_terminal()
                && last >= seq
            {
                let _ = send(StreamMsg::End).await;
                break;
            }
            // One heartbeat deadline per catch-up, however often the position is looked at.
            let beat = tokio::time::sleep(HEARTBEAT);
            tokio::pin!(beat);
            loop {
                tokio::select! {
                    r = rx.recv() => match r {
                        Ok(ev) => {
                            if ev.seq <= last {
                                continue;
                            }
                            if ev.seq != last + 1 {
                                continue 'outer;
                            }
                            let terminal = ev.status.is_terminal();
                            if !deliver(&inner, id, (*ev).clone(), &mut last, &mut status, &send).await {
                                break 'outer;
                            }
                            if terminal {
                                continue 'outer;
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => continue 'outer,
                        Err(broadcast::error::RecvError::Closed) => {
                            rx = inner.hub.subscribe(id);
                            continue 'outer;
                        }
                    },
                    _ = tokio::time::sleep(POSITION_EVERY), if status == TaskStatus::Waiting => {
                        if let Ok(Some(view)) = db::task::view(&inner.db.read, id).await
                            && view.slot_position != position
                            && view.status == TaskStatus::Waiting
                        {
                            position = view.slot_position;
                            if !send(StreamMsg::Task { task: Box::new(view) }).await {
                                break 'outer;
                            }
                        }
                    }
                    _ = &mut beat => {
                        if !send(StreamMsg::Heartbeat).await {
                            break 'outer;
                        }
                        // Also catches events written by another process (the CLI).
                        continue 'outer;
                    }
                    _ = tx.closed() => break 'outer,
                    _ = shutdown.cancelled() => break 'outer,
                }
            }
        }
        drop(rx);
        inner.hub.release(id);
    });
    Ok(tokio_stream_from(out))
}

/// Sends one event (and the task again when its status changed). `false` once the viewer left.
async fn deliver<F, Fut>(
    inner: &super::Inner,
    id: TaskId,
    ev: TaskEvent,
    last: &mut i64,
    status: &mut TaskStatus,
    send: &F,
) -> bool
where
    F: Fn(StreamMsg) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    *last = ev.seq;
    let changed = ev.status != *status;
    *status = ev.status;
    if !send(StreamMsg::Event { event: ev }).await {
        return false;
    }
    if changed && let Ok(Some(view)) = db::task::view(&inner.db.read, id).await {
        return send(StreamMsg::Task {
            task: Box::new(view),
        })
        .await;
    }
    true
}

fn tokio_stream_from<T: Send + 'static>(mut rx: mpsc::Receiver<T>) -> BoxStream<'static, T> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
}

/// Every task whose status changes from now on, as list rows; `None` is a heartbeat.
pub async fn changes_stream(
    engine: &Engine,
) -> Result<BoxStream<'static, Option<TaskChange>>, EngineError> {
    let inner = engine.0.clone();
    let mut rx = inner.hub.subscribe_changes();
    let (tx, out) = mpsc::channel::<Option<TaskChange>>(256);
    let shutdown = engine.shutdown_token();
    tokio::spawn(async move {
        loop {
            let msg = tokio::select! {
                r = rx.recv() => match r {
                    Ok(id) => match db::task::summary(&inner.db.read, id).await {
                        Ok(Some(summary)) => {
                            let duration_ms = summary.finished_at.map(|f| f.0 - summary.created_at.0);
                            Some(TaskChange { summary, duration_ms })
                        }
                        _ => continue,
                    },
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                _ = tokio::time::sleep(HEARTBEAT) => None,
                _ = tx.closed() => break,
                _ = shutdown.cancelled() => break,
            };
            if tx.send(msg).await.is_err() {
                break;
            }
        }
    });
    Ok(tokio_stream_from(out))
}
