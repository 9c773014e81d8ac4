//! SQL for `blob`: images the console keeps on disk (uploads, base64 results).

use app::domain::{BlobRef, UserId};
use sqlx::SqliteExecutor;

pub async fn insert(
    db: impl SqliteExecutor<'_>,
    b: &BlobRef,
    created_by: Option<UserId>,
    now: i64,
) -> sqlx::Result<()> {
    let size = i64::try_from(b.size).unwrap_or(i64::MAX);
    let by = created_by.map(|u| u.0);
    sqlx::query!(
        "INSERT INTO blob (name, mime, size, original_name, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (name) DO NOTHING",
        b.name,
        b.mime,
        size,
        b.original_name,
        by,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl SqliteExecutor<'_>, name: &str) -> sqlx::Result<Option<BlobRef>> {
    let r = sqlx::query!(
        "SELECT name, mime, size, original_name FROM blob WHERE name = ?1",
        name
    )
    .fetch_optional(db)
    .await?;
    Ok(r.map(|r| BlobRef {
        name: r.name,
        mime: r.mime,
        size: u64::try_from(r.size).unwrap_or(0),
        original_name: r.original_name,
    }))
}
