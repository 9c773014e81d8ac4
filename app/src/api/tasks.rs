//! Test tasks: launch (one config or a batch), uploads of local images, the task list and one
//! task with its live event stream, cancel, run again, and the overview.

use super::codec::StrJson;
use crate::domain::*;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{Json, MultipartData, MultipartFormData, StreamingText, TextStream};
#[cfg(feature = "ssr")]
use {super::context::*, futures::stream::BoxStream};

/// The tasks area's slice of the backend (implemented in `server/src/services/tasks.rs`).
/// Tasks are shared by every signed-in user: anyone may read, launch, cancel and re-run.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait TasksApi {
    /// Stores one image (PNG, JPEG or WEBP by content, at most [`IMAGE_BYTES_MAX`]).
    async fn store_upload(
        &self,
        actor: &Actor,
        original_name: String,
        bytes: Vec<u8>,
    ) -> Result<BlobRef, AppError>;
    /// What launching `spec` on `configs` would cost, per config and in total, from each
    /// provider's price preview. Unknown estimates say why; nothing is launched.
    async fn estimate_price(
        &self,
        actor: &Actor,
        configs: Vec<ConfigId>,
        spec: TaskSpec,
    ) -> Result<BatchEstimate, AppError>;
    /// One task per config (a batch when several), started at once.
    /// Launches `spec` on each config; each task keeps the launch's price estimate. A launch
    /// that would take a config over its daily budget is refused with the numbers
    /// ([`AppError::OverBudget`]) unless `over_budget` (admins only, audited).
    async fn launch_tasks(
        &self,
        actor: &Actor,
        configs: Vec<ConfigId>,
        spec: TaskSpec,
        over_budget: bool,
    ) -> Result<Vec<TaskId>, AppError>;
    /// The test case of a finished task again, as a new task that records what it re-runs
    /// (see [`RerunRequest`]).
    async fn rerun_task(&self, actor: &Actor, req: RerunRequest) -> Result<TaskId, AppError>;
    /// A batch's failed and timed-out tasks again, as a new batch.
    async fn rerun_failed(
        &self,
        actor: &Actor,
        batch: BatchId,
        confirmed: bool,
        over_budget: bool,
    ) -> Result<Vec<TaskId>, AppError>;
    /// A task whose submit may have reached the provider: follow the provider's task id.
    async fn attach_task_id(
        &self,
        actor: &Actor,
        id: TaskId,
        provider_task_id: String,
    ) -> Result<(), AppError>;
    /// A task whose submit may have reached the provider: close it as failed.
    async fn close_uncertain(&self, actor: &Actor, id: TaskId) -> Result<(), AppError>;
    /// A task whose submit may have reached the provider: send it again as a new task
    /// (`confirmed`: the person knows it may cost twice); it is closed as failed.
    async fn resend_uncertain(
        &self,
        actor: &Actor,
        id: TaskId,
        confirmed: bool,
    ) -> Result<TaskId, AppError>;
    /// Stops following the task (the provider may still finish it).
    async fn cancel_task(&self, actor: &Actor, id: TaskId) -> Result<(), AppError>;
    async fn get_task(&self, actor: &Actor, id: TaskId) -> Result<TaskView, AppError>;
    /// The task and its execution log so far.
    async fn get_task_detail(&self, actor: &Actor, id: TaskId) -> Result<TaskDetail, AppError>;
    async fn list_tasks(&self, actor: &Actor, filter: TaskFilter) -> Result<TaskPage, AppError>;
    /// The task's events after `after_seq`, then live ones, ending after the final event.
    async fn task_stream(
        &self,
        actor: &Actor,
        id: TaskId,
        after_seq: i64,
    ) -> Result<BoxStream<'static, StreamMsg>, AppError>;
    /// Every task change from now on (`None` is a heartbeat), for lists that update live.
    async fn changes_stream(
        &self,
        actor: &Actor,
    ) -> Result<BoxStream<'static, Option<TaskChange>>, AppError>;
    async fn overview(&self, actor: &Actor) -> Result<Overview, AppError>;
}

/// The price of launching the test case on each config (see [`TasksApi::estimate_price`]).
#[server(endpoint = "tasks/estimate", input = Json, output = StrJson)]
pub async fn estimate_price(
    configs: Vec<ConfigId>,
    spec: TaskSpec,
) -> Result<BatchEstimate, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.estimate_price(&actor, configs, spec).await
    })
    .await
}

/// Launches the test case on each config (a batch when several). `over_budget`: an admin
/// launches past a daily budget knowingly (see [`TasksApi::launch_tasks`]).
#[server(endpoint = "tasks/launch", input = Json, output = StrJson)]
pub async fn launch_tasks(
    configs: Vec<ConfigId>,
    spec: TaskSpec,
    #[server(default)] over_budget: bool,
) -> Result<LaunchResult, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        let b = backend()?;
        let tasks = b.launch_tasks(&actor, configs, spec, over_budget).await?;
        let batch = match tasks.as_slice() {
            [first, _, ..] => b.get_task(&actor, *first).await?.batch_id,
            _ => None,
        };
        Ok(LaunchResult { tasks, batch })
    })
    .await
}

/// Stores one image from the operator's computer (multipart, part `file`). Only real PNG, JPEG
/// and WEBP images within the provider's size limit are taken; a broken upload is a 400.
#[server(endpoint = "uploads/image", input = MultipartFormData, output = StrJson)]
pub async fn upload_image(data: MultipartData) -> Result<BlobRef, AppError> {
    use crate::i18n::Msg;
    respond(async move {
        let actor = authenticate().await?;
        let mut form = data
            .into_inner()
            .ok_or_else(|| AppError::bad_request(Msg::ErrBadRequest))?;
        fn broken(e: impl std::fmt::Display) -> AppError {
            tracing::info!(error = %e, "unreadable upload");
            AppError::bad_request(Msg::ErrBadRequest)
        }
        while let Some(mut field) = form.next_field().await.map_err(broken)? {
            if field.name() != Some("file") {
                continue;
            }
            let name = field.file_name().unwrap_or("image").to_owned();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(broken)? {
                if bytes.len() + chunk.len() > IMAGE_BYTES_MAX {
                    return Err(AppError::rejected(413, Msg::ErrImageTooLarge));
                }
                bytes.extend_from_slice(&chunk);
            }
            return backend()?.store_upload(&actor, name, bytes).await;
        }
        Err(AppError::field("local_images", Msg::ErrImageType))
    })
    .await
}

#[server(endpoint = "tasks/list", input = Json, output = StrJson)]
pub async fn list_tasks(filter: TaskFilter) -> Result<TaskPage, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.list_tasks(&actor, filter).await
    })
    .await
}

/// Every task status change from now on, one JSON `TaskChange` (or `null`, a heartbeat) a line.
#[server(endpoint = "tasks/changes", input = Json, output = StreamingText)]
pub async fn task_changes() -> Result<TextStream<AppError>, AppError> {
    use futures::StreamExt;
    respond(async move {
        let actor = authenticate().await?;
        let stream = backend()?.changes_stream(&actor).await?;
        Ok(TextStream::new(stream.map(|c| json_line(&c))))
    })
    .await
}

#[server(endpoint = "tasks/get", input = Json, output = StrJson)]
pub async fn get_task(id: TaskId) -> Result<TaskDetail, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.get_task_detail(&actor, id).await
    })
    .await
}

/// A task's test case only (no log, results or warnings): what "edit, then run" and a batch's
/// comparison show. Kept apart from `get_task` so those pages do not carry the code that reads
/// the execution log.
#[server(endpoint = "tasks/case", input = Json, output = StrJson)]
pub async fn get_task_case(id: TaskId) -> Result<TaskCase, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.get_task(&actor, id).await.map(TaskCase::from)
    })
    .await
}

/// The task's events after `after`, then live ones: newline-delimited `StreamMsg` JSON.
#[server(endpoint = "tasks/events", input = Json, output = StreamingText)]
pub async fn task_events(id: TaskId, after: i64) -> Result<TextStream<AppError>, AppError> {
    use futures::StreamExt;
    respond(async move {
        let actor = authenticate().await?;
        let stream = backend()?.task_stream(&actor, id, after).await?;
        Ok(TextStream::new(stream.map(|m| json_line(&m))))
    })
    .await
}

/// The task's log lines after `after`, then live ones, worded for the reader:
/// newline-delimited `LiveMsg` JSON.
#[server(endpoint = "tasks/live", input = Json, output = StreamingText)]
pub async fn task_live(id: TaskId, after: i64) -> Result<TextStream<AppError>, AppError> {
    use crate::islands::task::{LiveMsg, LiveState, LogLine};
    use futures::StreamExt;
    respond(async move {
        let lang = crate::prefs::Prefs::from_request().lang;
        let actor = authenticate().await?;
        let stream = backend()?.task_stream(&actor, id, after).await?;
        Ok(TextStream::new(stream.map(move |m| {
            json_line(&match m {
                StreamMsg::Task { task } => LiveMsg::State {
                    state: LiveState::of(&task, lang),
                },
                StreamMsg::Event { event } => LiveMsg::Line {
                    line: LogLine::of(&event, lang),
                },
                StreamMsg::Heartbeat => LiveMsg::Heartbeat,
                StreamMsg::End => LiveMsg::End,
            })
        })))
    })
    .await
}

#[server(endpoint = "tasks/cancel", input = Json, output = StrJson)]
pub async fn cancel_task(id: TaskId) -> Result<(), AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.cancel_task(&actor, id).await
    })
    .await
}

/// Runs a finished task again: as it was, on its config's current version, or on another
/// config. 409 when the earlier attempt may have been billed and `req.confirmed` is false.
#[server(endpoint = "tasks/rerun", input = Json, output = StrJson)]
pub async fn rerun_task(req: RerunRequest) -> Result<TaskId, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.rerun_task(&actor, req).await
    })
    .await
}

/// Runs a batch's failed and timed-out tasks again: the new tasks, and their batch when there
/// are several. 409 when one timed out (it may have been billed) and `confirmed` is false.
#[server(endpoint = "tasks/rerun_failed", input = Json, output = StrJson)]
pub async fn rerun_failed(
    batch: BatchId,
    confirmed: bool,
    #[server(default)] over_budget: bool,
) -> Result<LaunchResult, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        let b = backend()?;
        let tasks = b
            .rerun_failed(&actor, batch, confirmed, over_budget)
            .await?;
        let batch = match tasks.as_slice() {
            [first, _, ..] => b.get_task(&actor, *first).await?.batch_id,
            _ => None,
        };
        Ok(LaunchResult { tasks, batch })
    })
    .await
}

/// Attaches the provider's task id to a task whose submit may have reached the provider.
#[server(endpoint = "tasks/attach", input = Json, output = StrJson)]
pub async fn attach_task_id(id: TaskId, provider_task_id: String) -> Result<(), AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?
            .attach_task_id(&actor, id, provider_task_id)
            .await
    })
    .await
}

/// Closes a task whose submit may have reached the provider as failed.
#[server(endpoint = "tasks/close_uncertain", input = Json, output = StrJson)]
pub async fn close_uncertain(id: TaskId) -> Result<(), AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.close_uncertain(&actor, id).await
    })
    .await
}

/// Sends a task whose submit may have reached the provider again; the new task's id.
#[server(endpoint = "tasks/resend", input = Json, output = StrJson)]
pub async fn resend_uncertain(id: TaskId, confirmed: bool) -> Result<TaskId, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.resend_uncertain(&actor, id, confirmed).await
    })
    .await
}

#[server(endpoint = "tasks/overview", input = Json, output = StrJson)]
pub async fn get_overview() -> Result<Overview, AppError> {
    respond(async move {
        let actor = authenticate().await?;
        backend()?.overview(&actor).await
    })
    .await
}

/// One message of a live stream as a JSON line. A message that cannot be encoded ends the
/// stream with an error (logged), instead of sending an empty line the viewer cannot read.
#[cfg(feature = "ssr")]
fn json_line<T: serde::Serialize>(msg: &T) -> Result<String, AppError> {
    serde_json::to_string(msg)
        .map(|mut line| {
            line.push('\n');
            line
        })
        .map_err(|e| {
            tracing::error!(error = %e, "a stream message could not be encoded");
            AppError::Internal {
                request_id: "stream".to_owned(),
            }
        })
}
