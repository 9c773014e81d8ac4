//! Request guards: who is asking (client address, signed-in user), from where (same origin),
//! and how much (body size).

use super::state::AppState;
use app::api::auth::AuthApi;
use app::api::{ClientIp, SESSION_AUTH_VERSION, SESSION_USER};
use app::domain::{UserId, UserInfo};
use app::error::AppError;
use app::i18n::Msg;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_client_ip::ClientIpSource;
use std::net::SocketAddr;
use tower_sessions::Session;

/// Paths anyone may GET without signing in.
fn is_public(path: &str) -> bool {
    path == "/login"
        || path == "/setup"
        || path == "/healthz"
        || path == "/metrics" // its own check: a scraper's token or an admin's session
        || path == "/favicon.svg"
        || path.starts_with("/pkg/")
        || path.starts_with("/api/")
        || path.starts_with("/files/")
}

/// The user behind this request's session, if it is still valid.
///
/// A session whose account changed since sign-in (disabled, new password or role) is ended here,
/// before the request is handled. Ending it later, from a server function while a page is still
/// rendering, would race the session layer, which saves the session when the response starts.
pub async fn session_user(state: &AppState, session: &Session) -> Option<UserInfo> {
    let uid = session.get::<i64>(SESSION_USER).await.ok().flatten()?;
    let version = session
        .get::<i64>(SESSION_AUTH_VERSION)
        .await
        .ok()
        .flatten()
        .unwrap_or(-1);
    match state.core.session_user(UserId(uid), version).await {
        Ok(Some(user)) => Some(user),
        Ok(None) => {
            if let Err(e) = session.flush().await {
                tracing::warn!(error = %e, "could not end a stale session");
            }
            None
        }
        Err(e) => {
            tracing::error!(error = ?e, "checking the session's user failed");
            None
        }
    }
}

/// Signed out, every page but `/login` and `/setup` redirects to `/login`, remembering where
/// the person wanted to go. Signed in, `/login` goes home.
pub async fn require_sign_in(
    State(state): State<AppState>,
    session: Session,
    req: Request<Body>,
    next: Next,
) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let path = req.uri().path().to_owned();
    if path == "/login" {
        if session_user(&state, &session).await.is_some() {
            return Redirect::to("/").into_response();
        }
        return next.run(req).await;
    }
    if is_public(&path) {
        return next.run(req).await;
    }
    if session_user(&state, &session).await.is_none() {
        let target = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let next_param: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
        return Redirect::to(&format!("/login?next={next_param}")).into_response();
    }
    next.run(req).await
}

fn refuse(status: StatusCode, err: AppError) -> Response {
    let body = serde_json::to_string(&err).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// State-changing requests from another site are refused, on top of SameSite cookies.
pub async fn check_origin(
    State(state): State<AppState>,
    req: Request<Body>,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        let same_host = host
            .as_deref()
            .is_some_and(|h| origin == format!("http://{h}") || origin == format!("https://{h}"));
        let configured = state.public_origin.as_deref().is_some_and(|p| p == origin);
        if !(same_host || configured) {
            tracing::warn!(origin, host = ?host, path = %req.uri().path(), "cross-site request refused");
            return refuse(
                StatusCode::FORBIDDEN,
                AppError::rejected(403, Msg::ErrBadOrigin),
            );
        }
    } else if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return refuse(
            StatusCode::FORBIDDEN,
            AppError::rejected(403, Msg::ErrBadOrigin),
        );
    }
    next.run(req).await
}

/// Whether a request path holds a `.` or `..` segment, plain or percent-encoded (`%2e`).
/// Browsers never send one (they resolve them first); a path like `/pkg/../configs` would
/// otherwise be judged public by its first segment and rendered as another page.
fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    })
}

/// Refuses, before anything decides who may see what, a path with dot segments: 400.
pub async fn refuse_dot_segments(req: Request<Body>, next: Next) -> Response {
    if has_dot_segment(req.uri().path()) {
        return (
            StatusCode::BAD_REQUEST,
            "bad request: a path with . or .. segments\n",
        )
            .into_response();
    }
    next.run(req).await
}

/// Uploads may carry one image (10 MB) and its envelope; everything else is small.
pub const UPLOAD_LIMIT: usize = 11 * 1024 * 1024;
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

pub async fn limit_body(req: Request<Body>, next: Next) -> Response {
    let limit = if req.uri().path().starts_with("/api/uploads/") {
        UPLOAD_LIMIT
    } else if req.uri().path() == super::launch_form::PATH {
        // The launch form without wasm carries its images in the post itself.
        super::launch_form::FILES_MAX * UPLOAD_LIMIT
    } else {
        BODY_LIMIT
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        let mut resp = refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            AppError::rejected(413, Msg::ErrTooLarge),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("request body larger than {limit} bytes")) {
            resp.headers_mut().insert("x-error", v);
        }
        return resp;
    }
    let req = req.map(|b| Body::new(http_body_util::Limited::new(b, limit)));
    next.run(req).await
}

/// Puts the client's address into the request: the peer's, or with `--trust-proxy` the
/// rightmost `X-Forwarded-For` entry, which is the one the trusted proxy appended (the
/// leftmost entries are whatever the client sent, so they could dodge the per-address
/// sign-in lockout). Resolved by `axum-client-ip`, falling back to the peer when the header is
/// absent.
pub async fn client_ip_layer(
    State(state): State<AppState>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let source = if state.trust_proxy {
        ClientIpSource::RightmostXForwardedFor
    } else {
        ClientIpSource::ConnectInfo
    };
    parts.extensions.insert(source);
    let resolved = axum_client_ip::ClientIp::from_request_parts(&mut parts, &state)
        .await
        .map(|ip| ip.0)
        .ok()
        .or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
        });
    if let Some(ip) = resolved {
        parts.extensions.insert(ClientIp(ip));
    }
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn only_sign_in_setup_and_assets_are_public() {
        for p in [
            "/login",
            "/setup",
            "/pkg/rhconsole.js",
            "/healthz",
            "/api/auth/login",
        ] {
            assert!(is_public(p), "{p}");
        }
        for p in [
            "/",
            "/configs",
            "/configs/1",
            "/tasks",
            "/tasks/9",
            "/users",
            "/setup/x",
            "/loginx",
        ] {
            assert!(!is_public(p), "{p}");
        }
    }
}
