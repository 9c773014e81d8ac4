//! SQL for `key_check`: the key checks of each config, newest first, the last [`KEPT`] kept.

use super::json;
use app::domain::{ConfigId, KeyCheck};
use sqlx::types::Json;

/// Checks kept per config.
pub const KEPT: i64 = 20;

/// Stores `check` for `config` and drops the oldest past [`KEPT`].
pub async fn insert(db: &sqlx::SqlitePool, config: ConfigId, check: &KeyCheck) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    let result = Json(check);
    sqlx::query!(
        "INSERT INTO key_check (config_id, checked_at, result) VALUES (?1, ?2, ?3)",
        config.0,
        check.checked_at.0,
        result
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM key_check WHERE config_id = ?1 AND id NOT IN
           (SELECT id FROM key_check WHERE config_id = ?1 ORDER BY checked_at DESC, id DESC LIMIT ?2)",
        config.0,
        KEPT
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The checks of `config`, newest first, at most `limit`.
pub async fn recent(
    db: &sqlx::SqlitePool,
    config: ConfigId,
    limit: i64,
) -> sqlx::Result<Vec<KeyCheck>> {
    let rows = sqlx::query!(
        "SELECT id AS \"id!\", result FROM key_check WHERE config_id = ?1 ORDER BY checked_at DESC, id DESC LIMIT ?2",
        config.0,
        limit
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| json("key_check", r.id, "result", &r.result))
        .collect()
}

/// The latest check of every config that has one.
pub async fn latest_all(
    db: &sqlx::SqlitePool,
) -> sqlx::Result<std::collections::HashMap<ConfigId, KeyCheck>> {
    let rows = sqlx::query!(
        r#"SELECT k.id AS "id!", k.config_id, k.result FROM key_check k
           WHERE k.id = (SELECT id FROM key_check WHERE config_id = k.config_id
                         ORDER BY checked_at DESC, id DESC LIMIT 1)"#
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok((
                ConfigId(r.config_id),
                json("key_check", r.id, "result", &r.result)?,
            ))
        })
        .collect()
}

/// The latest check of every config that has one, with the config's name (for `/metrics`).
pub async fn latest_named(db: &sqlx::SqlitePool) -> sqlx::Result<Vec<(String, KeyCheck)>> {
    let rows = sqlx::query!(
        r#"SELECT k.id AS "id!", c.name, k.result FROM key_check k JOIN config c ON c.id = k.config_id
           WHERE k.id = (SELECT id FROM key_check WHERE config_id = k.config_id
                         ORDER BY checked_at DESC, id DESC LIMIT 1)"#
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| Ok((r.name, json("key_check", r.id, "result", &r.result)?)))
        .collect()
}
