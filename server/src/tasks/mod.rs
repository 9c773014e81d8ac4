//! The test-task engine. A task is a small state machine (pending → uploading → submitting →
//! queued/running → one final state); each in-flight task is one tokio task that sleeps on a
//! timer between polls, so thousands in flight cost thousands of small futures, not threads.
//! A gate per config bounds its tasks at the provider (the rest wait in line, `waiting`, see
//! `gate`), a global semaphore bounds HTTP calls in the air. Every transition is one transaction that also appends its event; the in-process hub
//! only wakes viewers up. At start, tasks still in flight are picked up again, except one whose
//! submit may have been in the air: that one is marked for a person to decide.

pub mod callback;
mod decide;
mod error;
pub mod event;
mod gate;
pub mod hub;
mod launch;
pub mod lease;
pub mod retry;
mod runner;
pub mod stream;

use crate::blobs::BlobStore;
use crate::clock::SharedClock;
use crate::db::{
    self, Db,
    task::{NewTask, StoredSpec, TaskUpdate},
};
use crate::metrics::Metrics;
use crate::providers::Providers;
use crate::secrets::Secrets;
use anyhow::Context;
use app::domain::*;
use app::i18n::Msg;
pub use error::EngineError;
use event::Event;
use hub::Hub;
use retry::RetryPolicy;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Time between polls of one task.
    pub poll_interval: Duration,
    pub retry: RetryPolicy,
    /// Provider HTTP calls in the air at once, over all configs.
    pub max_requests: usize,
    /// Write a "still running" event every this many unchanged polls (a minute at 3 s).
    pub heartbeat_polls: u32,
    /// The console's public address (`--public-url`): callbacks need it.
    pub public_url: Option<String>,
    /// Time between polls of a task whose callback is expected (a fallback, not the way).
    pub callback_poll_interval: Duration,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            poll_interval: Duration::from_secs(3),
            retry: RetryPolicy::default(),
            max_requests: 256,
            heartbeat_polls: 20,
            public_url: None,
            callback_poll_interval: Duration::from_secs(60),
        }
    }
}

/// The engine's state: its parts (reached through `Deref`, as `inner.db`) and what it keeps
/// while running.
pub(crate) struct Inner {
    /// This engine's id in the `engine` table (see `lease`).
    pub id: String,
    parts: EngineParts,
    pub hub: Hub,
    requests: Arc<Semaphore>,
    /// Results being fetched and thumbnailed at once: a burst of successes (2,000 tasks ending
    /// together) must not hold 2,000 decoded images in memory.
    pub(crate) keeping: Semaphore,
    /// Each config's gate, made by its first task after a start or a change (see `Run::gate`).
    gates: Mutex<HashMap<ConfigId, Arc<tokio::sync::OnceCell<Arc<gate::Gate>>>>>,
    running: Mutex<HashMap<TaskId, CancellationToken>>,
    /// Callback hints waiting for their task's poll loop (see `callback`).
    hints: Mutex<HashMap<TaskId, Arc<Hint>>>,
    /// Configs whose last expected callback never came: their tasks poll at the normal pace
    /// until a callback arrives again.
    silent_callbacks: Mutex<std::collections::HashSet<ConfigId>>,
    tracker: TaskTracker,
    shutdown: CancellationToken,
}

impl std::ops::Deref for Inner {
    type Target = EngineParts;
    fn deref(&self) -> &EngineParts {
        &self.parts
    }
}

/// Wakes a task's poll loop for a query now: a callback came (`by_callback`), or an operator
/// attached the task id.
#[derive(Default)]
pub(crate) struct Hint {
    pub wake: tokio::sync::Notify,
    pub by_callback: std::sync::atomic::AtomicBool,
}

impl Hint {
    pub fn callback(&self) {
        self.by_callback
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.wake.notify_one();
    }
}

/// The engine handle; cheap to clone.
#[derive(Clone)]
pub struct Engine(pub(crate) Arc<Inner>);

/// Everything the engine needs.
pub struct EngineParts {
    pub db: Db,
    pub clock: SharedClock,
    pub secrets: Arc<Secrets>,
    pub providers: Providers,
    pub blobs: BlobStore,
    pub settings: EngineSettings,
    pub metrics: Arc<Metrics>,
}

impl Engine {
    pub fn new(p: EngineParts) -> Engine {
        let max = p.settings.max_requests.max(1);
        Engine(Arc::new(Inner {
            id: uuid::Uuid::new_v4().to_string(),
            parts: p,
            hub: Hub::default(),
            requests: Arc::new(Semaphore::new(max)),
            keeping: Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8)),
            ),
            gates: Mutex::new(HashMap::new()),
            running: Mutex::new(HashMap::new()),
            hints: Mutex::new(HashMap::new()),
            silent_callbacks: Mutex::new(Default::default()),
            tracker: TaskTracker::new(),
            shutdown: CancellationToken::new(),
        }))
    }

    pub fn hub(&self) -> &Hub {
        &self.0.hub
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.0.blobs
    }

    /// Tasks this engine follows right now.
    pub fn following(&self) -> usize {
        self.0.running.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// At start: picks up every task still in flight that no live process follows (see
    /// `lease`). A task whose submit may have been in the air is marked "submit may have
    /// reached the provider", never resubmitted.
    pub async fn resume(&self) -> anyhow::Result<usize> {
        self.adopt(true).await
    }

    fn spawn(&self, id: TaskId) {
        let token = self.0.shutdown.child_token();
        if let Ok(mut m) = self.0.running.lock() {
            m.insert(id, token.clone());
        }
        let inner = self.0.clone();
        self.0.tracker.spawn(async move {
            runner::supervise(&inner, id, token).await;
            if let Ok(mut m) = inner.running.lock() {
                m.remove(&id);
            }
        });
    }

    /// Drops a config's gate after it changed: its next task makes a new one with the new
    /// limit (tasks holding a slot of the old gate keep it until they end).
    pub fn config_changed(&self, id: ConfigId) {
        if let Ok(mut m) = self.0.gates.lock() {
            m.remove(&id);
        }
    }

    /// Stops following tasks (they stay in flight in the database and resume at next start),
    /// letting calls already in the air finish for up to `grace`.
    pub async fn shutdown(&self, grace: Duration) {
        self.0.shutdown.cancel();
        self.0.tracker.close();
        if tokio::time::timeout(grace, self.0.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("some tasks were still busy at shutdown; they resume at next start");
        }
    }

    pub fn is_shutting_down(&self) -> bool {
        self.0.shutdown.is_cancelled()
    }

    pub fn shutdown_token(&self) -> CancellationToken {
        self.0.shutdown.clone()
    }
}

impl Inner {
    /// The hint that wakes task `id`'s poll loop (made on first use by either side).
    pub(crate) fn hint(&self, id: TaskId) -> Arc<Hint> {
        let mut m = self.hints.lock().unwrap_or_else(|p| p.into_inner());
        m.entry(id).or_default().clone()
    }

    /// Forgets task `id`'s hint once its poll loop is over.
    pub(crate) fn drop_hint(&self, id: TaskId) {
        let mut m = self.hints.lock().unwrap_or_else(|p| p.into_inner());
        m.remove(&id);
    }

    /// Whether `config`'s callbacks stopped arriving (its tasks then poll at the normal pace).
    pub(crate) fn callbacks_silent(&self, config: ConfigId) -> bool {
        let m = self
            .silent_callbacks
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        m.contains(&config)
    }

    /// Notes whether `config`'s last expected callback came.
    pub(crate) fn set_callbacks_silent(&self, config: ConfigId, silent: bool) {
        let mut m = self
            .silent_callbacks
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if silent {
            m.insert(config);
        } else {
            m.remove(&config);
        }
    }

    /// The cell of `config`'s gate (empty until its first task makes it).
    fn gate_cell(&self, config: ConfigId) -> Arc<tokio::sync::OnceCell<Arc<gate::Gate>>> {
        let mut m = self.gates.lock().unwrap_or_else(|p| p.into_inner());
        m.entry(config).or_default().clone()
    }

    /// Grows a gate that a queue-full refusal shrank back to its target, one slot per
    /// interval: the second retry's delay (5 s by default), as the provider's "retry later".
    fn regrow(&self, gate: Arc<gate::Gate>) {
        let every = self.settings.retry.base_delay(2);
        let stop = self.shutdown.clone();
        self.tracker.spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stop.cancelled() => return,
                }
                if !gate.regrow_one() {
                    return;
                }
            }
        });
    }

    /// Applies the event's update to a task still in flight and appends the event, in one
    /// transaction, then wakes viewers. `false` when the task is already final (nothing
    /// written).
    pub(crate) async fn record(
        &self,
        id: TaskId,
        prev_status: Option<TaskStatus>,
        event: Event,
    ) -> anyhow::Result<bool> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin().await?;
        let ev = append(&mut tx, id, event, now).await?;
        tx.commit().await?;
        match ev {
            Some(ev) => {
                let changed = prev_status != Some(ev.status);
                self.hub.publish(ev, changed);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// Applies an event's update and appends the event inside `tx`.
async fn append(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: TaskId,
    event: Event,
    now: i64,
) -> anyhow::Result<Option<TaskEvent>> {
    let Some((seq, status)) = db::task::apply(&mut **tx, id, &event.update, now).await? else {
        return Ok(None);
    };
    let ev = TaskEvent {
        task_id: id,
        seq,
        at: Timestamp(now),
        level: event.level,
        stage: event.stage,
        text: Said::Text(event.text),
        http_status: event.http_status.map(i64::from),
        latency_ms: event.latency_ms,
        status,
    };
    db::task_event::insert(&mut **tx, &ev).await?;
    Ok(Some(ev))
}
