//! What every handler and guard shares.

use crate::services::Core;
use app::api::Services;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

/// State shared by the handlers, guards and Leptos routes.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub core: Arc<Core>,
    /// `core` as the backend the server functions reach through the request's scope.
    pub backend: Services,
    /// Allowed `Origin`s for state-changing requests, besides the request's own host.
    pub public_origin: Option<String>,
    pub trust_proxy: bool,
    /// Lets a scraper read `/metrics` without a session.
    pub metrics_token: Option<crate::settings::MetricsToken>,
}

impl AppState {
    /// The backend the server functions call: the services' [`Core`] itself.
    pub fn services_for(core: Arc<Core>) -> Services {
        Services(core)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}
