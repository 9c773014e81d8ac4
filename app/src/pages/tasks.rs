//! The task list: newest first, filters, search, keyset pages, statuses updating live; with
//! `?batch=N`, the comparison table of one batch test filling in live.

use crate::api::configs::list_configs;
use crate::api::tasks::{list_tasks, rerun_failed};
use crate::components::budget::OverBudgetChoice;
use crate::components::{ErrorBox, FilterForm, PageError, StatusBadge, Time};
use crate::domain::*;
use crate::error::AppError;
use crate::i18n::{Localized, Msg, Text, localized, t, use_i18n};
use crate::islands::task::ZoomImage;
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

/// Rendered on the server. Only the filter bar, the results' zoom and the batch's "run the
/// failed again" are islands; `FollowTasks` renders the list again in place when a task changes.
#[component]
pub fn TasksPage() -> impl IntoView {
    let filter = filter_from_query(&crate::live::query_map(&crate::live::page_query()));
    let batch = filter.batch_id;
    let f = filter.clone();
    let page = Resource::new(move || f.clone(), list_tasks);
    // A batch's shared test case (its first task's).
    let case = Resource::new(
        move || batch,
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
        {batch.is_none().then(|| {
            let filter = filter.clone();
            view! {
                <Suspense fallback=|| ()>
                    {move || {
                        let filter = filter.clone();
                        Suspend::new(async move {
                            let configs = configs.await.unwrap_or_default();
                            view! { <TaskFilterBar filter configs/> }
                        })
                    }}
                </Suspense>
            }
        })}
        // What `FollowTasks` renders again: the list and its pager, or the batch's comparison.
        <div id="task-list">
            <Suspense fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
                {move || {
                    let f = filter.clone();
                    Suspend::new(async move {
                        match page.await {
                            Ok(p) if f.batch_id.is_some() => {
                                let case = case.await.ok().flatten();
                                crate::components::frame::admin_known().await;
                                let admin = crate::components::frame::is_admin()();
                                view! { <CompareTable rows=p.items case admin/> }.into_any()
                            }
                            Ok(p) => view! { <TaskTable page=p filter=f/> }.into_any(),
                            Err(err) => view! { <PageError err/> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </div>
        <crate::islands::refresh::FollowTasks target="task-list".to_owned()/>
    }
}

/// The filters, showing `filter`; `configs` for the config choice.
#[component]
fn TaskFilterBar(filter: TaskFilter, configs: Vec<ConfigListItem>) -> impl IntoView {
    let lang = use_i18n().lang;
    view! {
        <FilterForm>
            <div class="field grow">
                <label for="q">{t(Msg::Search)}</label>
                <input id="q" name="q" type="search" placeholder=move || Msg::TasksSearch.text(lang.get()) value=filter.q.clone()/>
            </div>
            <div class="field">
                <label for="config">{t(Msg::TaskConfig)}</label>
                <select id="config" name="config">
                    <option value="">{t(Msg::All)}</option>
                    {configs.into_iter().map(|c| {
                        let id = c.config.id;
                        view! { <option value=id.0.to_string() selected=filter.config_id == Some(id)>{c.config.fields.name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="status">{t(Msg::TaskStatus)}</label>
                <select id="status" name="status">
                    <option value="">{t(Msg::All)}</option>
                    {TaskStatus::VARIANTS.iter().copied().map(|s| view! {
                        <option value=s.as_str() selected=filter.status == Some(s)>{t(s.label())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="from">{t(Msg::TasksFrom)}</label>
                <input id="from" name="from" type="date" value=filter.from.clone().unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="to">{t(Msg::TasksTo)}</label>
                <input id="to" name="to" type="date" value=filter.to.clone().unwrap_or_default()/>
            </div>
            <button type="submit" class="btn">{t(Msg::Filter)}</button>
        </FilterForm>
    }
}

/// One page of the list (`filter` made it) and its pager.
#[component]
fn TaskTable(page: TaskPage, filter: TaskFilter) -> impl IntoView {
    let lang = use_i18n().lang;
    let (page_no, pages) = page.position();
    let href = |at: Option<PageAt>| {
        let q = query_string(&filter, at);
        if q.is_empty() {
            "/tasks".to_owned()
        } else {
            format!("/tasks?{q}")
        }
    };
    let first = (page_no > 2).then(|| href(None));
    let prev = page.prev_after.map(|a| href(Some(PageAt::After(a))));
    let more = page.next_before.map(|n| href(Some(PageAt::Before(n))));
    let total = page.total;
    if page.items.is_empty() {
        return view! { <div class="card empty-state"><p>{t(Msg::TasksNoMatch)}</p></div> }
            .into_any();
    }
    view! {
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
                    {page.items.into_iter().map(|r| view! {
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
                    }).collect_view()}
                </tbody>
            </table>
        </div>
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

/// One batch test: the shared test case once, then each config's result side by side.
#[component]
fn CompareTable(rows: Vec<TaskSummary>, case: Option<TaskCase>, admin: bool) -> impl IntoView {
    let lang = use_i18n().lang;
    if rows.is_empty() {
        return view! { <ErrorBox err=AppError::NotFound/> }.into_any();
    }
    let again: Vec<TaskStatus> = rows
        .iter()
        .filter(|x| matches!(x.status, TaskStatus::Failed | TaskStatus::TimedOut))
        .map(|x| x.status)
        .collect();
    let batch = rows.iter().find_map(|x| x.batch_id);
    let mut rows = rows;
    rows.sort_by_key(|x| x.id);
    let words = |m: Msg| m.text(lang.get_untracked()).to_owned();
    view! {
        {batch.filter(|_| !again.is_empty()).map(|batch| view! {
            <RerunFailedButton batch failed=again.len() billed=again.iter().any(|s| s.may_be_billed()) admin/>
        })}
        {case.map(|task| view! { <BatchCase task/> })}
        // One column per config, side by side: its result large (click to zoom), then status,
        // time to result, cost and error code.
        <div class="compare-grid" role="list" aria-label=move || Msg::TaskBatchTitle.text(lang.get())>
            {rows.into_iter().map(|r| view! {
                <article class="card compare-col" role="listitem" data-task=r.id.0 data-status=r.status.as_str()>
                    <h2><a href=format!("/tasks/{}", r.id.0)>{r.config_name.clone()}</a></h2>
                    <div class="compare-result">
                        {match r.image.clone() {
                            Some(url) => view! {
                                <ZoomImage thumb=url.clone() url label=words(Msg::TaskFullView)
                                    alt=words(Msg::TaskResults) close=words(Msg::Close) testid="compare-image".to_owned()/>
                            }.into_any(),
                            None => view! { <p class="muted">{t(Msg::TaskNoResults)}</p> }.into_any(),
                        }}
                    </div>
                    <dl class="props">
                        <dt>{t(Msg::TaskStatus)}</dt><dd><StatusBadge status=r.status/></dd>
                        <dt>{t(Msg::TaskTimeToResult)}</dt>
                        <dd>{r.finished_at.map(|f| localized(DurationMs(f.0 - r.created_at.0)).into_any()).unwrap_or_else(|| "…".into_any())}</dd>
                        <dt>{t(Msg::TaskCost)}</dt><dd>{r.cost.clone().map(|c| c.render(lang.get_untracked())).unwrap_or_else(|| "—".into())}</dd>
                        {r.error_code.clone().map(|c| view! { <dt>{t(Msg::TaskErrorCode)}</dt><dd><code>{c}</code></dd> })}
                    </dl>
                </article>
            }).collect_view()}
        </div>
    }.into_any()
}

/// "Run the failed again" for a batch with `failed` failed or timed-out tasks, asking first when
/// one of them may have been billed (`billed`); then goes to the new batch (or task). `admin`:
/// the reader may run them past a daily budget.
#[island(lazy)]
fn RerunFailedButton(batch: BatchId, failed: usize, billed: bool, admin: bool) -> impl IntoView {
    let pending = RwSignal::new(false);
    let failure = RwSignal::new(None::<AppError>);
    let confirm = RwSignal::new(false);
    crate::components::close_on_escape(move || confirm.set(false));
    // The request and the move to the new batch run in a task of their own, not in an effect
    // of this island: the list around it may be rendered again (a task changed) while the
    // request is out, and an island swapped out runs no effects any more.
    let send = move |confirmed: bool, over_budget: bool| {
        pending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            match rerun_failed(batch, confirmed, over_budget).await {
                Ok(r) => match (r.batch, r.tasks.first()) {
                    (Some(b), _) => crate::live::go(&format!("/tasks?batch={}", b.0)),
                    (None, Some(t)) => crate::live::go(&format!("/tasks/{}", t.0)),
                    (None, None) => pending.set(false),
                },
                Err(e) => {
                    failure.set(Some(e));
                    pending.set(false);
                }
            }
        });
    };
    view! {
        <div class="page-actions">
            <button type="button" class="btn" data-testid="rerun-failed" disabled=move || pending.get()
                on:click=move |_| if billed { confirm.set(true) } else { send(false, false) }>
                {t(Msg::BatchRerunFailed)}" ("{failed}")"
            </button>
        </div>
        {move || failure.get().map(|err| view! {
            <ErrorBox err=err.clone()/>
            <OverBudgetChoice err admin pending=pending run_anyway=move |()| send(billed, true)/>
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
    }
}

/// What every task of a batch was asked (they share it): the prompt, the parameters and the
/// input images, read from the batch's first task.
#[component]
fn BatchCase(task: TaskCase) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="case-h" data-testid="batch-case">
            <h2 id="case-h">{t(Msg::BatchCase)}</h2>
            <p class="case-prompt">{task.prompt.clone()}</p>
            <p class="sub">
                {t(Msg::TaskResolution)}": "{task.resolution.as_str().to_ascii_uppercase()}" · "
                {t(Msg::TaskAspect)}": "{localized(task.aspect_ratio)}" · "
                {t(Msg::TaskRegion)}": "{t(task.region.label())}
            </p>
            <crate::components::InputGallery inputs=task.inputs/>
        </section>
    }
}
