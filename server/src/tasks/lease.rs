//! Who follows which task, across processes sharing one data directory. Each process that runs
//! the engine registers in the `engine` table and keeps a heartbeat (real time, not the test
//! clock: liveness is about processes). A task records its follower (`task.engine_id`).
//!
//! A serving console, once a second: adopts in-flight tasks nobody live follows (handed over
//! by `rhconsole task run`, or left by a process that died), and relays events other processes
//! wrote to its own live viewers, so a page never depends on which process wrote an event. The
//! command line hands its task to a serving console when there is one, and otherwise follows
//! it itself under its own lease, which a console started meanwhile respects.

use super::event::Event;
use super::{Engine, Inner};
use crate::db::{
    self,
    engine::EngineRow,
    task::{SubmitState, TaskUpdate},
};
use app::domain::{EventText, Stage, TaskId, TaskStatus};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often a live engine says so.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);
/// A heartbeat older than this (ms) means the process is gone.
pub const STALE_MS: i64 = 10_000;
/// How often a serving console looks for tasks to adopt and events to relay.
pub const SCAN_EVERY: Duration = Duration::from_secs(1);

/// What kind of process holds a lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum EngineKind {
    /// A console serving the data directory: adopts and relays.
    Serve,
    /// `rhconsole task run` following its own task.
    Cli,
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Whether the process behind `row` is alive: a fresh heartbeat, and (on Linux) its process
/// still exists and is not this process (an earlier engine of this process is gone).
fn is_live(row: &EngineRow, me: &str, now: i64) -> bool {
    if row.id == me {
        return true;
    }
    if now - row.heartbeat_at > STALE_MS {
        return false;
    }
    if row.pid == i64::from(std::process::id()) {
        return false;
    }
    #[cfg(target_os = "linux")]
    {
        std::path::Path::new(&format!("/proc/{}", row.pid)).exists()
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// A console that serves `db`'s data directory right now, if any.
pub async fn serving_console(db: &db::Db) -> anyhow::Result<Option<EngineRow>> {
    let now = wall_ms();
    Ok(db::engine::list(&db.read)
        .await?
        .into_iter()
        .find(|r| r.kind == "serve" && is_live(r, "", now)))
}

impl Engine {
    /// This engine's id in the `engine` table.
    pub fn lease_id(&self) -> &str {
        &self.0.id
    }

    /// Registers this process as a follower of tasks and keeps its heartbeat until shutdown
    /// (then removes it). A serving console also adopts and relays (see the module doc).
    pub async fn start_lease(&self, kind: EngineKind) -> anyhow::Result<()> {
        let now = wall_ms();
        let row = EngineRow {
            id: self.0.id.clone(),
            kind: <&str>::from(kind).to_owned(),
            pid: i64::from(std::process::id()),
            started_at: now,
            heartbeat_at: now,
        };
        db::engine::register(&self.0.db.write, &row).await?;
        let engine = self.clone();
        self.0.tracker.spawn(async move {
            let stop = engine.shutdown_token();
            let mut beat = tokio::time::interval(HEARTBEAT_EVERY);
            let mut scan = tokio::time::interval(SCAN_EVERY);
            let mut relay = Relay {
                since: now,
                seen: HashMap::new(),
            };
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = beat.tick() => {
                        if let Err(e) = db::engine::heartbeat(&engine.0.db.write, &engine.0.id, wall_ms()).await {
                            tracing::warn!(error = ?e, "engine heartbeat failed");
                        }
                    }
                    _ = scan.tick(), if kind == EngineKind::Serve => {
                        if let Err(e) = engine.adopt(false).await {
                            tracing::warn!(error = ?e, "adopting tasks failed");
                        }
                        if let Err(e) = relay.run(&engine.0).await {
                            tracing::warn!(error = ?e, "relaying other processes' events failed");
                        }
                    }
                }
            }
            if let Err(e) = db::engine::remove(&engine.0.db.write, &engine.0.id).await {
                tracing::warn!(error = ?e, "removing the engine lease failed");
            }
        });
        Ok(())
    }

    /// Takes every in-flight task that no live process follows. At start (`at_start`) every
    /// such task is resumed; later, a task handed over fresh (never started) simply starts.
    /// A task caught mid-submit ends as "submit may have reached the provider", never
    /// resubmitted. Answers how many tasks this engine now follows anew.
    pub(super) async fn adopt(&self, at_start: bool) -> anyhow::Result<usize> {
        let inner = &self.0;
        let now = wall_ms();
        let live: HashSet<String> = db::engine::list(&inner.db.read)
            .await?
            .into_iter()
            .filter(|r| is_live(r, &inner.id, now))
            .map(|r| r.id)
            .collect();
        let mut adopted = 0;
        for (id, owner) in db::engine::in_flight_owners(&inner.db.read).await? {
            // Ours already (launched here, or adopted by an earlier scan).
            if self.is_following(id) || owner.as_deref() == Some(inner.id.as_str()) {
                continue;
            }
            if owner
                .as_deref()
                .is_some_and(|o| o != inner.id && live.contains(o))
            {
                continue;
            }
            if !db::engine::claim(&inner.db.write, id, &inner.id, owner.as_deref()).await? {
                continue;
            }
            let Some(t) = db::task::engine_task(&inner.db.read, id).await? else {
                continue;
            };
            if t.submit_state == SubmitState::Sending {
                let update = TaskUpdate {
                    status: Some(TaskStatus::SubmitUncertain),
                    error_code: Some("submit_uncertain".into()),
                    error_message: Some("The server stopped while a submit was in the air; the provider may have this task".into()),
                    finished: true,
                    ..Default::default()
                };
                let event = Event::warn(Stage::Resume, EventText::SubmitUncertain).update(update);
                inner.record(id, None, event).await?;
                continue;
            }
            let fresh = owner.is_none() && t.status == TaskStatus::Pending && t.attempts == 0;
            if at_start || !fresh {
                let what = EventText::Resumed {
                    provider_task_id: t.provider_task_id.clone(),
                };
                inner
                    .record(id, None, Event::info(Stage::Resume, what))
                    .await?;
            }
            self.spawn(id);
            adopted += 1;
        }
        Ok(adopted)
    }

    fn is_following(&self, id: TaskId) -> bool {
        self.0
            .running
            .lock()
            .map(|m| m.contains_key(&id))
            .unwrap_or(false)
    }
}

/// Relays events that other processes write to this console's live viewers.
struct Relay {
    /// The newest `updated_at` seen (unix ms, the writers' clocks).
    since: i64,
    /// The last event relayed per task still in flight.
    seen: HashMap<TaskId, i64>,
}

impl Relay {
    async fn run(&mut self, inner: &Inner) -> anyhow::Result<()> {
        // A margin for writers whose clocks run slightly behind, and for same-ms writes.
        let from = self.since.saturating_sub(2_000);
        for c in db::engine::changed_since(&inner.db.read, from, &inner.id).await? {
            self.since = self.since.max(c.updated_at);
            let (id, last_seq) = (c.task, c.last_seq);
            let known = self.seen.get(&id).copied().unwrap_or(0);
            if last_seq <= known {
                continue;
            }
            let events = db::task_event::after(&inner.db.read, id, known).await?;
            let mut prev = None;
            for ev in events {
                let changed = prev != Some(ev.status);
                prev = Some(ev.status);
                let terminal = ev.status.is_terminal();
                self.seen.insert(id, ev.seq);
                inner.hub.publish(ev, changed);
                if terminal {
                    self.seen.insert(id, i64::MAX);
                }
            }
        }
        // Forget finished tasks once they fell out of the window.
        if self.seen.len() > 10_000 {
            self.seen.retain(|_, seq| *seq != i64::MAX);
        }
        Ok(())
    }
}
