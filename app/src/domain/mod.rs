//! Domain types shared by the server and the browser: ids, validated values and closed sets.
//! Nothing here does I/O, so the same validation runs in both places.

pub mod actor;
pub mod config;
pub mod ids;
pub mod names;
pub mod task;
pub mod time;
pub mod user;
pub mod validate;

pub use actor::*;
pub use config::*;
pub use ids::*;
pub use names::parse_name;
pub use task::*;
pub use time::*;
pub use user::*;
pub use validate::*;
