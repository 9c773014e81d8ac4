//! Creating tasks (one per config, a batch when several), running one again, cancelling one.

use super::*;

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
        let mut tx = inner.db.begin().await?;
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
}
