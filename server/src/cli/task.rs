//! `rhconsole task run|show|list|cancel`. `run` goes through the same engine and database as
//! the console (the task shows up there), prints each event as it happens and exits 0 on
//! success, 1 when the provider failed, cancelled or timed out, 2 on bad input.

use super::io::{say, say_err};
use super::{CliError, GlobalArgs, bad};
use crate::db;
use crate::services::Core;
use crate::settings::EngineArgs;
use app::domain::*;
use clap::Subcommand;
use futures::StreamExt;

#[derive(Debug, Subcommand)]
pub enum TaskCmd {
    /// Run a test task and follow it to the end.
    Run(RunArgs),
    /// Show a task and its execution log.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// List tasks, newest first.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        config: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// Cancel a task in flight.
    Cancel { id: i64 },
    /// The ledger of provider callbacks, newest first (all, or one task's).
    Callbacks {
        #[arg(long)]
        task: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

/// `rhconsole task run`: the test case, how to print, how to follow.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Configuration name.
    #[arg(long)]
    pub config: String,
    #[arg(long)]
    pub prompt: String,
    /// An image URL or a local file (PNG/JPEG/WEBP); repeat for several.
    #[arg(long = "image", required = true)]
    pub images: Vec<String>,
    /// 1k, 2k or 4k (1K/2K/4K accepted).
    #[arg(long, default_value = "1k")]
    pub resolution: String,
    /// auto, 1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3, 5:4, 4:5 or 21:9.
    #[arg(long, default_value = "auto")]
    pub aspect_ratio: String,
    /// domestic or overseas.
    #[arg(long, default_value = "domestic")]
    pub region: String,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Launch even past the config's daily test budget (recorded in the audit log).
    #[arg(long)]
    pub over_budget: bool,
    /// How the task is followed (the same flags and variables as `serve`).
    #[command(flatten)]
    pub engine: EngineArgs,
}

fn event_line(e: &TaskEvent) -> String {
    let mut extra = Vec::new();
    if let Some(h) = e.http_status {
        extra.push(format!("HTTP {h}"));
    }
    if let Some(l) = e.latency_ms {
        extra.push(format!("{l} ms"));
    }
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(" ({})", extra.join(", "))
    };
    format!(
        "{} {:<5} {:<8} {}{extra}",
        e.at.format_time_ms(),
        e.level.as_str(),
        e.stage.as_str(),
        e.english()
    )
}

/// An event for scripts: its fields, with the English text as `message` next to the
/// structured `text` (the event text's own object, or for an old row its English).
fn event_json(e: &TaskEvent) -> Result<serde_json::Value, CliError> {
    let mut v = serde_json::to_value(e).map_err(anyhow::Error::from)?;
    v["text"] = match &e.text {
        Said::Text(t) => serde_json::to_value(t).map_err(anyhow::Error::from)?,
        Said::English(m) => m.as_str().into(),
    };
    v["message"] = e.english().into();
    Ok(v)
}

fn print_summary(v: &TaskView) {
    say!("Task #{} on {}: {}", v.id, v.config_name, v.status);
    if let Some(p) = &v.provider_task_id {
        say!("  provider task id: {p}");
    }
    if let Some(d) = v.duration_ms() {
        say!("  duration: {}", format_duration_ms(d));
    }
    for r in &v.results {
        match (&r.url, &r.provider_url) {
            (Some(kept), Some(link)) => {
                say!(
                    "  result: {kept} (kept on the console; provider link, expires ~24 h after the result: {link})"
                );
            }
            (Some(u), None) => say!("  result: {u}"),
            _ => {}
        }
        if let Some(t) = &r.text {
            say!("  text: {t}");
        }
    }
    if let Some(c) = v.usage.cost() {
        say!(
            "  cost: {}",
            app::i18n::Localized::render(&c, app::i18n::Lang::En)
        );
    }
    if v.status != TaskStatus::Succeeded {
        if let Some(m) = &v.error_message {
            say!("  error: [{}] {m}", v.error_code.as_deref().unwrap_or("-"));
        }
        let explanation = if v.status == TaskStatus::SubmitUncertain {
            Some(app::i18n::Msg::TaskUncertainHelp)
        } else {
            explain_error(v.error_code.as_deref(), v.error_message.as_deref())
        };
        if let Some(ex) = explanation {
            say!("  {}", ex.en());
        }
    }
}

pub async fn run(global: &GlobalArgs, cmd: TaskCmd) -> Result<u8, CliError> {
    let engine = match &cmd {
        TaskCmd::Run(args) => args.engine.clone(),
        _ => EngineArgs::default(),
    };
    let core = crate::startup::open_core_for_cli(&global.data_dir, &engine).await?;
    let result = dispatch(&core, cmd).await;
    core.engine
        .shutdown(std::time::Duration::from_secs(5))
        .await;
    core.db.close().await;
    result
}

async fn dispatch(core: &Core, cmd: TaskCmd) -> Result<u8, CliError> {
    match cmd {
        TaskCmd::Run(args) => run_task(core, args).await,
        TaskCmd::Show { id, json } => {
            let view = db::task::view(&core.db.read, TaskId(id))
                .await?
                .ok_or_else(|| bad(format!("no task #{id}")))?;
            let events = db::task_event::after(&core.db.read, view.id, 0)
                .await
                .map_err(anyhow::Error::from)?;
            if json {
                let events = events
                    .iter()
                    .map(event_json)
                    .collect::<Result<Vec<_>, _>>()?;
                let out = serde_json::json!({ "task": view, "events": events });
                say!(
                    "{}",
                    serde_json::to_string_pretty(&out).map_err(anyhow::Error::from)?
                );
            } else {
                print_summary(&view);
                say!("Execution log:");
                for e in &events {
                    say!("  {}", event_line(e));
                }
            }
            Ok(0)
        }
        TaskCmd::List {
            status,
            config,
            limit,
            json,
        } => {
            let status = status
                .map(|s| s.parse::<TaskStatus>().map_err(|m| bad(m.en())))
                .transpose()?;
            let config_id = match config {
                Some(name) => Some(
                    db::config::id_by_name(&core.db.read, &name)
                        .await
                        .map_err(anyhow::Error::from)?
                        .ok_or_else(|| bad(format!("no configuration named {name:?}")))?,
                ),
                None => None,
            };
            let filter = TaskFilter {
                config_id,
                status,
                ..Default::default()
            };
            let page = db::task::list(&core.db.read, &filter, None, None, limit.clamp(1, 1000))
                .await
                .map_err(anyhow::Error::from)?;
            if json {
                say!(
                    "{}",
                    serde_json::to_string_pretty(&page.items).map_err(anyhow::Error::from)?
                );
            } else {
                say!(
                    "{:<7} {:<17} {:<20} {:<24} PROMPT",
                    "ID",
                    "STATUS",
                    "CREATED",
                    "CONFIG"
                );
                for t in page.items {
                    let prompt: String = t.prompt.chars().take(40).collect();
                    say!(
                        "{:<7} {:<17} {:<20} {:<24} {prompt}",
                        t.id.0,
                        t.status.as_str(),
                        t.created_at.format(),
                        t.config_name
                    );
                }
            }
            Ok(0)
        }
        TaskCmd::Cancel { id } => {
            core.engine.cancel(&Actor::Cli, TaskId(id)).await?;
            say!("Task #{id} cancelled");
            Ok(0)
        }
        TaskCmd::Callbacks { task, limit, json } => {
            let list =
                db::callback::list(&core.db.read, task.map(TaskId), limit.clamp(1, 10_000)).await?;
            if json {
                let text = serde_json::to_string_pretty(&list).map_err(anyhow::Error::from)?;
                say!("{text}");
            } else {
                say!(
                    "{:<20} {:<7} {:<14} {:<10} FROM",
                    "RECEIVED",
                    "TASK",
                    "OUTCOME",
                    "STATUS"
                );
                for c in list {
                    say!(
                        "{:<20} {:<7} {:<14} {:<10} {}",
                        c.received_at.format(),
                        c.task_id.map_or("-".into(), |t| format!("#{}", t.0)),
                        c.outcome.as_str(),
                        c.status.unwrap_or_default(),
                        c.remote_addr.unwrap_or_default()
                    );
                }
            }
            Ok(0)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_task(core: &Core, args: RunArgs) -> Result<u8, CliError> {
    let RunArgs {
        config,
        prompt,
        images,
        resolution,
        aspect_ratio,
        region,
        json,
        over_budget,
        engine: _,
    } = args;
    let config_id = db::config::id_by_name(&core.db.read, &config)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or_else(|| bad(format!("no configuration named {config:?}")))?;
    let mut image_urls = Vec::new();
    let mut local_images = Vec::new();
    for img in images {
        if img.starts_with("http://") || img.starts_with("https://") || img.starts_with("data:") {
            image_urls.push(img);
            continue;
        }
        let path = std::path::Path::new(&img);
        let bytes =
            std::fs::read(path).map_err(|e| bad(format!("cannot read image {img}: {e}")))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let blob =
            core.engine.blobs().put(&bytes, &name, None).await.map_err(
                |e| match CliError::from(e) {
                    CliError::BadInput(why) => bad(format!("{img}: {why}")),
                    failed => failed,
                },
            )?;
        local_images.push(blob);
    }
    let spec = TaskSpec {
        prompt,
        resolution,
        aspect_ratio,
        image_urls,
        local_images,
        region,
    };
    // A console serving this data directory follows the task (its pages then show it live);
    // otherwise this process does, under its own lease, which a console started meanwhile
    // respects.
    let console = crate::tasks::lease::serving_console(&core.db).await?;
    if console.is_none() {
        core.engine
            .start_lease(crate::tasks::lease::EngineKind::Cli)
            .await?;
    }
    let ids = core
        .launch_priced(
            &Actor::Cli,
            vec![config_id],
            spec,
            over_budget,
            console.is_none(),
        )
        .await
        .map_err(crate::cli::from_app)?;
    let id = ids
        .first()
        .copied()
        .ok_or_else(|| bad("no task was created"))?;
    if !json {
        match &console {
            Some(c) => say!(
                "Task #{id} launched on {config}; the console serving this data directory (pid {}) follows it",
                c.pid
            ),
            None => say!("Task #{id} launched on {config}"),
        }
    }
    let mut stream = if console.is_some() {
        follow_database(core.db.clone(), id)
    } else {
        crate::tasks::stream::task_stream(&core.engine, id, 0).await?
    };
    let mut last_view: Option<TaskView> = None;
    loop {
        tokio::select! {
            msg = stream.next() => {
                let Some(msg) = msg else { break };
                if json {
                    let line = match &msg {
                        StreamMsg::Heartbeat => None,
                        StreamMsg::Event { event } => {
                            Some(serde_json::json!({ "kind": "event", "event": event_json(event)? }))
                        }
                        other => Some(serde_json::to_value(other).map_err(anyhow::Error::from)?),
                    };
                    if let Some(line) = line {
                        say!("{line}");
                    }
                }
                match msg {
                    StreamMsg::Event { event } if !json => say!("{}", event_line(&event)),
                    StreamMsg::Task { task } => last_view = Some(*task),
                    StreamMsg::End => break,
                    _ => {}
                }
            }
            _ = crate::startup::shutdown_signal() => {
                let _ = core.engine.cancel(&app::domain::Actor::Cli, id).await;
                say_err!("Interrupted: task #{id} cancelled");
                return Ok(130);
            }
        }
    }
    let view = match last_view {
        Some(v) if v.status.is_terminal() => v,
        _ => db::task::view(&core.db.read, id)
            .await?
            .ok_or_else(|| bad("the task disappeared"))?,
    };
    if !json {
        print_summary(&view);
    }
    Ok(if view.status == TaskStatus::Succeeded {
        0
    } else {
        1
    })
}

/// The task's events and changes as the database records them (polled every 250 ms), for a
/// task another process follows: the same messages a live stream sends, ending after the final
/// event.
fn follow_database(db: db::Db, id: TaskId) -> futures::stream::BoxStream<'static, StreamMsg> {
    let state = (db, 0i64, None::<TaskStatus>, false);
    futures::stream::unfold(state, move |(db, mut last, mut status, done)| async move {
        if done {
            return None;
        }
        loop {
            let events = match db::task_event::after(&db.read, id, last).await {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(task = %id, error = %e, "reading the task's events failed");
                    Vec::new()
                }
            };
            let mut out: Vec<StreamMsg> = Vec::new();
            for event in events {
                last = event.seq;
                let changed = status != Some(event.status);
                status = Some(event.status);
                out.push(StreamMsg::Event { event });
                if changed && let Ok(Some(view)) = db::task::view(&db.read, id).await {
                    out.push(StreamMsg::Task {
                        task: Box::new(view),
                    });
                }
            }
            let finished = status.is_some_and(TaskStatus::is_terminal)
                && matches!(db::task::status_of(&db.read, id).await, Ok(Some((s, seq))) if s.is_terminal() && last >= seq);
            if finished {
                out.push(StreamMsg::End);
            }
            if !out.is_empty() {
                return Some((futures::stream::iter(out), (db, last, status, finished)));
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    })
    .flatten()
    .boxed()
}
