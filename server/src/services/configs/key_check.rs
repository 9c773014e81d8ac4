//! The key check (检测密钥) of a saved config or of typed values: asks the provider about the
//! key (`providers::account`), keeps a saved config's result with its time (`db::key_check`),
//! never stores a typed key.

use super::super::Core;
use super::versions::load;
use crate::db;
use crate::providers::account::{KeyProbe, check_key, models_path, price_preview_path};
use anyhow::Context;
use app::domain::*;
use app::error::AppError;
use app::i18n::Msg;
use secrecy::SecretString;

/// Checks `key` against the hosts of `fields`: the domestic host first, the overseas one as the
/// other site.
pub(super) async fn run(core: &Core, fields: &ConfigSnapshot, key: &SecretString) -> KeyCheck {
    let probe = KeyProbe {
        host: &fields.host_domestic,
        other_host: Some(&fields.host_overseas),
        price_preview: match fields.api_type {
            ApiType::RunningHubRhartEdit => price_preview_path(&fields.draw_endpoint),
            ApiType::NanoBananaEdits => None,
        },
        gateway: match fields.api_type {
            ApiType::NanoBananaEdits => Some((
                models_path(&fields.draw_endpoint),
                fields.model_name.clone(),
            )),
            ApiType::RunningHubRhartEdit => None,
        },
        allow_local: fields.allow_local,
        key,
    };
    let now = Timestamp(core.clock.now_ms());
    check_key(&core.engine.0.providers.http, probe, now).await
}

/// The saved config's key, checked; the result is kept.
pub(super) async fn check_saved(
    core: &Core,
    actor: &Actor,
    id: ConfigId,
) -> Result<KeyCheck, AppError> {
    actor.require_admin()?;
    let row = load(core, id).await?;
    let key = stored_key(core, &row)?;
    let check = run(core, &row.view.fields, &key).await;
    db::key_check::insert(&core.db.write, id, &check)
        .await
        .context("keeping the key check")?;
    tracing::info!(config = %id, by = actor.name(), ok = check.ok(), "key checked");
    Ok(check)
}

/// Typed values, checked as they are: nothing is stored. A blank key uses the stored key of
/// `id` (the edit form), only while the hosts are the config's own.
pub(super) async fn check_typed(
    core: &Core,
    actor: &Actor,
    input: ConfigInput,
    id: Option<ConfigId>,
) -> Result<KeyCheck, AppError> {
    actor.require_admin()?;
    let stored = match id {
        Some(id) => Some(load(core, id).await?),
        None => None,
    };
    let valid = input
        .validate(stored.as_ref().is_some_and(|r| r.sealed.is_some()))
        .map_err(AppError::from)?;
    let key = match (valid.new_key, &stored) {
        (Some(k), _) => SecretString::from(k),
        (None, Some(row)) => {
            // The stored key goes only where it already goes: typed hosts or endpoints that
            // differ need the key typed again.
            if row.view.fields.key_goes_elsewhere(&valid.fields) {
                return Err(key_needed());
            }
            stored_key(core, row)?
        }
        (None, None) => return Err(key_needed()),
    };
    Ok(run(core, &valid.fields, &key).await)
}

/// A config's kept checks, newest first.
pub(super) async fn history(
    core: &Core,
    actor: &Actor,
    id: ConfigId,
) -> Result<Vec<KeyCheck>, AppError> {
    actor.require_admin()?;
    load(core, id).await?;
    Ok(
        db::key_check::recent(&core.db.read, id, db::key_check::KEPT)
            .await
            .context("reading the key checks")?,
    )
}

/// "Type the key" beside the key field.
fn key_needed() -> AppError {
    let mut e = FieldErrors::new();
    e.push("api_key", Msg::ErrRequired);
    e.into()
}

/// A config's stored key, decrypted; 409 when it has none.
pub(crate) fn stored_key(
    core: &Core,
    row: &db::config::ConfigRow,
) -> Result<SecretString, AppError> {
    let sealed = row
        .sealed
        .as_ref()
        .ok_or_else(|| AppError::conflict(Msg::ErrConfigNoKey))?;
    Ok(core
        .secrets
        .open(row.view.id.0, sealed)
        .context("opening the key")?)
}
