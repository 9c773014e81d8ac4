//! The launch page: the launch form with any config to pick.

use crate::api::tasks::get_task_case;
use crate::components::ErrorBox;
use crate::components::launch::LaunchForm;
use crate::domain::{ConfigId, TaskId};
use crate::i18n::{Msg, t};
use leptos::prelude::*;
use leptos_meta::Title;

/// `?config=N` picks config N; `?from=N` fills the form with task N's test case and config, to
/// change before running.
#[component]
pub fn TaskNewPage() -> impl IntoView {
    let query = crate::live::query_map(&crate::live::page_query());
    let preset = query.get("config").and_then(|c| c.parse::<ConfigId>().ok());
    let from = query.get("from").and_then(|c| c.parse::<TaskId>().ok());
    view! {
        <Title text=crate::i18n::title(Msg::TasksNew)/>
        <div class="page-head">
            <div>
                <h1>{t(Msg::TasksNew)}</h1>
                <p class="sub">{t(Msg::TasksBatch)}</p>
            </div>
        </div>
        <section class="card">
            <NewTask preset from/>
        </section>
    }
}

/// The launch form. With `from`, the task's case is read in the browser and the form is drawn
/// filled with it (a resource read after the island hydrated: the server's copy of a resource
/// created inside a `Suspend` does not line up with the browser's in islands mode).
#[island(lazy)]
fn NewTask(preset: Option<ConfigId>, from: Option<TaskId>) -> impl IntoView {
    crate::components::frame::provide_me();
    match from {
        None => view! { <LaunchForm fixed_config=None preselect=preset/> }.into_any(),
        Some(id) => {
            let source = LocalResource::new(move || get_task_case(id));
            view! {
                {move || source.get().map(|r| match r {
                    Ok(case) => {
                        let config = Some(case.config_id);
                        view! { <LaunchForm fixed_config=None preselect=config again=case/> }.into_any()
                    }
                    Err(err) => view! { <ErrorBox err/> }.into_any(),
                })}
            }
            .into_any()
        }
    }
}
