//! The launch page: the launch form with any active config to pick.

use crate::api::configs::list_configs;
use crate::api::tasks::get_task_case;
use crate::components::ErrorBox;
use crate::components::frame::{admin_known, is_admin};
use crate::components::launch::{ConfigChoice, LaunchForm};
use crate::domain::{ConfigFilter, ConfigId, TaskCase, TaskId};
use crate::i18n::{Msg, t};
use leptos::prelude::*;
use leptos_meta::Title;

/// `?config=N` picks config N; `?from=N` fills the form with task N's test case and config, to
/// change before running. Rendered on the server, which reads the configs and the case; the
/// form is an island.
#[component]
pub fn TaskNewPage() -> impl IntoView {
    let query = crate::live::query_map(&crate::live::page_query());
    let preset = query.get("config").and_then(|c| c.parse::<ConfigId>().ok());
    let from = query.get("from").and_then(|c| c.parse::<TaskId>().ok());
    let admin = is_admin();
    view! {
        <Title text=crate::i18n::title(Msg::TasksNew)/>
        <div class="page-head">
            <div>
                <h1>{t(Msg::TasksNew)}</h1>
                <p class="sub">{t(Msg::TasksBatch)}</p>
            </div>
        </div>
        <section class="card">
            <Suspense fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
                {move || Suspend::new(async move {
                    admin_known().await;
                    let admin = admin();
                    let active = ConfigFilter { active: Some(true), skip_stats: true, ..Default::default() };
                    let (configs, case) = futures::join!(list_configs(active), async {
                        match from {
                            Some(id) => get_task_case(id).await.map(Some),
                            None => Ok(None),
                        }
                    });
                    match (configs, case) {
                        (Ok(configs), Ok(again)) => {
                            let choices = configs.into_iter().map(ConfigChoice::from).collect();
                            view! { <NewTask choices preset again admin/> }.into_any()
                        }
                        (Err(err), _) | (_, Err(err)) => view! { <ErrorBox err/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The launch form over `choices`, `preset` picked, or filled with `again` (its config picked);
/// `admin`: the reader may launch past a daily budget.
#[island(lazy)]
fn NewTask(
    choices: Vec<ConfigChoice>,
    preset: Option<ConfigId>,
    again: Option<TaskCase>,
    admin: bool,
) -> impl IntoView {
    let preselect = again.as_ref().map(|c| c.config_id).or(preset);
    match again {
        None => view! { <LaunchForm choices preselect admin/> }.into_any(),
        Some(case) => view! { <LaunchForm choices preselect admin again=case/> }.into_any(),
    }
}
