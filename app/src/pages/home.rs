//! The overview: today's tasks by status, success rate and median duration per config, tasks
//! in flight.

use crate::api::tasks::get_overview;
use crate::components::budget::SpendChartView;
use crate::components::{PageError, StatusBadge, Time};
use crate::domain::*;
use crate::i18n::{Localized, Msg, t, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;

/// Admins only: what the kept images use and how long they stay.
#[component]
fn StorageStat(s: StorageUsage) -> impl IntoView {
    let lang = use_i18n().lang;
    let size = format_bytes(s.bytes);
    let rule = move || {
        let l = lang.get();
        let mut parts = vec![crate::i18n::Text::KeptImages { files: s.files }.render(l)];
        if s.keep_days > 0 {
            parts.push(crate::i18n::Text::KeepDays { days: s.keep_days }.render(l));
        }
        if let Some(cap) = s.keep_bytes {
            let size = format_bytes(cap);
            parts.push(crate::i18n::Text::KeepCap { size: &size }.render(l));
        }
        if s.keep_days == 0 && s.keep_bytes.is_none() {
            parts.push(Msg::HomeKeepForever.text(l).to_owned());
        }
        parts.join(match l {
            crate::i18n::Lang::Zh => "；",
            crate::i18n::Lang::En => "; ",
        })
    };
    view! {
        <div class="stat" data-testid="storage">
            <div class="stat-label">{t(Msg::HomeStorage)}</div>
            <div class="stat-value">{size}</div>
            <div class="hint">{rule}</div>
        </div>
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::title(Msg::HomeTitle)/>
        <Overview/>
        <crate::islands::refresh::AutoRefresh target="overview".to_owned() every_ms=5000/>
    }
}

/// The overview, rendered on the server and again every 5 s (`AutoRefresh`).
#[component]
fn Overview() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_overview());
    let lang = use_i18n().lang;
    view! {
        <div class="page-head">
            <div>
                <h1>{t(Msg::HomeTitle)}</h1>
                <p class="sub">{t(Msg::AppTagline)}</p>
            </div>
            <div class="page-actions">
                <a href="/tasks/new" class="btn btn-primary">"+ "{t(Msg::TasksNew)}</a>
                <a href="/configs" class="btn">{t(Msg::NavConfigs)}</a>
            </div>
        </div>
        <div id="overview">
        <Suspense fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(o) => {
                        let total: i64 = o.by_status.iter().map(|(_, n)| n).sum();
                        let succeeded: i64 = o.by_status.iter().filter(|(s, _)| *s == TaskStatus::Succeeded).map(|(_, n)| n).sum();
                        // A cancelled task is a person's choice: neither a success nor a failure.
                        let finished: i64 = o.by_status.iter().filter(|(s, _)| s.is_terminal() && *s != TaskStatus::Cancelled).map(|(_, n)| n).sum();
                        let rate = percent(succeeded, finished);
                        view! {
                            <div class="stats">
                                <div class="stat"><div class="stat-label">{t(Msg::HomeToday)}</div><div class="stat-value" data-testid="today-total">{total}</div></div>
                                <div class="stat"><div class="stat-label">{t(Msg::HomeInFlight)}</div><div class="stat-value" data-testid="in-flight">{o.in_flight}</div></div>
                                <div class="stat"><div class="stat-label">{t(Msg::HomeSuccessRate)}</div><div class="stat-value">{rate}</div></div>
                                {o.storage.clone().map(|s| view! { <StorageStat s=s/> })}
                            </div>
                            <div class="grid-2">
                                <section class="card" aria-labelledby="by-status-h">
                                    <h2 id="by-status-h">{t(Msg::HomeToday)}</h2>
                                    {if o.by_status.is_empty() {
                                        view! { <p class="muted">{t(Msg::HomeNoTasks)}</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="history">
                                                {o.by_status.clone().into_iter().map(|(s, n)| {
                                                    let href = format!("/tasks?status={}", s.as_str());
                                                    view! { <li><a href=href><StatusBadge status=s/></a>" "<strong>{n}</strong></li> }
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </section>
                                <section class="card" aria-labelledby="per-config-h">
                                    <h2 id="per-config-h">{t(Msg::HomePerConfig)}</h2>
                                    {if o.per_config.is_empty() {
                                        view! { <p class="muted">{t(Msg::HomeNoTasks)}</p> }.into_any()
                                    } else {
                                        view! {
                                            <div class="scroll-x">
                                            <table class="table" aria-label=move || Msg::HomePerConfig.text(lang.get())>
                                                <thead><tr>
                                                    <th scope="col">{t(Msg::TaskConfig)}</th>
                                                    <th scope="col" class="num">{t(Msg::HomeToday)}</th>
                                                    <th scope="col" class="num">{t(Msg::HomeSuccessRate)}</th>
                                                    <th scope="col" class="num">{t(Msg::HomeMedian)}</th>
                                                </tr></thead>
                                                <tbody>
                                                    {o.per_config.clone().into_iter().map(|c| view! {
                                                        <tr>
                                                            <th scope="row"><a href=format!("/configs/{}", c.config_id.0)>{c.config_name.clone()}</a></th>
                                                            <td class="num">{c.total}</td>
                                                            <td class="num">{percent(c.succeeded, c.finished)}</td>
                                                            <td class="num">{let median = c.median_ms.map(DurationMs); move || median.map(|d| d.render(lang.get())).unwrap_or_else(|| "—".into())}</td>
                                                        </tr>
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                            </div>
                                        }.into_any()
                                    }}
                                </section>
                            </div>
                            <section class="card" aria-labelledby="spend-h">
                                <h2 id="spend-h">{t(Msg::SpendTitle)}</h2>
                                <SpendChartView chart=o.spend.clone()/>
                            </section>
                            <section class="card" aria-labelledby="failures-h" data-testid="recent-failures">
                                <h2 id="failures-h">{t(Msg::HomeRecentFailures)}</h2>
                                {if o.recent_failures.is_empty() {
                                    view! { <p class="muted">{t(Msg::HomeNoFailures)}</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="history">
                                            {o.recent_failures.clone().into_iter().map(|f| view! {
                                                <li>
                                                    <a href=format!("/tasks/{}", f.id.0)>"#"{f.id.0}</a>" "
                                                    <StatusBadge status=f.status/>" "
                                                    {f.error_code.clone().map(|c| view! { <code>{c}</code>" " })}
                                                    <strong>{f.config_name.clone()}</strong>" "
                                                    <span class="muted"><Time at=f.created_at/></span>
                                                    <div class="prompt-cell muted">{f.prompt.clone()}</div>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                        <p><a href="/tasks?status=failed">{t(Msg::HomeAllFailures)}" →"</a></p>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                    Err(err) => view! { <PageError err/> }.into_any(),
                }
            })}
        </Suspense>
        </div>
    }
}
