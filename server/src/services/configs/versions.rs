//! Writing a configuration: its versions, its key and its history rows, each in one transaction.

use super::Core;
use crate::db::{self, config::ConfigRow, config_event::NewEvent};
use crate::error::internal;
use anyhow::Context;
use app::domain::*;
use app::error::AppError;
use app::i18n::Msg;
use secrecy::SecretString;

/// An audit row about config `id` (a key revealed, or sent to a new address), inside `tx`.
pub(crate) async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    actor: &Actor,
    id: ConfigId,
    action: &str,
    detail: serde_json::Value,
    now: i64,
) -> anyhow::Result<()> {
    let entry = db::audit::Audit {
        actor_id: actor.user_id(),
        actor_name: actor.name(),
        action,
        target: &format!("config:{id}"),
        detail,
    };
    db::audit::record(&mut **tx, entry, now)
        .await
        .context("db::audit::record")
}

/// Records an action that made no new version (archive, unarchive, key reveal).
pub(super) async fn note(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    actor: &Actor,
    id: ConfigId,
    version: i64,
    action: HistoryAction,
    now: i64,
) -> Result<(), AppError> {
    let change = Change {
        version,
        action,
        snapshot: None,
        changes: &[],
    };
    Ok(history(tx, actor, id, change, now).await?)
}

/// One line of a configuration's history: a new version carries its snapshot and the fields
/// that changed.
struct Change<'a> {
    version: i64,
    action: HistoryAction,
    snapshot: Option<&'a ConfigSnapshot>,
    changes: &'a [FieldChange],
}

/// Writes `change` to the history of config `id`, inside `tx`.
async fn history(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    actor: &Actor,
    id: ConfigId,
    change: Change<'_>,
    now: i64,
) -> anyhow::Result<()> {
    let event = NewEvent {
        config_id: id,
        version: change.version,
        action: change.action,
        snapshot: change.snapshot,
        changes: change.changes,
        actor_id: actor.user_id(),
        actor_name: actor.name(),
    };
    db::config_event::insert(&mut **tx, event, now)
        .await
        .context("db::config_event::insert")
}

/// Switches a configuration on or off: an event in its history, not a new version (what a
/// version holds, how tasks are sent, does not change).
pub(super) async fn set_active(
    core: &Core,
    actor: &Actor,
    row: &ConfigRow,
    active: bool,
) -> Result<ConfigView, AppError> {
    let id = row.view.id;
    if row.view.fields.is_active == active {
        return Ok(row.view.clone());
    }
    let now = core.clock.now_ms();
    let mut tx = core.db.begin().await?;
    db::config::set_active(&mut *tx, id, active, actor.user_id(), now)
        .await
        .context("db::config::set_active")?;
    let changes = [FieldChange {
        field: "is_active".to_owned(),
        before: Some(row.view.fields.is_active.to_string()),
        after: Some(active.to_string()),
    }];
    let change = Change {
        version: row.view.version,
        action: if active {
            HistoryAction::Activated
        } else {
            HistoryAction::Deactivated
        },
        snapshot: None,
        changes: &changes,
    };
    history(&mut tx, actor, id, change, now).await?;
    tx.commit().await.context("committing")?;
    tracing::info!(config = %id, active, by = actor.name(), "config switched");
    core.engine.config_changed(id);
    Ok(load(core, id).await?.view)
}

/// Archives (`archived`) or unarchives a configuration, with its history line, inside `tx`.
pub(super) async fn set_archived(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    actor: &Actor,
    row: &ConfigRow,
    archived: bool,
    now: i64,
) -> Result<(), AppError> {
    let id = row.view.id;
    db::config::set_archived(&mut **tx, id, archived.then_some(now), actor.user_id(), now)
        .await
        .context("db::config::set_archived")?;
    let action = if archived {
        HistoryAction::Archived
    } else {
        HistoryAction::Unarchived
    };
    note(tx, actor, id, row.view.version, action, now).await
}

/// The configuration an admin is about to change: refused to anyone else, and while archived.
pub(super) async fn load_for_change(
    core: &Core,
    actor: &Actor,
    id: ConfigId,
) -> Result<ConfigRow, AppError> {
    actor.require_admin()?;
    let row = load(core, id).await?;
    if row.view.archived_at.is_some() {
        return Err(AppError::conflict(Msg::ErrConfigArchived));
    }
    Ok(row)
}

pub(crate) async fn load(core: &Core, id: ConfigId) -> Result<ConfigRow, AppError> {
    db::config::by_id(&core.db.read, id)
        .await
        .context("db::config::by_id")?
        .ok_or(AppError::NotFound)
}

/// Creates a configuration (`action` is `Created`, or `Imported` from a file by the CLI).
pub async fn create(
    core: &Core,
    actor: &Actor,
    input: ConfigInput,
    action: HistoryAction,
) -> Result<ConfigView, AppError> {
    actor.require_admin()?;
    let valid = input.validate(false)?;
    let now = core.clock.now_ms();
    let mut tx = core.db.begin().await?;
    if db::config::id_by_name(&mut *tx, &valid.fields.name)
        .await
        .context("db::config::id_by_name")?
        .is_some()
    {
        return Err(AppError::field("name", Msg::ErrNameTaken));
    }
    let id = match db::config::insert(&mut *tx, &valid.fields, actor.user_id(), now).await {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => {
            return Err(AppError::field("name", Msg::ErrNameTaken));
        }
        Err(e) => return Err(internal(e)),
    };
    let mut changes = valid.fields.diff_from(None);
    if let Some(key) = &valid.new_key {
        store_key(core, &mut tx, id, key).await?;
        changes.push(FieldChange::key_changed());
    }
    let change = Change {
        version: 1,
        action,
        snapshot: Some(&valid.fields),
        changes: &changes,
    };
    history(&mut tx, actor, id, change, now).await?;
    tx.commit().await.context("committing")?;
    tracing::info!(config = %id, name = %valid.fields.name, by = actor.name(), "config created");
    Ok(load(core, id).await?.view)
}

async fn store_key(
    core: &Core,
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: ConfigId,
    key: &str,
) -> Result<(), AppError> {
    let secret = SecretString::from(key.to_owned());
    let sealed = core
        .secrets
        .seal(id.0, &secret)
        .context("sealing the key")?;
    db::config::set_key(&mut **tx, id, &sealed, &mask_key(key))
        .await
        .context("db::config::set_key")
        .map_err(AppError::from)
}

/// Writes `fields` (and a new key, if any) as the next version, with its history row.
pub(super) async fn write_version(
    core: &Core,
    actor: &Actor,
    row: &ConfigRow,
    fields: &ConfigSnapshot,
    new_key: Option<&str>,
    action: HistoryAction,
    restored_from: Option<i64>,
) -> Result<ConfigView, AppError> {
    let id = row.view.id;
    let mut changes = fields.diff_from(Some(&row.view.fields));
    if new_key.is_some() {
        changes.push(FieldChange::key_changed());
    }
    if changes.is_empty() {
        return Ok(row.view.clone());
    }
    changes.extend(restored_from.map(FieldChange::restored_from));
    let now = core.clock.now_ms();
    let version = row.view.version + 1;
    let mut tx = core.db.begin().await?;
    // Re-check inside the transaction: the name may have been taken meanwhile.
    if let Some(other) = db::config::id_by_name(&mut *tx, &fields.name)
        .await
        .context("db::config::id_by_name")?
        && other != id
    {
        return Err(AppError::field("name", Msg::ErrNameTaken));
    }
    match db::config::update(&mut *tx, id, fields, version, actor.user_id(), now).await {
        Ok(()) => {}
        Err(e) if db::is_unique_violation(&e) => {
            return Err(AppError::field("name", Msg::ErrNameTaken));
        }
        Err(e) => return Err(internal(e)),
    }
    if let Some(key) = new_key {
        store_key(core, &mut tx, id, key).await?;
    } else if row.has_key() && row.view.fields.key_goes_elsewhere(fields) {
        // Where the stored key now goes is a security event of its own.
        let hosts = |s: &ConfigSnapshot| {
            serde_json::json!({
                "host_domestic": s.host_domestic,
                "host_overseas": s.host_overseas,
                "draw_endpoint": s.draw_endpoint,
                "result_endpoint": s.result_endpoint,
                "upload_endpoint": s.upload_endpoint,
                "allow_local": s.allow_local,
            })
        };
        let detail = serde_json::json!({ "from": hosts(&row.view.fields), "to": hosts(fields) });
        audit(&mut tx, actor, id, "config_key_repointed", detail, now).await?;
    }
    let change = Change {
        version,
        action,
        snapshot: Some(fields),
        changes: &changes,
    };
    history(&mut tx, actor, id, change, now).await?;
    tx.commit().await.context("committing")?;
    tracing::info!(config = %id, version, action = action.as_str(), by = actor.name(), "config changed");
    core.engine.config_changed(id);
    Ok(load(core, id).await?.view)
}
