//! The HTTP surface: Leptos pages and server functions, files, health and metrics, wrapped in
//! the layers every request goes through (request id, tracing, security headers, origin check,
//! body limits, sessions, sign-in redirect).

mod chunk_batch;
mod guard;
mod headers;
mod launch_form;
mod owner;
mod routes;
mod scope;
pub mod state;
mod words;

pub use guard::client_ip_layer;
pub use routes::router;
pub use state::AppState;
