//! The server's side of the seam: `ServerBackend` implements the `Backend` trait the server
//! functions call, delegating to one module per area.

pub mod configs;
pub mod tasks;
pub mod users;

use crate::auth::{LockoutPolicy, SetupToken};
use crate::clock::SharedClock;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::secrets::Secrets;
use crate::tasks::Engine;
use app::backend::{Backend, DeleteOutcome, SignedIn};
use app::domain::*;
use app::error::AppError;
use async_trait::async_trait;
use configs::Actor;
use futures::stream::BoxStream;
use std::net::IpAddr;
use std::sync::Arc;

/// Everything the services share.
pub struct Core {
    pub db: Db,
    pub clock: SharedClock,
    pub secrets: Arc<Secrets>,
    pub setup: SetupToken,
    pub lockout: LockoutPolicy,
    pub engine: Engine,
    pub metrics: Arc<Metrics>,
}

#[derive(Clone)]
pub struct ServerBackend(pub Arc<Core>);

fn admin(actor: &UserInfo) -> Result<(), AppError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[async_trait]
impl Backend for ServerBackend {
    async fn session_user(
        &self,
        id: UserId,
        auth_version: i64,
    ) -> Result<Option<UserInfo>, AppError> {
        users::session_user(&self.0, id, auth_version).await
    }
    async fn login(
        &self,
        username: &str,
        password: &str,
        ip: Option<IpAddr>,
    ) -> Result<SignedIn, AppError> {
        users::login(&self.0, username, password, ip).await
    }
    async fn setup_token_valid(&self, token: &str) -> Result<bool, AppError> {
        users::setup_token_valid(&self.0, token).await
    }
    async fn complete_setup(&self, token: &str, user: NewUser) -> Result<UserInfo, AppError> {
        users::complete_setup(&self.0, token, user).await
    }

    async fn list_users(&self, actor: &UserInfo) -> Result<Vec<UserInfo>, AppError> {
        users::list_users(&self.0, actor).await
    }
    async fn add_user(&self, actor: &UserInfo, user: NewUser) -> Result<UserInfo, AppError> {
        users::add_user(&self.0, Some(actor), user).await
    }
    async fn set_user_role(
        &self,
        actor: &UserInfo,
        id: UserId,
        role: Role,
    ) -> Result<(), AppError> {
        users::set_user_role(&self.0, Some(actor), id, role).await
    }
    async fn set_user_disabled(
        &self,
        actor: &UserInfo,
        id: UserId,
        disabled: bool,
    ) -> Result<(), AppError> {
        users::set_user_disabled(&self.0, Some(actor), id, disabled).await
    }
    async fn reset_password(
        &self,
        actor: &UserInfo,
        id: UserId,
        password: String,
    ) -> Result<(), AppError> {
        users::reset_password(&self.0, Some(actor), id, password).await
    }

    async fn list_configs(
        &self,
        _actor: &UserInfo,
        filter: ConfigFilter,
    ) -> Result<Vec<ConfigListItem>, AppError> {
        configs::list_configs(&self.0, filter).await
    }
    async fn get_config(&self, _actor: &UserInfo, id: ConfigId) -> Result<ConfigView, AppError> {
        configs::get_config(&self.0, id).await
    }
    async fn config_history(
        &self,
        _actor: &UserInfo,
        id: ConfigId,
    ) -> Result<Vec<HistoryEntry>, AppError> {
        configs::config_history(&self.0, id).await
    }
    async fn create_config(
        &self,
        actor: &UserInfo,
        input: ConfigInput,
    ) -> Result<ConfigView, AppError> {
        admin(actor)?;
        configs::create_config(&self.0, Actor(Some(actor)), input, HistoryAction::Created).await
    }
    async fn update_config(
        &self,
        actor: &UserInfo,
        id: ConfigId,
        input: ConfigInput,
    ) -> Result<ConfigView, AppError> {
        admin(actor)?;
        configs::update_config(&self.0, Actor(Some(actor)), id, input).await
    }
    async fn set_config_active(
        &self,
        actor: &UserInfo,
        id: ConfigId,
        active: bool,
    ) -> Result<ConfigView, AppError> {
        admin(actor)?;
        configs::set_config_active(&self.0, Actor(Some(actor)), id, active).await
    }
    async fn delete_config(
        &self,
        actor: &UserInfo,
        id: ConfigId,
    ) -> Result<DeleteOutcome, AppError> {
        admin(actor)?;
        configs::delete_config(&self.0, Actor(Some(actor)), id).await
    }
    async fn unarchive_config(
        &self,
        actor: &UserInfo,
        id: ConfigId,
    ) -> Result<ConfigView, AppError> {
        admin(actor)?;
        configs::unarchive_config(&self.0, Actor(Some(actor)), id).await
    }
    async fn revert_config(
        &self,
        actor: &UserInfo,
        id: ConfigId,
        version: i64,
    ) -> Result<ConfigView, AppError> {
        admin(actor)?;
        configs::revert_config(&self.0, Actor(Some(actor)), id, version).await
    }
    async fn reveal_key(
        &self,
        actor: &UserInfo,
        id: ConfigId,
        password: String,
    ) -> Result<String, AppError> {
        configs::reveal_key(&self.0, actor, id, password).await
    }

    async fn store_upload(
        &self,
        actor: &UserInfo,
        original_name: String,
        bytes: Vec<u8>,
    ) -> Result<BlobRef, AppError> {
        self.0
            .engine
            .blobs()
            .put(&bytes, &original_name, Some(actor.id))
            .await
    }
    async fn launch_tasks(
        &self,
        actor: &UserInfo,
        configs: Vec<ConfigId>,
        spec: TaskSpec,
    ) -> Result<Vec<TaskId>, AppError> {
        self.0.engine.launch(Some(actor), configs, spec).await
    }
    async fn rerun_task(&self, actor: &UserInfo, id: TaskId) -> Result<TaskId, AppError> {
        self.0.engine.rerun(Some(actor), id).await
    }
    async fn cancel_task(&self, actor: &UserInfo, id: TaskId) -> Result<(), AppError> {
        self.0.engine.cancel(Some(actor), id).await
    }
    async fn get_task(&self, _actor: &UserInfo, id: TaskId) -> Result<TaskView, AppError> {
        tasks::get_task(&self.0, id).await
    }
    async fn get_task_detail(&self, _actor: &UserInfo, id: TaskId) -> Result<TaskDetail, AppError> {
        tasks::get_task_detail(&self.0, id).await
    }
    async fn list_tasks(
        &self,
        _actor: &UserInfo,
        filter: TaskFilter,
    ) -> Result<TaskPage, AppError> {
        tasks::list_tasks(&self.0, filter).await
    }
    async fn task_stream(
        &self,
        _actor: &UserInfo,
        id: TaskId,
        after_seq: i64,
    ) -> Result<BoxStream<'static, StreamMsg>, AppError> {
        crate::tasks::stream::task_stream(&self.0.engine, id, after_seq).await
    }
    async fn changes_stream(
        &self,
        _actor: &UserInfo,
    ) -> Result<BoxStream<'static, Option<TaskChange>>, AppError> {
        crate::tasks::stream::changes_stream(&self.0.engine).await
    }
    async fn overview(&self, _actor: &UserInfo) -> Result<Overview, AppError> {
        tasks::overview(&self.0).await
    }
}
