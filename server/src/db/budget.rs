//! SQL for daily test budgets (`config_budget`) and the spend they are held against: the
//! money each task's usage reported (`task.spent_milli`) and the launch estimates of tasks
//! still in flight (`task.estimate_milli`), both in thousandths of a yuan.

use app::domain::{ConfigId, UserId};
use sqlx::SqliteExecutor;

/// `config`'s daily budget (CNY, a decimal as text), if it has one.
pub async fn get(db: impl SqliteExecutor<'_>, config: ConfigId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "SELECT daily_cny FROM config_budget WHERE config_id = ?1",
        config.0
    )
    .fetch_optional(db)
    .await
}

/// Sets (`Some`) or removes (`None`) `config`'s daily budget.
pub async fn set(
    db: impl SqliteExecutor<'_>,
    config: ConfigId,
    daily: Option<&str>,
    by: Option<UserId>,
    now: i64,
) -> sqlx::Result<()> {
    let by = by.map(|u| u.0);
    match daily {
        Some(d) => sqlx::query!(
            "INSERT INTO config_budget (config_id, daily_cny, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (config_id) DO UPDATE SET daily_cny = ?2, updated_at = ?3, updated_by = ?4",
            config.0,
            d,
            now,
            by
        )
        .execute(db)
        .await
        .map(|_| ()),
        None => sqlx::query!("DELETE FROM config_budget WHERE config_id = ?1", config.0)
            .execute(db)
            .await
            .map(|_| ()),
    }
}

/// What `config`'s tasks created since `since` spent (reported), and what those still in
/// flight are estimated at: `(spent, pending)` in thousandths of a yuan.
pub async fn spend_since(
    db: impl SqliteExecutor<'_>,
    config: ConfigId,
    since: i64,
) -> sqlx::Result<(i64, i64)> {
    let r = sqlx::query!(
        r#"SELECT COALESCE(SUM(spent_milli), 0) AS "spent!: i64",
                  COALESCE(SUM(CASE WHEN status IN ('pending','waiting','uploading','submitting','queued','running')
                               THEN estimate_milli END), 0) AS "pending!: i64"
           FROM task WHERE config_id = ?1 AND created_at >= ?2"#,
        config.0,
        since
    )
    .fetch_one(db)
    .await?;
    Ok((r.spent, r.pending))
}

/// Money spent per config and display day (UTC+8) since `since`: `(config, name, day, milli)`
/// where `day` counts days since the epoch in display time.
pub async fn spend_by_day(
    db: impl SqliteExecutor<'_>,
    since: i64,
) -> sqlx::Result<Vec<(ConfigId, String, i64, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT t.config_id, c.name, (t.created_at + 28800000) / 86400000 AS "day!: i64",
                  SUM(t.spent_milli) AS "milli!: i64"
           FROM task t INDEXED BY task_spend JOIN config c ON c.id = t.config_id
           WHERE t.created_at >= ?1 AND t.spent_milli IS NOT NULL
           GROUP BY t.config_id, 3"#,
        since
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (ConfigId(r.config_id), r.name, r.day, r.milli))
        .collect())
}
