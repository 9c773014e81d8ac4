//! The configuration list: search, filter, sort, switch on/off inline, last test and success rate.

use crate::api::configs::list_configs;
use crate::components::frame::{admin_known, is_admin};
use crate::components::key_check::key_line;
use crate::components::{FilterForm, PageError, StatusBadge, Time};
use crate::domain::*;
use crate::i18n::{Msg, localized, t, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use strum::VariantArray;

fn filter_from_query(q: &leptos_router::params::ParamsMap) -> ConfigFilter {
    ConfigFilter {
        q: q.get("q").unwrap_or_default(),
        api_type: q.get("type").and_then(|t| t.parse().ok()),
        active: match q.get("active").as_deref() {
            Some("on") => Some(true),
            Some("off") => Some(false),
            _ => None,
        },
        archived: q.get("archived").is_some_and(|v| v == "1" || v == "on"),
        sort: ConfigSort::parse(&q.get("sort").unwrap_or_default()),
        skip_stats: false,
    }
}

/// Rendered on the server; only the filter bar and each row's on/off switch are islands.
#[component]
pub fn ConfigsPage() -> impl IntoView {
    let query = crate::live::query_map(&crate::live::page_query());
    let filter = Memo::new(move |_| filter_from_query(&query));
    let list = Resource::new(move || filter.get(), list_configs);
    let lang = use_i18n().lang;
    let admin = is_admin();

    view! {
        <Title text=crate::i18n::title(Msg::ConfigsTitle)/>
        <div class="page-head">
            <div>
                <h1>{t(Msg::ConfigsTitle)}</h1>
            </div>
            <div class="page-actions">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        admin_known().await;
                        admin().then(|| view! {
                            <a href="/configs/new" class="btn btn-primary">"+ "{t(Msg::ConfigsNew)}</a>
                        })
                    })}
                </Transition>
            </div>
        </div>
        <FilterForm>
            <div class="field grow">
                <label for="q">{t(Msg::Search)}</label>
                <input id="q" name="q" type="search" placeholder=move || Msg::ConfigsSearch.text(lang.get())
                    prop:value=move || filter.get().q/>
            </div>
            <div class="field">
                <label for="type">{t(Msg::FieldApiType)}</label>
                <select id="type" name="type">
                    <option value="">{t(Msg::All)}</option>
                    {ApiType::VARIANTS.iter().copied().map(|a| view! {
                        <option value=a.as_str() selected=move || filter.get().api_type == Some(a)>{t(a.label())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="active">{t(Msg::FieldIsActive)}</label>
                <select id="active" name="active">
                    <option value="">{t(Msg::All)}</option>
                    <option value="on" selected=move || filter.get().active == Some(true)>{t(Msg::ConfigsActiveOn)}</option>
                    <option value="off" selected=move || filter.get().active == Some(false)>{t(Msg::ConfigsActiveOff)}</option>
                </select>
            </div>
            <div class="field">
                <label for="sort">{t(Msg::ConfigsSort)}</label>
                <select id="sort" name="sort">
                    <option value="name" selected=move || filter.get().sort == ConfigSort::Name>{t(Msg::SortName)}</option>
                    <option value="updated" selected=move || filter.get().sort == ConfigSort::Updated>{t(Msg::SortUpdated)}</option>
                    <option value="last_test" selected=move || filter.get().sort == ConfigSort::LastTest>{t(Msg::SortLastTest)}</option>
                </select>
            </div>
            <label class="check">
                <input type="checkbox" name="archived" value="1" checked=filter.get_untracked().archived prop:checked=move || filter.get().archived/>
                <span>{t(Msg::ConfigsShowArchived)}</span>
            </label>
            <button type="submit" class="btn">{t(Msg::Filter)}</button>
        </FilterForm>
        <Suspense fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
            {move || Suspend::new(async move {
                admin_known().await;
                match list.await {
                    Ok(items) if items.is_empty() => {
                        let f = filter.get_untracked();
                        let filtered = !f.q.is_empty() || f.api_type.is_some() || f.active.is_some() || f.archived;
                        view! {
                            <div class="card empty-state">
                                <p>{t(if filtered { Msg::ConfigsNoMatch } else { Msg::ConfigsEmpty })}</p>
                                <Show when=admin>
                                    <a href="/configs/new" class="btn btn-primary">{t(Msg::ConfigsNew)}</a>
                                </Show>
                            </div>
                        }.into_any()
                    }
                    Ok(items) => view! {
                        <div class="table-wrap">
                            <table class="table" aria-label=move || Msg::ConfigsTitle.text(lang.get())>
                                <thead><tr>
                                    <th scope="col">{t(Msg::FieldName)}</th>
                                    <th scope="col">{t(Msg::FieldApiType)}</th>
                                    <th scope="col" class="hide-sm">{t(Msg::FieldHostDomestic)}" / "{t(Msg::FieldHostOverseas)}</th>
                                    <th scope="col">{t(Msg::FieldIsActive)}</th>
                                    <th scope="col">{t(Msg::ConfigsLastTest)}</th>
                                    <th scope="col" class="num hide-sm">{t(Msg::ConfigsRate24h)}</th>
                                </tr></thead>
                                <tbody>
                                    {items.into_iter().map(|item| view! { <ConfigRow item admin/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(err) => view! { <PageError err/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ConfigRow(
    item: ConfigListItem,
    admin: impl Fn() -> bool + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_i18n().lang;
    let c = item.config;
    let id = c.id;
    let name = c.fields.name.clone();
    let archived = c.archived_at.is_some();
    let rate = (item.finished_24h > 0).then(|| {
        format!(
            "{} ({}/{})",
            percent(item.succeeded_24h, item.finished_24h),
            item.succeeded_24h,
            item.finished_24h
        )
    });
    let l = lang.get_untracked();
    let words = crate::islands::configs::SwitchWords {
        label: format!("{} {}", Msg::ConfigsToggleActive.text(l), name),
        on: Msg::ConfigsActiveOn.text(l).to_owned(),
        off: Msg::ConfigsActiveOff.text(l).to_owned(),
        saving: Msg::Saving.text(l).to_owned(),
    };
    let on = c.fields.is_active;
    view! {
        <tr class:row-disabled=c.archived_at.is_some()>
            <th scope="row">
                <a href=format!("/configs/{}", id.0)>{name.clone()}</a>
                <span class="sub">{c.fields.model_name.clone()}{c.archived_at.map(|_| view! { " · " <span class="tag">{t(Msg::ConfigsArchived)}</span> })}</span>
                {item.last_check.map(|check| {
                    let ok = check.ok();
                    view! {
                        <span class="sub key-line" class:warn=!ok data-testid="key-line" data-ok=ok.to_string()>
                            {move || key_line(&check, lang.get())}
                        </span>
                    }
                })}
            </th>
            <td>{t(c.fields.api_type.label())}<span class="sub mono">{c.fields.api_type.as_str()}</span></td>
            <td class="hide-sm">
                <span class="mono">{c.fields.host_domestic.clone()}</span>
                <span class="sub mono">{c.fields.host_overseas.clone()}</span>
            </td>
            <td>
                // An archived config runs nothing: no on/off for it, only that it is archived.
                {if archived {
                    view! { <span class="tag">{t(Msg::ConfigsArchived)}</span> }.into_any()
                } else {
                    view! { <crate::islands::configs::ActiveSwitch id on disabled=!admin() words/> }.into_any()
                }}
            </td>
            <td>
                {match item.last_test {
                    Some(last) => view! {
                        <a href=format!("/tasks/{}", last.task_id.0)><StatusBadge status=last.status/></a>
                        <span class="sub"><Time at=last.at/>{last.duration_ms.map(|d| view! { " · "{localized(DurationMs(d))} })}</span>
                    }.into_any(),
                    None => view! { <span class="muted">{t(Msg::Never)}</span> }.into_any(),
                }}
            </td>
            <td class="num hide-sm">{rate.unwrap_or_else(|| "—".to_owned())}</td>
        </tr>
    }
}
