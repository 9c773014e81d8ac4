//! One task, live: status badge, elapsed time, the provider's task id, the execution log
//! streaming in, the result gallery, usage and cost, the failure explained, the request that
//! was sent, re-run and cancel. A reconnect (drop, reload, server restart) resumes right after
//! the last event seen.

use super::task_actions::{
    CallbackLedger, DecideIsland, RerunOrigin, TaskActionsIsland, TaskBrief,
};
use crate::api::tasks::get_task;
use crate::components::{InputGallery, Missing, PageError, Time};
use crate::domain::*;
use crate::error::AppError;
use crate::i18n::{Localized, Msg, Text, t, t_now, use_i18n};
use crate::islands::task::{
    CopyText, Elapsed, LiveLog, LiveState, LiveStatus, LiveWords, LogLine, RequestToggle,
    RequestWords, TaskLive, ZoomImage,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn TaskPage() -> impl IntoView {
    let params = use_params_map();
    let id = params
        .read_untracked()
        .get("id")
        .and_then(|s| s.parse::<TaskId>().ok());
    let detail = Resource::new(
        move || id,
        |id| async move {
            match id {
                Some(id) => get_task(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
            {move || Suspend::new(async move {
                crate::components::frame::admin_known().await;
                let admin = crate::components::frame::is_admin()();
                match detail.await {
                    Ok(d) => view! { <TaskBody detail=d admin/> }.into_any(),
                    Err(err) => {
                        let missing = id.map(|id| Missing {
                            what: Text::NoSuchTask { id: id.0 },
                            links: vec![(Msg::NavTasks, "/tasks".to_owned()), (Msg::TasksNew, "/tasks/new".to_owned())],
                        });
                        view! { <PageError err missing/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The task as it is now, rendered on the server; the live parts (status, elapsed time, log)
/// are islands that follow the stream, and the page reloads when the task ends.
#[component]
fn TaskBody(detail: TaskDetail, admin: bool) -> impl IntoView {
    let lang = use_i18n().lang.get_untracked();
    let id = detail.task.id;
    let (callbacks, rerun_diff) = (detail.callbacks, detail.rerun_diff);
    let lines: Vec<LogLine> = detail.events.iter().map(|e| LogLine::of(e, lang)).collect();
    let after = detail.events.last().map(|e| e.seq).unwrap_or(0);
    let state = LiveState::of(&detail.task, lang);
    let words = LiveWords {
        live: Msg::TaskLive.text(lang).to_owned(),
        reconnecting: Msg::TaskReconnecting.text(lang).to_owned(),
    };
    let view_now = detail.task.clone();
    let task = RwSignal::new(detail.task);
    let events = RwSignal::new(detail.events);
    let (created, finished) = task.with_untracked(|t| (t.created_at.0, t.finished_at.map(|f| f.0)));
    let title = task.with_untracked(|t| format!("#{} · {}", t.id.0, t.config_name));

    view! {
        <Title text=title/>
        <TaskLive id after state>
            <div class="page-head">
                <div>
                    <p class="sub"><a href="/tasks">{t(Msg::TasksTitle)}</a>" / "</p>
                    <div class="task-head">
                        <h1>"#"{id.0}" · "{task.with_untracked(|t| t.config_name.clone())}</h1>
                        <LiveStatus words/>
                    </div>
                    <div class="task-meta">
                        <span>{t(Msg::TaskElapsed)}": "<Elapsed created_ms=created finished_ms=finished zh=lang == crate::i18n::Lang::Zh/></span>
                        <span>{t(Msg::TaskCreated)}": "<strong>{task.with_untracked(|t| t.created_at.format())}</strong></span>
                        <span>{t(Msg::TaskRegion)}": "<strong>{t(task.with_untracked(|t| t.region.label()))}</strong></span>
                        <span>{t(Msg::TaskVersion)}": "<strong>"v"{task.with_untracked(|t| t.config_version)}</strong></span>
                        <span>{t(Msg::TaskAttempts)}": "<strong>{task.with_untracked(|t| t.attempts)}</strong></span>
                    </div>
                </div>
                <TaskActionsIsland task=TaskBrief::from(&view_now) admin/>
            </div>
            // Only a task whose submit may have reached the provider is decided by hand.
            {(view_now.status == TaskStatus::SubmitUncertain).then(|| view! { <DecideIsland task=TaskBrief::from(&view_now)/> })}
            <ProviderId task/>
            <RerunOrigin task diff=rerun_diff/>
            <Failure task events/>
            <div class="grid-main">
                <div>
                    <Results task/>
                    <Inputs task/>
                    <section class="card" aria-labelledby="log-h">
                        <h2 id="log-h">{t(Msg::TaskTimeline)}</h2>
                        <LiveLog lines/>
                    </section>
                </div>
                <div>
                    <Summary task/>
                    <RequestView task/>
                    <CallbackLedger callbacks/>
                </div>
            </div>
        </TaskLive>
    }
}

#[component]
fn ProviderId(task: RwSignal<TaskView>) -> impl IntoView {
    let pid = Signal::derive(move || task.with(|t| t.provider_task_id.clone()));
    view! {
        {move || pid.get().map(|p| {
            let text = p.clone();
            view! {
                <p class="card" style="padding:.6rem 1rem">
                    {t(Msg::TaskProviderId)}": "<code data-testid="provider-task-id">{p}</code>" "
                    <CopyText text label=t_now(Msg::Copy).to_owned() copied=t_now(Msg::Copied).to_owned()/>
                </p>
            }
        })}
    }
}

/// For an end the console itself decided (a deadline, an undecided submit, a person closing
/// it), the words of the event that ended the task in the reader's language; the stored
/// `error_message` is its English. `None` for a provider's error, whose own words are quoted.
fn own_message(t: &TaskView, events: &[TaskEvent], lang: crate::i18n::Lang) -> Option<String> {
    let own = matches!(t.status, TaskStatus::TimedOut | TaskStatus::SubmitUncertain)
        || matches!(
            t.error_code.as_deref(),
            Some("timeout" | "submit_uncertain")
        )
        || t.ended_by == Some(EndedBy::Operator);
    if !own {
        return None;
    }
    events
        .iter()
        .rev()
        .find(|e| e.status == t.status && e.level != Level::Info)
        .map(|e| e.say(lang))
}

#[component]
fn Failure(task: RwSignal<TaskView>, events: RwSignal<Vec<TaskEvent>>) -> impl IntoView {
    let lang = use_i18n().lang;
    let failed = move || {
        task.with(|t| {
            // Cancelled is a person's choice, not a failure: its log says who and when.
            (t.status.is_terminal()
                && !matches!(t.status, TaskStatus::Succeeded | TaskStatus::Cancelled))
            .then(|| {
                let message =
                    own_message(t, &events.read(), lang.get()).or_else(|| t.error_message.clone());
                (t.status, t.error_code.clone(), message)
            })
        })
    };
    view! {
        {move || failed().map(|(status, code, message)| {
            let explain = if status == TaskStatus::SubmitUncertain {
                Some(Msg::TaskUncertainHelp)
            } else if status == TaskStatus::TimedOut {
                Some(Msg::ExplainTimeout)
            } else {
                explain_error(code.as_deref(), message.as_deref())
            };
            view! {
                <section class="card" aria-labelledby="fail-h" data-testid="failure">
                    <h2 id="fail-h">{t(Msg::TaskError)}</h2>
                    <dl class="props">
                        <dt>{t(Msg::TaskErrorCode)}</dt><dd><code data-testid="error-code">{code.unwrap_or_else(|| "—".into())}</code></dd>
                        <dt>{t(Msg::TaskErrorMessage)}</dt><dd data-testid="error-message">{message.unwrap_or_else(|| "—".into())}</dd>
                    </dl>
                    {explain.map(|m| view! {
                        <p class="explain" data-testid="explanation"><strong>{t(Msg::TaskExplanation)}": "</strong>{move || m.text(lang.get())}</p>
                    })}
                </section>
            }
        })}
    }
}

/// The download link of result `n` of `task`: a kept copy (`/files/<sha>.<ext>`) is saved as
/// `task-<id>-<n>.<ext>`; any other link is the link itself.
fn download_link(url: &str, task: TaskId, n: usize) -> String {
    match url.strip_prefix("/files/").and_then(|f| f.rsplit_once('.')) {
        Some((_, ext)) => format!("{url}?download=task-{}-{n}.{ext}", task.0),
        None => url.to_owned(),
    }
}

/// The images the task was given, beside its results; those past the 10 sent are marked.
#[component]
fn Inputs(task: RwSignal<TaskView>) -> impl IntoView {
    let inputs = task.with_untracked(|t| t.inputs.clone());
    (!inputs.is_empty()).then(|| {
        view! {
            <section class="card" aria-labelledby="inputs-h" data-testid="inputs">
                <h2 id="inputs-h">{t(Msg::TaskInputs)}</h2>
                <InputGallery inputs/>
            </section>
        }
    })
}

#[component]
fn Results(task: RwSignal<TaskView>) -> impl IntoView {
    let lang = use_i18n().lang;
    let results = move || task.with(|t| t.results.clone());
    view! {
        <section class="card" aria-labelledby="results-h">
            <h2 id="results-h">{t(Msg::TaskResults)}</h2>
            {move || {
                let items = results();
                if items.is_empty() {
                    view! { <p class="muted">{t(Msg::TaskNoResults)}</p> }.into_any()
                } else {
                    view! {
                        <div class="gallery">
                            {items.into_iter().enumerate().map(|(i, r)| {
                                let url = r.url.clone().unwrap_or_default();
                                let shown = r.thumb_url.clone().unwrap_or_else(|| url.clone());
                                // A kept copy downloads from the console under a name that says
                                // what it is; a provider link can only be opened.
                                let u3 = download_link(&url, task.with_untracked(|t| t.id), i + 1);
                                let u2 = url.clone();
                                view! {
                                    <figure>
                                        {(!url.is_empty()).then(|| {
                                            let l = lang.get_untracked();
                                            view! {
                                                <ZoomImage url=url.clone() thumb=shown
                                                    label=format!("{} {}", Msg::TaskFullView.text(l), i + 1)
                                                    alt=format!("{} {}", Msg::TaskResults.text(l), i + 1)
                                                    close=Msg::Close.text(l).to_owned() testid="result-image".to_owned()/>
                                            }
                                        })}
                                        {r.text.clone().map(|tx| view! { <p>{tx}</p> })}
                                        {r.removed.then(|| view! { <p class="muted" data-testid="result-removed">{t(Msg::TaskResultRemoved)}</p> })}
                                        {(!url.is_empty()).then(|| view! {
                                            <figcaption>
                                                <a class="btn btn-small" href=u2 target="_blank" rel="noopener noreferrer">{t(Msg::TaskOpenOriginal)}</a>
                                                <a class="btn btn-small" href=u3 download="">{t(Msg::TaskDownload)}</a>
                                            </figcaption>
                                        })}
                                        {r.provider_url.clone().map(|link| view! {
                                            <p class="hint" data-testid="provider-link">
                                                <a href=link target="_blank" rel="noopener noreferrer">{t(Msg::TaskProviderLink)}</a>
                                                " "{t(Msg::TaskProviderLinkExpires)}
                                            </p>
                                        })}
                                    </figure>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn Summary(task: RwSignal<TaskView>) -> impl IntoView {
    let lang = use_i18n().lang;
    view! {
        <section class="card" aria-labelledby="sum-h">
            <h2 id="sum-h">{t(Msg::TaskUsage)}</h2>
            <dl class="props">
                <dt>{t(Msg::TaskConfig)}</dt>
                <dd><a href=move || format!("/configs/{}", task.with(|t| t.config_id.0))>{move || task.with(|t| t.config_name.clone())}</a></dd>
                <dt>{t(Msg::TaskResolution)}</dt><dd>{move || task.with(|t| t.resolution.render(lang.get()))}</dd>
                <dt>{t(Msg::TaskAspect)}</dt><dd>{move || task.with(|t| t.aspect_ratio.render(lang.get()))}</dd>
                <dt>{t(Msg::TaskCost)}</dt><dd data-testid="cost">{move || task.with(|t| t.usage.cost()).map(|c| c.render(lang.get())).unwrap_or_else(|| "—".into())}</dd>
                {move || task.with(|t| t.estimate.clone()).map(|e| view! {
                    <dt>{t(Msg::TaskEstimate)}</dt><dd data-testid="task-estimate">{move || e.describe(lang.get())}</dd>
                })}
                {move || task.with(|t| t.ended_by).map(|e| view! {
                    <dt>{t(Msg::TaskEndedBy)}</dt><dd data-testid="ended-by" data-ended-by=e.as_str()>{t(e.label())}</dd>
                })}
                {move || task.with(|t| t.expects_callback && !t.status.is_terminal()).then(|| view! {
                    <dt>{t(Msg::FieldCallbacks)}</dt><dd class="muted">{t(Msg::TaskExpectsCallback)}</dd>
                })}
                <dt>{t(Msg::TaskPrompt)}</dt><dd style="white-space:pre-wrap">{move || task.with(|t| t.prompt.clone())}</dd>
            </dl>
            {move || {
                let w = task.with(|t| t.warnings.clone());
                (!w.is_empty()).then(|| view! {
                    <div class="alert alert-warn" style="margin-top:.75rem">
                        <strong>{t(Msg::TaskWarnings)}</strong>
                        <ul>{w.into_iter().map(|x| view! { <li>{move || x.render(lang.get())}</li> }).collect_view()}</ul>
                    </div>
                })
            }}
            <p class="muted" style="margin-top:.75rem">{move || task.with(|t| t.created_by.clone())}" · "{move || view! { <Time at=task.with(|t| t.created_at)/> }}</p>
        </section>
    }
}

#[component]
fn RequestView(task: RwSignal<TaskView>) -> impl IntoView {
    let json = task.with_untracked(|t| t.request_json.clone().unwrap_or_default());
    let curl = task.with_untracked(|t| t.request_curl.clone().unwrap_or_default());
    let words = RequestWords {
        show: t_now(Msg::TaskShowRequest).to_owned(),
        hide: t_now(Msg::TaskHideRequest).to_owned(),
        json: t_now(Msg::TaskRequestJson).to_owned(),
        curl: t_now(Msg::TaskRequestCurl).to_owned(),
        copy: t_now(Msg::Copy).to_owned(),
        copied: t_now(Msg::Copied).to_owned(),
    };
    view! {
        <section class="card">
            <RequestToggle json curl words/>
        </section>
    }
}
