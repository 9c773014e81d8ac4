//! (ssr only) What every server function shares: the backend, the session, the client's
//! address, and turning an error into the right HTTP status. All of it is reached through the
//! request being worked for ([`super::request`]), never through Leptos' reactive owner.

use super::request::{RequestScope, current};
use super::{auth::AuthApi, configs::ConfigsApi, tasks::TasksApi, users::UsersApi};
use crate::domain::{Actor, UserId, UserInfo};
use crate::error::AppError;
use std::net::IpAddr;
use std::sync::Arc;
use tower_sessions::Session;

/// Session keys, written at sign-in and read by every request (here and in the server's
/// sign-in guard).
pub const SESSION_USER: &str = "uid";
/// The user's `auth_version` at sign-in: a password, role or disabled change bumps it, which
/// ends older sessions.
pub const SESSION_AUTH_VERSION: &str = "auth_ver";

/// The client address the server resolved for this request, put into the request's
/// extensions by the server's client-address layer.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// Everything the server functions may ask of the server: one slice per area, each defined
/// beside the area's server functions and implemented in `server/src/services/<area>.rs`.
pub trait Backend: AuthApi + UsersApi + ConfigsApi + TasksApi + Send + Sync + 'static {}

impl<T: AuthApi + UsersApi + ConfigsApi + TasksApi + Send + Sync + 'static> Backend for T {}

/// The backend the server hands to every request.
#[derive(Clone)]
pub struct Services(pub Arc<dyn Backend>);

/// The backend of the request being worked for.
pub fn backend() -> Result<Arc<dyn Backend>, AppError> {
    Ok(current()?.backend())
}

pub(crate) async fn session() -> Result<Session, AppError> {
    let scope = current()?;
    let session = scope.parts().extensions.get::<Session>().cloned();
    session.ok_or_else(|| scope.fail("the session layer"))
}

pub(crate) fn session_err(e: tower_sessions::session::Error) -> AppError {
    let request_id = RequestScope::current().map_or_else(|| "-".to_owned(), |s| s.id().to_owned());
    tracing::error!(error = %e, %request_id, "session store failed");
    AppError::Internal { request_id }
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

/// Who is calling: the signed-in user, or 401. What the caller may do is the service's
/// decision, not the server function's.
pub async fn authenticate() -> Result<Actor, AppError> {
    current_user()
        .await?
        .map(Actor::User)
        .ok_or(AppError::Unauthorized)
}

/// The client's address, when the server resolved one.
pub async fn client_ip() -> Option<IpAddr> {
    let scope = current().ok()?;
    scope.parts().extensions.get::<ClientIp>().map(|ip| ip.0)
}

/// Whether the request came from a plain HTML form (no JavaScript): it then gets a redirect.
pub fn accepts_html() -> bool {
    current().is_ok_and(|scope| {
        scope
            .parts()
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// Runs a server function body and gives its error the right HTTP status (and `Retry-After`).
pub async fn respond<T>(
    fut: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let result = fut.await;
    if let Err(e) = &result {
        // While a page renders, a failed data call is shown inside the page; only direct calls
        // (fetch, scripts, forms) carry the error's status.
        if let Some(scope) = RequestScope::current().filter(|s| !s.is_page()) {
            scope.set_status(
                http::StatusCode::from_u16(e.status())
                    .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
            );
            if let AppError::TooManyRequests { retry_after_secs } = e
                && let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string())
            {
                scope.insert_header(http::header::RETRY_AFTER, v);
            }
        }
        match e {
            AppError::Internal { .. } => tracing::error!(error = %e, "server function failed"),
            _ => tracing::debug!(error = %e, "server function refused"),
        }
    }
    result
}
