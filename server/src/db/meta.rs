//! SQL for `meta`: small facts about this installation (e.g. the master-key check value).

use sqlx::SqliteExecutor;

pub async fn get(db: impl SqliteExecutor<'_>, key: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("SELECT value FROM meta WHERE key = ?1", key)
        .fetch_optional(db)
        .await
}

pub async fn set(
    db: impl SqliteExecutor<'_>,
    key: &str,
    value: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO meta (key, value, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        key,
        value,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}
