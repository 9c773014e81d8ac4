//! Signing in, the users behind sessions, first-run setup, and re-checking a password before a
//! key is revealed.

use super::Core;
use crate::auth::password;
use crate::db::{self, audit::Audit};
use anyhow::Context;
use app::api::auth::{AuthApi, SignedIn};
use app::domain::{Actor, NewUser, Password, Role, UserId, UserInfo};
use app::error::AppError;
use app::i18n::Msg;
use secrecy::SecretString;
use std::net::IpAddr;

/// Counts an attempt to check `username`'s password (from `ip`, when known) before the check
/// runs, so parallel guesses cannot all slip under the limit (see
/// [`db::login_failure::claim`]). Refused with the time to wait once the username or the
/// address has its limit of failures in the window. Answers the attempt's row id.
async fn count_attempt(
    core: &Core,
    username: &str,
    ip: Option<&str>,
    now: i64,
) -> Result<i64, AppError> {
    let policy = &core.lockout;
    let since = now - policy.window_ms();
    let counted = db::login_failure::claim(
        &core.db.write,
        username,
        ip,
        now,
        since,
        policy.per_username,
        policy.per_ip,
    )
    .await
    .context("db::login_failure::claim")?;
    if let Some(id) = counted {
        return Ok(id);
    }
    let f = db::login_failure::since(&core.db.read, username, ip, since)
        .await
        .context("db::login_failure::since")?;
    let wait = policy
        .wait_secs(f.username, f.username_oldest, policy.per_username, now)
        .max(policy.wait_secs(f.ip, f.ip_oldest, policy.per_ip, now));
    core.metrics.login_failure("locked");
    Err(AppError::TooManyRequests {
        retry_after_secs: wait.unwrap_or(1),
    })
}

/// Re-checks a signed-in user's password (for revealing a key). Each check counts as an
/// attempt to sign in, so the reveal dialog cannot be used to guess a password either.
pub(crate) async fn confirm_password(
    core: &Core,
    actor: &Actor,
    password: Password,
) -> Result<(), AppError> {
    // Only a signed-in user has a password to check; the command line never reveals this way.
    let Some(actor) = actor.user() else {
        return Err(AppError::Forbidden);
    };
    let now = core.clock.now_ms();
    let attempt = count_attempt(core, &actor.username, None, now).await?;
    let row = db::user::by_id(&core.db.read, actor.id)
        .await
        .context("db::user::by_id")?
        .ok_or(AppError::Unauthorized)?;
    if password::verify(SecretString::from(password.expose()), row.password_hash)
        .await
        .context("checking the password")?
    {
        // Earlier wrong answers still count.
        db::login_failure::forget(&core.db.write, attempt)
            .await
            .context("db::login_failure::forget")?;
        Ok(())
    } else {
        core.metrics.login_failure("reauth");
        Err(AppError::field("password", Msg::ErrPasswordWrong))
    }
}

#[async_trait::async_trait]
impl AuthApi for Core {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn session_user(
        &self,
        id: UserId,
        auth_version: i64,
    ) -> Result<Option<UserInfo>, AppError> {
        let core = self;
        let row = db::user::by_id(&core.db.read, id)
            .await
            .context("db::user::by_id")?;
        Ok(row
            .filter(|r| !r.info.disabled && r.auth_version == auth_version)
            .map(|r| r.info))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn login(
        &self,
        username: &str,
        password: Password,
        ip: Option<IpAddr>,
    ) -> Result<SignedIn, AppError> {
        let core = self;
        let now = core.clock.now_ms();
        let name = username.trim();
        let ip_text = ip.map(|i| i.to_string());
        count_attempt(core, name, ip_text.as_deref(), now).await?;

        let row = db::user::by_username(&core.db.read, name)
            .await
            .context("db::user::by_username")?;
        let secret = SecretString::from(password.expose());
        // Unknown users are checked against a dummy hash so both failures take as long.
        let ok = match &row {
            Some(r) => {
                password::verify(secret, r.password_hash.clone())
                    .await
                    .context("checking the password")?
                    && !r.info.disabled
            }
            None => {
                let dummy = password::dummy_hash()
                    .await
                    .context("hashing a dummy password")?;
                let _ = password::verify(secret, dummy)
                    .await
                    .context("checking the password")?;
                false
            }
        };
        let Some(row) = row.filter(|_| ok) else {
            // The attempt is already counted as a failure.
            core.metrics.login_failure("bad_credentials");
            tracing::info!(username = %name, ip = ?ip_text, "sign-in failed");
            return Err(AppError::rejected(401, Msg::ErrLoginFailed));
        };
        let mut tx = core.db.begin().await?;
        db::login_failure::clear_username(&mut *tx, name)
            .await
            .context("db::login_failure::clear_username")?;
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
        .context("db::audit::record")?;
        tx.commit().await.context("committing")?;
        tracing::info!(username = %row.info.username, "signed in");
        Ok(SignedIn {
            user: row.info,
            auth_version: row.auth_version,
        })
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn setup_token_valid(&self, token: &str) -> Result<bool, AppError> {
        let core = self;
        let users = db::user::count(&core.db.read)
            .await
            .context("db::user::count")?;
        Ok(users == 0 && core.setup.matches(token))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn complete_setup(&self, token: &str, user: NewUser) -> Result<SignedIn, AppError> {
        let core = self;
        if !core.setup.matches(token) {
            return Err(AppError::rejected(403, Msg::SetupInvalid));
        }
        let hash = password::hash(SecretString::from(user.password.expose()))
            .await
            .context("hashing the password")?;
        let now = core.clock.now_ms();
        let mut tx = core.db.begin().await?;
        if db::user::count(&mut *tx).await.context("db::user::count")? > 0
            || !core.setup.consume(token)
        {
            return Err(AppError::rejected(403, Msg::SetupInvalid));
        }
        let id = db::user::insert(&mut *tx, &user.username, &hash, Role::Admin, now)
            .await
            .context("db::user::insert")?;
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
        .context("db::audit::record")?;
        tx.commit().await.context("committing")?;
        tracing::info!(username = %user.username, "first admin created through the setup link");
        let row = db::user::by_id(&core.db.read, id)
            .await
            .context("db::user::by_id")?
            .ok_or(AppError::NotFound)?;
        Ok(SignedIn {
            user: row.info,
            auth_version: row.auth_version,
        })
    }
}
