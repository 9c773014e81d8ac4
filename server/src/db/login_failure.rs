//! SQL for `login_failure`: failed sign-ins, counted per username and per address for lockout.

use sqlx::SqliteExecutor;

/// Counts one attempt for `username` (and `ip`, when known) at `now`, unless either already
/// has its limit of failures since `since` (`per_username`, `per_ip`): one statement, so
/// parallel attempts cannot all read a count under the limit before any is written. The new
/// row's id when the attempt was counted (and may go on to the password check): the row
/// stays as a failure unless a right password removes it ([`forget`], [`clear_username`]).
pub async fn claim(
    db: impl SqliteExecutor<'_>,
    username: &str,
    ip: Option<&str>,
    now: i64,
    since: i64,
    per_username: i64,
    per_ip: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"INSERT INTO login_failure (username, ip, created_at, updated_at)
         SELECT ?1, ?2, ?3, ?3
         WHERE (SELECT COUNT(*) FROM login_failure WHERE username = ?1 AND created_at > ?4) < ?5
           AND (?2 IS NULL
                OR (SELECT COUNT(*) FROM login_failure WHERE ip = ?2 AND created_at > ?4) < ?6)
         RETURNING id AS "id!: i64""#,
        username,
        ip,
        now,
        since,
        per_username,
        per_ip
    )
    .fetch_optional(db)
    .await
}

/// Removes one counted attempt: a password re-check that turned out right.
pub async fn forget(db: impl SqliteExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM login_failure WHERE id = ?1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// Failures since some time, for one username and for one address.
pub struct Failures {
    pub username: i64,
    /// When the oldest of the username's failures happened.
    pub username_oldest: Option<i64>,
    pub ip: i64,
    pub ip_oldest: Option<i64>,
}

/// Failures for `username` and for `ip` (none when `None`) since `since`.
pub async fn since(
    db: impl SqliteExecutor<'_>,
    username: &str,
    ip: Option<&str>,
    since: i64,
) -> sqlx::Result<Failures> {
    let r = sqlx::query!(
        r#"SELECT
             (SELECT COUNT(*) FROM login_failure WHERE username = ?1 AND created_at > ?3) AS "username!: i64",
             (SELECT MIN(created_at) FROM login_failure WHERE username = ?1 AND created_at > ?3) AS "username_oldest: i64",
             (SELECT COUNT(*) FROM login_failure WHERE ip = ?2 AND created_at > ?3) AS "ip!: i64",
             (SELECT MIN(created_at) FROM login_failure WHERE ip = ?2 AND created_at > ?3) AS "ip_oldest: i64""#,
        username,
        ip,
        since
    )
    .fetch_one(db)
    .await?;
    Ok(Failures {
        username: r.username,
        username_oldest: r.username_oldest,
        ip: r.ip,
        ip_oldest: r.ip_oldest,
    })
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
