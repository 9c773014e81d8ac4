//! SQL for `audit_event`: who did what to which thing (sign-ins, user changes, key reveals).

use app::domain::UserId;
use sqlx::SqliteExecutor;

pub struct Audit<'a> {
    pub actor_id: Option<UserId>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: serde_json::Value,
}

pub async fn record(db: impl SqliteExecutor<'_>, a: Audit<'_>, now: i64) -> sqlx::Result<()> {
    let actor = a.actor_id.map(|u| u.0);
    let detail = a.detail.to_string();
    sqlx::query!(
        "INSERT INTO audit_event (actor_id, actor_name, action, target, detail, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        actor,
        a.actor_name,
        a.action,
        a.target,
        detail,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub created_at: i64,
}

pub async fn recent(db: impl SqliteExecutor<'_>, limit: i64) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as!(
        AuditRow,
        "SELECT actor_name, action, target, detail, created_at FROM audit_event ORDER BY id DESC LIMIT ?1",
        limit
    )
    .fetch_all(db)
    .await
}
