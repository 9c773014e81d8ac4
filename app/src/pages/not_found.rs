//! The page for unknown addresses.

use crate::i18n::{Msg, t};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::api::request::set_page_status(http::StatusCode::NOT_FOUND);
    view! {
        <Title text=crate::i18n::title(Msg::NotFoundTitle)/>
        <section class="empty-state">
            <h1>{t(Msg::NotFoundTitle)}</h1>
            <p>{t(Msg::NotFoundBody)}</p>
            <a href="/" class="btn">{t(Msg::NavHome)}</a>
        </section>
    }
}
