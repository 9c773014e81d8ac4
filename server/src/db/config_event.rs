//! SQL for `config_event`: a configuration's history, with snapshots of its versions.

use super::{decode, json};
use app::domain::{
    ConfigId, ConfigSnapshot, FieldChange, HistoryAction, HistoryEntry, Timestamp, UserId,
};
use sqlx::SqliteExecutor;
use sqlx::types::Json;

pub struct NewEvent<'a> {
    pub config_id: ConfigId,
    pub version: i64,
    pub action: HistoryAction,
    /// The full snapshot when this event produced a version.
    pub snapshot: Option<&'a ConfigSnapshot>,
    pub changes: &'a [FieldChange],
    pub actor_id: Option<UserId>,
    pub actor_name: &'a str,
}

pub async fn insert(db: impl SqliteExecutor<'_>, e: NewEvent<'_>, now: i64) -> anyhow::Result<()> {
    let action = e.action.as_str();
    let changes = Json(e.changes);
    let snapshot = e.snapshot.map(Json);
    let actor = e.actor_id.map(|a| a.0);
    sqlx::query!(
        "INSERT INTO config_event (config_id, version, action, snapshot, changes, actor_id, actor_name, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        e.config_id.0,
        e.version,
        action,
        snapshot,
        changes,
        actor,
        e.actor_name,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn list(
    db: impl SqliteExecutor<'_>,
    config_id: ConfigId,
) -> anyhow::Result<Vec<HistoryEntry>> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!: i64", version, action, snapshot IS NOT NULL AS "restorable!: bool", changes,
                  actor_name, created_at
           FROM config_event WHERE config_id = ?1 ORDER BY id DESC"#,
        config_id.0
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(HistoryEntry {
                id: r.id,
                version: r.version,
                action: decode("config_event", r.id, "action", &r.action)?,
                actor: r.actor_name,
                at: Timestamp(r.created_at),
                changes: json("config_event", r.id, "changes", &r.changes)?,
                restorable: r.restorable,
            })
        })
        .collect()
}

/// The snapshot of `version`, if that version was recorded.
pub async fn snapshot(
    db: impl SqliteExecutor<'_>,
    config_id: ConfigId,
    version: i64,
) -> sqlx::Result<Option<ConfigSnapshot>> {
    let r = sqlx::query!(
        r#"SELECT id AS "id!: i64", snapshot AS "snapshot!: String" FROM config_event
           WHERE config_id = ?1 AND version = ?2 AND snapshot IS NOT NULL ORDER BY id DESC LIMIT 1"#,
        config_id.0,
        version
    )
    .fetch_optional(db)
    .await?;
    r.map(|r| json("config_event", r.id, "snapshot", &r.snapshot))
        .transpose()
}
