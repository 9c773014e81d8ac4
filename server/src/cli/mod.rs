//! The command line: `rhconsole [serve]`, `sandbox`, `user …`, `config …`, `task …`, `blobs …`,
//! `backup`.

mod blobs;
mod config;
mod io;
mod task;
mod user;

use crate::settings::{LogFormat, ServeArgs};
use clap::{Args, Parser, Subcommand};
use io::say;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Environment:
  RHCONSOLE_MASTER_KEY   32-byte master key (64 hex digits or base64) that encrypts provider keys.
                         Without it, <data-dir>/master.key is used (created 0600 at first start).

Examples:
  rhconsole                                   serve on http://127.0.0.1:3000 with ./data
  rhconsole serve --sandbox                   also run the fake provider and a Sandbox config
  rhconsole user add --username alice --role admin
  rhconsole config add-runninghub             the RunningHub 全能图片PRO config, interactively
  rhconsole task run --config Sandbox --prompt 'make it blue' --image ./cat.png";

#[derive(Debug, Parser)]
#[command(name = "rhconsole", version, about = "RH Console: image-generation API configurations and live test tasks", after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Serve options when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Data directory: the SQLite database, the master key and stored images.
    #[arg(
        long,
        env = "RHCONSOLE_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Log filter, e.g. `info`, `debug`, `rhconsole=debug,tower_http=info`.
    #[arg(long, env = "RHCONSOLE_LOG", default_value = "info", global = true)]
    pub log: String,
    /// Log line format.
    #[arg(long, env = "RHCONSOLE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Plain, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the console (what `rhconsole` alone does).
    Serve(ServeArgs),
    /// Run only the fake RunningHub provider (for trying things without a key).
    Sandbox(SandboxArgs),
    /// Manage users.
    #[command(subcommand)]
    User(user::UserCmd),
    /// Manage API configurations.
    #[command(subcommand)]
    Config(config::ConfigCmd),
    /// Run and inspect test tasks.
    #[command(subcommand)]
    Task(task::TaskCmd),
    /// Kept images (uploads, results, thumbnails): usage and clean-up.
    #[command(subcommand)]
    Blobs(blobs::BlobsCmd),
    /// Write a consistent copy of the database to FILE (safe while the console runs).
    Backup {
        /// Where to write the copy (must not exist).
        file: PathBuf,
    },
}

#[derive(Debug, Args, Clone)]
pub struct SandboxArgs {
    /// Address of the fake provider.
    #[arg(long, env = "RHCONSOLE_SANDBOX_ADDR", default_value = "127.0.0.1:3900")]
    pub addr: std::net::SocketAddr,
    /// Accept any API key, not only the sandbox key.
    #[arg(long)]
    pub any_key: bool,
    /// Tasks the fake account may have at the provider at once (its queue status reports it
    /// as `concurrentLimit`); a submit over it is refused with 421 TASK_QUEUE_MAXED.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    pub concurrent_limit: u64,
}

/// An error that decides the exit code: 2 for bad input, 1 otherwise.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    BadInput(String),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::BadInput(_) => 2,
            CliError::Failed(_) => 1,
        }
    }
}

pub fn bad(msg: impl Into<String>) -> CliError {
    CliError::BadInput(msg.into())
}

/// Runs a subcommand other than `serve`; returns the process exit code.
pub async fn run(global: &GlobalArgs, command: Command) -> Result<u8, CliError> {
    match command {
        Command::Serve(_) => Ok(0),
        Command::Sandbox(args) => {
            let handle = crate::sandbox::spawn(args.addr, args.any_key).await?;
            handle.state.set_concurrent_limit(args.concurrent_limit);
            say!(
                "Sandbox (fake RunningHub) on {} (other site: {})",
                handle.base_url(),
                handle.other_site_url()
            );
            say!("API key: {}", crate::sandbox::SANDBOX_KEY);
            say!(
                "Other keys: {}… belong to the other site; {}… have a tier refused with 1014",
                crate::sandbox::OTHER_SITE_KEY_PREFIX,
                crate::sandbox::PERSONAL_KEY_PREFIX
            );
            say!("Press Ctrl-C to stop.");
            crate::startup::shutdown_signal().await;
            Ok(0)
        }
        Command::User(cmd) => user::run(global, cmd).await.map(|()| 0),
        Command::Config(cmd) => config::run(global, cmd).await.map(|()| 0),
        Command::Task(cmd) => task::run(global, cmd).await,
        Command::Blobs(cmd) => blobs::run(global, cmd).await.map(|()| 0),
        Command::Backup { file } => {
            let db = crate::db::Db::open(&global.data_dir.join(crate::startup::DB_FILE)).await?;
            crate::startup::backup(&db, &file).await?;
            say!("Backup written to {}", file.display());
            Ok(0)
        }
    }
}

/// Maps a service error onto the CLI's: refusals are bad input, the rest failures.
pub fn from_app(e: app::error::AppError) -> CliError {
    use app::error::AppError;
    match &e {
        AppError::Invalid(fields) => bad(fields_text(fields)),
        AppError::Rejected { msg, .. } => bad(msg.en()),
        AppError::NotFound => bad("not found"),
        AppError::OverBudget(_) => bad(e.message(app::i18n::Lang::En)),
        _ => CliError::Failed(anyhow::anyhow!("{e}")),
    }
}

/// `field: problem; field: problem`, in English.
fn fields_text(fields: &app::domain::FieldErrors) -> String {
    fields
        .0
        .iter()
        .map(|f| format!("{}: {}", f.field, f.msg.en()))
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<crate::tasks::EngineError> for CliError {
    fn from(e: crate::tasks::EngineError) -> Self {
        use crate::tasks::EngineError;
        match e {
            EngineError::Invalid(fields) => bad(fields_text(&fields)),
            EngineError::Refused(msg) => bad(msg.en()),
            EngineError::NotFound => bad("not found"),
            EngineError::Unexpected(e) => CliError::Failed(e),
        }
    }
}

impl From<crate::blobs::BlobError> for CliError {
    fn from(e: crate::blobs::BlobError) -> Self {
        use crate::blobs::BlobError;
        match e {
            BlobError::Unexpected(e) => CliError::Failed(e),
            refused => bad(refused.to_string()),
        }
    }
}
