//! The seam between server functions and the server: the services a server function may call,
//! handed over in Leptos context by the `server` crate, which implements them. Server functions
//! stay thin: check the session and role here, then call one method.

use crate::domain::*;
use crate::error::AppError;
use async_trait::async_trait;
use futures::stream::BoxStream;
use leptos::prelude::*;
use std::net::IpAddr;
use std::sync::Arc;
use tower_sessions::Session;

/// The client address the server resolved for this request (peer, or the proxy's
/// `X-Forwarded-For` when told to trust it), put into the request's extensions.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// A successful sign-in.
pub struct SignedIn {
    pub user: UserInfo,
    /// Bumped whenever the password, role or disabled flag changes: older sessions die.
    pub auth_version: i64,
}

pub use crate::domain::DeleteOutcome;

/// Everything a server function may ask of the server.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    // --- sessions and sign-in ---
    /// The user behind a session, or `None` when the user is gone, disabled or changed since.
    async fn session_user(
        &self,
        id: UserId,
        auth_version: i64,
    ) -> Result<Option<UserInfo>, AppError>;
    async fn login(
        &self,
        username: &str,
        password: &str,
        ip: Option<IpAddr>,
    ) -> Result<SignedIn, AppError>;
    async fn setup_token_valid(&self, token: &str) -> Result<bool, AppError>;
    async fn complete_setup(&self, token: &str, user: NewUser) -> Result<UserInfo, AppError>;

    // --- users (admin) ---
    async fn list_users(&self, actor: &UserInfo) -> Result<Vec<UserInfo>, AppError>;
    async fn add_user(&self, actor: &UserInfo, user: NewUser) -> Result<UserInfo, AppError>;
    async fn set_user_role(&self, actor: &UserInfo, id: UserId, role: Role)
    -> Result<(), AppError>;
    async fn set_user_disabled(
        &self,
        actor: &UserInfo,
        id: UserId,
        disabled: bool,
    ) -> Result<(), AppError>;
    async fn reset_password(
        &self,
        actor: &UserInfo,
        id: UserId,
        password: String,
    ) -> Result<(), AppError>;

    // --- configurations ---
    async fn list_configs(
        &self,
        actor: &UserInfo,
        filter: ConfigFilter,
    ) -> Result<Vec<ConfigListItem>, AppError>;
    async fn get_config(&self, actor: &UserInfo, id: ConfigId) -> Result<ConfigView, AppError>;
    async fn config_history(
        &self,
        actor: &UserInfo,
        id: ConfigId,
    ) -> Result<Vec<HistoryEntry>, AppError>;
    async fn create_config(
        &self,
        actor: &UserInfo,
        input: ConfigInput,
    ) -> Result<ConfigView, AppError>;
    async fn update_config(
        &self,
        actor: &UserInfo,
        id: ConfigId,
        input: ConfigInput,
    ) -> Result<ConfigView, AppError>;
    async fn set_config_active(
        &self,
        actor: &UserInfo,
        id: ConfigId,
        active: bool,
    ) -> Result<ConfigView, AppError>;
    async fn delete_config(
        &self,
        actor: &UserInfo,
        id: ConfigId,
    ) -> Result<DeleteOutcome, AppError>;
    async fn unarchive_config(
        &self,
        actor: &UserInfo,
        id: ConfigId,
    ) -> Result<ConfigView, AppError>;
    async fn revert_config(
        &self,
        actor: &UserInfo,
        id: ConfigId,
        version: i64,
    ) -> Result<ConfigView, AppError>;
    async fn reveal_key(
        &self,
        actor: &UserInfo,
        id: ConfigId,
        password: String,
    ) -> Result<String, AppError>;

    // --- test tasks ---
    async fn store_upload(
        &self,
        actor: &UserInfo,
        original_name: String,
        bytes: Vec<u8>,
    ) -> Result<BlobRef, AppError>;
    async fn launch_tasks(
        &self,
        actor: &UserInfo,
        configs: Vec<ConfigId>,
        spec: TaskSpec,
    ) -> Result<Vec<TaskId>, AppError>;
    async fn rerun_task(&self, actor: &UserInfo, id: TaskId) -> Result<TaskId, AppError>;
    async fn cancel_task(&self, actor: &UserInfo, id: TaskId) -> Result<(), AppError>;
    async fn get_task(&self, actor: &UserInfo, id: TaskId) -> Result<TaskView, AppError>;
    /// The task and its execution log so far.
    async fn get_task_detail(&self, actor: &UserInfo, id: TaskId) -> Result<TaskDetail, AppError>;
    async fn list_tasks(&self, actor: &UserInfo, filter: TaskFilter) -> Result<TaskPage, AppError>;
    /// The task's events after `after_seq`, then live ones, ending after the final event.
    async fn task_stream(
        &self,
        actor: &UserInfo,
        id: TaskId,
        after_seq: i64,
    ) -> Result<BoxStream<'static, StreamMsg>, AppError>;
    /// Every task change from now on (for lists that update live).
    async fn changes_stream(
        &self,
        actor: &UserInfo,
    ) -> Result<BoxStream<'static, Option<TaskChange>>, AppError>;
    async fn overview(&self, actor: &UserInfo) -> Result<Overview, AppError>;
}

/// The services in context.
#[derive(Clone)]
pub struct Services(pub Arc<dyn Backend>);

pub fn backend() -> Result<Arc<dyn Backend>, AppError> {
    use_context::<Services>()
        .map(|s| s.0)
        .ok_or_else(|| AppError::Internal {
            request_id: "no-backend".to_owned(),
        })
}

const SESSION_USER: &str = "uid";
const SESSION_AUTH_VERSION: &str = "auth_ver";

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer on this request");
        AppError::Internal {
            request_id: "session".to_owned(),
        }
    })
}

fn session_err(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::Internal {
        request_id: "session".to_owned(),
    }
}

/// The signed-in user, if any.
pub async fn current_user() -> Result<Option<UserInfo>, AppError> {
    let session = session().await?;
    let Some(uid) = session
        .get::<i64>(SESSION_USER)
        .await
        .map_err(session_err)?
    else {
        return Ok(None);
    };
    let version = session
        .get::<i64>(SESSION_AUTH_VERSION)
        .await
        .map_err(session_err)?
        .unwrap_or(-1);
    // `None` when the account changed since this session began (disabled, new password or
    // role). The session itself is ended by the server's sign-in guard before a page request is
    // handled, not here: this also runs while a page renders, after the session layer may
    // already be saving the session.
    backend()?.session_user(UserId(uid), version).await
}

/// The signed-in user, or 401.
pub async fn require_user() -> Result<UserInfo, AppError> {
    current_user().await?.ok_or(AppError::Unauthorized)
}

/// The signed-in admin, or 401/403.
pub async fn require_admin() -> Result<UserInfo, AppError> {
    let user = require_user().await?;
    if user.is_admin() {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Starts a fresh session for `signed` (a new id, so a planted id is worthless).
pub async fn start_session(signed: &SignedIn) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(session_err)?;
    session
        .insert(SESSION_USER, signed.user.id.0)
        .await
        .map_err(session_err)?;
    session
        .insert(SESSION_AUTH_VERSION, signed.auth_version)
        .await
        .map_err(session_err)?;
    Ok(())
}

/// Destroys the session on the server and clears the cookie.
pub async fn end_session() -> Result<(), AppError> {
    session().await?.flush().await.map_err(session_err)
}

pub async fn client_ip() -> Option<IpAddr> {
    leptos_axum::extract::<axum::Extension<ClientIp>>()
        .await
        .ok()
        .map(|axum::Extension(ip)| ip.0)
}

/// Runs a server function body and gives its error the right HTTP status (and `Retry-After`).
pub async fn respond<T>(
    fut: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let result = fut.await;
    // While a page renders, a failed data call is shown inside the page; only direct calls
    // (fetch, scripts, forms) carry the error's status.
    let rendering_page = use_context::<leptos_meta::ServerMetaContext>().is_some();
    if let Err(e) = &result {
        if let Some(opts) =
            use_context::<leptos_axum::ResponseOptions>().filter(|_| !rendering_page)
        {
            opts.set_status(
                http::StatusCode::from_u16(e.status())
                    .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
            );
            if let AppError::TooManyRequests { retry_after_secs } = e
                && let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string())
            {
                opts.insert_header(http::header::RETRY_AFTER, v);
            }
        }
        match e {
            AppError::Internal { .. } => tracing::error!(error = %e, "server function failed"),
            _ => tracing::debug!(error = %e, "server function refused"),
        }
    }
    result
}
