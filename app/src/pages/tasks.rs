//! The task list: newest first, filters, search, keyset pages, statuses updating live; with
//! `?batch=N`, the comparison table of one batch test filling in live.

use crate::api::configs::list_configs;
use crate::api::tasks::{RerunFailed, list_tasks};
use crate::components::budget::OverBudgetChoice;
use crate::components::{ErrorBox, FilterForm, PageError, StatusBadge, Time};
use crate::domain::*;
use crate::error::AppError;
use crate::i18n::{Localized, Msg, Text, localized, t, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use strum::VariantArray;

fn filter_from_query(q: &leptos_router::params::ParamsMap) -> TaskFilter {
    let nonempty = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
    TaskFilter {
        config_id: nonempty("config").and_then(|c| c.parse().ok()),
        status: nonempty("status").and_then(|s| s.parse().ok()),
        from: nonempty("from"),
        to: nonempty("to"),
        q: q.get("q").unwrap_or_default(),
        before: nonempty("before").and_then(|b| b.parse().ok()),
        after: nonempty("after").and_then(|b| b.parse().ok()),
        batch_id: nonempty("batch")
            .and_then(|b| b.parse::<i64>().ok())
            .map(BatchId),
    }
}

/// Where a pager link goes: the next (older) page, or the previous (newer) one.
#[derive(Clone, Copy)]
enum PageAt {
    Before(TaskId),
    After(TaskId),
}

fn query_string(f: &TaskFilter, at: Option<PageAt>) -> String {
    let mut parts = form_urlencoded::Serializer::new(String::new());
    if let Some(c) = f.config_id {
        parts.append_pair("config", &c.to_string());
    }
    if let Some(s) = f.status {
        parts.append_pair("status", s.as_str());
    }
    if let Some(v) = &f.from {
        parts.append_pair("from", v);
    }
    if let Some(v) = &f.to {
        parts.append_pair("to", v);
    }
    if !f.q.is_empty() {
        parts.append_pair("q", &f.q);
    }
    if let Some(b) = f.batch_id {
        parts.append_pair("batch", &b.to_string());
    }
    match at {
        Some(PageAt::Before(b)) => {
            parts.append_pair("before", &b.to_string());
        }
        Some(PageAt::After(a)) => {
            parts.append_pair("after", &a.to_string());
        }
        None => {}
    }
    parts.finish()
}

/// Keeps `rows` up to date from the live change stream while the page is open.
fn follow_changes(rows: RwSignal<Vec<TaskSummary>>, filter: Memo<TaskFilter>) {
    #[cfg(not(feature = "ssr"))]
    Effect::new(move |_| {
        use crate::live::{sleep_ms, take_lines};
        use futures::StreamExt;
        let alive = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = alive.clone();
        on_cleanup(move || flag.store(false, std::sync::atomic::Ordering::Relaxed));
        leptos::task::spawn_local(async move {
            while alive.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(stream) = crate::api::tasks::task_changes().await {
                    let mut s = stream.into_inner();
                    let mut buf = String::new();
                    while let Some(Ok(chunk)) = s.next().await {
                        if !alive.load(std::sync::atomic::Ordering::Relaxed) {
                            return;
                        }
                        buf.push_str(&chunk);
                        for change in take_lines::<Option<TaskChange>>(&mut buf)
                            .into_iter()
                            .flatten()
                        {
                            apply_change(rows, &filter.get_untracked(), change.summary);
                        }
                    }
                }
                sleep_ms(2000).await;
            }
        });
    });
    #[cfg(feature = "ssr")]
    let _ = (rows, filter);
}

#[cfg_attr(feature = "ssr", allow(dead_code))]
/// Updates a row in place, or adds a new task on top of the first page when it matches.
fn apply_change(rows: RwSignal<Vec<TaskSummary>>, f: &TaskFilter, s: TaskSummary) {
    rows.update(|list| {
        if let Some(row) = list.iter_mut().find(|r| r.id == s.id) {
            *row = s;
            return;
        }
        let first_page = f.before.is_none();
        let matches = f.config_id.is_none_or(|c| c == s.config_id)
            && f.status.is_none_or(|st| st == s.status)
            && f.batch_id.is_none_or(|b| Some(b) == s.batch_id)
            && f.q.is_empty()
            && f.from.is_none()
            && f.to.is_none();
        if first_page && matches && list.first().is_none_or(|top| s.id > top.id) {
            list.insert(0, s);
            list.truncate(TASK_PAGE_SIZE as usize);
        }
    });
}

#[component]
pub fn TasksPage() -> impl IntoView {
    let query = crate::live::page_query();
    let batch = filter_from_query(&crate::live::query_map(&query)).batch_id;
    view! {
        <Title text=crate::i18n::title(Msg::TasksTitle)/>
        <div class="page-head">
            <div>
                <h1>{if batch.is_some() { t(Msg::TaskBatchTitle) } else { t(Msg::TasksTitle) }}</h1>
                {match batch {
                    Some(b) => view! { <p class="sub">"#"{b.0}" · "<a href="/tasks">{t(Msg::TasksTitle)}</a></p> }.into_any(),
                    None => view! { <p class="sub">{t(Msg::TasksShared)}</p> }.into_any(),
                }}
            </div>
            <div class="page-actions">
                <a href="/tasks/new" class="btn btn-primary">"+ "{t(Msg::TasksNew)}</a>
            </div>
        </div>
        <TaskList query/>
    }
}

#[island(lazy)]
fn TaskList(query: String) -> impl IntoView {
    let query = RwSignal::new(crate::live::query_map(&query));
    let filter = Memo::new(move |_| filter_from_query(&query.read()));
    let page = Resource::new(move || filter.get(), list_tasks);
    // A batch's shared test case (its first task's). Made here, not where it is shown: in an
    // island every resource is made before its first `Suspend`, or the browser's copy does not
    // find the server's data.
    let case = Resource::new(
        move || filter.get().batch_id,
        move |batch| async move {
            let first = match batch {
                Some(_) => page
                    .await
                    .ok()
                    .and_then(|p| p.items.iter().map(|x| x.id).min()),
                None => None,
            };
            match first {
                Some(id) => crate::api::tasks::get_task_case(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let configs = Resource::new(
        || (),
        |_| {
            list_configs(ConfigFilter {
                skip_stats: true,
                ..Default::default()
            })
        },
    );
    let lang = use_i18n().lang;
    let batch = move || filter.get().batch_id;

    view! {
        <Show when=move || batch().is_none()>
            <FilterForm>
                <div class="field grow">
                    <label for="q">{t(Msg::Search)}</label>
                    <input id="q" name="q" type="search" placeholder=move || Msg::TasksSearch.text(lang.get()) prop:value=move || filter.get().q/>
                </div>
                <div class="field">
                    <label for="config">{t(Msg::TaskConfig)}</label>
                    <select id="config" name="config">
                        <option value="">{t(Msg::All)}</option>
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                configs.await.unwrap_or_default().into_iter().map(|c| {
                                    let id = c.config.id;
                                    view! { <option value=id.0.to_string() selected=move || filter.get().config_id == Some(id)>{c.config.fields.name.clone()}</option> }
                                }).collect_view()
                            })}
                        </Transition>
                    </select>
                </div>
                <div class="field">
                    <label for="status">{t(Msg::TaskStatus)}</label>
                    <select id="status" name="status">
                        <option value="">{t(Msg::All)}</option>
                        {TaskStatus::VARIANTS.iter().copied().map(|s| view! {
                            <option value=s.as_str() selected=move || filter.get().status == Some(s)>{t(s.label())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="from">{t(Msg::TasksFrom)}</label>
                    <input id="from" name="from" type="date" prop:value=move || filter.get().from.unwrap_or_default()/>
                </div>
                <div class="field">
                    <label for="to">{t(Msg::TasksTo)}</label>
                    <input id="to" name="to" type="date" prop:value=move || filter.get().to.unwrap_or_default()/>
                </div>
                <button type="submit" class="btn">{t(Msg::Filter)}</button>
            </FilterForm>
        </Show>
        <Transition fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => {
                        let (page_no, pages) = p.position();
                        let rows = RwSignal::new(p.items);
                        follow_changes(rows, filter);
                        let f = filter.get_untracked();
                        let href = |at: Option<PageAt>| {
                            let q = query_string(&f, at);
                            if q.is_empty() { "/tasks".to_owned() } else { format!("/tasks?{q}") }
                        };
                        let first = (page_no > 2).then(|| href(None));
                        let prev = p.prev_after.map(|a| href(Some(PageAt::After(a))));
                        let more = p.next_before.map(|n| href(Some(PageAt::Before(n))));
                        let total = p.total;
                        if f.batch_id.is_some() {
                            view! { <CompareTable rows case/> }.into_any()
                        } else {
                            view! {
                                <TaskTable rows/>
                                <nav class="pager" aria-label=move || Msg::Pages.text(lang.get())>
                                    {first.map(|h| view! { <a href=h class="btn">{t(Msg::FirstPage)}</a> })}
                                    {prev.map(|h| view! { <a href=h class="btn">"← "{t(Msg::PrevPage)}</a> })}
                                    <span class="muted" data-testid="page-position">
                                        {move || Text::PagePosition { page: page_no, pages, total }.render(lang.get())}
                                    </span>
                                    {more.map(|h| view! { <a href=h class="btn">{t(Msg::NextPage)}" →"</a> })}
                                </nav>
                            }.into_any()
                        }
                    }
                    Err(err) => view! { <PageError err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TaskTable(rows: RwSignal<Vec<TaskSummary>>) -> impl IntoView {
    let lang = use_i18n().lang;
    view! {
        <Show when=move || !rows.with(Vec::is_empty) fallback=move || view! { <div class="card empty-state"><p>{t(Msg::TasksNoMatch)}</p></div> }>
            <div class="table-wrap">
                <table class="table" aria-label=move || Msg::TasksTitle.text(lang.get())>
                    <thead><tr>
                        <th scope="col">"#"</th>
                        <th scope="col">{t(Msg::TaskStatus)}</th>
                        <th scope="col">{t(Msg::TaskConfig)}</th>
                        <th scope="col">{t(Msg::TaskPrompt)}</th>
                        <th scope="col" class="hide-sm">{t(Msg::TaskCreated)}</th>
                        <th scope="col" class="hide-sm">{t(Msg::TaskElapsed)}</th>
                        <th scope="col" class="hide-sm">{t(Msg::TaskThumbnail)}</th>
                    </tr></thead>
                    <tbody>
                        <For each=move || rows.get() key=|r| (r.id, r.status, r.finished_at) let:r>
                            <tr data-task=r.id.0 data-status=r.status.as_str()>
                                <th scope="row"><a href=format!("/tasks/{}", r.id.0)>"#"{r.id.0}</a></th>
                                <td><StatusBadge status=r.status/>
                                    {r.error_code.clone().map(|c| view! { <span class="sub mono" data-testid="row-code">{c}</span> })}</td>
                                <td>{r.config_name.clone()}</td>
                                <td class="prompt-cell" title=r.prompt.clone()>{r.prompt.clone()}</td>
                                <td class="hide-sm nowrap"><Time at=r.created_at/></td>
                                <td class="hide-sm nowrap">{r.finished_at.map(|f| localized(DurationMs(f.0 - r.created_at.0)))}</td>
                                <td class="hide-sm">{r.thumbnail.clone().map(|u| view! { <img class="thumb" src=u alt=move || Msg::TaskThumbnail.text(lang.get()) loading="lazy"/> })}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </div>
        </Show>
    }
}

/// One batch test: the shared test case once, then each config's result side by side.
#[component]
fn CompareTable(
    rows: RwSignal<Vec<TaskSummary>>,
    case: Resource<Result<Option<TaskCase>, AppError>>,
) -> impl IntoView {
    let lang = use_i18n().lang;
    let rerun = ServerAction::<RerunFailed>::new();
    let confirm = RwSignal::new(false);
    let zoom = RwSignal::new(None::<String>);
    crate::components::close_on_escape(move || {
        confirm.set(false);
        zoom.set(None);
    });
    Effect::new(move |_| {
        if let Some(Ok(r)) = rerun.value().get() {
            let to = match (r.batch, r.tasks.first()) {
                (Some(b), _) => format!("/tasks?batch={}", b.0),
                (None, Some(t)) => format!("/tasks/{}", t.0),
                (None, None) => return,
            };
            crate::live::go(&to);
        }
    });
    let again = move || {
        rows.with(|r| {
            r.iter()
                .filter(|x| matches!(x.status, TaskStatus::Failed | TaskStatus::TimedOut))
                .map(|x| x.status)
                .collect::<Vec<_>>()
        })
    };
    let batch = move || rows.with(|r| r.first().and_then(|x| x.batch_id));
    let send = move |confirmed: bool, over_budget: bool| {
        if let Some(batch) = batch() {
            rerun.dispatch(RerunFailed {
                batch,
                confirmed,
                over_budget,
            });
        }
    };
    let billed = move || again().iter().any(|s| s.may_be_billed());
    view! {
        <Show when=move || !again().is_empty()>
            <div class="page-actions">
                <button type="button" class="btn" data-testid="rerun-failed" disabled=move || rerun.pending().get()
                    on:click=move |_| if billed() { confirm.set(true) } else { send(false, false) }>
                    {t(Msg::BatchRerunFailed)}" ("{move || again().len()}")"
                </button>
            </div>
        </Show>
        {move || rerun.value().get().and_then(Result::err).map(|err| view! {
            <ErrorBox err=err.clone()/>
            <OverBudgetChoice err pending=rerun.pending() run_anyway=move |()| send(billed(), true)/>
        })}
        <Show when=move || confirm.get()>
            <div class="dialog-backdrop">
                <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="rerun-failed-h">
                    <h2 id="rerun-failed-h">{t(Msg::BatchRerunFailed)}</h2>
                    <p>{t(Msg::RerunMayBeBilled)}</p>
                    <div class="form-actions">
                        <button type="button" class="btn btn-danger" on:click=move |_| { confirm.set(false); send(true, false); }>
                            {t(Msg::RerunConfirmBilled)}
                        </button>
                        <button type="button" class="btn" on:click=move |_| confirm.set(false)>{t(Msg::Cancel)}</button>
                    </div>
                </div>
            </div>
        </Show>
        <BatchCase case/>
        // One column per config, side by side: its result large (click to zoom), then status,
        // time to result, cost and error code.
        <div class="compare-grid" role="list" aria-label=move || Msg::TaskBatchTitle.text(lang.get())>
            <For each=move || { let mut r = rows.get(); r.sort_by_key(|x| x.id); r } key=|r| (r.id, r.status, r.finished_at) let:r>
                <article class="card compare-col" role="listitem" data-task=r.id.0 data-status=r.status.as_str()>
                    <h2><a href=format!("/tasks/{}", r.id.0)>{r.config_name.clone()}</a></h2>
                    <div class="compare-result">
                        {match r.image.clone() {
                            Some(url) => {
                                let shown = url.clone();
                                view! {
                                    <button type="button" class="btn-link" on:click=move |_| zoom.set(Some(url.clone()))
                                        aria-label=move || Msg::TaskFullView.text(lang.get())>
                                        <img src=shown alt=move || Msg::TaskResults.text(lang.get()) loading="lazy" data-testid="compare-image"/>
                                    </button>
                                }.into_any()
                            }
                            None => view! { <p class="muted">{t(Msg::TaskNoResults)}</p> }.into_any(),
                        }}
                    </div>
                    <dl class="props">
                        <dt>{t(Msg::TaskStatus)}</dt><dd><StatusBadge status=r.status/></dd>
                        <dt>{t(Msg::TaskTimeToResult)}</dt>
                        <dd>{let took = r.finished_at.map(|f| DurationMs(f.0 - r.created_at.0)); move || took.map(|d| d.render(lang.get())).unwrap_or_else(|| "…".into())}</dd>
                        <dt>{t(Msg::TaskCost)}</dt><dd>{r.cost.clone().map(|c| c.render(lang.get())).unwrap_or_else(|| "—".into())}</dd>
                        {r.error_code.clone().map(|c| view! { <dt>{t(Msg::TaskErrorCode)}</dt><dd><code>{c}</code></dd> })}
                    </dl>
                </article>
            </For>
        </div>
        {move || zoom.get().map(|url| view! {
            <div class="lightbox" role="dialog" aria-modal="true" on:click=move |_| zoom.set(None)>
                <img src=url alt=""/>
                <button type="button" class="btn close" on:click=move |_| zoom.set(None)>{t(Msg::Close)}</button>
            </div>
        })}
        {move || rows.with(Vec::is_empty).then(|| view! { <ErrorBox err=AppError::NotFound/> })}
    }
}

/// What every task of a batch was asked (they share it): the prompt, the parameters and the
/// input images, read from the batch's first task.
#[component]
fn BatchCase(case: Resource<Result<Option<TaskCase>, AppError>>) -> impl IntoView {
    let lang = use_i18n().lang;
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                case.await.ok().flatten().map(|task| {
                    view! {
                        <section class="card" aria-labelledby="case-h" data-testid="batch-case">
                            <h2 id="case-h">{t(Msg::BatchCase)}</h2>
                            <p class="case-prompt">{task.prompt.clone()}</p>
                            <p class="sub">
                                {t(Msg::TaskResolution)}": "{task.resolution.as_str().to_ascii_uppercase()}" · "
                                {t(Msg::TaskAspect)}": "{let a = task.aspect_ratio; move || a.render(lang.get())}" · "
                                {t(Msg::TaskRegion)}": "{t(task.region.label())}
                            </p>
                            <crate::components::InputGallery inputs=task.inputs/>
                        </section>
                    }
                })
            })}
        </Transition>
    }
}
