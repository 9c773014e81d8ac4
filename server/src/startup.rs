//! Building and running the application: database, master key, engine, web server, and the
//! optional sandbox; graceful shutdown that finishes requests in flight and leaves tasks
//! resumable; online backups.

use crate::auth::{LockoutPolicy, SetupToken};
use crate::blobs::BlobStore;
use crate::clock::{SharedClock, SystemClock};
use crate::db::{self, Db};
use crate::metrics::Metrics;
use crate::providers::{Providers, net::Outbound};
use crate::sandbox::{SANDBOX_KEY, SandboxHandle};
use crate::secrets::{KeySource, MASTER_KEY_ENV, Secrets};
use crate::services::{Core, configs};
use crate::settings::{EngineArgs, Settings};
use crate::tasks::{Engine, EngineParts, EngineSettings};
use crate::web::{self, AppState};
use anyhow::Context;
use app::api::configs::ConfigsApi;
use app::domain::Actor;
use app::domain::{ApiType, ConfigInput, HistoryAction};
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub const DB_FILE: &str = "rhconsole.db";
pub const SANDBOX_CONFIG: &str = "Sandbox";

/// Sets `path`'s mode to `mode` (owner only), also on a data directory made before this rule.
fn owner_only(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot make {} private to its owner", path.display()))
}

/// Opens the database, the master key and the engine over `data_dir`.
pub async fn open_core(
    data_dir: &Path,
    clock: SharedClock,
    engine: EngineSettings,
    timeouts: crate::providers::net::CallTimeouts,
    retention: crate::blobs::Retention,
) -> anyhow::Result<Arc<Core>> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    owner_only(data_dir, 0o700)?;
    let db = Db::open(&data_dir.join(DB_FILE)).await?;
    // SQLite gives its -wal and -shm files the database file's mode.
    owner_only(&data_dir.join(DB_FILE), 0o600)?;
    let env_key = std::env::var(MASTER_KEY_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(SecretString::from);
    let (secrets, source) = Secrets::load(data_dir, env_key, &db, clock.now_ms()).await?;
    match source {
        KeySource::Env => tracing::info!("master key from {MASTER_KEY_ENV}"),
        KeySource::File(p) => tracing::info!(path = %p.display(), "master key from file"),
        KeySource::Generated(p) => {
            tracing::warn!(path = %p.display(), "generated a new master key; back it up with the database")
        }
    }
    let secrets = Arc::new(secrets);
    let metrics = Arc::new(Metrics::default());
    let blobs = BlobStore::new(blobs_dir(data_dir), db.clone(), clock.clone(), retention)?;
    let providers = Providers::new(Outbound::new(timeouts)?);
    let engine = Engine::new(EngineParts {
        db: db.clone(),
        clock: clock.clone(),
        secrets: secrets.clone(),
        providers,
        blobs,
        settings: engine,
        metrics: metrics.clone(),
    });
    Ok(Arc::new(Core {
        db,
        clock,
        secrets,
        setup: SetupToken::default(),
        lockout: LockoutPolicy::default(),
        engine,
        metrics,
    }))
}

/// The core for command-line use (no web server, nothing resumed), with the same engine
/// settings `serve` would use.
pub async fn open_core_for_cli(data_dir: &Path, engine: &EngineArgs) -> anyhow::Result<Arc<Core>> {
    open_core(
        data_dir,
        Arc::new(SystemClock),
        engine.engine_settings(),
        engine.call_timeouts(),
        crate::blobs::Retention::DEFAULT,
    )
    .await
}

/// Where the kept images are: `<data>/blobs/`.
pub fn blobs_dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("blobs")
}

pub struct Application {
    listener: tokio::net::TcpListener,
    router: axum::Router,
    pub core: Arc<Core>,
    pub addr: SocketAddr,
    /// The one-time setup link's token, when there were no users at start.
    pub setup_token: Option<String>,
    pub sandbox: Option<SandboxHandle>,
    pub settings: Settings,
    /// Background chores (expired sessions, kept-image retention), stopped by the engine's
    /// shutdown token.
    chores: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Builds everything and binds the address (port 0 picks a free one).
    pub async fn build(settings: Settings, clock: SharedClock) -> anyhow::Result<Application> {
        let addr = settings.serve.addr;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        Self::build_on(settings, clock, listener).await
    }

    /// Builds everything to serve on `listener` (bound already, so a caller can know the
    /// address first, e.g. to give it as the public URL).
    pub async fn build_on(
        settings: Settings,
        clock: SharedClock,
        listener: tokio::net::TcpListener,
    ) -> anyhow::Result<Application> {
        let s = &settings.serve;
        let mut engine_settings = s.engine.engine_settings();
        engine_settings.public_url = s
            .public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_owned());
        let core = open_core(
            &settings.data_dir,
            clock,
            engine_settings,
            s.engine.call_timeouts(),
            s.retention,
        )
        .await?;

        let sandbox = if s.sandbox {
            let handle = crate::sandbox::spawn(s.sandbox_addr, false)
                .await
                .with_context(|| format!("cannot start the sandbox on {}", s.sandbox_addr))?;
            let config = ensure_sandbox_config(&core, &handle.base_url()).await?;
            tracing::info!(url = %handle.base_url(), "sandbox (fake RunningHub) running");
            // The fake keeps its tasks in memory: what it was running before is gone.
            let forgotten = core.engine.fail_forgotten_by_sandbox(config).await?;
            if forgotten > 0 {
                tracing::warn!(
                    tasks = forgotten,
                    "sandbox tasks still in flight could not be followed after the restart; marked failed"
                );
            }
            Some(handle)
        } else {
            None
        };

        let resumed = core.engine.resume().await?;
        if resumed > 0 {
            tracing::info!(resumed, "picked up tasks still in flight");
        }
        // From now on this console adopts tasks the command line hands over (or a dead process
        // left) and relays other processes' events to its viewers.
        core.engine
            .start_lease(crate::tasks::lease::EngineKind::Serve)
            .await?;

        let addr = listener.local_addr()?;
        let setup_token = if db::user::count(&core.db.read).await? == 0 {
            Some(core.setup.issue())
        } else {
            None
        };

        let sessions = tower_sessions_sqlx_store::SqliteStore::new(core.db.write.clone())
            .with_table_name("session")
            .map_err(|e| anyhow::anyhow!("session table name: {e}"))?;
        sessions
            .migrate()
            .await
            .context("cannot create the session table")?;
        // Deletes expired sessions hourly; stops with the engine's shutdown token, so nothing
        // is left touching the database after `run_until_stopped` closed it.
        let session_cleanup = tokio::spawn({
            let store = sessions.clone();
            let stop = core.engine.shutdown_token();
            async move {
                use tower_sessions::ExpiredDeletion;
                tokio::select! {
                    () = stop.cancelled() => {}
                    r = store.continuously_delete_expired(Duration::from_secs(3600)) => {
                        if let Err(e) = r {
                            tracing::error!(error = %e, "deleting expired sessions failed; no longer trying");
                        }
                    }
                }
            }
        });

        let blob_cleanup = tokio::spawn(crate::blobs::clean_up_periodically(
            core.engine.blobs().clone(),
            core.engine.shutdown_token(),
        ));

        let site_root = settings.site_root();
        let leptos_options = leptos::config::LeptosOptions::builder()
            .output_name("rhconsole")
            .site_root(site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .env(leptos::config::Env::PROD)
            .build();
        let state = AppState {
            leptos_options,
            core: core.clone(),
            backend: AppState::services_for(core.clone()),
            public_origin: settings.public_origin(),
            trust_proxy: s.trust_proxy,
            metrics_token: s.metrics_token.clone(),
            callback_limiter: web::state::callback_limiter(),
        };
        let router = web::router(state, sessions, settings.secure_cookies())?;
        Ok(Application {
            listener,
            router,
            core,
            addr,
            setup_token,
            sandbox,
            settings,
            chores: vec![session_cleanup, blob_cleanup],
        })
    }

    /// The address people open (the public URL, else the bound address).
    pub fn base_url(&self) -> String {
        match &self.settings.serve.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }

    pub fn setup_link(&self) -> Option<String> {
        self.setup_token
            .as_ref()
            .map(|t| format!("{}/setup?token={t}", self.base_url()))
    }

    /// Serves until `shutdown` resolves; then lets requests in flight finish and stops
    /// following tasks (they resume at next start).
    pub async fn run_until_stopped(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let engine = self.core.engine.clone();
        let stop_streams = engine.shutdown_token();
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(async move {
                shutdown.await;
                tracing::info!("shutting down: finishing requests in flight");
                // Live streams end now so the graceful shutdown is not held open by them.
                stop_streams.cancel();
            })
            .await
            .context("the web server failed")?;
        engine.shutdown(Duration::from_secs(10)).await;
        // The chores saw the same token; wait for them before closing the database.
        for chore in self.chores {
            if let Err(e) = chore.await {
                tracing::warn!(error = %e, "a background chore ended abnormally");
            }
        }
        self.core.db.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Keeps a "Sandbox" configuration pointing at the running sandbox; answers its id.
async fn ensure_sandbox_config(
    core: &Core,
    base_url: &str,
) -> anyhow::Result<app::domain::ConfigId> {
    let mut input: ConfigInput = ApiType::RunningHubRhartEdit.preset();
    input.name = SANDBOX_CONFIG.to_owned();
    input.host_domestic = base_url.to_owned();
    input.host_overseas = base_url.to_owned();
    input.api_key = SANDBOX_KEY.to_owned();
    input.allow_local = true;
    input.timeout_secs = 300;
    let to_anyhow =
        |e: app::error::AppError| anyhow::anyhow!("cannot save the Sandbox configuration: {e}");
    match db::config::id_by_name(&core.db.read, SANDBOX_CONFIG).await? {
        None => {
            let created = configs::create(core, &Actor::Cli, input, HistoryAction::Created)
                .await
                .map_err(to_anyhow)?;
            Ok(created.id)
        }
        Some(id) => {
            let row = db::config::by_id(&core.db.read, id)
                .await?
                .context("the Sandbox configuration vanished")?;
            if row.view.fields.host_domestic != base_url || !row.view.fields.allow_local {
                let mut current = row.view.fields.to_input();
                current.host_domestic = base_url.to_owned();
                current.host_overseas = base_url.to_owned();
                current.allow_local = true;
                core.update_config(&Actor::Cli, id, current, None)
                    .await
                    .map_err(to_anyhow)?;
            }
            Ok(id)
        }
    }
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// A consistent copy of the live database (SQLite's `VACUUM INTO`).
pub async fn backup(db: &Db, file: &Path) -> anyhow::Result<()> {
    if file.exists() {
        anyhow::bail!("{} exists already; choose a new file name", file.display());
    }
    let path = file.to_string_lossy().into_owned();
    sqlx::query("VACUUM INTO ?1")
        .bind(&path)
        .execute(&db.write)
        .await
        .with_context(|| format!("cannot write the backup to {}", file.display()))?;
    Ok(())
}
