//! Creating tasks (one per config, a batch when several), running one again, cancelling one.

use super::*;

/// One config a task is created for, as it will run: its id, version and fields.
#[derive(Clone)]
struct Chosen {
    id: ConfigId,
    version: i64,
    fields: ConfigSnapshot,
    /// The task this one runs again, and what changed.
    lineage: Option<(TaskId, Vec<String>)>,
}

async fn config_version_of(db: &Db, id: TaskId) -> anyhow::Result<i64> {
    db::task::config_version(&db.read, id)
        .await
        .context("reading the task's config version")
}

impl Engine {
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
        self.check_images(&valid).await?;
        let mut chosen = Vec::new();
        for id in &ids {
            let row = self.usable_config(*id, &valid).await?;
            chosen.push(Chosen {
                id: row.view.id,
                version: row.view.version,
                fields: row.view.fields,
                lineage: None,
            });
        }
        self.create(actor, chosen, valid, follow).await
    }

    /// Every local image of `valid` is still kept (retention may have removed one since).
    async fn check_images(&self, valid: &ValidSpec) -> Result<(), EngineError> {
        for b in &valid.local_images {
            if db::blob::get(&self.0.db.read, &b.name)
                .await
                .context("looking up a local image")?
                .is_none()
            {
                return Err(EngineError::field("local_images", Msg::ErrBlobUnknown));
            }
        }
        Ok(())
    }

    /// The config `id`, if a test of `valid` may run on it now: not archived, active, with a
    /// key, and with an upload endpoint when there are local images to upload.
    async fn usable_config(
        &self,
        id: ConfigId,
        valid: &ValidSpec,
    ) -> Result<db::config::ConfigRow, EngineError> {
        let inner = &self.0;
        let row = db::config::by_id(&inner.db.read, id)
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
        Ok(row)
    }

    /// Creates one task of `valid` per chosen config (a batch when several), with its events,
    /// and follows them when `follow`.
    async fn create(
        &self,
        actor: &Actor,
        chosen: Vec<Chosen>,
        valid: ValidSpec,
        follow: bool,
    ) -> Result<Vec<TaskId>, EngineError> {
        let inner = &self.0;
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
        let mut tx = inner.db.begin().await?;
        let batch_id = if chosen.len() > 1 {
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
        for c in &chosen {
            let f = &c.fields;
            let stored = StoredSpec {
                spec: valid.clone(),
                config: f.clone(),
                images_sent,
            };
            let id = db::task::insert(
                &mut *tx,
                NewTask {
                    config_id: c.id,
                    config_version: c.version,
                    batch_id,
                    region: valid.region,
                    prompt: &valid.prompt,
                    spec: &stored,
                    warnings: &warnings,
                    deadline_at: now + i64::from(f.timeout_secs) * 1000,
                    created_by: actor.user_id(),
                    rerun_of: c.lineage.as_ref().map(|l| l.0),
                },
                now,
            )
            .await
            .context("inserting a task")?;
            let msg = EventText::Created {
                by: who.to_owned(),
                config: f.name.clone(),
                version: c.version,
                region: valid.region,
                resolution: valid.resolution,
                aspect: valid.aspect_ratio,
                images: total,
            };
            let mut said = vec![Event::info(Stage::Validate, msg)];
            if let Some((of, changed)) = &c.lineage {
                said.push(Event::info(
                    Stage::Validate,
                    EventText::Reruns {
                        of: of.0,
                        by: who.to_owned(),
                        changed: changed.clone(),
                    },
                ));
            }
            said.extend(
                warnings
                    .iter()
                    .map(|w| Event::warn(Stage::Validate, w.clone())),
            );
            for e in said {
                let ev = append(&mut tx, id, e, now)
                    .await
                    .context("recording a launch event")?;
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

    /// Runs task `r.of`'s test case again (see [`RerunRequest`]), recording what it re-runs and what
    /// changed. Refused when the earlier attempt may already have been billed (it timed out or
    /// its submit may have reached the provider) unless `r.confirmed`, and "as it was" when
    /// the config's key now goes elsewhere (the old destination would get the current key).
    pub async fn rerun(&self, actor: &Actor, r: RerunRequest) -> Result<TaskId, EngineError> {
        let inner = &self.0;
        let t = db::task::engine_task(&inner.db.read, r.of)
            .await
            .context("reading the task to run again")?
            .ok_or(EngineError::NotFound)?;
        if !t.status.is_terminal() {
            return Err(EngineError::Refused(Msg::ErrTaskNotFinished));
        }
        if t.status.may_be_billed() && !r.confirmed {
            return Err(EngineError::Refused(Msg::ErrRerunMayBeBilled));
        }
        let valid = t.stored.spec.clone();
        self.check_images(&valid).await?;
        let target = r.config.unwrap_or(t.config_id);
        let row = self.usable_config(target, &valid).await?;
        let before = (t.config_id, config_version_of(&inner.db, r.of).await?);
        let (id, version, fields) = if r.as_it_was && target == t.config_id {
            if t.stored.config.key_goes_elsewhere(&row.view.fields) {
                return Err(EngineError::Refused(Msg::ErrRerunKeyElsewhere));
            }
            (before.0, before.1, t.stored.config.clone())
        } else {
            (row.view.id, row.view.version, row.view.fields)
        };
        let changed = if (id, version) != before {
            vec!["config".to_owned()]
        } else {
            Vec::new()
        };
        let chosen = Chosen {
            id,
            version,
            fields,
            lineage: Some((r.of, changed)),
        };
        let ids = self.create(actor, vec![chosen], valid, true).await?;
        ids.into_iter().next().ok_or(EngineError::NotFound)
    }

    /// Runs a batch's failed and timed-out tasks again, as one new batch on their configs'
    /// current versions (timed-out ones only with `confirmed`: they may have been billed).
    pub async fn rerun_failed(
        &self,
        actor: &Actor,
        batch: BatchId,
        confirmed: bool,
    ) -> Result<Vec<TaskId>, EngineError> {
        let inner = &self.0;
        let tasks = db::task::in_batch(&inner.db.read, batch)
            .await
            .context("reading the batch")?;
        if tasks.is_empty() {
            return Err(EngineError::NotFound);
        }
        let again: Vec<_> = tasks
            .into_iter()
            .filter(|(_, s)| matches!(s, TaskStatus::Failed | TaskStatus::TimedOut))
            .collect();
        if again.is_empty() {
            return Err(EngineError::Refused(Msg::ErrBatchNothingFailed));
        }
        if again.iter().any(|(_, s)| s.may_be_billed()) && !confirmed {
            return Err(EngineError::Refused(Msg::ErrRerunMayBeBilled));
        }
        let mut chosen = Vec::new();
        let mut valid = None;
        for (id, _) in &again {
            let t = db::task::engine_task(&inner.db.read, *id)
                .await
                .context("reading a task to run again")?
                .ok_or(EngineError::NotFound)?;
            let row = self.usable_config(t.config_id, &t.stored.spec).await?;
            let before = config_version_of(&inner.db, *id).await?;
            let changed = if row.view.version != before {
                vec!["config".to_owned()]
            } else {
                Vec::new()
            };
            chosen.push(Chosen {
                id: row.view.id,
                version: row.view.version,
                fields: row.view.fields,
                lineage: Some((*id, changed)),
            });
            valid.get_or_insert(t.stored.spec);
        }
        let valid = valid.ok_or(EngineError::NotFound)?;
        self.check_images(&valid).await?;
        self.create(actor, chosen, valid, true).await
    }

    /// Marks every unfinished task of `config` failed because the in-memory sandbox it ran on
    /// was restarted and forgot it (code `sandbox_restarted`, with an event saying so). Call
    /// before [`Engine::resume`]. Answers how many tasks it ended.
    pub async fn fail_forgotten_by_sandbox(&self, config: ConfigId) -> Result<usize, EngineError> {
        let mut ended = 0;
        for id in db::task::in_flight(&self.0.db.read)
            .await
            .context("listing tasks in flight")?
        {
            let Some(t) = db::task::engine_task(&self.0.db.read, id)
                .await
                .context("reading a task in flight")?
            else {
                continue;
            };
            if t.config_id != config {
                continue;
            }
            let update = TaskUpdate {
                status: Some(TaskStatus::Failed),
                error_code: Some("sandbox_restarted".into()),
                error_message: Some(
                    "The sandbox was restarted and no longer knows this task".into(),
                ),
                finished: true,
                ..Default::default()
            };
            let event = Event::error(Stage::Resume, EventText::SandboxRestarted).update(update);
            if self
                .0
                .record(id, None, event)
                .await
                .context("recording the sandbox restart")?
            {
                ended += 1;
            }
        }
        Ok(ended)
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
}
