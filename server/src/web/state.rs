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
    /// Provider callbacks per client address (see `routes::callback`).
    pub callback_limiter: Arc<governor::DefaultKeyedRateLimiter<std::net::IpAddr>>,
}

/// Callbacks one address may send: 200 a second, in bursts of 1,000 (2,000 tasks ending
/// together are 2,000 callbacks from a few provider addresses; past it, polling still finds
/// the ends).
pub fn callback_limiter() -> Arc<governor::DefaultKeyedRateLimiter<std::net::IpAddr>> {
    let quota = governor::Quota::per_second(std::num::NonZeroU32::new(200).expect("non-zero"))
        .allow_burst(std::num::NonZeroU32::new(1000).expect("non-zero"));
    Arc::new(governor::RateLimiter::keyed(quota))
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
