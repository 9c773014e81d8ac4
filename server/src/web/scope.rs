//! Every request's server-side context, in place for all the work done for it.
//!
//! The layer builds the request's [`RequestScope`] (backend, parts, request id) and polls the
//! handler, and later the response body, inside it and with the request's own Leptos owner
//! ([`RequestOwner`]). The executor Leptos spawns its tasks on (resources, effects) hands the
//! scope and the request's tracing span on to every task spawned while working for a request.
//! Server functions therefore find the request wherever Leptos polls them, even after the
//! reactive owner they were created under is gone.
//!
//! When the request is over (its body sent, or the client gone), its tasks are stopped, and
//! only once they have stopped is the rest of the render dropped: that is when Leptos disposes
//! the page's reactive values, and a task still running then would find them gone.
//!
//! When the handler has answered, the layer applies what the work decided: a page gets the
//! Content-Security-Policy for the nonce its scripts carry, a direct server-function call the
//! status of its error, and a page whose work missed part of its context becomes a 500 that
//! names the request.

use super::owner::RequestOwner;
use super::state::AppState;
use any_spawner::{CustomExecutor, Executor, PinnedFuture, PinnedLocalFuture};
use app::api::request::{Decided, RequestScope};
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use tracing::Instrument;

pub async fn request_scope(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let (parts, body) = req.into_parts();
    let scope = Arc::new(RequestScope::new(
        state.backend.0.clone(),
        parts.clone(),
        id,
    ));
    let mut handling = Handling {
        handler: Some(Box::pin(next.run(Request::from_parts(parts, body)))),
        owner: RequestOwner::default(),
        scope,
    };
    let resp = poll_fn(|cx| handling.poll_handler(cx)).await;
    let resp = apply(resp, handling.scope.take_decided(), handling.scope.id());
    let owner = std::mem::take(&mut handling.owner);
    let scope = Arc::clone(&handling.scope);
    resp.map(|body| {
        Body::new(ScopedBody {
            body: Some(body),
            owner,
            scope,
        })
    })
}

fn apply(mut resp: Response, decided: Decided, request_id: &str) -> Response {
    if decided.page && decided.failed {
        // Logged where it was missed, under this request id.
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error (request {request_id})"),
        )
            .into_response();
    }
    if let Some(status) = decided.status {
        *resp.status_mut() = status;
    }
    let headers = resp.headers_mut();
    for (name, value) in decided.headers {
        headers.insert(name, value);
    }
    if let Some(nonce) = decided.nonce
        && let Ok(csp) = HeaderValue::from_str(&app::content_security_policy(&nonce))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    resp
}

/// Stops the request's tasks, then drops what is left of its render once they have stopped.
fn end_request(scope: &RequestScope, leftover: impl Send + 'static) {
    let tasks = scope.end();
    if tasks.is_empty() {
        return;
    }
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            for task in tasks {
                // Stopped (cancelled) is the expected answer.
                let _ = task.await;
            }
            drop(leftover);
        });
    }
}

type Handler = Pin<Box<dyn Future<Output = Response> + Send>>;

/// The handler, polled as work for the request. Dropped before it answered (the client went
/// away), it ends the request.
struct Handling {
    handler: Option<Handler>,
    owner: RequestOwner,
    scope: Arc<RequestScope>,
}

impl Handling {
    fn poll_handler(&mut self, cx: &mut Context<'_>) -> Poll<Response> {
        let Handling {
            handler,
            owner,
            scope,
        } = self;
        let Some(running) = handler.as_mut() else {
            return Poll::Pending;
        };
        let poll = scope.enter(|| owner.run(|| running.as_mut().poll(cx)));
        if poll.is_ready() {
            *handler = None;
        }
        poll
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        if let Some(handler) = self.handler.take() {
            end_request(&self.scope, handler);
        }
    }
}

/// The response body, polled (by the server, after the handler answered) as work for the
/// request: the rest of the render and its final cleanup run there. Dropped, it ends the
/// request.
struct ScopedBody {
    body: Option<Body>,
    owner: RequestOwner,
    scope: Arc<RequestScope>,
}

impl HttpBody for ScopedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let ScopedBody { body, owner, scope } = self.get_mut();
        let Some(body) = body.as_mut() else {
            return Poll::Ready(None);
        };
        scope.enter(|| owner.run(|| Pin::new(body).poll_frame(cx)))
    }

    fn is_end_stream(&self) -> bool {
        self.body.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.body
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), HttpBody::size_hint)
    }
}

impl Drop for ScopedBody {
    fn drop(&mut self) {
        end_request(&self.scope, self.body.take());
    }
}

/// Tokio, as Leptos' executor, with one addition: a task spawned while working for a request
/// works for it too (its scope and its tracing span), and ends with it.
struct RequestExecutor;

impl CustomExecutor for RequestExecutor {
    fn spawn(&self, fut: PinnedFuture<()>) {
        let fut = fut.instrument(tracing::Span::current());
        match RequestScope::current() {
            Some(scope) => scope.track_task(tokio::spawn(Arc::clone(&scope).run(fut))),
            None => drop(tokio::spawn(fut)),
        }
    }

    fn spawn_local(&self, fut: PinnedLocalFuture<()>) {
        let fut = fut.instrument(tracing::Span::current());
        match RequestScope::current() {
            Some(scope) => {
                scope.track_task(tokio::task::spawn_local(Arc::clone(&scope).run(fut)));
            }
            None => drop(tokio::task::spawn_local(fut)),
        }
    }

    fn poll_local(&self) {}
}

/// Makes [`RequestExecutor`] the executor Leptos spawns on. It must come before anything of
/// Leptos' server integration runs, which would install plain tokio (once per process).
pub fn install_request_executor() -> anyhow::Result<()> {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    if *INSTALLED.get_or_init(|| Executor::init_custom_executor(RequestExecutor).is_ok()) {
        Ok(())
    } else {
        anyhow::bail!(
            "another async executor was installed for Leptos first: tasks spawned for a request \
             would not find it"
        )
    }
}
