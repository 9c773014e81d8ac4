//! One configuration: its fields (key masked; admins may reveal it with their password), a
//! link to launch a test, its key check, its budget, its recent tasks, and its history with
//! restore. Rendered on the server; the buttons are islands (`islands::config`).

use crate::api::configs::{config_history, get_budget, get_config, get_key_checks};
use crate::api::tasks::list_tasks;
use crate::components::budget::BudgetCard;
use crate::components::frame::{admin_known, is_admin};
use crate::components::key_check::KeyCheckCard;
use crate::components::{ErrorBox, Missing, PageError, ShownValue, StatusBadge, Time, known_field};
use crate::domain::*;
use crate::error::AppError;
use crate::i18n::{Msg, Text, localized, t, use_i18n};
use crate::islands::config::{ConfigActions, HISTORY_ID, KeyReveal, RestoreButton};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ConfigDetailPage() -> impl IntoView {
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .and_then(|s| s.parse::<ConfigId>().ok());
    // Back here after a delete that archived the config (it has tasks).
    let archived_now = crate::live::query_map(&crate::live::page_query())
        .get("archived")
        .is_some();
    let admin = is_admin();
    view! {
        <Suspense fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
            {move || Suspend::new(async move {
                admin_known().await;
                let admin = admin();
                let loaded = match id {
                    Some(id) => get_config(id).await,
                    None => Err(AppError::NotFound),
                };
                let c = match loaded {
                    Ok(c) => c,
                    Err(err) => {
                        let missing = id.map(|id| Missing {
                            what: Text::NoSuchConfig { id: id.0 },
                            links: vec![(Msg::NavConfigs, "/configs".to_owned())],
                        });
                        return view! { <PageError err missing/> }.into_any();
                    }
                };
                let recent_filter = TaskFilter { config_id: Some(c.id), ..Default::default() };
                let (history, recent, budget, checks) = futures::join!(
                    config_history(c.id),
                    list_tasks(recent_filter),
                    get_budget(c.id),
                    async { if admin { Some(get_key_checks(c.id).await) } else { None } },
                );
                let launchable = c.fields.is_active && c.archived_at.is_none();
                view! {
                    <Title text=c.fields.name.clone()/>
                    <ConfigHeader c=c.clone() admin/>
                    {archived_now.then(|| view! {
                        <p class="alert alert-info" role="status">{t(Msg::ConfigArchivedNote)}</p>
                    })}
                    <div class="grid-main">
                        <div>
                            <ConfigDetails c=c.clone() admin/>
                            {launchable.then(|| view! {
                                <section class="card" aria-labelledby="launch-h">
                                    <h2 id="launch-h">{t(Msg::ConfigLaunchTest)}</h2>
                                    <p class="muted">{t(Msg::ConfigLaunchHint)}</p>
                                    <a href=format!("/tasks/new?config={}", c.id.0) class="btn btn-primary">{t(Msg::ConfigLaunchGo)}</a>
                                </section>
                            })}
                        </div>
                        <div>
                            {checks.map(|history| view! { <KeyCheckCard config=c.id history/> })}
                            <BudgetCard config=c.id status=budget admin/>
                            <RecentTasks recent config=c.id/>
                            <History history current=c.version admin config=c.id/>
                        </div>
                    </div>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
fn ConfigHeader(c: ConfigView, admin: bool) -> impl IntoView {
    let archived = c.archived_at.is_some();
    view! {
        <div class="page-head">
            <div>
                <p class="sub"><a href="/configs">{t(Msg::ConfigsTitle)}</a>" / "</p>
                <h1>{c.fields.name.clone()}" "
                    // An archived config runs nothing: its on/off state says nothing then.
                    {if archived {
                        view! { <span class="badge badge-warn">{t(Msg::ConfigsArchived)}</span> }.into_any()
                    } else if c.fields.is_active {
                        view! { <span class="badge badge-ok">{t(Msg::ConfigsActiveOn)}</span> }.into_any()
                    } else {
                        view! { <span class="badge badge-muted">{t(Msg::ConfigsActiveOff)}</span> }.into_any()
                    }}
                </h1>
                <p class="sub">
                    {t(c.fields.api_type.label())}" · "{t(Msg::ConfigVersion)}" "{c.version}" · "
                    {t(Msg::ConfigUpdatedBy)}" "{c.updated_by.clone()}" "<Time at=c.updated_at/>
                </p>
            </div>
            {admin.then(|| view! { <ConfigActions id=c.id archived/> })}
        </div>
    }
}

#[component]
fn ConfigDetails(c: ConfigView, admin: bool) -> impl IntoView {
    let f = c.fields.clone();
    let yes_no = |b: bool| t(if b { Msg::Yes } else { Msg::No });
    view! {
        <section class="card" aria-labelledby="details-h">
            <h2 id="details-h">{t(Msg::ConfigDetails)}</h2>
            <dl class="props">
                <dt>{t(Msg::FieldApiType)}</dt><dd>{t(f.api_type.label())}<span class="sub mono">{f.api_type.as_str()}</span></dd>
                <dt>{t(Msg::FieldHostDomestic)}</dt><dd class="mono">{f.host_domestic.clone()}</dd>
                <dt>{t(Msg::FieldHostOverseas)}</dt><dd class="mono">{f.host_overseas.clone()}</dd>
                <dt>{t(Msg::FieldApiKey)}</dt>
                <dd><KeyReveal id=c.id mask=c.key_mask.clone() can_reveal=admin/></dd>
                <dt>{t(Msg::FieldDrawEndpoint)}</dt><dd class="mono">{f.draw_endpoint.clone()}</dd>
                <dt>{t(Msg::FieldResultEndpoint)}</dt><dd class="mono">{if f.result_endpoint.is_empty() { "—".to_owned() } else { f.result_endpoint.clone() }}</dd>
                <dt>{t(Msg::FieldUploadEndpoint)}</dt><dd class="mono">{if f.upload_endpoint.is_empty() { "—".to_owned() } else { f.upload_endpoint.clone() }}</dd>
                <dt>{t(Msg::FieldModelName)}</dt><dd>{if f.model_name.is_empty() { "—".to_owned() } else { f.model_name.clone() }}</dd>
                <dt>{t(Msg::FieldIsSync)}</dt><dd>{yes_no(f.is_sync_api)}</dd>
                {f.is_sync_api.then(|| view! {
                    <dt>{t(Msg::FieldSyncTimeout)}</dt>
                    <dd>{match f.sync_timeout_secs {
                        SYNC_TIMEOUT_SERVER_DEFAULT => t(Msg::ConfigSyncWaitServer).into_any(),
                        secs => localized(DurationMs(i64::from(secs) * 1000)).into_any(),
                    }}</dd>
                })}
                {(f.api_type == ApiType::NanoBananaEdits).then(|| view! {
                    <dt>{t(Msg::FieldImageField)}</dt><dd>{t(f.image_field.label())}</dd>
                })}
                <dt>{t(Msg::FieldEnableRetry)}</dt><dd>{yes_no(f.enable_retry)}</dd>
                <dt>{t(Msg::FieldAllowLocal)}</dt><dd>{yes_no(f.allow_local)}</dd>
                {(!f.is_sync_api).then(|| view! { <dt>{t(Msg::FieldCallbacks)}</dt><dd>{yes_no(f.callbacks)}</dd> })}
                <dt>{t(Msg::ConfigLimits)}</dt><dd>{localized(DurationMs(i64::from(f.timeout_secs) * 1000))}" · "{f.max_concurrency}</dd>
                <dt>{t(Msg::ConfigCreatedBy)}</dt><dd>{c.created_by.clone()}" · "<Time at=c.created_at/></dd>
            </dl>
        </section>
    }
}

#[component]
fn RecentTasks(recent: Result<TaskPage, AppError>, config: ConfigId) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="recent-h">
            <h2 id="recent-h">{t(Msg::ConfigRecentTasks)}</h2>
            {match recent {
                Ok(page) if page.items.is_empty() => view! { <p class="muted">{t(Msg::TasksEmpty)}</p> }.into_any(),
                Ok(page) => view! {
                    <ul class="history">
                        {page.items.into_iter().take(8).map(|task| view! {
                            <li>
                                <a href=format!("/tasks/{}", task.id.0)>"#"{task.id.0}</a>" "
                                <StatusBadge status=task.status/>" "
                                <span class="muted"><Time at=task.created_at/></span>
                                <div class="prompt-cell muted">{task.prompt.clone()}</div>
                            </li>
                        }).collect_view()}
                    </ul>
                    <p><a href=format!("/tasks?config={}", config.0)>{t(Msg::ConfigAllTasks)}" →"</a></p>
                }.into_any(),
                Err(err) => view! { <ErrorBox err/> }.into_any(),
            }}
        </section>
    }
}

/// The history, newest first; each restorable earlier version with an admin's restore button.
/// Its element id ([`HISTORY_ID`]) is what the key reveal renders again.
#[component]
fn History(
    history: Result<Vec<HistoryEntry>, AppError>,
    current: i64,
    admin: bool,
    config: ConfigId,
) -> impl IntoView {
    let lang = use_i18n().lang;
    view! {
        <section class="card" aria-labelledby="history-h">
            <h2 id="history-h">{t(Msg::ConfigHistory)}</h2>
            <div id=HISTORY_ID>
            {match history {
                Ok(entries) if entries.is_empty() => view! { <p class="muted">{t(Msg::ConfigHistoryEmpty)}</p> }.into_any(),
                Ok(entries) => view! {
                    <ol class="history" data-testid="history">
                        {entries.into_iter().map(|e| {
                            let version = e.version;
                            let restorable = e.restorable && version != current && admin;
                            view! {
                                <li data-testid="history-entry">
                                    <span class="who">{e.actor.clone()}</span>" "
                                    {t(e.action.label())}" · "
                                    <span class="muted">"v"{e.version}" · "<Time at=e.at/></span>
                                    {restorable.then(|| view! { <RestoreButton id=config version/> })}
                                    {(!e.changes.is_empty()).then(|| view! {
                                        <ul class="changes">
                                            {e.changes.iter().map(|ch| {
                                                let label = field_label(&ch.field);
                                                let field = known_field(&ch.field);
                                                view! {
                                                    <li>
                                                        {label.text(lang.get_untracked())}": "
                                                        {if ch.field == "api_key" {
                                                            view! { <em>{t(Msg::ConfigKeyChanged)}</em> }.into_any()
                                                        } else {
                                                            view! {
                                                                {ch.before.clone().map(|b| view! { <del><ShownValue value=b field/></del>" → " })}
                                                                <ins><ShownValue value=ch.after.clone().unwrap_or_default() field/></ins>
                                                            }.into_any()
                                                        }}
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any(),
                Err(err) => view! { <ErrorBox err/> }.into_any(),
            }}
            </div>
        </section>
    }
}
