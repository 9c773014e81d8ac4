//! The launch page: the launch form with any config to pick.

use crate::components::launch::LaunchForm;
use crate::domain::ConfigId;
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
    view! {
        <Title text=crate::i18n::title(Msg::TasksNew)/>
        <div class="page-head">
            <div>
                <h1>{t(Msg::TasksNew)}</h1>
                <p class="sub">{t(Msg::TasksBatch)}</p>
            </div>
        </div>
        <section class="card">
            <LaunchForm fixed_config=None preselect=preset/>
        </section>
    }
}
