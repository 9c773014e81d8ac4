//! One configuration: its fields (key masked; admins may reveal it with their password), a
//! launch form, its recent tasks, and its history with restore.

use crate::api::configs::{
    CheckConfigKey, DeleteConfig, RevealKey, RevertConfig, SetBudget, UnarchiveConfig,
    config_history, get_budget, get_config, get_key_checks,
};
use crate::api::tasks::list_tasks;
use crate::components::budget::BudgetCard;
use crate::components::frame::{AdminOnly, admin_known, is_admin};
use crate::components::key_check::KeyCheckCard;
use crate::components::{
    CopyButton, ErrorBox, Missing, PageError, ShownValue, StatusBadge, Time, close_on_escape,
    focus_when_shown, known_field,
};

/// How long a revealed key stays on screen before it hides itself.
const KEY_SHOWN_FOR: std::time::Duration = std::time::Duration::from_secs(60);
use crate::domain::*;
use crate::error::AppError;
use crate::i18n::{Msg, Text, localized, t, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ConfigDetailPage() -> impl IntoView {
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .and_then(|s| s.parse::<ConfigId>().ok());
    view! { <ConfigView id/> }
}

#[island(lazy)]
fn ConfigView(id: Option<ConfigId>) -> impl IntoView {
    crate::components::frame::provide_me();
    let id = Memo::new(move |_| id);
    let delete = ServerAction::<DeleteConfig>::new();
    let unarchive = ServerAction::<UnarchiveConfig>::new();
    let revert = ServerAction::<RevertConfig>::new();
    let reveal = ServerAction::<RevealKey>::new();
    let versions = move || {
        (
            unarchive.version().get(),
            revert.version().get(),
            delete.version().get(),
        )
    };
    // Revealing the key changes the history (it is recorded), not the config: the details and
    // their dialog stay as they are (a wrong password keeps the dialog open).
    let config = Resource::new(
        move || (id.get(), versions()),
        |(id, _)| async move {
            match id {
                Some(id) => get_config(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let history = Resource::new(
        move || (id.get(), versions(), reveal.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => config_history(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let recent = Resource::new(
        move || id.get(),
        |id| async move {
            list_tasks(TaskFilter {
                config_id: id,
                ..Default::default()
            })
            .await
        },
    );
    // The key check's (admins only; see `KeyCheckCard` for why it is made here).
    let key_check = ServerAction::<CheckConfigKey>::new();
    let key_checks = Resource::new(
        move || (id.get(), key_check.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_key_checks(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let save_budget = ServerAction::<SetBudget>::new();
    let budget = Resource::new(
        move || (id.get(), save_budget.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_budget(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(DeleteOutcome::Deleted)) = delete.value().get() {
            crate::live::go("/configs");
        }
    });
    let admin = is_admin();
    let action_error = move || {
        [
            delete.value().get().and_then(Result::err),
            unarchive.value().get().and_then(Result::err),
            revert.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    };

    view! {
        <Transition fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
            {move || Suspend::new(async move {
                admin_known().await;
                match config.await {
                    Ok(c) => view! {
                        <Title text=c.fields.name.clone()/>
                        <ConfigHeader c=c.clone() admin delete unarchive/>
                        {move || action_error().map(|err| view! { <ErrorBox err/> })}
                        {move || matches!(delete.value().get(), Some(Ok(DeleteOutcome::Archived))).then(|| view! {
                            <p class="alert alert-info" role="status">{t(Msg::ConfigArchivedNote)}</p>
                        })}
                        <div class="grid-main">
                            <div>
                                <ConfigDetails c=c.clone() admin reveal/>
                                <Show when=move || c.fields.is_active && c.archived_at.is_none()>
                                    // The launch form lives on the test page (this config picked), so this
                                    // page's first visit does not carry the form's code (about 53 KB of
                                    // wasm, gzipped).
                                    <section class="card" aria-labelledby="launch-h">
                                        <h2 id="launch-h">{t(Msg::ConfigLaunchTest)}</h2>
                                        <p class="muted">{t(Msg::ConfigLaunchHint)}</p>
                                        <a href=format!("/tasks/new?config={}", c.id.0) class="btn btn-primary">{t(Msg::ConfigLaunchGo)}</a>
                                    </section>
                                </Show>
                            </div>
                            <div>
                                <AdminOnly quiet=true>
                                    <KeyCheckCard config=c.id check=key_check history=key_checks/>
                                </AdminOnly>
                                <BudgetCard config=c.id status=budget save=save_budget admin/>
                                <RecentTasks recent config=c.id/>
                                <History history current=c.version admin revert config=id.get_untracked()/>
                            </div>
                        </div>
                    }.into_any(),
                    Err(err) => {
                        let missing = id.get_untracked().map(|id| Missing {
                            what: Text::NoSuchConfig { id: id.0 },
                            links: vec![(Msg::NavConfigs, "/configs".to_owned())],
                        });
                        view! { <PageError err missing/> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn ConfigHeader(
    c: ConfigView,
    admin: impl Fn() -> bool + Copy + Send + Sync + 'static,
    delete: ServerAction<DeleteConfig>,
    unarchive: ServerAction<UnarchiveConfig>,
) -> impl IntoView {
    let id = c.id;
    let archived = c.archived_at.is_some();
    let confirm_delete = RwSignal::new(false);
    close_on_escape(move || confirm_delete.set(false));
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
            <Show when=admin>
                <div class="page-actions">
                    {if archived {
                        view! {
                            <button type="button" class="btn" on:click=move |_| { unarchive.dispatch(UnarchiveConfig { id }); }>
                                {t(Msg::ConfigUnarchive)}
                            </button>
                        }.into_any()
                    } else {
                        view! {
                            <a href=format!("/configs/{}/edit", id.0) class="btn">{t(Msg::Edit)}</a>
                            <button type="button" class="btn btn-danger" on:click=move |_| confirm_delete.set(true)>{t(Msg::Delete)}</button>
                        }.into_any()
                    }}
                </div>
            </Show>
        </div>
        <Show when=move || confirm_delete.get()>
            <div class="dialog-backdrop">
                <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="del-h" aria-describedby="del-d">
                    <h2 id="del-h">{t(Msg::Delete)}</h2>
                    <p id="del-d">{t(Msg::ConfigDeleteConfirm)}</p>
                    <div class="form-actions">
                        <button type="button" class="btn btn-danger" on:click=move |_| {
                            confirm_delete.set(false);
                            delete.dispatch(DeleteConfig { id });
                        }>{t(Msg::Confirm)}</button>
                        <button type="button" class="btn" autofocus on:click=move |_| confirm_delete.set(false)>{t(Msg::Cancel)}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}

#[component]
fn ConfigDetails(
    c: ConfigView,
    admin: impl Fn() -> bool + Copy + Send + Sync + 'static,
    reveal: ServerAction<RevealKey>,
) -> impl IntoView {
    let lang = use_i18n().lang;
    let f = c.fields.clone();
    let id = c.id;
    let yes_no = move |b: bool| {
        move || {
            if b {
                Msg::Yes.text(lang.get())
            } else {
                Msg::No.text(lang.get())
            }
        }
    };
    let asking = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let revealed = Signal::derive(move || reveal.value().get().and_then(Result::ok));
    let hidden = RwSignal::new(false);
    let reveal_error = move || reveal.value().get().and_then(Result::err);
    close_on_escape(move || asking.set(false));
    let password_input = NodeRef::<leptos::html::Input>::new();
    focus_when_shown(password_input);
    // The dialog closes when the key is there (a wrong password keeps it open, saying so), and
    // the key hides itself again after a while: it should not stay on a screen left open.
    let shown_times = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(_)) = reveal.value().get() {
            asking.set(false);
            hidden.set(false);
            let n = shown_times.get_untracked() + 1;
            shown_times.set(n);
            set_timeout(
                move || {
                    if shown_times.get_untracked() == n {
                        hidden.set(true);
                    }
                },
                KEY_SHOWN_FOR,
            );
        }
    });
    let has_key = c.key_mask.is_some();
    view! {
        <section class="card" aria-labelledby="details-h">
            <h2 id="details-h">{t(Msg::ConfigDetails)}</h2>
            <dl class="props">
                <dt>{t(Msg::FieldApiType)}</dt><dd>{t(f.api_type.label())}<span class="sub mono">{f.api_type.as_str()}</span></dd>
                <dt>{t(Msg::FieldHostDomestic)}</dt><dd class="mono">{f.host_domestic.clone()}</dd>
                <dt>{t(Msg::FieldHostOverseas)}</dt><dd class="mono">{f.host_overseas.clone()}</dd>
                <dt>{t(Msg::FieldApiKey)}</dt>
                <dd>
                    {move || match (revealed.get(), hidden.get()) {
                        (Some(key), false) => view! {
                            <code data-testid="revealed-key">{key.clone()}</code>" "
                            <CopyButton text=Signal::derive(move || key.clone())/>" "
                            <button type="button" class="btn btn-small" on:click=move |_| hidden.set(true)>{t(Msg::ConfigKeyHide)}</button>
                        }.into_any(),
                        _ => view! {
                            <code data-testid="key-mask">{c.key_mask.clone().unwrap_or_else(|| Msg::ConfigKeyNone.text(lang.get_untracked()).to_owned())}</code>
                        }.into_any(),
                    }}
                    <Show when=move || admin() && has_key && (revealed.get().is_none() || hidden.get())>
                        " "<button type="button" class="btn btn-small" on:click=move |_| { reveal.value().set(None); asking.set(true); }>{t(Msg::ConfigKeyReveal)}</button>
                    </Show>
                </dd>
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
        <Show when=move || asking.get()>
            <div class="dialog-backdrop">
                <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="reveal-h"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        reveal.dispatch(RevealKey { id, password: password.get_untracked() });
                        password.set(String::new());
                    }>
                    <h2 id="reveal-h">{t(Msg::ConfigKeyReveal)}</h2>
                    <p class="muted">{t(Msg::ConfigKeyRevealHint)}</p>
                    <div class="field">
                        <label for="reveal-password">{t(Msg::Password)}</label>
                        <input id="reveal-password" type="password" autocomplete="current-password" required
                            node_ref=password_input bind:value=password/>
                    </div>
                    {move || reveal_error().map(|err| view! { <ErrorBox err/> })}
                    <div class="form-actions" style="margin-top:1rem">
                        <button type="submit" class="btn btn-primary">{t(Msg::Confirm)}</button>
                        <button type="button" class="btn" on:click=move |_| asking.set(false)>{t(Msg::Cancel)}</button>
                    </div>
                </form>
            </div>
        </Show>
    }
}

#[component]
fn RecentTasks(recent: Resource<Result<TaskPage, AppError>>, config: ConfigId) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="recent-h">
            <h2 id="recent-h">{t(Msg::ConfigRecentTasks)}</h2>
            <Transition fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
                {move || Suspend::new(async move {
                    match recent.await {
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
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn History(
    history: Resource<Result<Vec<HistoryEntry>, AppError>>,
    current: i64,
    admin: impl Fn() -> bool + Copy + Send + Sync + 'static,
    revert: ServerAction<RevertConfig>,
    config: Option<ConfigId>,
) -> impl IntoView {
    let lang = use_i18n().lang;
    let id = move || config;
    let confirm = RwSignal::new(None::<i64>);
    close_on_escape(move || confirm.set(None));
    view! {
        <section class="card" aria-labelledby="history-h">
            <h2 id="history-h">{t(Msg::ConfigHistory)}</h2>
            <Transition fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(entries) if entries.is_empty() => view! { <p class="muted">{t(Msg::ConfigHistoryEmpty)}</p> }.into_any(),
                        Ok(entries) => view! {
                            <ol class="history" data-testid="history">
                                {entries.into_iter().map(|e| {
                                    let version = e.version;
                                    let restorable = e.restorable && version != current;
                                    view! {
                                        <li data-testid="history-entry">
                                            <span class="who">{e.actor.clone()}</span>" "
                                            {t(e.action.label())}" · "
                                            <span class="muted">"v"{e.version}" · "<Time at=e.at/></span>
                                            <Show when=move || restorable && admin()>
                                                " "<button type="button" class="btn btn-small" on:click=move |_| confirm.set(Some(version))>
                                                    {t(Msg::ConfigRestoreVersion)}
                                                </button>
                                            </Show>
                                            {(!e.changes.is_empty()).then(|| view! {
                                                <ul class="changes">
                                                    {e.changes.iter().map(|ch| {
                                                        let label = field_label(&ch.field);
                                                        let key = ch.field == "api_key";
                                                        let field = known_field(&ch.field);
                                                        let before = ch.before.clone();
                                                        let after = ch.after.clone();
                                                        view! {
                                                            <li>
                                                                {move || label.text(lang.get())}": "
                                                                {if key {
                                                                    view! { <em>{t(Msg::ConfigKeyChanged)}</em> }.into_any()
                                                                } else {
                                                                    view! {
                                                                        {before.clone().map(|b| view! { <del><ShownValue value=b field/></del>" → " })}
                                                                        <ins><ShownValue value=after.clone().unwrap_or_default() field/></ins>
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
                    }
                })}
            </Transition>
        </section>
        {move || confirm.get().map(|version| view! {
            <div class="dialog-backdrop">
                <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="rv-h">
                    <h2 id="rv-h">{t(Msg::ConfigRestoreVersion)}" v"{version}</h2>
                    <p>{t(Msg::ConfigRestoreConfirm)}</p>
                    <div class="form-actions">
                        <button type="button" class="btn btn-primary" on:click=move |_| {
                            confirm.set(None);
                            if let Some(id) = id() {
                                revert.dispatch(RevertConfig { id, version });
                            }
                        }>{t(Msg::Confirm)}</button>
                        <button type="button" class="btn" on:click=move |_| confirm.set(None)>{t(Msg::Cancel)}</button>
                    </div>
                </div>
            </div>
        })}
    }
}
