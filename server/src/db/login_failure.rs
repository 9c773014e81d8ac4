//! SQL for `login_failure`: failed sign-ins, counted per username and per address for lockout.

use sqlx::SqliteExecutor;

pub async fn record(
    db: impl SqliteExecutor<'_>,
    username: &str,
    ip: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO login_failure (username, ip, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        username,
        ip,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Failures for `username` since `since`: how many, and the oldest one's time.
pub async fn for_username(
    db: impl SqliteExecutor<'_>,
    username: &str,
    since: i64,
) -> sqlx::Result<(i64, Option<i64>)> {
    let r = sqlx::query!(
        r#"SELECT COUNT(*) AS "n!: i64", MIN(created_at) AS "oldest: i64"
           FROM login_failure WHERE username = ?1 AND created_at > ?2"#,
        username,
        since
    )
    .fetch_one(db)
    .await?;
    Ok((r.n, r.oldest))
}

/// Failures from `ip` since `since`: how many, and the oldest one's time.
pub async fn for_ip(
    db: impl SqliteExecutor<'_>,
    ip: &str,
    since: i64,
) -> sqlx::Result<(i64, Option<i64>)> {
    let r = sqlx::query!(
        r#"SELECT COUNT(*) AS "n!: i64", MIN(created_at) AS "oldest: i64"
           FROM login_failure WHERE ip = ?1 AND created_at > ?2"#,
        ip,
        since
    )
    .fetch_one(db)
    .await?;
    Ok((r.n, r.oldest))
}

/// A successful sign-in clears that username's failures.
pub async fn clear_username(db: impl SqliteExecutor<'_>, username: &str) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM login_failure WHERE username = ?1", username)
        .execute(db)
        .await?;
    Ok(())
}

/// Drops rows older than any window that reads them.
pub async fn prune(db: impl SqliteExecutor<'_>, before: i64) -> sqlx::Result<u64> {
    let r = sqlx::query!("DELETE FROM login_failure WHERE created_at < ?1", before)
        .execute(db)
        .await?;
    Ok(r.rows_affected())
}
