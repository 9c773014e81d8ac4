//! The server functions, one module per area (auth, users, configs, tasks). Each module holds
//! the area's `#[server]` functions and, on the server only, the area's slice of the backend: a
//! trait that `server/src/services/<area>.rs` implements. A server function authenticates (who
//! is calling), checks the shape of its input, and calls one method; the service decides who
//! may do what, through [`crate::domain::Actor`]. Pages and components import these modules,
//! never each other.

pub mod auth;
pub mod codec;
pub mod configs;
pub mod tasks;
pub mod users;

#[cfg(feature = "ssr")]
mod context;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub use context::*;
