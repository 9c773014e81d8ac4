//! (ssr only) The request that server-side work is done for: the backend, the request's parts
//! (headers, session, client address) and what the work decides about the response (a status,
//! extra headers, the page's nonce, a failure).
//!
//! The server puts it in place around every request (a task-local) and hands it on to every
//! task Leptos spawns for that request, so server functions reach it without Leptos' reactive
//! owner. They must not rely on the owner: a resource keeps loading after the owner it was
//! created under is gone (Suspense creates and drops copies of its children while it waits), and
//! a context lookup then finds nothing. Work that finds no request is an error with an id in
//! the log, never a quietly degraded answer.

use super::context::Backend;
use crate::error::AppError;
use http::{HeaderName, HeaderValue, StatusCode};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::task::JoinHandle;

tokio::task_local! {
    static CURRENT: Arc<RequestScope>;
}

/// Server-side work that found no request, or a request without what it needs.
static MISSES: AtomicU64 = AtomicU64::new(0);

pub struct RequestScope {
    backend: Arc<dyn Backend>,
    parts: http::request::Parts,
    id: String,
    decided: Mutex<Decided>,
    /// The tasks spawned while working for the request: they end with it.
    tasks: Mutex<Vec<JoinHandle<()>>>,
    ended: AtomicBool,
}

/// What the work for a request decided about its response; the server applies it once the
/// handler has answered.
#[derive(Debug, Default)]
pub struct Decided {
    pub status: Option<StatusCode>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The page shell ran: this is a page, whose scripts carry this nonce.
    pub page: bool,
    pub nonce: Option<String>,
    /// Something the work needed was missing (logged under the request id).
    pub failed: bool,
}

impl RequestScope {
    /// `id` is the request id the log lines carry (`x-request-id`).
    pub fn new(backend: Arc<dyn Backend>, parts: http::request::Parts, id: String) -> Self {
        RequestScope {
            backend,
            parts,
            id,
            decided: Mutex::default(),
            tasks: Mutex::default(),
            ended: AtomicBool::new(false),
        }
    }

    /// The request being worked for, if any.
    pub fn current() -> Option<Arc<RequestScope>> {
        CURRENT.try_with(Arc::clone).ok()
    }

    /// Runs every poll of `fut` as work for this request.
    pub fn run<F: Future>(self: Arc<Self>, fut: F) -> impl Future<Output = F::Output> {
        CURRENT.scope(self, fut)
    }

    /// Runs `f` as work for this request.
    pub fn enter<R>(self: &Arc<Self>, f: impl FnOnce() -> R) -> R {
        CURRENT.sync_scope(Arc::clone(self), f)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn backend(&self) -> Arc<dyn Backend> {
        Arc::clone(&self.backend)
    }

    pub fn parts(&self) -> &http::request::Parts {
        &self.parts
    }

    fn decided(&self) -> MutexGuard<'_, Decided> {
        self.decided.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn set_status(&self, status: StatusCode) {
        self.decided().status = Some(status);
    }

    pub fn insert_header(&self, name: HeaderName, value: HeaderValue) {
        self.decided().headers.push((name, value));
    }

    /// Whether the page shell rendered for this request (a server function called while it
    /// renders shows its failure inside the page, not as the response's status).
    pub fn is_page(&self) -> bool {
        self.decided().page
    }

    /// Takes what was decided, for the server to apply to the response.
    pub fn take_decided(&self) -> Decided {
        std::mem::take(&mut *self.decided())
    }

    /// A task spawned while working for the request: it is stopped when the request is over
    /// (answered, or given up by the client), instead of running on against a page whose
    /// reactive values are gone.
    pub fn track_task(&self, task: JoinHandle<()>) {
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        if self.ended.load(Ordering::Acquire) {
            task.abort();
            return;
        }
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }

    /// The request is over: stops the tasks still working for it, and answers them, so the
    /// caller can wait until they have stopped.
    pub fn end(&self) -> Vec<JoinHandle<()>> {
        let tasks = {
            let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
            self.ended.store(true, Ordering::Release);
            std::mem::take(&mut *tasks)
        };
        for task in &tasks {
            task.abort();
        }
        tasks
    }

    /// Something this request's work needs is missing: logged and counted, and a page that
    /// misses it is answered 500. The error names the request, so the log line is found.
    pub fn fail(&self, missing: &str) -> AppError {
        MISSES.fetch_add(1, Ordering::Relaxed);
        tracing::error!(request_id = %self.id, missing, "a request's server-side context is incomplete");
        self.decided().failed = true;
        AppError::Internal {
            request_id: self.id.clone(),
        }
    }
}

/// The request being worked for, or an error when work runs outside any request.
pub fn current() -> Result<Arc<RequestScope>, AppError> {
    RequestScope::current().ok_or_else(outside_any_request)
}

/// How often server-side work found no request, or a request without what it needed, since the
/// process started (always 0 unless something is wrong).
pub fn context_misses() -> u64 {
    MISSES.load(Ordering::Relaxed)
}

fn outside_any_request() -> AppError {
    MISSES.fetch_add(1, Ordering::Relaxed);
    let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    tracing::error!(
        error_id = %id,
        "server-side work ran outside any request (it was not spawned for one)"
    );
    AppError::Internal { request_id: id }
}

/// Called by the page shell: the page's scripts carry this request's nonce, and the server
/// sends the policy that allows them. Without a nonce the page is answered 500.
pub fn record_page_nonce() {
    let Ok(scope) = current() else {
        // No request to mark: the page goes out without a policy, which the server's header
        // layer answers with a 500.
        return;
    };
    let nonce = leptos::nonce::use_nonce().map(|n| n.to_string());
    let missing = nonce.is_none();
    {
        let mut decided = scope.decided();
        decided.page = true;
        decided.nonce = nonce;
    }
    if missing {
        scope.fail("the page's nonce");
    }
}

/// The status a page answers with (a page for something not found, or forbidden).
pub fn set_page_status(status: StatusCode) {
    if let Ok(scope) = current() {
        scope.set_status(status);
    }
}
