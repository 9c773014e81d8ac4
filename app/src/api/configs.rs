//! API configurations: list, read, history; create, edit, switch on/off, archive, restore a
//! version, reveal a key (admins).

use super::codec::StrJson;
#[cfg(feature = "ssr")]
use super::context::*;
use crate::domain::*;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The configs area's slice of the backend (implemented in `server/src/services/configs.rs`).
/// Reading is for every signed-in user; changing is for admins (and the command line).
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait ConfigsApi {
    async fn list_configs(
        &self,
        actor: &Actor,
        filter: ConfigFilter,
    ) -> Result<Vec<ConfigListItem>, AppError>;
    /// 404 when there is no such config.
    async fn get_config(&self, actor: &Actor, id: ConfigId) -> Result<ConfigView, AppError>;
    /// Newest first.
    async fn config_history(
        &self,
        actor: &Actor,
        id: ConfigId,
    ) -> Result<Vec<HistoryEntry>, AppError>;
    /// 422 with field errors for bad input (nothing is written).
    async fn create_config(
        &self,
        actor: &Actor,
        input: ConfigInput,
    ) -> Result<ConfigView, AppError>;
    /// A blank key keeps the stored one.
    /// `confirm`: the signed-in user's password, needed when the stored key would be sent to
    /// another host or endpoint (see [`ConfigSnapshot::key_goes_elsewhere`]).
    async fn update_config(
        &self,
        actor: &Actor,
        id: ConfigId,
        input: ConfigInput,
        confirm: Option<Password>,
    ) -> Result<ConfigView, AppError>;
    async fn set_config_active(
        &self,
        actor: &Actor,
        id: ConfigId,
        active: bool,
    ) -> Result<ConfigView, AppError>;
    /// A config with tasks is archived, never erased.
    async fn delete_config(&self, actor: &Actor, id: ConfigId) -> Result<DeleteOutcome, AppError>;
    async fn unarchive_config(&self, actor: &Actor, id: ConfigId) -> Result<ConfigView, AppError>;
    /// Makes `version`'s snapshot the current one (a new version).
    async fn revert_config(
        &self,
        actor: &Actor,
        id: ConfigId,
        version: i64,
    ) -> Result<ConfigView, AppError>;
    /// The whole key, after the actor's password was checked again; recorded in the history.
    async fn reveal_key(
        &self,
        actor: &Actor,
        id: ConfigId,
        password: Password,
    ) -> Result<String, AppError>;
    /// Checks the stored key with the provider (检测密钥) and keeps the result. Admins only;
    /// 409 without a key. The check itself never fails: a refusal is part of the result.
    async fn check_config_key(&self, actor: &Actor, id: ConfigId) -> Result<KeyCheck, AppError>;
    /// Checks typed values, storing nothing. A blank key uses the stored key of `id`, only
    /// while hosts and endpoints are the config's own (else 422 on `api_key`).
    async fn check_typed_key(
        &self,
        actor: &Actor,
        input: ConfigInput,
        id: Option<ConfigId>,
    ) -> Result<KeyCheck, AppError>;
    /// A config's kept key checks, newest first (at most 20).
    async fn key_checks(&self, actor: &Actor, id: ConfigId) -> Result<Vec<KeyCheck>, AppError>;
    /// A config's daily test budget and today's spend (anyone signed in may read it).
    async fn budget(&self, actor: &Actor, id: ConfigId) -> Result<BudgetStatus, AppError>;
    /// Sets (`Some`, CNY with at most two decimals, see [`valid_budget`]) or removes (`None`)
    /// a config's daily test budget; admins only, audited. 422 on `daily` when malformed.
    async fn set_budget(
        &self,
        actor: &Actor,
        id: ConfigId,
        daily: Option<String>,
    ) -> Result<BudgetStatus, AppError>;
}

#[server(endpoint = "configs/list", input = Json, output = StrJson)]
pub async fn list_configs(filter: ConfigFilter) -> Result<Vec<ConfigListItem>, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.list_configs(&actor, filter).await
    })
    .await
}

#[server(endpoint = "configs/get", input = Json, output = StrJson)]
pub async fn get_config(id: ConfigId) -> Result<ConfigView, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.get_config(&actor, id).await
    })
    .await
}

#[server(endpoint = "configs/history", input = Json, output = StrJson)]
pub async fn config_history(id: ConfigId) -> Result<Vec<HistoryEntry>, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.config_history(&actor, id).await
    })
    .await
}

#[server(endpoint = "configs/create", input = Json, output = StrJson)]
pub async fn create_config(input: ConfigInput) -> Result<ConfigView, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.create_config(&actor, input).await
    })
    .await
}

#[server(endpoint = "configs/update", input = Json, output = StrJson)]
pub async fn update_config(
    id: ConfigId,
    input: ConfigInput,
    #[server(default)] password: Option<String>,
) -> Result<ConfigView, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        let confirm = password.filter(|p| !p.is_empty()).map(Password::new);
        backend()?.update_config(&actor, id, input, confirm).await
    })
    .await
}

#[server(endpoint = "configs/set_active", input = Json, output = StrJson)]
pub async fn set_config_active(id: ConfigId, active: bool) -> Result<ConfigView, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.set_config_active(&actor, id, active).await
    })
    .await
}

#[server(endpoint = "configs/delete", input = Json, output = StrJson)]
pub async fn delete_config(id: ConfigId) -> Result<DeleteOutcome, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.delete_config(&actor, id).await
    })
    .await
}

#[server(endpoint = "configs/unarchive", input = Json, output = StrJson)]
pub async fn unarchive_config(id: ConfigId) -> Result<ConfigView, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.unarchive_config(&actor, id).await
    })
    .await
}

#[server(endpoint = "configs/revert", input = Json, output = StrJson)]
pub async fn revert_config(id: ConfigId, version: i64) -> Result<ConfigView, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.revert_config(&actor, id, version).await
    })
    .await
}

/// The full key, after the admin typed their password again. Recorded in the history.
#[server(endpoint = "configs/reveal_key", input = Json, output = StrJson)]
pub async fn reveal_key(id: ConfigId, password: String) -> Result<String, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?
            .reveal_key(&actor, id, Password::new(password))
            .await
    })
    .await
}

/// Checks a saved config's key with the provider (see [`ConfigsApi::check_config_key`]).
#[server(endpoint = "configs/check_key", input = Json, output = StrJson)]
pub async fn check_config_key(id: ConfigId) -> Result<KeyCheck, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.check_config_key(&actor, id).await
    })
    .await
}

/// Checks the values typed in the config form (see [`ConfigsApi::check_typed_key`]).
#[server(endpoint = "configs/check_typed_key", input = Json, output = StrJson)]
pub async fn check_typed_key(
    input: ConfigInput,
    id: Option<ConfigId>,
) -> Result<KeyCheck, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.check_typed_key(&actor, input, id).await
    })
    .await
}

/// A config's kept key checks, newest first.
#[server(endpoint = "configs/key_checks", input = Json, output = StrJson)]
pub async fn get_key_checks(id: ConfigId) -> Result<Vec<KeyCheck>, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.key_checks(&actor, id).await
    })
    .await
}

/// A config's daily test budget and today's spend.
#[server(endpoint = "configs/budget", input = Json, output = StrJson)]
pub async fn get_budget(id: ConfigId) -> Result<BudgetStatus, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.budget(&actor, id).await
    })
    .await
}

/// Sets or removes a config's daily test budget (see [`ConfigsApi::set_budget`]).
#[server(endpoint = "configs/set_budget", input = Json, output = StrJson)]
pub async fn set_budget(id: ConfigId, daily: Option<String>) -> Result<BudgetStatus, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.set_budget(&actor, id, daily).await
    })
    .await
}
