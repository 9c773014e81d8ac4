//! The test-task engine. A task is a small state machine (pending → uploading → submitting →
//! queued/running → one final state); each in-flight task is one tokio task that sleeps on a
//! timer between polls, so thousands in flight cost thousands of small futures, not threads.
//! A semaphore per config bounds tasks at the provider, a global one bounds HTTP calls in the
//! air. Every transition is one transaction that also appends its event; the in-process hub
//! only wakes viewers up. At start, tasks still in flight are picked up again, except one whose
//! submit may have been in the air: that one is marked for a person to decide.

mod error;
pub mod event;
pub mod hub;
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
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            poll_interval: Duration::from_secs(3),
            retry: RetryPolicy::default(),
            max_requests: 256,
            heartbeat_polls: 20,
        }
    }
}

pub(crate) struct Inner {
    /// This engine's id in the `engine` table (see `lease`).
    pub id: String,
    pub db: Db,
    pub clock: SharedClock,
    pub secrets: Arc<Secrets>,
    pub providers: Providers,
    pub blobs: BlobStore,
    pub settings: EngineSettings,
    pub metrics: Arc<Metrics>,
    pub hub: Hub,
    requests: Arc<Semaphore>,
    slots: Mutex<HashMap<ConfigId, (u32, Arc<Semaphore>)>>,
    running: Mutex<HashMap<TaskId, CancellationToken>>,
    tracker: TaskTracker,
    shutdown: CancellationToken,
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
            db: p.db,
            clock: p.clock,
            secrets: p.secrets,
            providers: p.providers,
            blobs: p.blobs,
            settings: p.settings,
            metrics: p.metrics,
            hub: Hub::default(),
            requests: Arc::new(Semaphore::new(max)),
            slots: Mutex::new(HashMap::new()),
            running: Mutex::new(HashMap::new()),
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

    /// Checks the test case and every config, creates the tasks (one per config, one batch when
    /// several) and starts following them.
    pub async fn launch(
        &self,
        actor: &Actor,
        configs: Vec<ConfigId>,
        spec: TaskSpec,
    ) -> Result<Vec<TaskId>, EngineError> {
        self.launch_for(actor, configs, spec, true).await
    }

    /// Like [`Engine::launch`]; with `follow` false the tasks are only created, for a serving
    /// console to adopt (the command line hands its task over this way).
    pub async fn launch_for(
        &self,
        actor: &Actor,
        configs: Vec<ConfigId>,
        spec: TaskSpec,
        follow: bool,
    ) -> Result<Vec<TaskId>, EngineError> {
        let valid = spec.validate()?;
        let mut ids: Vec<ConfigId> = Vec::new();
        for c in configs {
            if !ids.contains(&c) {
                ids.push(c);
            }
        }
        if ids.is_empty() {
            return Err(EngineError::field("configs", Msg::ErrNoConfigsSelected));
        }
        if ids.len() > 20 {
            return Err(EngineError::field("configs", Msg::ErrBadRequest));
        }
        let inner = &self.0;
        for b in &valid.local_images {
            if db::blob::get(&inner.db.read, &b.name)
                .await
                .context("looking up a local image")?
                .is_none()
            {
                return Err(EngineError::field("local_images", Msg::ErrBlobUnknown));
            }
        }
        let mut rows = Vec::new();
        for id in &ids {
            let row = db::config::by_id(&inner.db.read, *id)
                .await
                .context("reading a config")?
                .ok_or(EngineError::NotFound)?;
            if row.view.archived_at.is_some() {
                return Err(EngineError::Refused(Msg::ErrConfigArchived));
            }
            if !row.view.fields.is_active {
                return Err(EngineError::Refused(Msg::ErrConfigInactive));
            }
            if !row.has_key() {
                return Err(EngineError::Refused(Msg::ErrConfigNoKey));
            }
            let provider = inner.providers.get(row.view.fields.api_type);
            if !valid.local_images.is_empty()
                && provider.needs_upload()
                && row.view.fields.upload_endpoint.is_empty()
            {
                return Err(EngineError::field(
                    "local_images",
                    Msg::ErrUploadEndpointMissing,
                ));
            }
            rows.push(row);
        }
        let total = valid.image_count();
        let images_sent = total.min(IMAGES_SENT_MAX);
        let mut warnings = Vec::new();
        if total > IMAGES_SENT_MAX {
            warnings.push(EventText::ImagesCut {
                total,
                sent: IMAGES_SENT_MAX,
            });
        }
        let now = inner.clock.now_ms();
        let who = actor.name();
        let mut tx = inner
            .db
            .write
            .begin()
            .await
            .context("starting the launch")?;
        let batch_id = if rows.len() > 1 {
            Some(
                db::task::insert_batch(&mut *tx, &valid, actor.user_id(), now)
                    .await
                    .context("inserting the batch")?,
            )
        } else {
            None
        };
        let mut created = Vec::new();
        let mut events = Vec::new();
        for row in &rows {
            let f = &row.view.fields;
            let stored = StoredSpec {
                spec: valid.clone(),
                config: f.clone(),
                images_sent,
            };
            let id = db::task::insert(
                &mut *tx,
                NewTask {
                    config_id: row.view.id,
                    config_version: row.view.version,
                    batch_id,
                    region: valid.region,
                    prompt: &valid.prompt,
                    spec: &stored,
                    warnings: &warnings,
                    deadline_at: now + i64::from(f.timeout_secs) * 1000,
                    created_by: actor.user_id(),
                },
                now,
            )
            .await
            .context("inserting a task")?;
            let msg = EventText::Created {
                by: who.to_owned(),
                config: f.name.clone(),
                version: row.view.version,
                region: valid.region,
                resolution: valid.resolution,
                aspect: valid.aspect_ratio,
                images: total,
            };
            let ev = append(&mut tx, id, Event::info(Stage::Validate, msg), now)
                .await
                .context("recording the created event")?;
            events.extend(ev);
            for w in &warnings {
                let ev = append(&mut tx, id, Event::warn(Stage::Validate, w.clone()), now)
                    .await
                    .context("recording a warning event")?;
                events.extend(ev);
            }
            if follow {
                db::engine::set_follower(&mut *tx, id, &inner.id)
                    .await
                    .context("claiming the task for this engine")?;
            }
            created.push(id);
        }
        tx.commit().await.context("committing the launch")?;
        for ev in events {
            inner.hub.publish(ev, true);
        }
        if follow {
            for id in &created {
                self.spawn(*id);
            }
        }
        tracing::info!(tasks = ?created, by = who, "test tasks launched");
        Ok(created)
    }

    /// Runs a finished task's test case again on the same config (as it is now).
    pub async fn rerun(&self, actor: &Actor, id: TaskId) -> Result<TaskId, EngineError> {
        let t = db::task::engine_task(&self.0.db.read, id)
            .await
            .context("reading the task to run again")?
            .ok_or(EngineError::NotFound)?;
        let s = &t.stored.spec;
        let spec = TaskSpec {
            prompt: s.prompt.clone(),
            resolution: s.resolution.as_str().to_owned(),
            aspect_ratio: s.aspect_ratio.as_str().to_owned(),
            image_urls: s.image_urls.clone(),
            local_images: s.local_images.clone(),
            region: s.region.as_str().to_owned(),
        };
        let ids = self.launch(actor, vec![t.config_id], spec).await?;
        ids.into_iter().next().ok_or(EngineError::NotFound)
    }

    /// Stops following a task at once and marks it cancelled.
    pub async fn cancel(&self, actor: &Actor, id: TaskId) -> Result<(), EngineError> {
        if let Some(token) = self.0.running.lock().ok().and_then(|m| m.get(&id).cloned()) {
            token.cancel();
        }
        let who = actor.name();
        let update = TaskUpdate {
            status: Some(TaskStatus::Cancelled),
            error_code: Some("cancelled".into()),
            error_message: Some(format!("Cancelled by {who}")),
            finished: true,
            ..Default::default()
        };
        let msg = EventText::Cancelled { by: who.to_owned() };
        let applied = self
            .0
            .record(id, None, Event::warn(Stage::Cancel, msg).update(update))
            .await
            .context("recording the cancel")?;
        if applied {
            return Ok(());
        }
        match db::task::status_of(&self.0.db.read, id)
            .await
            .context("reading the task status")?
        {
            Some(_) => Err(EngineError::Refused(Msg::ErrTaskFinished)),
            None => Err(EngineError::NotFound),
        }
    }

    /// Drops cached limits of a config after it changed.
    pub fn config_changed(&self, id: ConfigId) {
        if let Ok(mut m) = self.0.slots.lock() {
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
    /// The semaphore bounding tasks of `config` at the provider.
    fn slot(&self, config: ConfigId, size: u32) -> Arc<Semaphore> {
        let mut m = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        match m.get(&config) {
            Some((n, s)) if *n == size => s.clone(),
            _ => {
                let s = Arc::new(Semaphore::new(size.max(1) as usize));
                m.insert(config, (size, s.clone()));
                s
            }
        }
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
        let mut tx = self.db.write.begin().await?;
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
