//! Users (admins only): list, add, change role, disable, reset password.

use super::codec::StrJson;
use crate::domain::{UserId, UserInfo};
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::context::*,
    crate::domain::{Actor, NewUser, Password, Role},
};

/// The users area's slice of the backend (implemented in `server/src/services/users.rs`).
/// Every method is for admins (and the command line); operators get 403.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait UsersApi {
    async fn list_users(&self, actor: &Actor) -> Result<Vec<UserInfo>, AppError>;
    /// 422 with a `username` field error when the name is taken.
    async fn add_user(&self, actor: &Actor, user: NewUser) -> Result<UserInfo, AppError>;
    /// 409 for one's own role or the last active admin.
    async fn set_user_role(&self, actor: &Actor, id: UserId, role: Role) -> Result<(), AppError>;
    /// 409 for oneself or the last active admin; disabling ends the user's sessions.
    async fn set_user_disabled(
        &self,
        actor: &Actor,
        id: UserId,
        disabled: bool,
    ) -> Result<(), AppError>;
    /// Ends the user's sessions.
    async fn reset_password(
        &self,
        actor: &Actor,
        id: UserId,
        password: Password,
    ) -> Result<(), AppError>;
}

#[server(endpoint = "users/list", output = StrJson)]
pub async fn list_users() -> Result<Vec<UserInfo>, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.list_users(&actor).await
    })
    .await
}

#[server(endpoint = "users/add", output = StrJson)]
pub async fn add_user(
    username: String,
    password: String,
    role: String,
) -> Result<UserInfo, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        let user = NewUser::validate(&username, &password, None, &role)?;
        backend()?.add_user(&actor, user).await
    })
    .await
}

#[server(endpoint = "users/set_role", output = StrJson)]
pub async fn set_user_role(id: UserId, role: String) -> Result<(), AppError> {
    respond(async move {
        let actor = authenticate().await?;
        let role = role
            .parse::<Role>()
            .map_err(|m| AppError::field("role", m))?;
        backend()?.set_user_role(&actor, id, role).await
    })
    .await
}

#[server(endpoint = "users/set_disabled", output = StrJson)]
pub async fn set_user_disabled(id: UserId, disabled: bool) -> Result<(), AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.set_user_disabled(&actor, id, disabled).await
    })
    .await
}

#[server(endpoint = "users/reset_password", output = StrJson)]
pub async fn reset_password(id: UserId, password: String) -> Result<(), AppError> {
    respond(async move {
        let actor = authenticate().await?;
        crate::domain::validate_password(&password).map_err(|m| AppError::field("password", m))?;
        backend()?
            .reset_password(&actor, id, Password::new(password))
            .await
    })
    .await
}
