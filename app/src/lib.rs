//! RH Console's shared half: domain types, the translation table, the server functions (`api`,
//! one module per area), pages and components. Server-only code sits behind the `ssr` feature.

#![recursion_limit = "512"]

pub mod api;
pub mod chunk_batch;
pub mod components;
pub mod domain;
pub mod error;
pub mod hydration;
pub mod i18n;
pub mod islands;
pub mod live;
pub mod pages;
pub mod prefs;

use crate::components::frame::Frame;
use crate::i18n::{I18n, Msg};
use crate::pages::*;
use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// The HTML document around the app. Rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let prefs = prefs::Prefs::from_request();
    // The server sends the page's Content-Security-Policy for this nonce (see
    // `content_security_policy`): the policy cannot get lost on the way through Leptos.
    #[cfg(feature = "ssr")]
    api::request::record_page_nonce();
    view! {
        <!DOCTYPE html>
        <html lang=prefs.lang.html_lang() data-theme=prefs.theme.attr()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <link rel="stylesheet" href="/pkg/rhconsole.css"/>
                <hydration::IslandScripts options lang=prefs.lang/>
                <chunk_batch::ChunkBatching/>
                <leptos_meta::MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let prefs = prefs::Prefs::current();
    provide_context(I18n {
        lang: RwSignal::new(prefs.lang),
    });
    provide_context(prefs::ThemeSignal(RwSignal::new(prefs.theme)));
    // The title formatter runs on the server after the page rendered: take the name now there.
    #[cfg(feature = "ssr")]
    let title = {
        let name = crate::i18n::t_now(Msg::AppName);
        move || name
    };
    #[cfg(not(feature = "ssr"))]
    let title = crate::i18n::t(Msg::AppName);

    // Every page's title goes through this one formatter (no page sets its own).
    let page_title = move |page: String| {
        let text = if page.is_empty() {
            title().to_owned()
        } else {
            format!("{page} · {}", title())
        };
        // leptos_meta 0.8 writes the server's <title> as it is, unescaped: a config name such
        // as `</title><meta http-equiv=refresh …>` must stay text. In the browser the title is
        // set as text already.
        #[cfg(feature = "ssr")]
        let text = html_escape::encode_text(&text).into_owned();
        text
    };

    view! {
        <Title formatter=page_title/>
        <Router>
            <Frame>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/configs") view=ConfigsPage ssr=SsrMode::Async/>
                    <Route path=path!("/configs/new") view=ConfigNewPage ssr=SsrMode::Async/>
                    <Route path=path!("/configs/:id") view=ConfigDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/configs/:id/edit") view=ConfigEditPage ssr=SsrMode::Async/>
                    <Route path=path!("/tasks") view=TasksPage ssr=SsrMode::Async/>
                    <Route path=path!("/tasks/new") view=TaskNewPage ssr=SsrMode::Async/>
                    <Route path=path!("/tasks/:id") view=TaskPage ssr=SsrMode::Async/>
                    <Route path=path!("/users") view=UsersPage ssr=SsrMode::Async/>
                </Routes>
            </Frame>
        </Router>
    }
}

/// The page's Content-Security-Policy: scripts only from here or carrying this response's nonce
/// (the hydration script), wasm allowed, nothing may frame the console.
#[cfg(feature = "ssr")]
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob: https: http:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}
