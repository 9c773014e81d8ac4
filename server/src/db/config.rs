//! SQL for the `config` table.

use crate::secrets::Sealed;
use app::domain::{ApiType, ConfigId, ConfigSnapshot, ConfigView, Timestamp, UserId};
use sqlx::SqliteExecutor;

/// A config row as stored, with its sealed key.
#[derive(Debug, Clone)]
pub struct ConfigRow {
    pub view: ConfigView,
    pub sealed: Option<Sealed>,
}

impl ConfigRow {
    pub fn has_key(&self) -> bool {
        self.sealed.is_some()
    }
}

struct Raw {
    id: i64,
    name: String,
    api_type: String,
    host_domestic: String,
    host_overseas: String,
    draw_endpoint: String,
    result_endpoint: String,
    upload_endpoint: String,
    model_name: String,
    is_sync_api: bool,
    enable_retry: bool,
    is_active: bool,
    timeout_secs: i64,
    max_concurrency: i64,
    allow_local: bool,
    sync_timeout_secs: i64,
    image_field: String,
    callbacks: bool,
    key_ciphertext: Option<Vec<u8>>,
    key_nonce: Option<Vec<u8>>,
    key_mask: Option<String>,
    version: i64,
    archived_at: Option<i64>,
    created_at: i64,
    created_by: String,
    updated_at: i64,
    updated_by: String,
}

impl Raw {
    fn into_row(self) -> sqlx::Result<ConfigRow> {
        let sealed = match (self.key_ciphertext, self.key_nonce) {
            (Some(ciphertext), Some(nonce)) => Some(Sealed { ciphertext, nonce }),
            _ => None,
        };
        Ok(ConfigRow {
            view: ConfigView {
                id: ConfigId(self.id),
                fields: ConfigSnapshot {
                    name: self.name,
                    api_type: super::decode("config", self.id, "api_type", &self.api_type)?,
                    host_domestic: self.host_domestic,
                    host_overseas: self.host_overseas,
                    draw_endpoint: self.draw_endpoint,
                    result_endpoint: self.result_endpoint,
                    upload_endpoint: self.upload_endpoint,
                    model_name: self.model_name,
                    is_sync_api: self.is_sync_api,
                    enable_retry: self.enable_retry,
                    is_active: self.is_active,
                    timeout_secs: u32::try_from(self.timeout_secs)
                        .unwrap_or(app::domain::DEFAULT_TIMEOUT_SECS),
                    max_concurrency: u32::try_from(self.max_concurrency).unwrap_or(1),
                    allow_local: self.allow_local,
                    sync_timeout_secs: super::decode(
                        "config",
                        self.id,
                        "sync_timeout_secs",
                        &self.sync_timeout_secs.to_string(),
                    )?,
                    image_field: super::decode(
                        "config",
                        self.id,
                        "image_field",
                        &self.image_field,
                    )?,
                    callbacks: self.callbacks,
                },
                key_mask: if sealed.is_some() {
                    self.key_mask
                } else {
                    None
                },
                version: self.version,
                archived_at: self.archived_at.map(Timestamp),
                created_at: Timestamp(self.created_at),
                created_by: self.created_by,
                updated_at: Timestamp(self.updated_at),
                updated_by: self.updated_by,
            },
            sealed,
        })
    }
}

/// The lookup key that makes names unique: trimmed, Unicode-lowercased.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

pub async fn by_id(db: impl SqliteExecutor<'_>, id: ConfigId) -> sqlx::Result<Option<ConfigRow>> {
    let raw = sqlx::query_as!(
        Raw,
        r#"SELECT c.id AS "id!", c.name, c.api_type, c.host_domestic, c.host_overseas, c.draw_endpoint,
                  c.result_endpoint, c.upload_endpoint, c.model_name,
                  c.is_sync_api AS "is_sync_api: bool", c.enable_retry AS "enable_retry: bool",
                  c.is_active AS "is_active: bool", c.timeout_secs, c.max_concurrency,
                  c.allow_local AS "allow_local: bool", c.sync_timeout_secs, c.image_field,
                  c.callbacks AS "callbacks: bool", c.key_ciphertext, c.key_nonce, c.key_mask,
                  c.version, c.archived_at, c.created_at,
                  COALESCE(cu.username, 'cli') AS "created_by!: String", c.updated_at,
                  COALESCE(uu.username, 'cli') AS "updated_by!: String"
           FROM config c
           LEFT JOIN user cu ON cu.id = c.created_by
           LEFT JOIN user uu ON uu.id = c.updated_by
           WHERE c.id = ?1"#,
        id.0
    )
    .fetch_optional(db)
    .await?;
    raw.map(Raw::into_row).transpose()
}

pub async fn id_by_name(db: impl SqliteExecutor<'_>, name: &str) -> sqlx::Result<Option<ConfigId>> {
    let key = name_key(name);
    let id = sqlx::query_scalar!(
        r#"SELECT id AS "id!: i64" FROM config WHERE name_key = ?1"#,
        key
    )
    .fetch_optional(db)
    .await?;
    Ok(id.map(ConfigId))
}

/// Every config matching the filter's search, type, active and archived parts (sorting is the
/// caller's: there are few configs).
pub async fn list(
    db: impl SqliteExecutor<'_>,
    q: &str,
    api_type: Option<ApiType>,
    active: Option<bool>,
    archived: bool,
) -> sqlx::Result<Vec<ConfigRow>> {
    let q = name_key(q);
    let api_type = api_type.map(ApiType::as_str);
    let raws = sqlx::query_as!(
        Raw,
        r#"SELECT c.id AS "id!", c.name, c.api_type, c.host_domestic, c.host_overseas, c.draw_endpoint,
                  c.result_endpoint, c.upload_endpoint, c.model_name,
                  c.is_sync_api AS "is_sync_api: bool", c.enable_retry AS "enable_retry: bool",
                  c.is_active AS "is_active: bool", c.timeout_secs, c.max_concurrency,
                  c.allow_local AS "allow_local: bool", c.sync_timeout_secs, c.image_field,
                  c.callbacks AS "callbacks: bool", c.key_ciphertext, c.key_nonce, c.key_mask,
                  c.version, c.archived_at, c.created_at,
                  COALESCE(cu.username, 'cli') AS "created_by!: String", c.updated_at,
                  COALESCE(uu.username, 'cli') AS "updated_by!: String"
           FROM config c
           LEFT JOIN user cu ON cu.id = c.created_by
           LEFT JOIN user uu ON uu.id = c.updated_by
           WHERE (?1 = '' OR instr(c.name_key, ?1) > 0)
             AND (?2 IS NULL OR c.api_type = ?2)
             AND (?3 IS NULL OR c.is_active = ?3)
             AND ((c.archived_at IS NOT NULL) = ?4)
           ORDER BY c.name_key"#,
        q,
        api_type,
        active,
        archived
    )
    .fetch_all(db)
    .await?;
    raws.into_iter().map(Raw::into_row).collect()
}

pub async fn insert(
    db: impl SqliteExecutor<'_>,
    f: &ConfigSnapshot,
    actor: Option<UserId>,
    now: i64,
) -> sqlx::Result<ConfigId> {
    let key = name_key(&f.name);
    let api_type = f.api_type.as_str();
    let image_field = f.image_field.as_str();
    let actor = actor.map(|a| a.0);
    let id = sqlx::query_scalar!(
        r#"INSERT INTO config (name, name_key, api_type, host_domestic, host_overseas, draw_endpoint,
                               result_endpoint, upload_endpoint, model_name, is_sync_api, enable_retry,
                               is_active, timeout_secs, max_concurrency, allow_local, sync_timeout_secs,
                               image_field, callbacks, version, created_at, created_by, updated_at, updated_by)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?18, ?19, ?20, 1, ?16, ?17, ?16, ?17)
           RETURNING id AS "id!: i64""#,
        f.name,
        key,
        api_type,
        f.host_domestic,
        f.host_overseas,
        f.draw_endpoint,
        f.result_endpoint,
        f.upload_endpoint,
        f.model_name,
        f.is_sync_api,
        f.enable_retry,
        f.is_active,
        f.timeout_secs,
        f.max_concurrency,
        f.allow_local,
        now,
        actor,
        f.sync_timeout_secs,
        image_field,
        f.callbacks
    )
    .fetch_one(db)
    .await?;
    Ok(ConfigId(id))
}

/// Writes every field and the new version number.
pub async fn update(
    db: impl SqliteExecutor<'_>,
    id: ConfigId,
    f: &ConfigSnapshot,
    version: i64,
    actor: Option<UserId>,
    now: i64,
) -> sqlx::Result<()> {
    let key = name_key(&f.name);
    let api_type = f.api_type.as_str();
    let image_field = f.image_field.as_str();
    let actor = actor.map(|a| a.0);
    sqlx::query!(
        "UPDATE config SET name = ?2, name_key = ?3, api_type = ?4, host_domestic = ?5, host_overseas = ?6,
                draw_endpoint = ?7, result_endpoint = ?8, upload_endpoint = ?9, model_name = ?10,
                is_sync_api = ?11, enable_retry = ?12, is_active = ?13, timeout_secs = ?14,
                max_concurrency = ?15, allow_local = ?16, version = ?17, updated_at = ?18, updated_by = ?19,
                sync_timeout_secs = ?20, image_field = ?21, callbacks = ?22
         WHERE id = ?1",
        id.0,
        f.name,
        key,
        api_type,
        f.host_domestic,
        f.host_overseas,
        f.draw_endpoint,
        f.result_endpoint,
        f.upload_endpoint,
        f.model_name,
        f.is_sync_api,
        f.enable_retry,
        f.is_active,
        f.timeout_secs,
        f.max_concurrency,
        f.allow_local,
        version,
        now,
        actor,
        f.sync_timeout_secs,
        image_field,
        f.callbacks
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_key(
    db: impl SqliteExecutor<'_>,
    id: ConfigId,
    sealed: &Sealed,
    mask: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE config SET key_ciphertext = ?2, key_nonce = ?3, key_mask = ?4 WHERE id = ?1",
        id.0,
        sealed.ciphertext,
        sealed.nonce,
        mask
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_archived(
    db: impl SqliteExecutor<'_>,
    id: ConfigId,
    archived_at: Option<i64>,
    actor: Option<UserId>,
    now: i64,
) -> sqlx::Result<()> {
    let actor = actor.map(|a| a.0);
    sqlx::query!(
        "UPDATE config SET archived_at = ?2, updated_at = ?3, updated_by = ?4 WHERE id = ?1",
        id.0,
        archived_at,
        now,
        actor
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Switches a configuration on or off without a new version.
pub async fn set_active(
    db: impl SqliteExecutor<'_>,
    id: ConfigId,
    active: bool,
    actor: Option<UserId>,
    now: i64,
) -> sqlx::Result<()> {
    let actor = actor.map(|a| a.0);
    sqlx::query!(
        "UPDATE config SET is_active = ?2, updated_at = ?3, updated_by = ?4 WHERE id = ?1",
        id.0,
        active,
        now,
        actor
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete(db: impl SqliteExecutor<'_>, id: ConfigId) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM config WHERE id = ?1", id.0)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn has_tasks(db: impl SqliteExecutor<'_>, id: ConfigId) -> sqlx::Result<bool> {
    let n = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM task WHERE config_id = ?1) AS "n!: bool""#,
        id.0
    )
    .fetch_one(db)
    .await?;
    Ok(n)
}
