//! Sign-in, sessions' users, first-run setup and user management.

use super::Core;
use crate::auth::password;
use crate::db::{self, audit::Audit};
use crate::error::{OrInternal, internal};
use app::backend::SignedIn;
use app::domain::{NewUser, Role, UserId, UserInfo};
use app::error::AppError;
use app::i18n::Msg;
use secrecy::SecretString;
use std::net::IpAddr;

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub async fn session_user(
    core: &Core,
    id: UserId,
    auth_version: i64,
) -> Result<Option<UserInfo>, AppError> {
    let row = db::user::by_id(&core.db.read, id).await.or_internal()?;
    Ok(row
        .filter(|r| !r.info.disabled && r.auth_version == auth_version)
        .map(|r| r.info))
}

pub async fn login(
    core: &Core,
    username: &str,
    password: &str,
    ip: Option<IpAddr>,
) -> Result<SignedIn, AppError> {
    let now = core.clock.now_ms();
    let since = now - core.lockout.window_ms();
    let name = username.trim();
    let ip_text = ip.map(|i| i.to_string());
    let (n, oldest) = db::login_failure::for_username(&core.db.read, name, since)
        .await
        .or_internal()?;
    let mut wait = core
        .lockout
        .wait_secs(n, oldest, core.lockout.per_username, now);
    if let Some(ip) = &ip_text {
        let (n, oldest) = db::login_failure::for_ip(&core.db.read, ip, since)
            .await
            .or_internal()?;
        wait = wait.max(core.lockout.wait_secs(n, oldest, core.lockout.per_ip, now));
    }
    if let Some(retry_after_secs) = wait {
        core.metrics.login_failure("locked");
        return Err(AppError::TooManyRequests { retry_after_secs });
    }

    let row = db::user::by_username(&core.db.read, name)
        .await
        .or_internal()?;
    let secret = SecretString::from(password.to_owned());
    // Unknown users are checked against a dummy hash so both failures take as long.
    let ok = match &row {
        Some(r) => {
            password::verify(secret, r.password_hash.clone())
                .await
                .or_internal()?
                && !r.info.disabled
        }
        None => {
            let dummy = password::dummy_hash().await.or_internal()?;
            let _ = password::verify(secret, dummy).await.or_internal()?;
            false
        }
    };
    let Some(row) = row.filter(|_| ok) else {
        db::login_failure::record(&core.db.write, name, ip_text.as_deref(), now)
            .await
            .or_internal()?;
        core.metrics.login_failure("bad_credentials");
        tracing::info!(username = %name, ip = ?ip_text, "sign-in failed");
        return Err(AppError::rejected(401, Msg::ErrLoginFailed));
    };
    let mut tx = core.db.write.begin().await.or_internal()?;
    db::login_failure::clear_username(&mut *tx, name)
        .await
        .or_internal()?;
    db::audit::record(
        &mut *tx,
        Audit {
            actor_id: Some(row.info.id),
            actor_name: &row.info.username,
            action: "login",
            target: &format!("user:{}", row.info.id),
            detail: serde_json::json!({ "ip": ip_text }),
        },
        now,
    )
    .await
    .or_internal()?;
    tx.commit().await.or_internal()?;
    tracing::info!(username = %row.info.username, "signed in");
    Ok(SignedIn {
        user: row.info,
        auth_version: row.auth_version,
    })
}

pub async fn setup_token_valid(core: &Core, token: &str) -> Result<bool, AppError> {
    let users = db::user::count(&core.db.read).await.or_internal()?;
    Ok(users == 0 && core.setup.matches(token))
}

pub async fn complete_setup(core: &Core, token: &str, user: NewUser) -> Result<UserInfo, AppError> {
    if !core.setup.matches(token) {
        return Err(AppError::rejected(403, Msg::SetupInvalid));
    }
    let hash = password::hash(SecretString::from(user.password.clone()))
        .await
        .or_internal()?;
    let now = core.clock.now_ms();
    let mut tx = core.db.write.begin().await.or_internal()?;
    if db::user::count(&mut *tx).await.or_internal()? > 0 || !core.setup.consume(token) {
        return Err(AppError::rejected(403, Msg::SetupInvalid));
    }
    let id = db::user::insert(&mut *tx, &user.username, &hash, Role::Admin, now)
        .await
        .or_internal()?;
    db::audit::record(
        &mut *tx,
        Audit {
            actor_id: Some(id),
            actor_name: &user.username,
            action: "setup_admin",
            target: &format!("user:{id}"),
            detail: serde_json::json!({}),
        },
        now,
    )
    .await
    .or_internal()?;
    tx.commit().await.or_internal()?;
    tracing::info!(username = %user.username, "first admin created through the setup link");
    let row = db::user::by_id(&core.db.read, id)
        .await
        .or_internal()?
        .ok_or(AppError::NotFound)?;
    Ok(row.info)
}

fn require_admin(actor: &UserInfo) -> Result<(), AppError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn list_users(core: &Core, actor: &UserInfo) -> Result<Vec<UserInfo>, AppError> {
    require_admin(actor)?;
    db::user::list(&core.db.read).await.or_internal()
}

/// Creates a user (from the Users page or the CLI, where `actor` is `None`).
pub async fn add_user(
    core: &Core,
    actor: Option<&UserInfo>,
    user: NewUser,
) -> Result<UserInfo, AppError> {
    if let Some(a) = actor {
        require_admin(a)?;
    }
    let hash = password::hash(SecretString::from(user.password.clone()))
        .await
        .or_internal()?;
    let now = core.clock.now_ms();
    let mut tx = core.db.write.begin().await.or_internal()?;
    let id = match db::user::insert(&mut *tx, &user.username, &hash, user.role, now).await {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
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
    tx.commit().await.or_internal()?;
    // The setup link is pointless once anyone exists.
    core.setup.clear();
    let row = db::user::by_id(&core.db.read, id)
        .await
        .or_internal()?
        .ok_or(AppError::NotFound)?;
    Ok(row.info)
}

async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    actor: Option<&UserInfo>,
    action: &str,
    target: UserId,
    detail: serde_json::Value,
    now: i64,
) -> Result<(), AppError> {
    db::audit::record(
        &mut **tx,
        Audit {
            actor_id: actor.map(|a| a.id),
            actor_name: actor.map(|a| a.username.as_str()).unwrap_or("cli"),
            action,
            target: &format!("user:{target}"),
            detail,
        },
        now,
    )
    .await
    .or_internal()
}

pub async fn set_user_role(
    core: &Core,
    actor: Option<&UserInfo>,
    id: UserId,
    role: Role,
) -> Result<(), AppError> {
    if let Some(a) = actor {
        require_admin(a)?;
        if a.id == id {
            return Err(AppError::conflict(Msg::ErrSelf));
        }
    }
    let now = core.clock.now_ms();
    let mut tx = core.db.write.begin().await.or_internal()?;
    let target = db::user::by_id(&mut *tx, id)
        .await
        .or_internal()?
        .ok_or(AppError::NotFound)?;
    if target.info.role == Role::Admin
        && role != Role::Admin
        && !target.info.disabled
        && db::user::count_active_admins(&mut *tx)
            .await
            .or_internal()?
            <= 1
    {
        return Err(AppError::conflict(Msg::ErrLastAdmin));
    }
    if db::user::set_role(&mut *tx, id, role, now)
        .await
        .or_internal()?
    {
        audit(
            &mut tx,
            actor,
            "user_role",
            id,
            serde_json::json!({ "role": role }),
            now,
        )
        .await?;
    }
    tx.commit().await.or_internal()
}

pub async fn set_user_disabled(
    core: &Core,
    actor: Option<&UserInfo>,
    id: UserId,
    disabled: bool,
) -> Result<(), AppError> {
    if let Some(a) = actor {
        require_admin(a)?;
        if a.id == id {
            return Err(AppError::conflict(Msg::ErrSelf));
        }
    }
    let now = core.clock.now_ms();
    let mut tx = core.db.write.begin().await.or_internal()?;
    let target = db::user::by_id(&mut *tx, id)
        .await
        .or_internal()?
        .ok_or(AppError::NotFound)?;
    if disabled
        && target.info.role == Role::Admin
        && !target.info.disabled
        && db::user::count_active_admins(&mut *tx)
            .await
            .or_internal()?
            <= 1
    {
        return Err(AppError::conflict(Msg::ErrLastAdmin));
    }
    if db::user::set_disabled(&mut *tx, id, disabled, now)
        .await
        .or_internal()?
    {
        audit(
            &mut tx,
            actor,
            if disabled {
                "user_disable"
            } else {
                "user_enable"
            },
            id,
            serde_json::json!({}),
            now,
        )
        .await?;
    }
    tx.commit().await.or_internal()
}

pub async fn reset_password(
    core: &Core,
    actor: Option<&UserInfo>,
    id: UserId,
    password: String,
) -> Result<(), AppError> {
    if let Some(a) = actor {
        require_admin(a)?;
    }
    app::domain::validate_password(&password).map_err(|m| AppError::field("password", m))?;
    let hash = password::hash(SecretString::from(password))
        .await
        .or_internal()?;
    let now = core.clock.now_ms();
    let mut tx = core.db.write.begin().await.or_internal()?;
    if !db::user::set_password(&mut *tx, id, &hash, now)
        .await
        .or_internal()?
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
    tx.commit().await.or_internal()
}

/// Re-checks a signed-in user's password (for revealing a key). Wrong answers count as failed
/// sign-ins, so the reveal dialog cannot be used to guess a password either.
pub async fn confirm_password(
    core: &Core,
    actor: &UserInfo,
    password: String,
) -> Result<(), AppError> {
    let now = core.clock.now_ms();
    let since = now - core.lockout.window_ms();
    let (n, oldest) = db::login_failure::for_username(&core.db.read, &actor.username, since)
        .await
        .or_internal()?;
    if let Some(retry_after_secs) =
        core.lockout
            .wait_secs(n, oldest, core.lockout.per_username, now)
    {
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let row = db::user::by_id(&core.db.read, actor.id)
        .await
        .or_internal()?
        .ok_or(AppError::Unauthorized)?;
    if password::verify(SecretString::from(password), row.password_hash)
        .await
        .or_internal()?
    {
        Ok(())
    } else {
        db::login_failure::record(&core.db.write, &actor.username, None, now)
            .await
            .or_internal()?;
        core.metrics.login_failure("reauth");
        Err(AppError::field("password", Msg::ErrPasswordWrong))
    }
}
