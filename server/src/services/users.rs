//! User management (admins and the command line): list, add, change role, disable, reset a
//! password. Every change is one transaction with its audit row.

use super::Core;
use crate::auth::password;
use crate::db::{self, audit::Audit};
use crate::error::internal;
use anyhow::Context;
use app::api::users::UsersApi;
use app::domain::{Actor, NewUser, Password, Role, UserId, UserInfo};
use app::error::AppError;
use app::i18n::Msg;
use secrecy::SecretString;

async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    actor: &Actor,
    action: &str,
    target: UserId,
    detail: serde_json::Value,
    now: i64,
) -> Result<(), AppError> {
    db::audit::record(
        &mut **tx,
        Audit {
            actor_id: actor.user_id(),
            actor_name: actor.name(),
            action,
            target: &format!("user:{target}"),
            detail,
        },
        now,
    )
    .await
    .context("db::audit::record")
    .map_err(AppError::from)
}

/// An admin's change to another user.
enum UserChange {
    Role(Role),
    Disabled(bool),
}

/// Applies `change` to user `id` as `actor` (an admin, never on themselves), with its audit
/// row, in one transaction. Refused when it would leave no enabled admin, or the user does
/// not exist.
async fn change_user(
    core: &Core,
    actor: &Actor,
    id: UserId,
    change: UserChange,
) -> Result<(), AppError> {
    actor.require_admin()?;
    if actor.is(id) {
        return Err(AppError::conflict(Msg::ErrSelf));
    }
    let now = core.clock.now_ms();
    let mut tx = core.db.begin().await?;
    let target = db::user::by_id(&mut *tx, id)
        .await
        .context("db::user::by_id")?
        .ok_or(AppError::NotFound)?;
    let is_admin = !target.info.disabled && target.info.role == Role::Admin;
    let loses_admin = match change {
        UserChange::Role(role) => role != Role::Admin,
        UserChange::Disabled(disabled) => disabled,
    };
    if is_admin
        && loses_admin
        && db::user::count_active_admins(&mut *tx)
            .await
            .context("db::user::count_active_admins")?
            <= 1
    {
        return Err(AppError::conflict(Msg::ErrLastAdmin));
    }
    let (changed, action, detail) = match change {
        UserChange::Role(role) => (
            db::user::set_role(&mut *tx, id, role, now)
                .await
                .context("db::user::set_role")?,
            "user_role",
            serde_json::json!({ "role": role }),
        ),
        UserChange::Disabled(disabled) => (
            db::user::set_disabled(&mut *tx, id, disabled, now)
                .await
                .context("db::user::set_disabled")?,
            if disabled {
                "user_disable"
            } else {
                "user_enable"
            },
            serde_json::json!({}),
        ),
    };
    if changed {
        audit(&mut tx, actor, action, id, detail, now).await?;
    }
    Ok(tx.commit().await.context("committing")?)
}

#[async_trait::async_trait]
impl UsersApi for Core {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn list_users(&self, actor: &Actor) -> Result<Vec<UserInfo>, AppError> {
        let core = self;
        actor.require_admin()?;
        db::user::list(&core.db.read)
            .await
            .context("db::user::list")
            .map_err(AppError::from)
    }

    /// Creates a user (from the Users page or the CLI).
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn add_user(&self, actor: &Actor, user: NewUser) -> Result<UserInfo, AppError> {
        let core = self;
        actor.require_admin()?;
        let hash = password::hash(SecretString::from(user.password.expose()))
            .await
            .context("hashing the password")?;
        let now = core.clock.now_ms();
        let mut tx = core.db.begin().await?;
        let id = match db::user::insert(&mut *tx, &user.username, &hash, user.role, now).await {
            Ok(id) => id,
            Err(e) if db::is_unique_violation(&e) => {
                return Err(AppError::field("username", Msg::ErrUsernameTaken));
            }
            Err(e) => return Err(internal(e)),
        };
        audit(
            &mut tx,
            actor,
            "user_add",
            id,
            serde_json::json!({ "username": user.username, "role": user.role }),
            now,
        )
        .await?;
        tx.commit().await.context("committing")?;
        // The setup link is pointless once anyone exists.
        core.setup.clear();
        let row = db::user::by_id(&core.db.read, id)
            .await
            .context("db::user::by_id")?
            .ok_or(AppError::NotFound)?;
        Ok(row.info)
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn set_user_role(&self, actor: &Actor, id: UserId, role: Role) -> Result<(), AppError> {
        change_user(self, actor, id, UserChange::Role(role)).await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn set_user_disabled(
        &self,
        actor: &Actor,
        id: UserId,
        disabled: bool,
    ) -> Result<(), AppError> {
        change_user(self, actor, id, UserChange::Disabled(disabled)).await
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn reset_password(
        &self,
        actor: &Actor,
        id: UserId,
        password: Password,
    ) -> Result<(), AppError> {
        let core = self;
        actor.require_admin()?;
        app::domain::validate_password(password.expose())
            .map_err(|m| AppError::field("password", m))?;
        let hash = password::hash(SecretString::from(password.expose()))
            .await
            .context("hashing the password")?;
        let now = core.clock.now_ms();
        let mut tx = core.db.begin().await?;
        if !db::user::set_password(&mut *tx, id, &hash, now)
            .await
            .context("db::user::set_password")?
        {
            return Err(AppError::NotFound);
        }
        audit(
            &mut tx,
            actor,
            "user_password",
            id,
            serde_json::json!({}),
            now,
        )
        .await?;
        Ok(tx.commit().await.context("committing")?)
    }
}
