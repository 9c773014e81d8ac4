//! The launch page: the launch form with any config to pick.

use crate::api::tasks::get_task_case;
use crate::components::ErrorBox;
use crate::components::launch::LaunchForm;
use crate::domain::{ConfigId, TaskId};
use crate::i18n::{Msg, t};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn TaskNewPage() -> impl IntoView {
    let query = use_query_map();
    let preset = query
        .read_untracked()
        .get("config")
        .and_then(|c| c.parse::<ConfigId>().ok());
    // `?from=N`: the form filled with task N's test case and config, to change before running.
    let from = query
        .read_untracked()
        .get("from")
        .and_then(|c| c.parse::<TaskId>().ok());
    let source = from.map(|id| Resource::new(move || id, get_task_case));
    view! {
        <Title text=crate::i18n::title(Msg::TasksNew)/>
        <div class="page-head">
            <div>
                <h1>{t(Msg::TasksNew)}</h1>
                <p class="sub">{t(Msg::TasksBatch)}</p>
            </div>
        </div>
        <section class="card">
            {match source {
                None => view! { <LaunchForm fixed_config=None preselect=preset/> }.into_any(),
                Some(source) => view! {
                    <Transition fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
                        {move || Suspend::new(async move {
                            match source.await {
                                Ok(case) => view! {
                                    <LaunchForm fixed_config=None preselect=Some(case.config_id) again=case/>
                                }.into_any(),
                                Err(err) => view! { <ErrorBox err/> }.into_any(),
                            }
                        })}
                    </Transition>
                }.into_any(),
            }}
        </section>
    }
}
