//! `rhconsole config add-runninghub|list|show|set-active|export|import`; the export file and
//! the import are in `transfer`.

mod transfer;

use transfer::{export, import};

use super::io::say;
use super::{CliError, GlobalArgs, bad, from_app, io};
use crate::db;
use crate::services::Core;
use crate::services::configs;
use app::api::configs::ConfigsApi;
use app::domain::Actor;
use app::domain::*;
use clap::Subcommand;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::PathBuf;

/// `config add-runninghub`: every field the form has. On an existing configuration only what
/// is given changes; a new one starts from the RunningHub preset.
#[derive(Debug, clap::Args)]
pub struct RunningHubArgs {
    /// Configuration name.
    #[arg(long, default_value = "RunningHub-全能图片PRO")]
    name: String,
    /// Read the API key from standard input instead of asking.
    #[arg(long)]
    api_key_stdin: bool,
    /// Model name (asked when not given for a new configuration).
    #[arg(long)]
    model: Option<String>,
    /// Domestic host (preset: https://www.runninghub.cn).
    #[arg(long)]
    host: Option<String>,
    /// Overseas host (preset: https://www.runninghub.ai).
    #[arg(long)]
    overseas_host: Option<String>,
    /// Submit endpoint path.
    #[arg(long)]
    draw_endpoint: Option<String>,
    /// Query endpoint path.
    #[arg(long)]
    result_endpoint: Option<String>,
    /// Upload endpoint path.
    #[arg(long)]
    upload_endpoint: Option<String>,
    /// The API answers with the image at once (no task id to poll).
    #[arg(long)]
    sync_api: Option<bool>,
    /// Retry refused or failed calls.
    #[arg(long)]
    retry: Option<bool>,
    /// Switched on (needs a key).
    #[arg(long)]
    active: Option<bool>,
    /// Task deadline in seconds.
    #[arg(long)]
    timeout_secs: Option<u32>,
    /// Tasks at the provider at once.
    #[arg(long)]
    max_concurrency: Option<u32>,
    /// Allow a host on this machine or the local network (a self-hosted gateway, the sandbox).
    #[arg(long)]
    allow_local: Option<bool>,
    /// Bound of a synchronous call in seconds (0: the server's --sync-timeout-secs).
    #[arg(long)]
    sync_timeout_secs: Option<u32>,
    /// Ask the provider to call back when a task ends (needs serve --public-url).
    #[arg(long)]
    callbacks: Option<bool>,
    /// Don't ask: update the configuration if it exists.
    #[arg(long)]
    yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Add (or update) the RunningHub 全能图片PRO image-edit configuration.
    AddRunninghub(RunningHubArgs),
    /// List configurations.
    List {
        #[arg(long)]
        json: bool,
        /// Include archived configurations.
        #[arg(long)]
        archived: bool,
    },
    /// Show one configuration (key masked).
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Check the configuration's key with the provider (检测密钥): the site that accepts it,
    /// balance, running tasks, concurrency limit and tier. Nothing is billed; the result is kept.
    /// Exits 1 when the key does not work on the configured host.
    Check {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Show the daily test budget and today's spend; `--daily 20.00` sets the budget (CNY),
    /// `--clear` removes it. Setting it is audited.
    Budget {
        name: String,
        #[arg(long, conflicts_with = "clear")]
        daily: Option<String>,
        #[arg(long)]
        clear: bool,
        #[arg(long)]
        json: bool,
    },
    /// Switch a configuration on or off.
    SetActive {
        name: String,
        #[arg(action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
        active: bool,
    },
    /// Print every configuration as JSON (keys left out unless --with-keys).
    Export {
        #[arg(long)]
        with_keys: bool,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Import configurations from an export file. Every record is checked before any is written.
    Import {
        file: PathBuf,
        /// Update configurations whose name exists (otherwise they are reported and kept).
        #[arg(long)]
        update: bool,
        /// Import the good records even when others are bad (they are listed and skipped).
        #[arg(long)]
        partial: bool,
    },
}

fn print_config(v: &ConfigView) {
    let f = &v.fields;
    say!("  id              {}", v.id);
    say!("  name            {}", f.name);
    say!("  api_type        {}", f.api_type);
    say!("  host_domestic   {}", f.host_domestic);
    say!("  host_overseas   {}", f.host_overseas);
    say!(
        "  api_key         {}",
        v.key_mask.as_deref().unwrap_or("(none)")
    );
    say!("  draw_endpoint   {}", f.draw_endpoint);
    say!("  result_endpoint {}", f.result_endpoint);
    say!("  upload_endpoint {}", f.upload_endpoint);
    say!("  model_name      {}", f.model_name);
    say!("  is_sync_api     {}", f.is_sync_api);
    say!("  enable_retry    {}", f.enable_retry);
    say!("  is_active       {}", f.is_active);
    say!("  timeout_secs    {}", f.timeout_secs);
    say!("  max_concurrency {}", f.max_concurrency);
    say!("  allow_local     {}", f.allow_local);
    say!("  sync_timeout    {}", f.sync_timeout_secs);
    say!("  image_field     {}", f.image_field.as_str());
    say!("  callbacks       {}", f.callbacks);
    say!("  version         {}", v.version);
    if let Some(a) = v.archived_at {
        say!("  archived_at     {}", a.format());
    }
}

fn print_check(name: &str, c: &KeyCheck) {
    say!("Key check of {name} at {}", c.checked_at.format());
    match &c.site {
        KeySite::Configured { host } => say!("  site      {host} accepts the key"),
        KeySite::Other { refused_by, host } => say!(
            "  site      {refused_by} refuses the key; {host} accepts it: this key belongs to the other site (set the host to {host})"
        ),
        KeySite::Refused {
            host,
            code,
            message,
        } => say!(
            "  site      {host} refuses the key{}: {message}",
            code.as_deref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default()
        ),
        KeySite::Unknown { host, message } => say!("  site      no answer from {host}: {message}"),
    }
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let n_or_dash = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_else(|| "-".into());
    if let Some(a) = &c.account {
        say!(
            "  balance   {} RH coins · money {} {} · key type {}",
            or_dash(&a.coins),
            or_dash(&a.money),
            a.currency.as_deref().unwrap_or(""),
            or_dash(&a.key_type)
        );
        say!(
            "  running   {} task(s) of the account",
            n_or_dash(a.running)
        );
    }
    match (&c.queue, &c.queue_error) {
        (Some(q), _) => say!(
            "  capacity  limit {} · running {} · queued {}",
            n_or_dash(q.limit),
            n_or_dash(q.running),
            n_or_dash(q.queued)
        ),
        (None, Some(e)) => say!("  capacity  unknown (queue status: {e})"),
        (None, None) => {}
    }
    if let Some(m) = &c.models {
        say!(
            "  models    {} {} in the gateway's list of {}",
            m.model,
            if m.listed { "is" } else { "is NOT" },
            m.count
        );
    }
    if c.tier_refused {
        say!(
            "  tier      refused (1014): standard-model APIs such as 全能图片PRO need an Enterprise-Shared key"
        );
    }
}

async fn by_name(core: &Core, name: &str) -> Result<db::config::ConfigRow, CliError> {
    let id = db::config::id_by_name(&core.db.read, name)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or_else(|| bad(format!("no configuration named {name:?}")))?;
    db::config::by_id(&core.db.read, id)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or_else(|| bad(format!("no configuration named {name:?}")))
}

pub async fn run(global: &GlobalArgs, cmd: ConfigCmd) -> Result<(), CliError> {
    let core = crate::startup::open_core_for_cli(
        &global.data_dir,
        &crate::settings::EngineArgs::default(),
    )
    .await?;
    let result = dispatch(&core, cmd).await;
    core.db.close().await;
    result
}

async fn dispatch(core: &Core, cmd: ConfigCmd) -> Result<(), CliError> {
    match cmd {
        ConfigCmd::AddRunninghub(args) => add_runninghub(core, args).await,
        ConfigCmd::List { json, archived } => {
            let filter = ConfigFilter {
                archived,
                ..Default::default()
            };
            let items = core
                .list_configs(&Actor::Cli, filter)
                .await
                .map_err(from_app)?;
            if json {
                let views: Vec<&ConfigView> = items.iter().map(|i| &i.config).collect();
                say!(
                    "{}",
                    serde_json::to_string_pretty(&views).map_err(anyhow::Error::from)?
                );
                return Ok(());
            }
            if items.is_empty() {
                say!("No configurations.");
            }
            say!(
                "{:<4} {:<28} {:<24} {:<7} {:<10} LAST TEST",
                "ID",
                "NAME",
                "TYPE",
                "ACTIVE",
                "KEY"
            );
            for i in items {
                let c = &i.config;
                let last = i
                    .last_test
                    .map(|l| format!("{} {}", l.status, l.at.format()))
                    .unwrap_or_else(|| "never".into());
                say!(
                    "{:<4} {:<28} {:<24} {:<7} {:<10} {last}",
                    c.id.0,
                    c.fields.name,
                    c.fields.api_type,
                    if c.fields.is_active { "on" } else { "off" },
                    c.key_mask.as_deref().unwrap_or("-")
                );
            }
            Ok(())
        }
        ConfigCmd::Show { name, json } => {
            let row = by_name(core, &name).await?;
            if json {
                say!(
                    "{}",
                    serde_json::to_string_pretty(&row.view).map_err(anyhow::Error::from)?
                );
            } else {
                print_config(&row.view);
            }
            Ok(())
        }
        ConfigCmd::Check { name, json } => {
            let row = by_name(core, &name).await?;
            let check = core
                .check_config_key(&Actor::Cli, row.view.id)
                .await
                .map_err(from_app)?;
            if json {
                say!(
                    "{}",
                    serde_json::to_string_pretty(&check).map_err(anyhow::Error::from)?
                );
            } else {
                print_check(&row.view.fields.name, &check);
            }
            if check.ok() {
                Ok(())
            } else {
                Err(CliError::Failed(anyhow::anyhow!(
                    "the key does not work on the configured host (see above)"
                )))
            }
        }
        ConfigCmd::Budget {
            name,
            daily,
            clear,
            json,
        } => {
            let row = by_name(core, &name).await?;
            let id = row.view.id;
            let b = if clear || daily.is_some() {
                core.set_budget(&Actor::Cli, id, daily).await
            } else {
                core.budget(&Actor::Cli, id).await
            }
            .map_err(from_app)?;
            if json {
                say!(
                    "{}",
                    serde_json::to_string_pretty(&b).map_err(anyhow::Error::from)?
                );
            } else {
                say!(
                    "{}: budget {} a day; spent today ¥{}, in flight ¥{} (estimated)",
                    row.view.fields.name,
                    b.daily
                        .as_deref()
                        .map_or_else(|| "not set".to_owned(), |d| format!("¥{d}")),
                    b.spent,
                    b.pending
                );
            }
            Ok(())
        }
        ConfigCmd::SetActive { name, active } => {
            let row = by_name(core, &name).await?;
            let v = core
                .set_config_active(&Actor::Cli, row.view.id, active)
                .await
                .map_err(from_app)?;
            say!(
                "{} is now {}",
                v.fields.name,
                if v.fields.is_active { "on" } else { "off" }
            );
            Ok(())
        }
        ConfigCmd::Export { with_keys, output } => export(core, with_keys, output).await,
        ConfigCmd::Import {
            file,
            update,
            partial,
        } => import(core, &file, update, partial).await,
    }
}

#[allow(clippy::too_many_arguments)]
async fn add_runninghub(core: &Core, args: RunningHubArgs) -> Result<(), CliError> {
    let RunningHubArgs {
        name,
        api_key_stdin,
        model,
        host,
        overseas_host,
        draw_endpoint,
        result_endpoint,
        upload_endpoint,
        sync_api,
        retry,
        active,
        timeout_secs,
        max_concurrency,
        allow_local,
        sync_timeout_secs,
        callbacks,
        yes,
    } = args;
    let existing = match db::config::id_by_name(&core.db.read, &name)
        .await
        .map_err(anyhow::Error::from)?
    {
        Some(id) => db::config::by_id(&core.db.read, id)
            .await
            .map_err(anyhow::Error::from)?,
        None => None,
    };
    if let Some(row) = &existing {
        say!(
            "A configuration named {:?} already exists (id {}, key {}).",
            row.view.fields.name,
            row.view.id,
            row.view.key_mask.as_deref().unwrap_or("not set")
        );
        let go = if yes {
            true
        } else if io::stdin_is_terminal() {
            io::confirm("Update it?", false)?
        } else {
            return Err(bad("it exists; pass --yes to update it"));
        };
        if !go {
            say!("Nothing changed.");
            return Ok(());
        }
    }
    let key = if api_key_stdin {
        io::read_stdin_line()?
    } else {
        let prompt = if existing.is_some() {
            "RunningHub API key (empty keeps the current one)"
        } else {
            "RunningHub API key"
        };
        io::secret(prompt)?
    };
    // An existing configuration keeps everything not given; a new one starts from the preset.
    let mut input = match &existing {
        Some(row) => row.view.fields.to_input(),
        None => ApiType::RunningHubRhartEdit.preset(),
    };
    let model = match (model, &existing) {
        (Some(m), _) => m,
        (None, Some(_)) => input.model_name.clone(),
        (None, None) => io::ask("Model name", "rhart-image-n-pro")?,
    };
    input.name = name;
    input.api_key = key;
    input.model_name = model;
    let set = |field: &mut String, given: Option<String>| {
        if let Some(v) = given {
            *field = v;
        }
    };
    set(&mut input.host_domestic, host);
    set(&mut input.host_overseas, overseas_host);
    set(&mut input.draw_endpoint, draw_endpoint);
    set(&mut input.result_endpoint, result_endpoint);
    set(&mut input.upload_endpoint, upload_endpoint);
    input.is_sync_api = sync_api.unwrap_or(input.is_sync_api);
    input.enable_retry = retry.unwrap_or(input.enable_retry);
    input.timeout_secs = timeout_secs.unwrap_or(input.timeout_secs);
    input.max_concurrency = max_concurrency.unwrap_or(input.max_concurrency);
    input.allow_local = allow_local.unwrap_or(input.allow_local);
    input.sync_timeout_secs = sync_timeout_secs.unwrap_or(input.sync_timeout_secs);
    input.callbacks = callbacks.unwrap_or(input.callbacks);
    let view = match existing {
        Some(row) => {
            input.is_active =
                active.unwrap_or(row.view.fields.is_active || !input.api_key.trim().is_empty());
            core.update_config(&Actor::Cli, row.view.id, input, None)
                .await
                .map_err(from_app)?
        }
        None => {
            input.is_active = active.unwrap_or(input.is_active);
            configs::create(core, &Actor::Cli, input, HistoryAction::Created)
                .await
                .map_err(from_app)?
        }
    };
    say!("Saved:");
    print_config(&view);
    Ok(())
}
