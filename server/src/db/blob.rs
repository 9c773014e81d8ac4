//! SQL for `blob`: images the console keeps on disk (uploads, kept results, thumbnails).
//! `updated_at` is the last time the image was stored or used again: retention counts from it.

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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at",
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

/// Images that in-flight tasks still need (`task.spec` is the stored spec: `{"spec": {…,
/// "local_images": [{"name": …}]}, "config": …}`): their local inputs, not yet uploaded, and the
/// inputs a "submit may have reached the provider" task may be sent again with. Never removed.
const IN_USE: &str = "SELECT json_extract(li.value, '$.name') FROM task t, json_each(t.spec, '$.spec.local_images') li
     WHERE t.status IN ('pending','waiting','uploading','submitting','queued','running','submit_uncertain')";

/// How many images are kept and their bytes.
pub async fn usage(db: impl SqliteExecutor<'_>) -> sqlx::Result<(i64, i64)> {
    let r = sqlx::query!(
        r#"SELECT COUNT(*) AS "files!: i64", COALESCE(SUM(size), 0) AS "bytes!: i64" FROM blob"#
    )
    .fetch_one(db)
    .await?;
    Ok((r.files, r.bytes))
}

/// An image retention would remove: its name, bytes and last use (ms).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Victim {
    pub name: String,
    pub size: i64,
    pub updated_at: i64,
}

/// The images retention removes, oldest use first: those last used before `cutoff` (ms;
/// `None`: no age limit), then, while the rest is over `max_bytes` (`None`: no cap), the least
/// recently used. Images in use are never among them.
pub async fn retention_victims(
    db: impl SqliteExecutor<'_>,
    cutoff: Option<i64>,
    max_bytes: Option<i64>,
) -> sqlx::Result<Vec<Victim>> {
    let cutoff = cutoff.unwrap_or(i64::MIN);
    let max_bytes = max_bytes.unwrap_or(i64::MAX);
    // `newer` is the bytes of this image and every one used after it: an image goes when
    // keeping it would put the kept ones over the cap.
    let sql = format!(
        "SELECT name, size, updated_at FROM (
             SELECT name, size, updated_at,
                    SUM(size) OVER (ORDER BY updated_at DESC, name DESC) AS newer
             FROM blob WHERE name NOT IN ({IN_USE}))
         WHERE updated_at < ?1 OR newer > ?2
         ORDER BY updated_at, name"
    );
    sqlx::query_as::<_, Victim>(&sql)
        .bind(cutoff)
        .bind(max_bytes)
        .fetch_all(db)
        .await
}

/// Forgets the victim unless it was stored or used again since it was chosen (a put racing
/// the clean-up wins) or a task came to need it. True when the row was removed.
pub async fn forget(db: impl SqliteExecutor<'_>, v: &Victim) -> sqlx::Result<bool> {
    let sql =
        format!("DELETE FROM blob WHERE name = ?1 AND updated_at <= ?2 AND name NOT IN ({IN_USE})");
    let r = sqlx::query(&sql)
        .bind(&v.name)
        .bind(v.updated_at)
        .execute(db)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// Which of `names` are still kept.
pub async fn existing(db: impl SqliteExecutor<'_>, names: &[String]) -> sqlx::Result<Vec<String>> {
    let json = serde_json::to_string(names).unwrap_or_else(|_| "[]".into());
    sqlx::query_scalar!(
        r#"SELECT name AS "name!" FROM blob WHERE name IN (SELECT value FROM json_each(?1))"#,
        json
    )
    .fetch_all(db)
    .await
}
