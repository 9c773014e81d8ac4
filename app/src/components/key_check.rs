//! The key check (检测密钥) in the browser: the result in words, the config page's card (check
//! the saved key; the latest result and the history) and the form's check of typed values.

use crate::api::configs::CheckTypedKey;
use crate::components::common::{ErrorBox, Time};
use crate::domain::{ConfigId, ConfigInput, Cost, FieldErrors, KeyCheck, KeySite};
use crate::error::AppError;
use crate::i18n::{Localized, Msg, Text, t, use_i18n};
use leptos::prelude::*;

/// What the site part of a check says.
fn site_text(site: &KeySite) -> Text<'_> {
    match site {
        KeySite::Configured { host } => Text::KeySiteConfigured { host },
        KeySite::Other { refused_by, host } => Text::KeySiteOther { refused_by, host },
        KeySite::Refused {
            host,
            code,
            message,
        } => Text::KeySiteRefused {
            host,
            code: code.as_deref().unwrap_or("-"),
            message,
        },
        KeySite::Unknown { host, message } => Text::KeySiteUnknown { host, message },
    }
}

/// Balance in words: RH coins, and money when the account reports it.
fn balance(c: &KeyCheck) -> Option<Vec<Cost>> {
    let a = c.account.as_ref()?;
    let mut parts = Vec::new();
    if let Some(coins) = &a.coins {
        parts.push(Cost::Coins(coins.clone()));
    }
    if let Some(money) = &a.money {
        parts.push(Cost::Money(match a.currency.as_deref() {
            None | Some("CNY") => money.clone(),
            Some(other) => format!("{money} {other}"),
        }));
    }
    Some(parts)
}

fn or_dash(n: Option<i64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "–".into())
}

/// What a check comes to, in a few words.
fn verdict(c: &KeyCheck) -> Msg {
    match &c.site {
        _ if c.tier_refused => Msg::KeyLineTier,
        KeySite::Configured { .. } if c.models.as_ref().is_some_and(|m| !m.listed) => {
            Msg::KeyCheckModelMissing
        }
        KeySite::Configured { .. } => Msg::KeyCheckOk,
        KeySite::Other { .. } => Msg::KeyLineOtherSite,
        KeySite::Refused { .. } => Msg::KeyLineRefused,
        KeySite::Unknown { .. } => Msg::KeyLineUnknown,
    }
}

/// A check in one line, for the config list: verdict · balance · concurrency · when.
pub fn key_line(c: &KeyCheck, lang: crate::i18n::Lang) -> String {
    let mut parts = vec![verdict(c).text(lang).to_owned()];
    if let Some(b) = balance(c).filter(|b| !b.is_empty()) {
        parts.extend(b.iter().map(|p| p.render(lang)));
    }
    if let Some(q) = &c.queue {
        parts.push(format!(
            "{} {}/{}",
            Msg::KeyLineCapacity.text(lang),
            or_dash(q.running),
            or_dash(q.limit)
        ));
    }
    parts.push(format!(
        "{} {}",
        Msg::KeyLineChecked.text(lang),
        c.checked_at.format()
    ));
    parts.join(" · ")
}

/// One check's result, in words.
#[component]
pub fn KeyCheckResult(check: KeyCheck) -> impl IntoView {
    let lang = use_i18n().lang;
    let c = StoredValue::new(check);
    let ok = c.with_value(KeyCheck::ok);
    let proposal = c.with_value(|c| matches!(c.site, KeySite::Other { .. }));
    view! {
        <div class="key-check" data-testid="key-check" data-ok=ok.to_string()>
            <p class=if ok { "alert alert-ok" } else { "alert alert-warn" } data-testid="key-check-verdict">
                <strong>{t(c.with_value(verdict))}</strong>
                " · "{move || c.with_value(|c| site_text(&c.site).render(lang.get()))}
            </p>
            {c.with_value(|c| c.tier_refused).then(|| view! {
                <p class="alert alert-error" data-testid="key-tier">{t(Msg::KeyTierRefused)}</p>
            })}
            <dl class="props">
                <dt>{t(Msg::KeySite)}</dt>
                <dd data-testid="key-site" data-site=c.with_value(|c| match &c.site {
                    KeySite::Configured { .. } => "configured",
                    KeySite::Other { .. } => "other",
                    KeySite::Refused { .. } => "refused",
                    KeySite::Unknown { .. } => "unknown",
                }) class:mono=!proposal>{c.with_value(|c| match &c.site {
                    KeySite::Configured { host } | KeySite::Other { host, .. }
                    | KeySite::Refused { host, .. } | KeySite::Unknown { host, .. } => host.clone(),
                })}</dd>
                {c.with_value(balance).map(|parts| view! {
                    <dt>{t(Msg::KeyBalance)}</dt>
                    <dd data-testid="key-balance">{move || parts.iter().map(|p| p.render(lang.get())).collect::<Vec<_>>().join(" · ")}</dd>
                })}
                {c.with_value(|c| c.account.as_ref().map(|a| (a.running, a.key_type.clone()))).map(|(running, kind)| view! {
                    <dt>{t(Msg::KeyAccountRunning)}</dt><dd>{or_dash(running)}</dd>
                    <dt>{t(Msg::KeyType)}</dt><dd class="mono">{kind.unwrap_or_else(|| "–".into())}</dd>
                })}
                {c.with_value(|c| c.account.is_some()).then(|| match c.with_value(|c| c.queue.clone()) {
                    Some(q) => view! {
                        <dt>{t(Msg::KeyCapacity)}</dt>
                        <dd data-testid="key-capacity">{format!("{} / {}", or_dash(q.running), or_dash(q.limit))}</dd>
                        <dt>{t(Msg::KeyQueued)}</dt><dd>{or_dash(q.queued)}</dd>
                    }.into_any(),
                    None => view! {
                        <dt>{t(Msg::KeyCapacity)}</dt><dd class="muted">{t(Msg::KeyCapacityUnknown)}</dd>
                    }.into_any(),
                })}
                {c.with_value(|c| c.models.clone()).map(|m| view! {
                    <dt>{t(Msg::KeyModels)}</dt>
                    <dd data-testid="key-models" data-listed=m.listed.to_string()>{move || {
                        let text = if m.listed {
                            Text::KeyModelListed { model: &m.model, count: m.count }
                        } else {
                            Text::KeyModelMissing { model: &m.model, count: m.count }
                        };
                        text.render(lang.get())
                    }}</dd>
                })}
                <dt>{t(Msg::KeyCheckedAt)}</dt><dd><Time at=c.with_value(|c| c.checked_at)/></dd>
            </dl>
        </div>
    }
}

/// The config page's key check (admins only): a button (an island), the latest result and the
/// kept history, in an element the button renders again after a check.
#[component]
pub fn KeyCheckCard(config: ConfigId, history: Result<Vec<KeyCheck>, AppError>) -> impl IntoView {
    use crate::islands::config::{KEY_CHECKS_ID, KeyCheckButton};
    view! {
        <section class="card" aria-labelledby="key-check-h">
            <div class="card-head">
                <h2 id="key-check-h">{t(Msg::KeyCheckTitle)}</h2>
                <KeyCheckButton id=config/>
            </div>
            <div id=KEY_CHECKS_ID>
                {match history {
                    Ok(list) if list.is_empty() => view! { <p class="muted">{t(Msg::KeyCheckNever)}</p> }.into_any(),
                    Ok(list) => {
                        let mut list = list.into_iter();
                        let latest = list.next();
                        let older: Vec<KeyCheck> = list.collect();
                        view! {
                            {latest.map(|check| view! { <KeyCheckResult check/> })}
                            {(!older.is_empty()).then(|| view! { <KeyCheckHistory older/> })}
                        }.into_any()
                    }
                    Err(err) => view! { <ErrorBox err/> }.into_any(),
                }}
            </div>
        </section>
    }
}

/// The earlier checks, one line each.
#[component]
fn KeyCheckHistory(older: Vec<KeyCheck>) -> impl IntoView {
    let lang = use_i18n().lang;
    view! {
        <details class="key-history">
            <summary>{t(Msg::KeyCheckHistory)}</summary>
            <ul data-testid="key-check-history">
                {older.into_iter().map(|c| {
                    let c = StoredValue::new(c);
                    view! {
                        <li>
                            <Time at=c.with_value(|c| c.checked_at)/>" · "
                            <span class=if c.with_value(KeyCheck::ok) { "ok" } else { "warn" }>
                                {t(c.with_value(verdict))}
                            </span>
                            {move || c.with_value(|c| balance(c).map(|parts| {
                                let words: Vec<String> = parts.iter().map(|p| p.render(lang.get())).collect();
                                format!(" · {}", words.join(" · "))
                            }))}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}

/// A check's result, in its own wasm chunk loaded when the form's first check answers: the
/// form's first visit does not carry it.
#[lazy]
fn key_check_result(check: KeyCheck) -> AnyView {
    view! { <KeyCheckResult check/> }.into_any()
}

/// The form's check of typed values (nothing is saved). `id`: the config being edited, whose
/// stored key a blank key field stands for. A refusal of the typed values goes to
/// `field_errors`, which the form shows beside each field.
#[component]
pub fn TypedKeyCheck(
    input: impl Fn() -> ConfigInput + Send + Sync + 'static,
    id: Option<ConfigId>,
    field_errors: RwSignal<Option<FieldErrors>>,
) -> impl IntoView {
    let check = ServerAction::<CheckTypedKey>::new();
    Effect::new(move |_| {
        if let Some(Err(AppError::Invalid(fe))) = check.value().get() {
            field_errors.set(Some(fe));
        }
    });
    view! {
        <div class="typed-key-check">
            <button type="button" class="btn" data-testid="key-check-typed" disabled=move || check.pending().get()
                on:click=move |_| {
                    field_errors.set(None);
                    check.dispatch(CheckTypedKey { input: untrack(&input), id });
                }>
                {move || if check.pending().get() { t(Msg::KeyChecking)() } else { t(Msg::KeyCheck)() }}
            </button>
            <p class="hint">{t(Msg::KeyCheckHint)}</p>
            <Show when=move || matches!(check.value().get(), Some(Ok(_)))>
                {move || Suspend::new(async move {
                    match check.value().get() {
                        Some(Ok(c)) => key_check_result(c).await,
                        _ => ().into_any(),
                    }
                })}
            </Show>
            {move || match check.value().get() {
                Some(Err(err)) if !matches!(err, AppError::Invalid(_)) => Some(view! { <ErrorBox err/> }),
                _ => None,
            }}
        </div>
    }
}
