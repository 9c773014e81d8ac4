//! The test harness: spawns the real application on 127.0.0.1:0 with a temporary data
//! directory, a clock the test controls and, when asked, the in-repo fake provider.

#![allow(dead_code)]

use reqwest::{Client, RequestBuilder, Response};
use rhconsole::clock::ManualClock;
use rhconsole::sandbox::{self, SandboxHandle};
use rhconsole::settings::{EngineArgs, ServeArgs, Settings};
use rhconsole::startup::Application;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Once};
use std::time::Duration;

mod tasks;
pub use tasks::*;
use tempfile::TempDir;
use tokio::sync::oneshot;

pub const ADMIN: &str = "admin";
pub const ADMIN_PW: &str = "correct horse battery staple";

static TRACING: Once = Once::new();

fn init_tracing() {
    TRACING.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            rhconsole::telemetry::init(
                "debug,sqlx=warn,hyper=info",
                rhconsole::settings::LogFormat::Plain,
            );
        }
    });
}

pub struct Options {
    pub poll_ms: u64,
    pub retry_unit_ms: u64,
    pub request_timeout_secs: u64,
    /// `--trust-proxy`: the client address comes from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// The built site to serve (`pkg/` with the CSS, JS and wasm); none by default.
    pub site_root: Option<std::path::PathBuf>,
    /// Give the console its own address as `--public-url` (callbacks need one).
    pub public_url: bool,
    /// `--callback-poll-interval-ms`.
    pub callback_poll_ms: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            poll_ms: 50,
            retry_unit_ms: 10,
            request_timeout_secs: 5,
            trust_proxy: false,
            site_root: None,
            public_url: false,
            callback_poll_ms: 30_000,
        }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub data: Arc<TempDir>,
    pub clock: Arc<ManualClock>,
    pub setup_token: Option<String>,
    pub core: Arc<rhconsole::services::Core>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    opts_poll: u64,
    opts_retry: u64,
    opts_timeout: u64,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_opts(Options::default()).await
    }

    pub async fn spawn_opts(opts: Options) -> TestApp {
        Self::spawn_with(
            Arc::new(TempDir::new().expect("tempdir")),
            Arc::new(ManualClock::starting_now()),
            opts,
        )
        .await
    }

    pub async fn spawn_with(data: Arc<TempDir>, clock: Arc<ManualClock>, opts: Options) -> TestApp {
        init_tracing();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let bound = listener.local_addr().expect("its address");
        let serve = ServeArgs {
            addr: bound,
            public_url: opts.public_url.then(|| format!("http://{bound}")),
            engine: EngineArgs {
                poll_interval_ms: opts.poll_ms,
                retry_unit_ms: opts.retry_unit_ms,
                submit_timeout_secs: opts.request_timeout_secs,
                sync_timeout_secs: opts.request_timeout_secs,
                poll_timeout_secs: opts.request_timeout_secs,
                upload_timeout_secs: opts.request_timeout_secs,
                callback_poll_interval_ms: opts.callback_poll_ms,
                ..EngineArgs::default()
            },
            trust_proxy: opts.trust_proxy,
            site_root: opts.site_root,
            metrics_token: Some(METRICS_TOKEN.parse().expect("a metrics token")),
            ..ServeArgs::default()
        };
        let settings = Settings {
            data_dir: data.path().to_path_buf(),
            serve,
        };
        let app = Application::build_on(settings, clock.clone(), listener)
            .await
            .expect("the app builds");
        let addr = app.addr;
        let setup_token = app.setup_token.clone();
        let core = app.core.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until_stopped(async move {
            let _ = rx.await;
        }));
        TestApp {
            addr,
            base: format!("http://{addr}"),
            data,
            clock,
            setup_token,
            core,
            stop: Some(tx),
            task: Some(task),
            opts_poll: opts.poll_ms,
            opts_retry: opts.retry_unit_ms,
            opts_timeout: opts.request_timeout_secs,
        }
    }

    /// Stops gracefully (requests finish, tasks stay resumable).
    pub async fn stop(mut self) -> (Arc<TempDir>, Arc<ManualClock>) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            // Everything the app started (engine, streams, the session cleanup) ends with it.
            tokio::time::timeout(Duration::from_secs(20), t)
                .await
                .expect("the app stops within 20 s")
                .expect("the server task did not panic")
                .expect("the server stopped cleanly");
        }
        (self.data.clone(), self.clock.clone())
    }

    /// Stops like a crash: the server task is aborted, nothing is finished.
    pub async fn crash(mut self) -> (Arc<TempDir>, Arc<ManualClock>) {
        self.core.engine.shutdown_token().cancel();
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
        (self.data.clone(), self.clock.clone())
    }

    /// Stops and starts again on the same data directory and clock.
    pub async fn restart(self) -> TestApp {
        let (poll, retry, timeout) = (self.opts_poll, self.opts_retry, self.opts_timeout);
        let (data, clock) = self.stop().await;
        TestApp::spawn_with(
            data,
            clock,
            Options {
                poll_ms: poll,
                retry_unit_ms: retry,
                request_timeout_secs: timeout,
                ..Options::default()
            },
        )
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client that keeps cookies and does not follow redirects.
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Loads `path` with the client `c`.
    pub async fn get(&self, c: &Client, path: &str) -> Response {
        c.get(self.url(path)).send().await.expect("get")
    }

    /// Calls a server function with a form body (the default encoding).
    pub async fn form(&self, c: &Client, endpoint: &str, fields: &[(&str, &str)]) -> Response {
        c.post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "application/json")
            .form(fields)
            .send()
            .await
            .expect("request")
    }

    /// Calls a server function with a JSON body.
    pub async fn json(&self, c: &Client, endpoint: &str, body: Value) -> Response {
        c.post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "application/json")
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// Calls a server function with a JSON body and returns its answer as JSON.
    pub async fn call(&self, c: &Client, endpoint: &str, body: Value) -> Value {
        body_json(self.json(c, endpoint, body).await).await
    }

    /// Creates the first admin through the setup link.
    pub async fn setup_admin(&self) {
        let token = self
            .setup_token
            .clone()
            .expect("a setup token at first start");
        let r = self
            .complete_setup(&self.client(), &token, ADMIN, ADMIN_PW)
            .await;
        expect_status(r, 200, "setup").await;
    }

    /// Sends the setup form: `token`, then `user` with `password` (confirmed).
    pub async fn complete_setup(
        &self,
        c: &Client,
        token: &str,
        user: &str,
        password: &str,
    ) -> Response {
        let fields = [
            ("token", token),
            ("username", user),
            ("password", password),
            ("confirm", password),
        ];
        self.form(c, "setup/complete", &fields).await
    }

    /// Calls the sign-in server function with `c` (coming back to `/`).
    pub async fn login(&self, c: &Client, user: &str, password: &str) -> Response {
        let fields = [("username", user), ("password", password), ("next", "/")];
        self.form(c, "auth/login", &fields).await
    }

    /// A client signed in as `user`.
    pub async fn signed_in(&self, user: &str, password: &str) -> Client {
        let c = self.client();
        let r = self.login(&c, user, password).await;
        expect_status(r, 200, &format!("login as {user}")).await;
        c
    }

    /// The first admin, set up and signed in.
    pub async fn admin(&self) -> Client {
        self.setup_admin().await;
        self.signed_in(ADMIN, ADMIN_PW).await
    }

    /// Calls `users/add` as `c` for `name` with `password` and `role`.
    pub async fn add_user(&self, c: &Client, name: &str, password: &str, role: &str) -> Response {
        let fields = [("username", name), ("password", password), ("role", role)];
        self.form(c, "users/add", &fields).await
    }

    /// Adds an operator (through the admin's client) and signs them in.
    pub async fn operator(&self, admin: &Client, name: &str) -> Client {
        let r = self
            .add_user(admin, name, "operator password 1", "operator")
            .await;
        expect_status(r, 200, "add operator").await;
        self.signed_in(name, "operator password 1").await
    }
}

/// Hands `r` back if its status is `status`; panics with `what` and the body otherwise.
pub async fn expect_status(r: Response, status: u16, what: &str) -> Response {
    let got = r.status();
    if got != status {
        let body = r.text().await.unwrap_or_default();
        panic!("{what}: status {got}, expected {status}: {body}");
    }
    r
}

/// Sends `req` and returns the answer's body as text.
pub async fn text_of(req: RequestBuilder) -> String {
    req.send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body")
}

/// Sends `req` and returns the answer's body as JSON.
pub async fn json_of(req: RequestBuilder) -> Value {
    body_json(req.send().await.expect("request")).await
}

/// The token a scraper shows to read `/metrics` in these tests.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

/// The app's `/metrics` text, as a scraper with the token reads it.
pub async fn metrics(app: &TestApp) -> String {
    text_of(
        Client::new()
            .get(app.url("/metrics"))
            .bearer_auth(METRICS_TOKEN),
    )
    .await
}

/// The nonce a Content-Security-Policy lets scripts run with, if any.
pub fn csp_nonce(csp: &str) -> Option<&str> {
    csp.split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
}

/// Asserts that neither the database file in `dir` nor its WAL holds `key` in clear.
pub fn assert_not_in_database_files(dir: &Path, key: &str) {
    for name in ["rhconsole.db", "rhconsole.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            assert!(
                !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
                "the key is in {name} in clear"
            );
        }
    }
}

/// What a finished process printed: its stdout, then its stderr.
pub fn output_text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The fake provider on a free port.
pub async fn sandbox() -> SandboxHandle {
    sandbox::spawn("127.0.0.1:0".parse().expect("addr"), false)
        .await
        .expect("sandbox")
}

/// A RunningHub config input pointing at `base` (the sandbox).
pub fn rh_config(name: &str, base: &str) -> Value {
    rhconsole::fixtures::sandbox_config(name, base, 60, 50)
}

/// The answer's body as JSON (panics showing the text if it is not).
pub async fn body_json(r: Response) -> Value {
    let text = r.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// `base` with each field of the JSON object `changes` set over it.
pub fn with_fields(mut base: Value, changes: Value) -> Value {
    for (field, value) in changes.as_object().expect("changes are an object") {
        base[field] = value.clone();
    }
    base
}

/// Creates a config through the server function and returns its id.
pub async fn create_config(app: &TestApp, admin: &Client, input: Value) -> i64 {
    let r = app
        .json(admin, "configs/create", json!({ "input": input }))
        .await;
    let r = expect_status(r, 200, "create config").await;
    body_json(r).await["id"].as_i64().expect("id")
}

/// A fresh app with its first admin set up and signed in.
pub async fn app_with_admin() -> (TestApp, Client) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    (app, admin)
}

/// Starts a sandbox and creates (through `admin`) a RunningHub config named `name` for it,
/// with `changes` over the defaults; returns the sandbox and the config id.
pub async fn sandbox_config(
    app: &TestApp,
    admin: &Client,
    name: &str,
    changes: Value,
) -> (SandboxHandle, i64) {
    let sb = sandbox().await;
    let input = with_fields(rh_config(name, &sb.base_url()), changes);
    let id = create_config(app, admin, input).await;
    (sb, id)
}

/// A fresh app with its admin signed in and a sandbox config named `name`.
pub async fn app_with_sandbox(name: &str) -> (TestApp, Client, SandboxHandle, i64) {
    app_with_sandbox_config(name, json!({})).await
}

/// A fresh app with its admin signed in and a sandbox config named `name`, with `changes`.
pub async fn app_with_sandbox_config(
    name: &str,
    changes: Value,
) -> (TestApp, Client, SandboxHandle, i64) {
    let (app, admin) = app_with_admin().await;
    let (sb, config) = sandbox_config(&app, &admin, name, changes).await;
    (app, admin, sb, config)
}
