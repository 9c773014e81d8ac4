//! API configurations: create, edit, switch on/off, archive, history and restore, key reveal.
//! Every change is one transaction that also writes its history row (`versions`); bad input
//! changes nothing.

pub(crate) mod key_check;
pub(crate) mod versions;

pub use versions::create;
use versions::{load, load_for_change, note, set_archived, write_version};

use super::Core;
use crate::db;
use anyhow::Context;
use app::api::configs::ConfigsApi;
use app::domain::*;
use app::error::AppError;
use app::i18n::Msg;
use std::collections::HashMap;

#[async_trait::async_trait]
impl ConfigsApi for Core {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn create_config(
        &self,
        actor: &Actor,
        input: ConfigInput,
    ) -> Result<ConfigView, AppError> {
        create(self, actor, input, HistoryAction::Created).await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn get_config(&self, _actor: &Actor, id: ConfigId) -> Result<ConfigView, AppError> {
        let core = self;
        Ok(load(core, id).await?.view)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn config_history(
        &self,
        _actor: &Actor,
        id: ConfigId,
    ) -> Result<Vec<HistoryEntry>, AppError> {
        let core = self;
        load(core, id).await?;
        db::config_event::list(&core.db.read, id)
            .await
            .context("db::config_event::list")
            .map_err(AppError::from)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn list_configs(
        &self,
        _actor: &Actor,
        filter: ConfigFilter,
    ) -> Result<Vec<ConfigListItem>, AppError> {
        let core = self;
        let rows = db::config::list(
            &core.db.read,
            &filter.q,
            filter.api_type,
            filter.active,
            filter.archived,
        )
        .await
        .context("db::config::list")?;
        let since = core.clock.now_ms() - 24 * 3600 * 1000;
        let mut stats: HashMap<ConfigId, db::task::ConfigStats> = if filter.skip_stats {
            HashMap::new()
        } else {
            db::task::config_stats(&core.db.read, since)
                .await
                .context("db::task::config_stats")?
        };
        let mut checks = if filter.skip_stats {
            HashMap::new()
        } else {
            db::key_check::latest_all(&core.db.read)
                .await
                .context("db::key_check::latest_all")?
        };
        let mut items: Vec<ConfigListItem> = rows
            .into_iter()
            .map(|r| {
                let s = stats.remove(&r.view.id).unwrap_or_default();
                let last_check = checks.remove(&r.view.id);
                ConfigListItem {
                    config: r.view,
                    last_test: s.last,
                    succeeded_24h: s.succeeded_24h,
                    finished_24h: s.finished_24h,
                    last_check,
                }
            })
            .collect();
        match filter.sort {
            ConfigSort::Name => {}
            ConfigSort::Updated => items.sort_by_key(|i| std::cmp::Reverse(i.config.updated_at)),
            ConfigSort::LastTest => items.sort_by(|a, b| {
                b.last_test
                    .as_ref()
                    .map(|l| l.at)
                    .cmp(&a.last_test.as_ref().map(|l| l.at))
            }),
        }
        Ok(items)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn update_config(
        &self,
        actor: &Actor,
        id: ConfigId,
        input: ConfigInput,
        confirm: Option<Password>,
    ) -> Result<ConfigView, AppError> {
        let core = self;
        let row = load_for_change(core, actor, id).await?;
        let valid = input.validate(row.has_key())?;
        let key_moves = valid.new_key.is_none()
            && row.has_key()
            && row.view.fields.key_goes_elsewhere(&valid.fields);
        // Sending the stored key to a new address reveals it to whoever is there: the same
        // check as revealing it. The command line holds the master key anyway.
        if key_moves && actor.user().is_some() {
            let Some(password) = confirm else {
                return Err(AppError::field("password", Msg::ErrKeyRepointPassword));
            };
            super::auth::confirm_password(core, actor, password).await?;
        }
        write_version(
            core,
            actor,
            &row,
            &valid.fields,
            valid.new_key.as_deref(),
            HistoryAction::Updated,
            None,
        )
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn set_config_active(
        &self,
        actor: &Actor,
        id: ConfigId,
        active: bool,
    ) -> Result<ConfigView, AppError> {
        let core = self;
        let row = load_for_change(core, actor, id).await?;
        if active && !row.has_key() {
            return Err(AppError::conflict(Msg::ErrKeyRequiredActive));
        }
        versions::set_active(core, actor, &row, active).await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn delete_config(&self, actor: &Actor, id: ConfigId) -> Result<DeleteOutcome, AppError> {
        let core = self;
        actor.require_admin()?;
        let row = load(core, id).await?;
        let now = core.clock.now_ms();
        let mut tx = core.db.begin().await?;
        if db::config::has_tasks(&mut *tx, id)
            .await
            .context("db::config::has_tasks")?
        {
            if row.view.archived_at.is_none() {
                set_archived(&mut tx, actor, &row, true, now).await?;
            }
            tx.commit().await.context("committing")?;
            tracing::info!(config = %id, by = actor.name(), "config archived (it has tasks)");
            Ok(DeleteOutcome::Archived)
        } else {
            db::config::delete(&mut *tx, id)
                .await
                .context("db::config::delete")?;
            tx.commit().await.context("committing")?;
            tracing::info!(config = %id, by = actor.name(), "config deleted");
            Ok(DeleteOutcome::Deleted)
        }
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn unarchive_config(&self, actor: &Actor, id: ConfigId) -> Result<ConfigView, AppError> {
        let core = self;
        actor.require_admin()?;
        let row = load(core, id).await?;
        if row.view.archived_at.is_none() {
            return Ok(row.view);
        }
        let now = core.clock.now_ms();
        let mut tx = core.db.begin().await?;
        set_archived(&mut tx, actor, &row, false, now).await?;
        tx.commit().await.context("committing")?;
        Ok(load(core, id).await?.view)
    }

    /// Makes an earlier version current again (as a new version); the key stays as it is.
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn revert_config(
        &self,
        actor: &Actor,
        id: ConfigId,
        version: i64,
    ) -> Result<ConfigView, AppError> {
        let core = self;
        let row = load_for_change(core, actor, id).await?;
        let snap = db::config_event::snapshot(&core.db.read, id, version)
            .await
            .context("db::config_event::snapshot")?
            .ok_or_else(|| AppError::bad_request(Msg::ErrVersionUnknown))?;
        // The old version must still be valid today (a name may since belong to another config).
        let mut valid = snap.to_input().validate(row.has_key())?;
        // On/off is not part of a version (switching is an event): a restore keeps it.
        valid.fields.is_active = row.view.fields.is_active;
        if row.has_key()
            && actor.user().is_some()
            && row.view.fields.key_goes_elsewhere(&valid.fields)
        {
            return Err(AppError::conflict(Msg::ErrRevertRepoints));
        }
        write_version(
            core,
            actor,
            &row,
            &valid.fields,
            None,
            HistoryAction::Reverted,
            Some(version),
        )
        .await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn check_config_key(&self, actor: &Actor, id: ConfigId) -> Result<KeyCheck, AppError> {
        key_check::check_saved(self, actor, id).await
    }

    async fn check_typed_key(
        &self,
        actor: &Actor,
        input: ConfigInput,
        id: Option<ConfigId>,
    ) -> Result<KeyCheck, AppError> {
        key_check::check_typed(self, actor, input, id).await
    }

    async fn key_checks(&self, actor: &Actor, id: ConfigId) -> Result<Vec<KeyCheck>, AppError> {
        key_check::history(self, actor, id).await
    }

    async fn budget(&self, _actor: &Actor, id: ConfigId) -> Result<BudgetStatus, AppError> {
        super::budget::status(self, id).await
    }

    async fn set_budget(
        &self,
        actor: &Actor,
        id: ConfigId,
        daily: Option<String>,
    ) -> Result<BudgetStatus, AppError> {
        super::budget::set(self, actor, id, daily).await
    }

    async fn reveal_key(
        &self,
        actor: &Actor,
        id: ConfigId,
        password: Password,
    ) -> Result<String, AppError> {
        let core = self;
        actor.require_admin()?;
        super::auth::confirm_password(core, actor, password).await?;
        let row = load(core, id).await?;
        let key = key_check::stored_key(core, &row)?;
        let now = core.clock.now_ms();
        let mut tx = core.db.begin().await?;
        note(
            &mut tx,
            actor,
            id,
            row.view.version,
            HistoryAction::KeyRevealed,
            now,
        )
        .await?;
        versions::audit(&mut tx, actor, id, "key_reveal", serde_json::json!({}), now).await?;
        tx.commit().await.context("committing")?;
        tracing::warn!(config = %id, by = actor.name(), "API key revealed");
        Ok(secrecy::ExposeSecret::expose_secret(&key).to_owned())
    }
}
