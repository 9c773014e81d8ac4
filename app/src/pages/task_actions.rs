//! What a person can do with one task besides watching it: cancel it, run it again (as it was,
//! on its config's current version, or on another config, warned when the earlier attempt may
//! already have been billed), decide a task whose submit may have reached the provider (attach
//! the provider's task id, close it as failed, send it again), and see where a re-run came from
//! and the callbacks the provider sent.

use crate::api::configs::list_configs;
use crate::api::tasks::{AttachTaskId, CancelTask, CloseUncertain, RerunTask, ResendUncertain};
use crate::components::budget::OverBudgetChoice;
use crate::components::{ErrorBox, ShownValue, Time, close_on_escape};
use crate::domain::*;
use crate::i18n::{Msg, t, use_i18n};
use leptos::prelude::*;

/// Reloads the page: a decided task starts a new life (a new live stream, a new state).
fn reload() {
    #[cfg(not(feature = "ssr"))]
    let _ = leptos::prelude::window().location().reload();
}

/// Goes to the new task once an action's `answer` names it.
fn go_to_new_task(
    answer: impl Get<Value = Option<Result<TaskId, crate::error::AppError>>> + Send + Sync + 'static,
) {
    Effect::new(move |_| {
        if let Some(Ok(new_id)) = answer.get() {
            #[cfg(not(feature = "ssr"))]
            let _ = window()
                .location()
                .set_href(&format!("/tasks/{}", new_id.0));
            #[cfg(feature = "ssr")]
            let _ = new_id;
        }
    });
}

/// What the task's actions need to know of it (the island's props: not the whole task).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskBrief {
    pub id: TaskId,
    pub status: TaskStatus,
    pub config_id: ConfigId,
    pub config_version: i64,
}

impl From<&TaskView> for TaskBrief {
    fn from(t: &TaskView) -> Self {
        Self {
            id: t.id,
            status: t.status,
            config_id: t.config_id,
            config_version: t.config_version,
        }
    }
}

#[component]
pub fn TaskActions(task: RwSignal<TaskBrief>, admin: bool) -> impl IntoView {
    let cancel = ServerAction::<CancelTask>::new();
    let confirm = RwSignal::new(false);
    let rerun_open = RwSignal::new(false);
    close_on_escape(move || {
        confirm.set(false);
        rerun_open.set(false);
    });
    let id = task.with_untracked(|t| t.id);
    let in_flight = move || !task.with(|t| t.status.is_terminal());
    view! {
        <div class="page-actions">
            <Show when=in_flight>
                <button type="button" class="btn btn-danger" on:click=move |_| confirm.set(true) disabled=cancel.pending()>
                    {t(Msg::TaskCancel)}
                </button>
            </Show>
            <Show when=move || !in_flight()>
                <button type="button" class="btn" data-testid="rerun" on:click=move |_| rerun_open.set(true)>
                    {t(Msg::TaskRerun)}
                </button>
            </Show>
        </div>
        {move || cancel.value().get().and_then(Result::err).map(|err| view! { <ErrorBox err/> })}
        <Show when=move || confirm.get()>
            <div class="dialog-backdrop">
                <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="cancel-h">
                    <h2 id="cancel-h">{t(Msg::TaskCancelConfirm)}</h2>
                    <div class="form-actions">
                        <button type="button" class="btn btn-danger" on:click=move |_| {
                            confirm.set(false);
                            cancel.dispatch(CancelTask { id });
                        }>{t(Msg::Confirm)}</button>
                        <button type="button" class="btn" on:click=move |_| confirm.set(false)>{t(Msg::Cancel)}</button>
                    </div>
                </div>
            </div>
        </Show>
        <Show when=move || rerun_open.get()>
            {move || Suspend::new(async move { rerun_dialog(task, rerun_open, admin).await })}
        </Show>
    }
}

/// The re-run dialog, in its own wasm chunk loaded when it is first opened: its code (the
/// config list, the re-run action) is not part of a task page's first visit.
#[lazy]
fn rerun_dialog(task: RwSignal<TaskBrief>, open: RwSignal<bool>, admin: bool) -> AnyView {
    view! { <RerunDialog task open admin/> }.into_any()
}

/// Where the re-run goes: the config as it was, its current version, or another config.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    AsItWas,
    Current,
    Other,
}

#[component]
fn RerunDialog(task: RwSignal<TaskBrief>, open: RwSignal<bool>, admin: bool) -> impl IntoView {
    let rerun = ServerAction::<RerunTask>::new();
    go_to_new_task(rerun.value());
    let (id, config_id, version, status) =
        task.with_untracked(|t| (t.id, t.config_id, t.config_version, t.status));
    let target = RwSignal::new(Target::AsItWas);
    let other = RwSignal::new(None::<ConfigId>);
    let configs = LocalResource::new(move || {
        list_configs(ConfigFilter {
            active: Some(true),
            skip_stats: true,
            ..Default::default()
        })
    });
    let billed = status.may_be_billed();
    let send = move |over_budget: bool| {
        let config = match target.get_untracked() {
            Target::Other => other.get_untracked(),
            _ => None,
        };
        rerun.dispatch(RerunTask {
            req: RerunRequest {
                of: id,
                config,
                as_it_was: target.get_untracked() == Target::AsItWas,
                confirmed: billed,
                over_budget,
            },
        });
    };
    let ready = move || target.get() != Target::Other || other.get().is_some();
    let radio = move |value: Target, label: Msg, testid: &'static str, suffix: String| {
        view! {
            <label class="check">
                <input type="radio" name="rerun-target" data-testid=testid
                    prop:checked=move || target.get() == value
                    on:change=move |_| target.set(value)/>
                <span>{t(label)}{suffix}</span>
            </label>
        }
    };
    view! {
        <div class="dialog-backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="rerun-h" data-testid="rerun-dialog">
                <h2 id="rerun-h">{t(Msg::RerunTitle)}</h2>
                <fieldset class="form-section">
                    {radio(Target::AsItWas, Msg::RerunAsItWas, "rerun-as-it-was", format!(" (v{version})"))}
                    {radio(Target::Current, Msg::RerunCurrent, "rerun-current", String::new())}
                    {radio(Target::Other, Msg::RerunOther, "rerun-other", String::new())}
                    <Show when=move || target.get() == Target::Other>
                        <select aria-label=move || t(Msg::RerunOther)() data-testid="rerun-config"
                            on:change=move |ev| other.set(event_target_value(&ev).parse::<i64>().ok().map(ConfigId))>
                            <option value="">{t(Msg::RerunPickConfig)}</option>
                            {move || configs.get().and_then(Result::ok).map(|list| list.into_iter()
                                .filter(|c| c.config.id != config_id)
                                .map(|c| view! { <option value=c.config.id.0.to_string()>{c.config.fields.name.clone()}</option> })
                                .collect_view())}
                        </select>
                    </Show>
                </fieldset>
                {billed.then(|| view! {
                    <div class="alert alert-warn" role="alert" data-testid="rerun-billed">{t(Msg::RerunMayBeBilled)}</div>
                })}
                {move || rerun.value().get().and_then(Result::err).map(|err| view! {
                    <ErrorBox err=err.clone()/>
                    <OverBudgetChoice err admin pending=rerun.pending() run_anyway=move |()| send(true)/>
                })}
                <div class="form-actions">
                    <button type="button" class="btn btn-primary" data-testid="rerun-go"
                        on:click=move |_| send(false) disabled=move || rerun.pending().get() || !ready()>
                        {if billed { t(Msg::RerunConfirmBilled) } else { t(Msg::TaskRerun) }}
                    </button>
                    <a href=format!("/tasks/new?from={}", id.0) class="btn" data-testid="rerun-edit">
                        {t(Msg::RerunEdit)}
                    </a>
                    <button type="button" class="btn" on:click=move |_| open.set(false)>{t(Msg::Cancel)}</button>
                </div>
            </div>
        </div>
    }
}

/// A task whose submit may have reached the provider: attach the provider's task id (from its
/// call record), close it as failed, or send it again knowing it may cost twice.
#[component]
pub fn DecideUncertain(task: RwSignal<TaskBrief>) -> impl IntoView {
    let id = task.with_untracked(|t| t.id);
    let attach = ServerAction::<AttachTaskId>::new();
    let close = ServerAction::<CloseUncertain>::new();
    let resend = ServerAction::<ResendUncertain>::new();
    go_to_new_task(resend.value());
    Effect::new(move |_| {
        if matches!(attach.value().get(), Some(Ok(())))
            || matches!(close.value().get(), Some(Ok(())))
        {
            reload();
        }
    });
    let pid = RwSignal::new(String::new());
    let confirm = RwSignal::new(false);
    close_on_escape(move || confirm.set(false));
    let undecided = move || task.with(|t| t.status == TaskStatus::SubmitUncertain);
    let error = move || {
        attach
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| close.value().get().and_then(Result::err))
            .or_else(|| resend.value().get().and_then(Result::err))
    };
    view! {
        <Show when=undecided>
            <section class="card" aria-labelledby="decide-h" data-testid="decide">
                <h2 id="decide-h">{t(Msg::DecideTitle)}</h2>
                <p class="hint">{t(Msg::DecideHint)}</p>
                <form class="toolbar" on:submit=move |ev| {
                    ev.prevent_default();
                    attach.dispatch(AttachTaskId { id, provider_task_id: pid.get_untracked() });
                }>
                    <div class="field grow">
                        <label for="attach-pid">{t(Msg::DecideTaskId)}</label>
                        <input id="attach-pid" type="text" name="provider_task_id" class="mono" autocomplete="off" required
                            data-testid="attach-pid" prop:value=move || pid.get()
                            on:input=move |ev| pid.set(event_target_value(&ev))/>
                    </div>
                    <button type="submit" class="btn btn-primary" data-testid="attach-go" disabled=move || attach.pending().get()>
                        {t(Msg::DecideAttach)}
                    </button>
                </form>
                <div class="form-actions">
                    <button type="button" class="btn" data-testid="close-failed" disabled=move || close.pending().get()
                        on:click=move |_| { close.dispatch(CloseUncertain { id }); }>{t(Msg::DecideClose)}</button>
                    <button type="button" class="btn btn-danger" data-testid="resend" on:click=move |_| confirm.set(true)>
                        {t(Msg::DecideResend)}
                    </button>
                </div>
                {move || error().map(|err| view! { <ErrorBox err/> })}
            </section>
        </Show>
        <Show when=move || confirm.get()>
            <div class="dialog-backdrop">
                <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="resend-h">
                    <h2 id="resend-h">{t(Msg::DecideResendTitle)}</h2>
                    <p>{t(Msg::DecideResendWarning)}</p>
                    <div class="form-actions">
                        <button type="button" class="btn btn-danger" data-testid="resend-go" on:click=move |_| {
                            confirm.set(false);
                            resend.dispatch(ResendUncertain { id, confirmed: true });
                        }>{t(Msg::RerunConfirmBilled)}</button>
                        <button type="button" class="btn" on:click=move |_| confirm.set(false)>{t(Msg::Cancel)}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}

/// On a task that runs another again: which one, and what differs.
#[component]
pub fn RerunOrigin(task: RwSignal<TaskView>, diff: Vec<FieldChange>) -> impl IntoView {
    let lang = use_i18n().lang;
    let of = task.with_untracked(|t| t.rerun_of);
    of.map(|of| {
        view! {
            <section class="card" aria-labelledby="origin-h" data-testid="rerun-origin">
                <h2 id="origin-h">{t(Msg::RerunOf)}" "<a href=format!("/tasks/{}", of.0)>"#"{of.0}</a></h2>
                {if diff.is_empty() {
                    view! { <p class="muted">{t(Msg::RerunSame)}</p> }.into_any()
                } else {
                    view! {
                        <p class="hint">{t(Msg::RerunDiffers)}</p>
                        <ul class="changes" data-testid="rerun-diff">
                            {diff.into_iter().map(|c| {
                                let label = match c.field.as_str() {
                                    "config" => Msg::TaskConfig,
                                    f => field_label(f),
                                };
                                let field = crate::components::known_field(&c.field);
                                view! { <li data-field=c.field.clone()>
                                    {move || label.text(lang.get())}": "
                                    {c.before.map(|b| view! { <del><ShownValue value=b field/></del>" → " })}
                                    <ins><ShownValue value=c.after.unwrap_or_default() field/></ins>
                                </li> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        }
    })
}

/// Admins: the callbacks the provider sent for this task, as they came.
#[component]
pub fn CallbackLedger(callbacks: Vec<CallbackEntry>) -> impl IntoView {
    (!callbacks.is_empty()).then(|| {
        view! {
            <section class="card" aria-labelledby="cb-h" data-testid="callbacks">
                <h2 id="cb-h">{t(Msg::TaskCallbacks)}</h2>
                <ul class="history">
                    {callbacks.into_iter().map(|c| view! {
                        <li data-outcome=c.outcome.as_str()>
                            <Time at=c.received_at/>" · "<strong>{t(c.outcome.label())}</strong>
                            {c.status.map(|s| view! { " · "<span class="mono">{s}</span> })}
                            {c.remote_addr.map(|a| view! { " · "<span class="muted">{a}</span> })}
                            <details><summary>{t(Msg::CallbackBody)}</summary><pre class="code">{c.body}</pre></details>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

/// Cancel and re-run, hydrated on their own; `admin`: the reader may re-run past a daily
/// budget.
#[island(lazy)]
pub fn TaskActionsIsland(task: TaskBrief, admin: bool) -> impl IntoView {
    let task = RwSignal::new(task);
    view! { <TaskActions task admin/> }
}

/// Deciding an uncertain submit: an island of its own, on the page only for such a task (its
/// code is not part of every task page's first visit).
#[island(lazy)]
pub fn DecideIsland(task: TaskBrief) -> impl IntoView {
    let task = RwSignal::new(task);
    view! { <DecideUncertain task/> }
}
