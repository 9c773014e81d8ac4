//! SQL for the `user` table.

use app::domain::{Role, Timestamp, UserId, UserInfo};
use sqlx::SqliteExecutor;

/// A user row with its password hash (never leaves the server).
#[derive(Debug, Clone)]
pub struct UserRow {
    pub info: UserInfo,
    pub password_hash: String,
    pub auth_version: i64,
}

struct Raw {
    id: i64,
    username: String,
    password_hash: String,
    role: String,
    disabled: bool,
    auth_version: i64,
    created_at: i64,
}

impl Raw {
    fn into_row(self) -> sqlx::Result<UserRow> {
        Ok(UserRow {
            info: UserInfo {
                id: UserId(self.id),
                username: self.username,
                role: super::decode("user", self.id, "role", &self.role)?,
                disabled: self.disabled,
                created_at: Timestamp(self.created_at),
            },
            password_hash: self.password_hash,
            auth_version: self.auth_version,
        })
    }
}

pub async fn count(db: impl SqliteExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM user"#)
        .fetch_one(db)
        .await
}

pub async fn count_active_admins(db: impl SqliteExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "n!: i64" FROM user WHERE role = 'admin' AND disabled = 0"#
    )
    .fetch_one(db)
    .await
}

pub async fn by_username(
    db: impl SqliteExecutor<'_>,
    username: &str,
) -> sqlx::Result<Option<UserRow>> {
    let raw = sqlx::query_as!(
        Raw,
        r#"SELECT id AS "id!", username, password_hash, role, disabled AS "disabled: bool", auth_version, created_at
           FROM user WHERE username = ?1 COLLATE NOCASE"#,
        username
    )
    .fetch_optional(db)
    .await?;
    raw.map(Raw::into_row).transpose()
}

pub async fn by_id(db: impl SqliteExecutor<'_>, id: UserId) -> sqlx::Result<Option<UserRow>> {
    let raw = sqlx::query_as!(
        Raw,
        r#"SELECT id AS "id!", username, password_hash, role, disabled AS "disabled: bool", auth_version, created_at
           FROM user WHERE id = ?1"#,
        id.0
    )
    .fetch_optional(db)
    .await?;
    raw.map(Raw::into_row).transpose()
}

pub async fn list(db: impl SqliteExecutor<'_>) -> sqlx::Result<Vec<UserInfo>> {
    let raws = sqlx::query_as!(
        Raw,
        r#"SELECT id AS "id!", username, password_hash, role, disabled AS "disabled: bool", auth_version, created_at
           FROM user ORDER BY username COLLATE NOCASE"#
    )
    .fetch_all(db)
    .await?;
    raws.into_iter()
        .map(|r| r.into_row().map(|r| r.info))
        .collect()
}

/// Inserts a user; a taken username is a unique-constraint error.
pub async fn insert(
    db: impl SqliteExecutor<'_>,
    username: &str,
    password_hash: &str,
    role: Role,
    now: i64,
) -> sqlx::Result<UserId> {
    let role = role.as_str();
    let id = sqlx::query_scalar!(
        r#"INSERT INTO user (username, password_hash, role, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id AS "id!: i64""#,
        username,
        password_hash,
        role,
        now
    )
    .fetch_one(db)
    .await?;
    Ok(UserId(id))
}

pub async fn set_password(
    db: impl SqliteExecutor<'_>,
    id: UserId,
    password_hash: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE user SET password_hash = ?2, auth_version = auth_version + 1, updated_at = ?3 WHERE id = ?1",
        id.0,
        password_hash,
        now
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_role(
    db: impl SqliteExecutor<'_>,
    id: UserId,
    role: Role,
    now: i64,
) -> sqlx::Result<bool> {
    let role = role.as_str();
    let r = sqlx::query!(
        "UPDATE user SET role = ?2, auth_version = auth_version + 1, updated_at = ?3 WHERE id = ?1 AND role <> ?2",
        id.0,
        role,
        now
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_disabled(
    db: impl SqliteExecutor<'_>,
    id: UserId,
    disabled: bool,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE user SET disabled = ?2, auth_version = auth_version + 1, updated_at = ?3 WHERE id = ?1 AND disabled <> ?2",
        id.0,
        disabled,
        now
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}
