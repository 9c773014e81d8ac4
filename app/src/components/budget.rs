//! A config's daily test budget in the browser: the config page's card (today's spend against
//! the budget for everyone; setting and removing it for admins) and the overview's spend chart.

use crate::components::common::ErrorBox;
use crate::domain::{BudgetStatus, ConfigId, Cost, SpendChart, yuan_of_milli};
use crate::error::AppError;
use crate::i18n::{Localized, Msg, t, use_i18n};
use leptos::prelude::*;

fn yuan(s: &str, lang: crate::i18n::Lang) -> String {
    Cost::Money(s.to_owned()).render(lang)
}

/// The card: budget, spent today, in flight (in an element the admin's form renders again after
/// a save); an admin's form (an island).
#[component]
pub fn BudgetCard(
    config: ConfigId,
    status: Result<BudgetStatus, AppError>,
    admin: bool,
) -> impl IntoView {
    use crate::islands::config::{BUDGET_ID, BudgetForm};
    let lang = use_i18n().lang.get_untracked();
    view! {
        <section class="card" aria-labelledby="budget-h" data-testid="budget-card">
            <h2 id="budget-h">{t(Msg::BudgetTitle)}</h2>
            <div id=BUDGET_ID>
                {match status {
                    Ok(b) => {
                        let used = |s: &str| s.parse::<f64>().unwrap_or(0.0);
                        let share = b.daily.as_deref().map(|d| {
                            let d = used(d).max(0.01);
                            ((used(&b.spent) + used(&b.pending)) / d * 100.0).min(100.0)
                        });
                        let over = share.is_some_and(|s| s >= 100.0);
                        view! {
                            <dl class="props">
                                <dt>{t(Msg::BudgetDaily)}</dt>
                                <dd data-testid="budget-daily">{b.daily.as_deref().map(|d| yuan(d, lang)).unwrap_or_else(|| Msg::BudgetNone.text(lang).to_owned())}</dd>
                                <dt>{t(Msg::BudgetSpent)}</dt>
                                <dd data-testid="budget-spent">{yuan(&b.spent, lang)}</dd>
                                <dt>{t(Msg::BudgetPending)}</dt>
                                <dd>{yuan(&b.pending, lang)}</dd>
                            </dl>
                            {share.map(|s| view! {
                                <div class="meter" class:over=over role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{s:.0}")
                                    aria-label=Msg::BudgetSpent.text(lang)>
                                    <span style=format!("width: {s:.1}%")></span>
                                </div>
                            })}
                        }.into_any()
                    }
                    Err(err) => view! { <ErrorBox err/> }.into_any(),
                }}
            </div>
            <p class="hint">{t(Msg::BudgetHint)}</p>
            {admin.then(|| view! { <BudgetForm id=config/> })}
        </section>
    }
}

/// Under an error: when it is a refusal for a daily budget, an admin may run it anyway
/// (`run_anyway`, audited); anyone else is told an admin can. Nothing for other errors.
#[component]
pub fn OverBudgetChoice(
    err: AppError,
    /// Whether the reader is an admin (the server says, in the island's props).
    admin: bool,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] run_anyway: Callback<()>,
) -> impl IntoView {
    matches!(err, AppError::OverBudget(_)).then(|| {
        if admin {
            view! {
                <p class="form-actions">
                    <button type="button" class="btn btn-danger" data-testid="launch-over-budget"
                        disabled=move || pending.get()
                        on:click=move |_| run_anyway.run(())>{t(Msg::BudgetOverride)}</button>
                    <span class="muted">{t(Msg::BudgetOverrideNote)}</span>
                </p>
            }
            .into_any()
        } else {
            view! { <p class="muted">{t(Msg::BudgetAskAdmin)}</p> }.into_any()
        }
    })
}

/// Spend per config per day as stacked bars (one colour per config), the last day today.
#[component]
pub fn SpendChartView(chart: SpendChart) -> impl IntoView {
    let lang = use_i18n().lang;
    const W: f64 = 600.0;
    const H: f64 = 120.0;
    let day_max = chart.day_max();
    let max = day_max.max(1) as f64;
    let n = chart.days.len().max(1) as f64;
    let bar = W / n;
    let total: i64 = chart.series.iter().flat_map(|s| s.milli_cny.iter()).sum();
    let mut bars = Vec::new();
    for (d, day) in chart.days.iter().enumerate() {
        let mut y = H;
        for (k, s) in chart.series.iter().enumerate() {
            let v = s.milli_cny.get(d).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let h = (v as f64 / max * (H - 4.0)).max(1.0);
            y -= h;
            bars.push(view! {
                <rect x=format!("{:.1}", d as f64 * bar + 1.0) y=format!("{y:.1}") width=format!("{:.1}", (bar - 2.0).max(1.0)) height=format!("{h:.1}")
                    class=format!("series-{}", k % 6)>
                    <title>{format!("{day} · {} · ¥{}", s.name, yuan_of_milli(v))}</title>
                </rect>
            });
        }
    }
    let first = chart.days.first().cloned().unwrap_or_default();
    let last = chart.days.last().cloned().unwrap_or_default();
    view! {
        <div class="spend-chart" data-testid="spend-chart">
            {if chart.series.is_empty() {
                view! { <p class="muted">{t(Msg::SpendNone)}</p> }.into_any()
            } else {
                view! {
                    <svg viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img"
                        aria-label=move || format!("{} ¥{}", Msg::SpendTitle.text(lang.get()), yuan_of_milli(total))>
                        {bars}
                    </svg>
                    <div class="spend-axis"><span>{first}</span><span>{last}</span></div>
                    <p class="muted" data-testid="spend-total">
                        {t(Msg::SpendTotal)}" ¥"{yuan_of_milli(total)}" · "{t(Msg::SpendDayMax)}" ¥"{yuan_of_milli(day_max)}
                    </p>
                    <ul class="spend-legend">
                        {chart.series.iter().enumerate().map(|(k, s)| {
                            let sum: i64 = s.milli_cny.iter().sum();
                            view! {
                                <li><span class=format!("swatch series-{}", k % 6)></span>{s.name.clone()}" · ¥"{yuan_of_milli(sum)}</li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}
