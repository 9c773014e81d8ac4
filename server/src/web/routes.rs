//! Routes and their handlers.

use super::state::AppState;
use super::{guard, headers, scope};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, middleware};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::sync::OnceLock;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};
use tower_sessions_sqlx_store::SqliteStore;

pub fn router(
    state: AppState,
    sessions: SqliteStore,
    secure_cookies: bool,
) -> anyhow::Result<Router> {
    // Before anything of Leptos' server integration, which would install plain tokio.
    scope::install_request_executor()?;
    let routes = page_routes();

    let session_layer = SessionManagerLayer::new(sessions)
        .with_name("rh_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(12)));

    // The built files, served here rather than by Leptos' fallback, which drops the request's
    // conditional headers: a browser revalidating a `no-cache` chunk gets a 304, not the whole
    // file again. Release builds come precompressed (`--precompress`: `.br`, `.gz`); other
    // builds are compressed as they are sent. Only here: compressing the live streams would
    // hold their events back.
    let pkg = std::path::Path::new(&*state.leptos_options.site_root)
        .join(&*state.leptos_options.site_pkg_dir);
    let pkg_service = tower::ServiceBuilder::new()
        .layer(tower_http::compression::CompressionLayer::new())
        .service(
            tower_http::services::ServeDir::new(pkg)
                .precompressed_br()
                .precompressed_gzip(),
        );

    Ok(Router::new()
        .route(
            "/pkg/batch/{name}",
            get(super::chunk_batch::batch)
                .layer(tower_http::compression::CompressionLayer::new()),
        )
        .route(
            "/pkg/islands/{name}",
            get(super::chunk_batch::islands)
                .layer(tower_http::compression::CompressionLayer::new()),
        )
        .route(
            "/pkg/words/{name}",
            get(super::words::words).layer(tower_http::compression::CompressionLayer::new()),
        )
        .nest_service("/pkg", pkg_service)
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/files/{name}", get(file))
        .route("/callbacks/{token}", axum::routing::post(callback))
        .route(
            super::launch_form::PATH,
            axum::routing::post(super::launch_form::launch_form),
        )
        .route("/favicon.svg", get(favicon))
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(app::shell))
        // Innermost: the request's context, with the session and client address in its parts.
        .layer(middleware::from_fn_with_state(state.clone(), scope::request_scope))
        .layer(middleware::from_fn(undecodable_is_bad_request))
        .layer(middleware::from_fn_with_state(state.clone(), guard::require_sign_in))
        .layer(session_layer)
        .layer(middleware::from_fn_with_state(state.clone(), guard::check_origin))
        .layer(middleware::from_fn(guard::limit_body))
        .layer(middleware::from_fn_with_state(state.clone(), guard::client_ip_layer))
        .layer(middleware::from_fn(guard::refuse_dot_segments))
        .layer(middleware::from_fn(headers::security_headers))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state))
}

/// The pages' routes, found once per process. Finding them renders the app with resource loading
/// switched off for the whole process (Leptos' `SuppressResourceLoad` is a global flag): a page
/// rendering meanwhile on another server in the same process (the integration tests run many)
/// would wait forever for a resource that never starts.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// Server functions are routed by Leptos itself (`leptos_routes` registers each one beside the
/// pages). A request a function cannot even decode (missing or malformed arguments) is answered
/// 400 with a clear message instead of the framework's 500.
async fn undecodable_is_bad_request(req: Request<Body>, next: axum::middleware::Next) -> Response {
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    if !path.starts_with("/api/") || resp.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 256 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(app::error::AppError::Call(detail)) =
        serde_json::from_slice::<app::error::AppError>(&bytes)
    {
        tracing::info!(%path, %detail, "undecodable server function request");
        let err = app::error::AppError::bad_request(app::i18n::Msg::ErrBadRequest);
        let mut resp = (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&err).unwrap_or_default(),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(
            &detail
                .chars()
                .filter(|c| c.is_ascii() && !c.is_ascii_control())
                .take(300)
                .collect::<String>(),
        ) {
            resp.headers_mut().insert("x-error-detail", v);
        }
        return resp;
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn healthz(State(s): State<AppState>) -> Response {
    match s.core.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// The Prometheus/OpenMetrics text: for a scraper with the `--metrics-token`, or a signed-in
/// admin; 401 otherwise (config names and counts are not for everyone).
async fn metrics(
    State(s): State<AppState>,
    session: tower_sessions::Session,
    headers: axum::http::HeaderMap,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let by_token = matches!((&s.metrics_token, bearer), (Some(t), Some(b)) if t.matches(b));
    let by_admin = !by_token
        && guard::session_user(&s, &session)
            .await
            .is_some_and(|u| u.role == app::domain::Role::Admin);
    if !by_token && !by_admin {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "metrics need the metrics token (--metrics-token) or an admin's session\n",
        )
            .into_response();
    }
    let db = &s.core.db.read;
    let in_flight = crate::db::task::count_in_flight(db).await.unwrap_or(-1);
    let tasks = crate::db::task::counts_by_config_status(db)
        .await
        .unwrap_or_default();
    let kept_images = s.core.engine.blobs().usage().await.unwrap_or_default();
    let key_checks = crate::db::key_check::latest_named(db)
        .await
        .unwrap_or_default();
    let body = s.core.metrics.render(&crate::metrics::DbGauges {
        in_flight,
        tasks,
        kept_images,
        key_checks,
    });
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// A provider callback (RunningHub's `webhookUrl`): no session (the token in the path names
/// the task), a small body, rate-limited per address, answered at once. What it says is only a
/// hint: the ledger keeps it and the task confirms with a query (see `tasks::callback`).
async fn callback(
    State(s): State<AppState>,
    Path(token): Path<String>,
    ip: Option<axum::Extension<app::api::ClientIp>>,
    body: Body,
) -> Response {
    use crate::tasks::callback::CALLBACK_BODY_MAX;
    use app::domain::CallbackOutcome;
    let remote = ip.map(|i| i.0.0);
    if let Some(addr) = remote
        && s.callback_limiter.check_key(&addr).is_err()
    {
        return (StatusCode::TOO_MANY_REQUESTS, "too many callbacks\n").into_response();
    }
    let Ok(bytes) = axum::body::to_bytes(body, CALLBACK_BODY_MAX).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "callback body too large\n").into_response();
    };
    match s.core.engine.receive_callback(&token, &bytes, remote).await {
        Ok(CallbackOutcome::UnknownToken) => {
            (StatusCode::NOT_FOUND, "no task has this callback token\n").into_response()
        }
        Ok(CallbackOutcome::Malformed) => {
            (StatusCode::BAD_REQUEST, "not a TASK_END callback\n").into_response()
        }
        Ok(outcome) => (StatusCode::OK, format!("{}\n", outcome.as_str())).into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "recording a callback failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot record the callback\n",
            )
                .into_response()
        }
    }
}

/// `?download=NAME` on a stored image: save it as `NAME` (`task-12-1.png`).
#[derive(serde::Deserialize)]
struct FileQuery {
    download: Option<String>,
}

/// A file name a browser may save under: letters, digits, `.`, `-` and `_`, not starting with
/// a dot, at most 100 characters; anything else is not used.
fn download_name(name: &str) -> Option<&str> {
    let ok = (1..=100).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    ok.then_some(name)
}

/// Images the console stores (uploads, kept results, thumbnails): signed-in users only. With
/// `?download=NAME` the browser saves the file as NAME instead of showing it.
async fn file(
    State(s): State<AppState>,
    session: tower_sessions::Session,
    Path(name): Path<String>,
    axum::extract::Query(q): axum::extract::Query<FileQuery>,
) -> Response {
    if guard::session_user(&s, &session).await.is_none() {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    }
    match s.core.engine.blobs().read(&name).await {
        Ok(Some((blob, bytes))) => {
            let mut resp = Response::new(Body::from(bytes));
            if let Ok(v) = HeaderValue::from_str(&blob.mime) {
                resp.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=31536000, immutable"),
            );
            if let Some(v) =
                q.download.as_deref().and_then(download_name).and_then(|n| {
                    HeaderValue::from_str(&format!("attachment; filename=\"{n}\"")).ok()
                })
            {
                resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            resp
        }
        Ok(None) => (StatusCode::NOT_FOUND, "no such file").into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "reading a stored file failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot read the file").into_response()
        }
    }
}

const FAVICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#2563eb"/><text x="32" y="42" font-family="Arial,Helvetica,sans-serif" font-size="26" font-weight="700" text-anchor="middle" fill="#fff">RH</text></svg>"##;

async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON,
    )
        .into_response()
}
