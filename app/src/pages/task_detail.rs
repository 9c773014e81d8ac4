//! One task, live: status badge, elapsed time, the provider's task id, the execution log
//! streaming in, the result gallery, usage and cost, the failure explained, the request that
//! was sent, re-run and cancel. A reconnect (drop, reload, server restart) resumes right after
//! the last event seen.

use super::task_actions::{CallbackLedger, DecideUncertain, RerunOrigin, TaskActions};
use crate::api::tasks::get_task;
use crate::components::{
    CopyButton, InputGallery, Missing, PageError, StatusBadge, Time, close_on_escape,
};
use crate::domain::*;
use crate::error::AppError;
use crate::i18n::{Localized, Msg, Text, t, use_i18n};
use crate::live::now_ms;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", allow(dead_code))]
enum Link {
    Connecting,
    Live,
    Reconnecting,
    Done,
}

#[component]
pub fn TaskPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<TaskId>().ok())
    });
    let detail = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_task(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <LiveTask detail=d/> }.into_any(),
                    Err(err) => {
                        let missing = id.get_untracked().map(|id| Missing {
                            what: Text::NoSuchTask { id: id.0 },
                            links: vec![(Msg::NavTasks, "/tasks".to_owned()), (Msg::TasksNew, "/tasks/new".to_owned())],
                        });
                        view! { <PageError err missing/> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn LiveTask(detail: TaskDetail) -> impl IntoView {
    let lang = use_i18n().lang;
    let id = detail.task.id;
    let (callbacks, rerun_diff) = (detail.callbacks, detail.rerun_diff);
    let task = RwSignal::new(detail.task);
    let events = RwSignal::new(detail.events);
    let link = RwSignal::new(if task.get_untracked().status.is_terminal() {
        Link::Done
    } else {
        Link::Connecting
    });
    follow(id, task, events, link);

    let now = RwSignal::new(now_ms());
    #[cfg(not(feature = "ssr"))]
    {
        if let Ok(handle) = set_interval_with_handle(
            move || now.set(now_ms()),
            std::time::Duration::from_millis(500),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    let status = Signal::derive(move || task.with(|t| t.status));
    let elapsed = move || {
        task.with(|t| {
            let end = t.finished_at.map(|f| f.0).unwrap_or_else(|| now.get());
            DurationMs(end - t.created_at.0).render(lang.get())
        })
    };
    let title = move || task.with(|t| format!("#{} · {}", t.id.0, t.config_name));

    view! {
        <Title text=crate::i18n::title_of(title)/>
        <div class="page-head">
            <div>
                <p class="sub"><A href="/tasks">{t(Msg::TasksTitle)}</A>" / "</p>
                <div class="task-head">
                    <h1>"#"{id.0}" · "{move || task.with(|t| t.config_name.clone())}</h1>
                    <span data-testid="task-status" data-status=move || status.get().as_str()><StatusBadge status/></span>
                    {move || task.with(|t| t.slot_position).map(|n| view! {
                        <span class="slot-position" data-testid="slot-position">{move || Text::SlotPosition { n }.render(lang.get())}</span>
                    })}
                    <LinkState link/>
                </div>
                <div class="task-meta">
                    <span>{t(Msg::TaskElapsed)}": "<strong data-testid="elapsed">{elapsed}</strong></span>
                    <span>{t(Msg::TaskCreated)}": "<strong>{move || task.with(|t| t.created_at.format())}</strong></span>
                    <span>{t(Msg::TaskRegion)}": "<strong>{move || t(task.with(|t| t.region.label()))()}</strong></span>
                    <span>{t(Msg::TaskVersion)}": "<strong>"v"{move || task.with(|t| t.config_version)}</strong></span>
                    <span>{t(Msg::TaskAttempts)}": "<strong>{move || task.with(|t| t.attempts)}</strong></span>
                </div>
            </div>
            <TaskActions task/>
        </div>
        <ProviderId task/>
        <DecideUncertain task/>
        <RerunOrigin task diff=rerun_diff/>
        <Failure task events/>
        <div class="grid-main">
            <div>
                <Results task/>
                <Inputs task/>
                <section class="card" aria-labelledby="log-h">
                    <h2 id="log-h">{t(Msg::TaskTimeline)}</h2>
                    <Timeline events/>
                </section>
            </div>
            <div>
                <Summary task/>
                <RequestView task/>
                <CallbackLedger callbacks/>
            </div>
        </div>
    }
}

/// Streams the task's events into the page, reconnecting after the last one seen.
fn follow(
    id: TaskId,
    task: RwSignal<TaskView>,
    events: RwSignal<Vec<TaskEvent>>,
    link: RwSignal<Link>,
) {
    #[cfg(not(feature = "ssr"))]
    Effect::new(move |_| {
        use crate::live::{sleep_ms, take_lines};
        use futures::StreamExt;
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        if link.get_untracked() == Link::Done {
            return;
        }
        let alive = Arc::new(AtomicBool::new(true));
        let flag = alive.clone();
        on_cleanup(move || flag.store(false, Ordering::Relaxed));
        leptos::task::spawn_local(async move {
            let mut backoff = 500u64;
            while alive.load(Ordering::Relaxed) {
                let after = events.with_untracked(|e| e.last().map(|e| e.seq).unwrap_or(0));
                match crate::api::tasks::task_events(id, after).await {
                    Ok(stream) => {
                        let mut s = stream.into_inner();
                        let mut buf = String::new();
                        while let Some(Ok(chunk)) = s.next().await {
                            if !alive.load(Ordering::Relaxed) {
                                return;
                            }
                            link.set(Link::Live);
                            backoff = 500;
                            buf.push_str(&chunk);
                            for msg in take_lines::<StreamMsg>(&mut buf) {
                                match msg {
                                    StreamMsg::Event { event } => events.update(|list| {
                                        let last = list.last().map(|e| e.seq).unwrap_or(0);
                                        if event.seq > last {
                                            list.push(event);
                                        }
                                    }),
                                    StreamMsg::Task { task: view } => task.set(*view),
                                    StreamMsg::End => {
                                        link.set(Link::Done);
                                        return;
                                    }
                                    StreamMsg::Heartbeat => {}
                                }
                            }
                        }
                    }
                    Err(AppError::NotFound)
                    | Err(AppError::Unauthorized)
                    | Err(AppError::Forbidden) => return,
                    Err(_) => {}
                }
                if !alive.load(Ordering::Relaxed) {
                    return;
                }
                link.set(Link::Reconnecting);
                sleep_ms(backoff).await;
                backoff = (backoff * 2).min(5000);
            }
        });
    });
    #[cfg(feature = "ssr")]
    let _ = (id, task, events, link);
}

#[component]
fn LinkState(link: RwSignal<Link>) -> impl IntoView {
    view! {
        {move || match link.get() {
            Link::Live => view! { <span class="live-dot" role="status">{t(Msg::TaskLive)}</span> }.into_any(),
            Link::Reconnecting => view! { <span class="live-dot off" role="status">{t(Msg::TaskReconnecting)}</span> }.into_any(),
            _ => ().into_any(),
        }}
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
                    <CopyButton text=Signal::derive(move || text.clone())/>
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
    let full = RwSignal::new(None::<String>);
    close_on_escape(move || full.set(None));
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
                                let (u1, u2) = (url.clone(), url.clone());
                                view! {
                                    <figure>
                                        {(!url.is_empty()).then(|| view! {
                                            <button type="button" class="btn-link" on:click=move |_| full.set(Some(u1.clone()))
                                                aria-label=move || format!("{} {}", t(Msg::TaskFullView)(), i + 1)>
                                                <img src=shown alt=move || format!("{} {}", Msg::TaskResults.text(lang.get()), i + 1) loading="lazy" data-testid="result-image"/>
                                            </button>
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
        {move || full.get().map(|url| view! {
            <div class="lightbox" role="dialog" aria-modal="true" on:click=move |_| full.set(None)>
                <img src=url alt=""/>
                <button type="button" class="btn close" on:click=move |_| full.set(None)>{t(Msg::Close)}</button>
            </div>
        })}
    }
}

#[component]
fn Timeline(events: RwSignal<Vec<TaskEvent>>) -> impl IntoView {
    let lang = use_i18n().lang;
    view! {
        <ol class="timeline" data-testid="timeline" aria-live="polite">
            <For each=move || events.get() key=|e| e.seq let:e>
                <li class=format!("lv-{}", e.level.as_str()) data-seq=e.seq data-stage=e.stage.as_str()>
                    <span class="t">{e.at.format_time_ms()}</span>
                    <span class="stage">{t(e.stage.label())}</span>
                    <span class="msg">
                        {let ev = e.clone(); move || ev.say(lang.get())}
                        {(e.http_status.is_some() || e.latency_ms.is_some()).then(|| view! {
                            <span class="extra">
                                {e.http_status.map(|h| format!("HTTP {h}"))}
                                {(e.http_status.is_some() && e.latency_ms.is_some()).then_some(" · ")}
                                {e.latency_ms.map(|l| format!("{l} ms"))}
                            </span>
                        })}
                    </span>
                </li>
            </For>
        </ol>
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
                <dd><A href=move || format!("/configs/{}", task.with(|t| t.config_id.0))>{move || task.with(|t| t.config_name.clone())}</A></dd>
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
    let open = RwSignal::new(false);
    let json = Signal::derive(move || task.with(|t| t.request_json.clone().unwrap_or_default()));
    let curl = Signal::derive(move || task.with(|t| t.request_curl.clone().unwrap_or_default()));
    view! {
        <section class="card">
            <button type="button" class="btn" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                {move || if open.get() { t(Msg::TaskHideRequest)() } else { t(Msg::TaskShowRequest)() }}
            </button>
            <Show when=move || open.get()>
                <h3 style="margin-top:1rem">{t(Msg::TaskRequestJson)}" "<CopyButton text=json/></h3>
                <pre class="code" data-testid="request-json">{json}</pre>
                <h3>{t(Msg::TaskRequestCurl)}" "<CopyButton text=curl/></h3>
                <pre class="code" data-testid="request-curl">{curl}</pre>
            </Show>
        </section>
    }
}
