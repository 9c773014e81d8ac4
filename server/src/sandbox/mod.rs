//! A fake RunningHub (and nano-banana gateway) that speaks the real contract: bearer auth,
//! submit → taskId → query until a final status, multipart uploads, errors inside HTTP 200.
//! Scenarios are chosen by tags in the prompt (`#fail`, `#moderation`, `#http429` …, see
//! `Scenario`), so tests, benchmarks and newcomers can run whole test tasks without a key.
//! It runs on its own port: `rhconsole sandbox`, or `rhconsole serve --sandbox`.

mod account;
mod callbacks;
pub(crate) mod images;
mod nano;
mod runninghub;
mod scenario;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use rand::Rng;
use serde::Serialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use account::{OTHER_SITE_KEY_PREFIX, PERSONAL_KEY_PREFIX};
pub use images::generate_png;
pub use scenario::Scenario;

/// The key the sandbox accepts (any key works when started with `--any-key`).
pub const SANDBOX_KEY: &str = "sandbox-0123456789abcdef0123456789abcdef";

#[derive(Debug, Clone)]
pub(crate) struct FakeTask {
    pub id: String,
    pub scenario: Scenario,
    pub polls: u32,
    pub created: Instant,
    pub results: u32,
    /// With a `webhookUrl`, the task ends by time (then calls back), not by polls.
    pub ends_at: Option<Instant>,
    /// Last submitted or polled: a task nobody asks about for [`IDLE_RELEASE`] stops counting
    /// against the concurrency limit (the real service finishes tasks whether polled or not;
    /// the fake ends them by polls, so an abandoned one would hold its slot forever).
    pub touched: Instant,
}

/// See [`FakeTask::touched`].
pub(crate) const IDLE_RELEASE: std::time::Duration = std::time::Duration::from_secs(30);

/// One request as the sandbox received it (for tests).
#[derive(Debug, Clone, Serialize)]
pub struct SeenRequest {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Stats {
    pub submits: u64,
    pub polls: u64,
    pub uploads: u64,
    /// Submits per `#id=…` tag in the prompt: more than one means a double submit.
    pub submits_by_marker: HashMap<String, u64>,
    /// Callbacks sent (each POST, malformed ones included).
    pub callbacks: u64,
    /// Submits refused with 421 because the concurrency limit was reached.
    pub queue_full: u64,
    /// The most tasks at the provider at once (accepted and not finished), outsiders included.
    pub peak_running: u64,
}

pub struct SandboxState {
    pub base_url: Mutex<String>,
    pub any_key: bool,
    pub(crate) tasks: Mutex<HashMap<String, FakeTask>>,
    pub(crate) uploads: Mutex<HashMap<String, (String, Vec<u8>)>>,
    pub(crate) next_id: AtomicU64,
    pub(crate) stats: Mutex<Stats>,
    /// Calls seen per prompt, for scenarios that fail the first time only.
    pub(crate) first_seen: Mutex<HashMap<String, u32>>,
    pub seen: Mutex<Vec<SeenRequest>>,
    /// Fraction of submits and polls that fail at random (fault tests).
    pub failure_rate: Mutex<f64>,
    /// The concurrency limit the queue status reports (`concurrentLimit`) and submits obey.
    pub(crate) limit: AtomicU64,
    /// While set, polls do not advance any task (each stays where it is): tests hold tasks at
    /// the provider as long as they need, without timing.
    pub frozen: std::sync::atomic::AtomicBool,
}

/// Tasks of `tasks` still at the provider: not finished, and asked about lately.
fn running_in(tasks: &HashMap<String, FakeTask>) -> usize {
    tasks
        .values()
        .filter(|t| {
            t.touched.elapsed() < IDLE_RELEASE
                && matches!(runninghub::status_now(t), "CREATE" | "QUEUED" | "RUNNING")
        })
        .count()
}

/// Task ids look like RunningHub's (19 digits) and do not repeat when the sandbox restarts: they
/// start from the current time in milliseconds, a thousand ids apart per millisecond.
fn first_task_id() -> u64 {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let ms = u64::try_from(ms % 1_000_000_000_000).unwrap_or_default();
    2_000_000_000_000_000_000 + ms * 1000
}

impl SandboxState {
    pub fn new(any_key: bool) -> Arc<SandboxState> {
        Arc::new(SandboxState {
            base_url: Mutex::new(String::new()),
            any_key,
            tasks: Mutex::new(HashMap::new()),
            uploads: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(first_task_id()),
            stats: Mutex::new(Stats::default()),
            first_seen: Mutex::new(HashMap::new()),
            seen: Mutex::new(Vec::new()),
            failure_rate: Mutex::new(0.0),
            limit: AtomicU64::new(50),
            frozen: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub(crate) fn base(&self) -> String {
        self.base_url.lock().map(|b| b.clone()).unwrap_or_default()
    }

    pub(crate) fn new_id(&self) -> String {
        self.next_id.fetch_add(1, Ordering::SeqCst).to_string()
    }

    /// Whether the main site knows this `Authorization` value: the sandbox key and the
    /// personal-tier keys (or any key with `--any-key`).
    pub(crate) fn key_ok(&self, auth: Option<&str>) -> bool {
        match auth.and_then(|a| a.strip_prefix("Bearer ")) {
            Some(k) => self.any_key || k == SANDBOX_KEY || k.starts_with(PERSONAL_KEY_PREFIX),
            None => false,
        }
    }

    /// The concurrency limit the queue status reports.
    pub fn concurrent_limit(&self) -> u64 {
        self.limit.load(Ordering::SeqCst)
    }

    pub fn set_concurrent_limit(&self, limit: u64) {
        self.limit.store(limit, Ordering::SeqCst);
    }

    /// Tasks the fake has not finished yet.
    pub(crate) fn running(&self) -> usize {
        let tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        running_in(&tasks)
    }

    /// Adds `task` unless the account is at its concurrency limit (checked and added under one
    /// lock, so two submits cannot both take the last slot). `false` when refused.
    pub(crate) fn admit(&self, task: FakeTask) -> bool {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        let running = u64::try_from(running_in(&tasks)).unwrap_or(u64::MAX);
        let admitted = running < self.concurrent_limit();
        if let Ok(mut st) = self.stats.lock() {
            if admitted {
                st.peak_running = st.peak_running.max(running + 1);
            } else {
                st.queue_full += 1;
            }
        }
        if admitted {
            tasks.insert(task.id.clone(), task);
        }
        admitted
    }

    /// `n` tasks of someone else using the same key, each at the provider for `busy`: the
    /// account has that much less room (as when colleagues share an enterprise key).
    pub fn occupy(&self, n: usize, busy: std::time::Duration) {
        let now = Instant::now();
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        for _ in 0..n {
            let id = self.new_id();
            let task = FakeTask {
                id: id.clone(),
                scenario: Scenario::default(),
                polls: 0,
                created: now,
                results: 1,
                ends_at: Some(now + busy),
                touched: now + busy,
            };
            tasks.insert(id, task);
        }
    }

    /// How many times this prompt was seen before (0 the first time).
    pub(crate) fn seen_before(&self, prompt: &str) -> u32 {
        let mut m = self.first_seen.lock().unwrap_or_else(|p| p.into_inner());
        let n = m.entry(prompt.to_owned()).or_insert(0);
        let before = *n;
        *n += 1;
        before
    }

    pub(crate) fn remember(&self, r: SeenRequest) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= 200 {
            seen.remove(0);
        }
        seen.push(r);
    }

    /// Whether this call should fail at random.
    pub(crate) fn random_fault(&self) -> bool {
        let rate = self.failure_rate.lock().map(|r| *r).unwrap_or(0.0);
        rate > 0.0 && rand::thread_rng().gen_bool(rate.clamp(0.0, 1.0))
    }

    pub fn stats(&self) -> Stats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The task id the fake gave the task submitted with `#id=marker` (what an operator reads
    /// from the provider's call record when the answer was lost).
    pub fn task_id_with_marker(&self, marker: &str) -> Option<String> {
        let tasks = self.tasks.lock().ok()?;
        tasks
            .values()
            .find(|t| t.scenario.marker.as_deref() == Some(marker))
            .map(|t| t.id.clone())
    }
}

pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route(
            "/openapi/v2/rhart-image-n-pro/edit",
            post(runninghub::submit),
        )
        .route("/openapi/v2/query", post(runninghub::query))
        .route(
            "/uc/openapi/accountStatus",
            post(account::account_status).layer(axum::Extension(account::Site::Main)),
        )
        .route(
            "/openapi/v2/queue/status",
            get(account::queue_status)
                .post(account::queue_status_post)
                .layer(axum::Extension(account::Site::Main)),
        )
        .route(
            "/openapi/v2/price-preview/rhart-image-n-pro/edit",
            post(account::price_preview).layer(axum::Extension(account::Site::Main)),
        )
        .route("/openapi/v2/media/upload/binary", post(runninghub::upload))
        .route("/v1/file/upload", post(runninghub::upload))
        // Upload endpoints that refuse, for configs pointed at them: a proxy's HTML 413 page,
        // and an envelope with a non-zero code.
        .route("/upload-too-large", post(runninghub::upload_too_large))
        .route("/upload-refused", post(runninghub::upload_refused))
        .route("/v1/images/edits", post(nano::edits_sync))
        .route("/v1/models", get(nano::models))
        .route("/v1/async/images/edits", post(nano::edits_async))
        .route("/v1/async/tasks/{id}", get(nano::task))
        .route("/output/{name}", get(images::output))
        .route("/redirect-inside", get(images::redirect_inside))
        .route("/uploads/{name}", get(images::uploaded))
        .route("/__sandbox/stats", get(stats))
        .route("/__sandbox/requests", get(requests))
        .route("/__sandbox/faults", post(set_faults))
        .route("/__sandbox/freeze", post(set_frozen))
        .route("/__sandbox/task-id/{marker}", get(task_id_of))
        .route("/", get(index))
        .with_state(state)
}

async fn stats(State(s): State<Arc<SandboxState>>) -> axum::Json<Stats> {
    axum::Json(s.stats())
}

async fn requests(State(s): State<Arc<SandboxState>>) -> axum::Json<Vec<SeenRequest>> {
    axum::Json(s.seen.lock().map(|v| v.clone()).unwrap_or_default())
}

/// The fake's call record, in short: the task id it gave the task submitted with `#id=marker`.
async fn task_id_of(
    State(s): State<Arc<SandboxState>>,
    axum::extract::Path(marker): axum::extract::Path<String>,
) -> Result<String, axum::http::StatusCode> {
    s.task_id_with_marker(&marker)
        .ok_or(axum::http::StatusCode::NOT_FOUND)
}

#[derive(serde::Deserialize)]
struct Faults {
    failure_rate: f64,
}

async fn set_faults(
    State(s): State<Arc<SandboxState>>,
    axum::Json(f): axum::Json<Faults>,
) -> &'static str {
    if let Ok(mut r) = s.failure_rate.lock() {
        *r = f.failure_rate.clamp(0.0, 1.0);
    }
    "ok"
}

#[derive(serde::Deserialize)]
struct Freeze {
    frozen: bool,
}

/// Freezes (or thaws) every task where it is (see [`SandboxState::frozen`]).
async fn set_frozen(
    State(s): State<Arc<SandboxState>>,
    axum::Json(f): axum::Json<Freeze>,
) -> &'static str {
    s.frozen.store(f.frozen, Ordering::SeqCst);
    "ok"
}

async fn index() -> &'static str {
    "RH Console sandbox: a fake RunningHub API. See the README for the scenarios (#fail, #moderation, #http429 …)."
}

/// The other "site" (like runninghub.ai beside runninghub.cn): the account endpoints only,
/// knowing only the other site's keys (see `account`).
fn other_site_router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/uc/openapi/accountStatus", post(account::account_status))
        .route(
            "/openapi/v2/queue/status",
            get(account::queue_status).post(account::queue_status_post),
        )
        .route(
            "/openapi/v2/price-preview/rhart-image-n-pro/edit",
            post(account::price_preview),
        )
        .layer(axum::Extension(account::Site::Other))
        .with_state(state)
}

/// A running sandbox.
pub struct SandboxHandle {
    pub addr: SocketAddr,
    /// The other site, on its own port of the same address.
    pub other_site_addr: SocketAddr,
    pub state: Arc<SandboxState>,
    pub task: tokio::task::JoinHandle<()>,
}

impl SandboxHandle {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The other site's host, for a config's second host.
    pub fn other_site_url(&self) -> String {
        format!("http://{}", self.other_site_addr)
    }
}

/// Binds `addr` (port 0 for any) and serves the sandbox in the background.
pub async fn spawn(addr: SocketAddr, any_key: bool) -> anyhow::Result<SandboxHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let state = SandboxState::new(any_key);
    if let Ok(mut b) = state.base_url.lock() {
        *b = format!("http://{addr}");
    }
    let other = tokio::net::TcpListener::bind(SocketAddr::new(addr.ip(), 0)).await?;
    let other_site_addr = other.local_addr()?;
    let app = router(state.clone());
    let other_app = other_site_router(state.clone());
    let task = tokio::spawn(async move {
        let (main, other) = tokio::join!(axum::serve(listener, app), axum::serve(other, other_app));
        if let Err(e) = main.and(other) {
            tracing::error!(error = %e, "the sandbox stopped");
        }
    });
    Ok(SandboxHandle {
        addr,
        other_site_addr,
        state,
        task,
    })
}
